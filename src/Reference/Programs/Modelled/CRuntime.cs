using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Programs.Modelled;

/// <summary>
/// What the C library of an L4Re program does around main (runtime-misc notes §3-§5, itas notes §1.6): libpthread
/// creates the main thread's semaphore at env.first_free_cap and advances it by one (libpthread/src/l4.cc:97-108);
/// L4Re::Util::cap_alloc takes the next 0x1000 slots (l4re/util/libs/cap_alloc.cc:23-45, Kconfig default) and the
/// reply caps; the Vcon standard stream takes a semaphore from it (l4re_vfs vcon_stream_impl.h:21-28); libpthread
/// gives the rest of the UTCB area to its free list (first_free_utcb = ~0). stdout is line buffered; main's return
/// value goes to the parent as signal(0, code) (exit). The capture ned_t_start.log shows the result:
/// capdump with one initial cap prints first_free_cap=0x1418000, file_client's first own slot is 0x41b.
/// </summary>
public sealed class CRuntime
{
    public const ulong UtilCaps = 0x1000, ReplyCaps = 0x1000;

    private readonly bool[] _used = new bool[UtilCaps];

    public CRuntime(Process p)
    {
        P = p;
        Env = L4ReEnv.Read(p, p.Thread.Machine!.Regs.Rsp);
        Out = new Stdio(p, Env.Log);
        // libpthread's main-thread semaphore
        ulong sem = Env.FirstFreeCap;
        p.Sys.FactoryCreate(Env.Factory, (long)Protocol.Semaphore, sem << 12);
        Env.FirstFreeCap = sem + 1;
        // L4Re::Util::cap_alloc and the reply-cap allocator
        CapBase = Env.FirstFreeCap;
        Env.FirstFreeCap += UtilCaps;
        Env.FirstFreeReplyCap += ReplyCaps;
        InitialFirstFreeUtcb = Env.FirstFreeUtcb;
        Env.FirstFreeUtcb = ~0UL;
        WriteBack();
        // the standard stream's semaphore
        p.Sys.FactoryCreate(Env.Factory, (long)Protocol.Semaphore, AllocCap() << 12);
    }

    public Process P { get; }
    public L4ReEnv Env { get; }
    public Stdio Out { get; }
    public ulong CapBase { get; }
    /// <summary>Where the UTCBs libpthread hands to new threads start (env.first_free_utcb before it took them).</summary>
    public ulong InitialFirstFreeUtcb { get; }
    public IReadOnlyList<string> Argv => Env.Argv;

    /// <summary>L4Re::Util::cap_alloc.alloc(): the lowest free slot of its range, as a selector.</summary>
    public ulong AllocCap()
    {
        for (int i = 0; i < _used.Length; i++)
            if (!_used[i]) { _used[i] = true; return (CapBase + (ulong)i) << 12; }
        return L4ReEnv.InvalidCap;
    }

    public void Printf(string text) => Out.Write(text);

    /// <summary>l4_sleep(ms): a receive from nobody with a relative timeout.</summary>
    public void Sleep(ulong ms) => P.Usleep(ms * 1000);

    /// <summary>exit(code): stdio flushed, the parent told, and the thread waits to be killed.</summary>
    public void Exit(long code)
    {
        Out.Flush();
        ParentClient.Signal(P.Sys, Env.Parent, 0, unchecked((ulong)code));
        P.SleepForever();
    }

    /// <summary>Runs main with this runtime: its return value is the exit code.</summary>
    public static void Run(Process p, Func<CRuntime, int> main)
    {
        var rt = new CRuntime(p);
        rt.Exit(main(rt));
    }

    /// <summary>The changed l4re_env_t words go back to the task's memory, where the program's code would keep them.</summary>
    private void WriteBack()
    {
        if (Env.EnvAddr == 0) return;
        P.WriteU64(Env.EnvAddr + 8 * 9, Env.FirstFreeCap);
        P.WriteU64(Env.EnvAddr + 8 * 10, Env.FirstFreeReplyCap);
        P.WriteU64(Env.EnvAddr + 8 * 12, Env.FirstFreeUtcb);
    }

    /// <summary>l4sys_errtostr (l4sys/lib/src/errtostr.c): "(null)" for codes it has no text for.</summary>
    public static string ErrText(long r) => L4Errors.Text(r) ?? "(null)";
}
