namespace L4Conf.Model.Machine;

/// <summary>General-purpose registers in the hardware encoding order (RAX=0 .. R15=15).</summary>
public enum Reg : byte { Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15 }

/// <summary>RFLAGS bits the model keeps (Intel SDM Vol. 1 §3.4.3).</summary>
[Flags]
public enum RFlags : ulong
{
    CF = 1 << 0, Reserved1 = 1 << 1, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8, IF = 1 << 9, DF = 1 << 10, OF = 1 << 11,
    IOPL = 3 << 12, NT = 1 << 14, AC = 1 << 18, ID = 1 << 21,
}

/// <summary>A user thread's register file: what `syscall`, traps and exception IPC read and write.</summary>
public sealed class CpuState
{
    public readonly ulong[] R = new ulong[16];
    public ulong Rip;
    /// <summary>User RFLAGS: bit 1 always set, IF set in user mode.</summary>
    public ulong Rflags = 0x202;
    public ulong FsBase, GsBase;
    /// <summary>XMM0..XMM15 (SSE/SSE2 state the model CPU's vector moves use; little-endian lanes).</summary>
    public readonly UInt128[] Xmm = new UInt128[16];
    /// <summary>
    /// MXCSR: SSE rounding control, exception masks and sticky flags, DAZ, FTZ. Reset value 0x1f80 (all masked, round to
    /// nearest): Fiasco's initial FPU state (fpu-ia32.cpp:241-242, <c>sse-&gt;mxcsr = 0x1f80</c>).
    /// </summary>
    public uint Mxcsr = Machine.Mxcsr.Reset;
    /// <summary>The x87 FPU (stack, control and status words, tags, last-instruction pointers); travels with the XMM state.</summary>
    public readonly X87State X87 = new();
    /// <summary>User selectors: fs and gs are 0, their bases come from the MSRs (faults_plain.log: "fs =    0   gs =    0").</summary>
    public ushort Cs = 0x2B, Ss = 0x23, Ds = 0x23, Es = 0x23, Fs = 0, Gs = 0;
    /// <summary>
    /// The descriptor table the selectors name: Fiasco's GDT with this thread's four user entries (a kernel thread
    /// shares <c>Thread.GdtUserEntries</c>); shared, not copied, by <see cref="Clone"/>.
    /// </summary>
    public DescriptorTable Gdt = new FiascoGdt();

    public ulong this[Reg r] { get => R[(int)r]; set => R[(int)r] = value; }
    public ulong Rax { get => R[0]; set => R[0] = value; }
    public ulong Rcx { get => R[1]; set => R[1] = value; }
    public ulong Rdx { get => R[2]; set => R[2] = value; }
    public ulong Rsp { get => R[4]; set => R[4] = value; }
    public ulong Rsi { get => R[6]; set => R[6] = value; }
    public ulong Rdi { get => R[7]; set => R[7] = value; }
    public ulong R8 { get => R[8]; set => R[8] = value; }
    public ulong R11 { get => R[11]; set => R[11] = value; }

    /// <summary>A deep copy: the register array is copied, not shared.</summary>
    public CpuState Clone()
    {
        var c = new CpuState { Rip = Rip, Rflags = Rflags, FsBase = FsBase, GsBase = GsBase, Cs = Cs, Ss = Ss, Ds = Ds, Es = Es, Fs = Fs, Gs = Gs, Mxcsr = Mxcsr, Gdt = Gdt };
        Array.Copy(R, c.R, 16);
        Array.Copy(Xmm, c.Xmm, 16);
        c.X87.CopyFrom(X87);
        return c;
    }
}

/// <summary>Why the CPU stopped running user code.</summary>
public enum StopKind
{
    /// <summary>`syscall` executed: RIP is past it, RCX/R11 already hold the return RIP/RFLAGS as hardware leaves them.</summary>
    Syscall,
    /// <summary>A trap: the instruction did not complete (faults) or completed (int3 is a trap: RIP past it).</summary>
    Trap,
    /// <summary>The instruction budget ran out before anything else happened.</summary>
    Budget,
}

/// <summary>The result of running: why it stopped, the trap if any, how many instructions retired, and a message for #UD.</summary>
public readonly record struct StopReason(StopKind Kind, Trap Trap, long Retired, string? Detail = null);
