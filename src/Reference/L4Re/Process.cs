using System.Buffers.Binary;
using System.Text;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Model.Machine;
using KThread = L4Conf.Model.Kernel.Thread;

namespace L4Conf.Reference.L4Re;

/// <summary>
/// The context of a modelled program running on one thread: its system calls (blocking l4sys bindings through the
/// run loop), and its task's memory as user code sees it, through the task's page tables. A modelled program never
/// touches kernel state directly; reading an unmapped address is a bug in the model and reported as such.
/// </summary>
public sealed class Process
{
    public Process(Kernel kernel, KThread thread, BlockingProgram program)
    {
        Kernel = kernel;
        Thread = thread;
        Program = program;
        Sys = new L4Sys(kernel, thread, port: program);
    }

    public Kernel Kernel { get; }
    public KThread Thread { get; }
    public BlockingProgram Program { get; }
    public L4Sys Sys { get; }
    public Utcb Utcb => Thread.Utcb;
    public Model.Kernel.Task Task => Thread.Task ?? throw new InvalidOperationException("thread without task");
    private IMemoryBus Bus => Kernel.BusOf(Task);
    /// <summary>Logical time in µs (what the KIP clock would show).</summary>
    public ulong Now => Kernel.Clock;

    /// <summary>Runs a modelled program body on <paramref name="t"/> as a blocking program.</summary>
    public static BlockingProgram Start(Kernel k, KThread t, string name, Action<Process> body) =>
        new(name, bp => body(new Process(k, t, bp)));

    public bool TryRead(ulong va, Span<byte> dst) => Bus.Read(va, dst, AccessKind.Read, out _);

    /// <summary>
    /// An access of the program's own memory, as its code would make it: a page fault goes to the thread's pager
    /// (the program waits for the answer) and the access is retried; what still faults is a bug in the model.
    /// </summary>
    private void Access(ulong va, int len, bool write, Func<Trap?> attempt)
    {
        for (int tries = 0; ; tries++)
        {
            if (attempt() is not { } trap) return;
            if (trap.Vector != Vector.PageFault || tries >= 4 || Thread.Machine == null)
                throw new InvalidOperationException($"modelled program {(write ? "wrote" : "read")} 0x{va:x} (+{len}) and faulted: {trap}");
            Program.Syscall(new SyscallRequest(0, default) { Fault = trap, Resumable = true });
        }
    }

    public byte[] Read(ulong va, int len)
    {
        var b = new byte[len];
        Access(va, len, false, () => Bus.Read(va, b, AccessKind.Read, out var t) ? null : t);
        return b;
    }

    public ulong ReadU64(ulong va) => BinaryPrimitives.ReadUInt64LittleEndian(Read(va, 8));

    /// <summary>A NUL-terminated string of at most <paramref name="max"/> bytes.</summary>
    public string ReadCString(ulong va, int max = 4096)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < max; i++)
        {
            byte c = Read(va + (ulong)i, 1)[0];
            if (c == 0) break;
            sb.Append((char)c);
        }
        return sb.ToString();
    }

    public void Write(ulong va, ReadOnlySpan<byte> src)
    {
        var copy = src.ToArray();
        Access(va, copy.Length, true, () => Bus.Write(va, copy, out var t) ? null : t);
    }

    public void WriteU64(ulong va, ulong v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        Write(va, b);
    }

    /// <summary>
    /// The program executes a faulting instruction (a real program's crash that the model reproduces): the thread
    /// takes <paramref name="trap"/> as its CPU would, and this program ends.
    /// </summary>
    public void Crash(Trap trap)
    {
        Program.Syscall(new SyscallRequest(0, default) { Fault = trap });
        throw new ProgramAbortedException();
    }

    /// <summary>l4_sleep_forever(): receive from nobody with no timeout (never returns).</summary>
    public void SleepForever()
    {
        while (true) Sys.Sleep(0);
    }

    /// <summary>l4_usleep(us): a closed receive from the invalid cap with the receive timeout l4_timeout_from_us(us).</summary>
    public void Usleep(ulong us) => Sys.Sleep(Timeout.FromUs(us));
}

/// <summary>The 16-bit relative timeout encoding (l4sys/include/__timeout.h l4_timeout_from_us).</summary>
public static class Timeout
{
    /// <summary>Receive timeout word (send timeout never) for <paramref name="us"/> microseconds.</summary>
    public static ulong FromUs(ulong us)
    {
        if (us == 0) return 0x400;
        if (us > (1UL << 41) - 1) return 0;
        int msb = 63 - global::System.Numerics.BitOperations.LeadingZeroCount(us);
        int e = Math.Max(0, msb - 9);
        ulong m = (us + ((1UL << e) - 1)) >> e;
        if (m > 0x3FF)
        {
            if (e < 0x1F) { e++; m >>= 1; }
            else m = 0x3FF;
        }
        return ((ulong)e << 10) | m;
    }
}
