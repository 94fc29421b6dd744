using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Itas;

/// <summary>
/// The page-fault trampoline handler (Region_map_svr::thread_pf_handler, itas/region.cc:618-651): it runs in the
/// faulting program thread, entered by the kernel with RDI = the trampoline state and RSI = the page-fault word;
/// it keeps the thread's UTCB, resolves the fault through the runtime's region map, restores the UTCB and ends
/// with PF-tramp::resume, or ::reflect (the kernel then sends the exception to the thread's handler).
/// </summary>
public static class PfHandler
{
    public const ulong Resume = 9 | (1UL << 16), Reflect = 9 | (2UL << 16);

    public static void Run(Process p)
    {
        ItasState st;
        lock (ItasProgram.States) st = ItasProgram.States[p.Task];
        var regs = p.Thread.Machine!.Regs;
        ulong tramp = regs.Rdi, word = regs.Rsi;
        ulong ip = p.ReadU64(tramp + (ulong)Model.Kernel.Kernel.TrampState + 18 * 8);
        var saved = (ulong[])p.Utcb.W.Clone();
        long r = st.Rm!.Resolve(p, p.Sys, word, ip);
        Array.Copy(saved, p.Utcb.W, saved.Length);
        p.Utcb.SetMr(0, r >= 0 ? Resume : Reflect);
        p.Sys.Call(~0UL << 11, new MsgTag((long)Protocol.Thread, 1, 0));
    }
}
