using System.Text;
using L4Conf.Model.Kernel;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Itas;

/// <summary>
/// What the L4Re runtime (rom/l4re, l4re_itas) of one task shares between its threads: the task's memory holds
/// these structures in the real system, so the runtime's threads (the ITAS thread, the program thread in its
/// loader and page-fault handler) all see them.
/// </summary>
public sealed class ItasState
{
    public const ulong LocalRmCaps = 1024;                   // Global::Max_local_rm_caps
    /// <summary>Debug mask bits of l4re_itas (itas/debug.h:21-31).</summary>
    public const ulong DbgInfo = 1, DbgWarn = 2, DbgBoot = 4, DbgServer = 0x10, DbgExceptions = 0x20, DbgLoader = 0x80;

    public ItasState(L4ReEnv env, Model.Kernel.Task task)
    {
        Env = env;
        Task = task;
        CapBase = env.FirstFreeCap;
        _capUsed = new bool[LocalRmCaps];
    }

    public L4ReEnv Env { get; }
    public Model.Kernel.Task Task { get; }
    public ulong CapBase { get; }
    private readonly bool[] _capUsed;
    private int _capHint;
    public ulong DbgLevel { get; set; } = DbgInfo | DbgWarn;
    public LocalRegionMap? Rm { get; set; }
    public SignalManager? Signals { get; set; }
    /// <summary>
    /// The gate labels of the runtime's objects are their addresses in the real rom/l4re (b6f7495), as the real dumps
    /// show them (file_server_jdb_mapdb_objs.log: the task's gates C:20-C:23): the region map, the signal manager and
    /// the remote-access object are statics, the program thread's exception handler is the first heap object.
    /// </summary>
    public const ulong RmLabel = 0xa0034240, SignalManagerLabel = 0xa0034760, RemoteAccessLabel = 0xa00350e0, FirstHandlerLabel = 0xa0101c50;

    /// <summary>Later heap objects (handlers of threads a program creates): after the first, in 0x40 steps (UNCONFIRMED).</summary>
    private ulong _nextObj = FirstHandlerLabel + 0x40;
    public ulong NewObjectLabel(ulong size = 0x40)
    {
        ulong a = _nextObj;
        _nextObj += (size + 0x3F) & ~0x3FUL;
        return a;
    }

    /// <summary>The ITAS's cap allocator (l4re/util counting_cap_alloc): 1024 slots from env.first_free_cap, lowest free from a hint.</summary>
    public ulong AllocCap()
    {
        for (int i = _capHint; i < _capUsed.Length; i++)
            if (!_capUsed[i]) { _capUsed[i] = true; _capHint = i + 1; return CapBase + (ulong)i; }
        throw new InvalidOperationException("l4re_itas: out of capability slots");
    }

    public void FreeCap(ulong slot)
    {
        if (slot < CapBase || slot >= CapBase + LocalRmCaps) return;
        int i = (int)(slot - CapBase);
        _capUsed[i] = false;
        if (i < _capHint) _capHint = i;
    }

    /// <summary>The program the ITAS loads and its runtime facts.</summary>
    public string Binary => Env.Binary;
    public ulong ProgramThreadSlot { get; set; }
    public ulong LoaderStackSlot { get; set; }
    public ulong AppUtcb { get; set; }
    public ulong TrampAddr { get; set; }
    public bool HasPfTramp { get; set; } = true;
    public ulong SignalMgrGate { get; set; }
    public ulong RemoteAccessGate { get; set; }
    public ulong RmGate { get; set; }
    public ulong BinarySlot { get; set; }
    public ulong LoaderStackAddr { get; set; }
    public ulong FirstFreeUtcbForProgram { get; set; }

    // -----------------------------------------------------------------------------------------------------------
    // output: L4Re::Util::Dbg / Err through stdout on the task's log capability

    /// <summary>Writes one or more complete lines through the task's log (each line one Vcon write).</summary>
    public void Out(Process p, string text)
    {
        if ((Env.Log & (1UL << 11)) != 0) return;
        int i = 0;
        while (i < text.Length)
        {
            int nl = text.IndexOf('\n', i);
            int end = nl < 0 ? text.Length : nl + 1;
            var b = Encoding.Latin1.GetBytes(text[i..end]);
            for (int off = 0; off < b.Length; off += Stdio.VconWriteSize)
                Stdio.Send(p, Env.Log, b.AsSpan(off, Math.Min(Stdio.VconWriteSize, b.Length - off)));
            i = end;
        }
    }

    /// <summary>Dbg(mask, subsys).printf: "l4re_itas: " or "l4re_itas[sub]: " and the text, when the mask is enabled.</summary>
    public void Dbg(Process p, ulong mask, string? sub, string text)
    {
        if ((mask & DbgLevel) == 0) return;
        Out(p, (sub == null ? "l4re_itas: " : $"l4re_itas[{sub}]: ") + text);
    }

    /// <summary>Err(Fatal/Normal).printf: always printed, "l4re_itas: FATAL: " / "l4re_itas: ERROR: ".</summary>
    public void Err(Process p, bool fatal, string text) => Out(p, "l4re_itas: " + (fatal ? "FATAL: " : "ERROR: ") + text);
}
