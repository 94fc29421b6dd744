using L4Conf.Model.Machine;

namespace L4Conf.Model.Kernel;

/// <summary>Runs user code: the CPU model, plugged in so the kernel does not depend on how instructions are executed.</summary>
public delegate StopReason UserCpu(CpuState regs, IMemoryBus memory, long budget);

/// <summary>
/// What a thread needs to execute machine code: its registers, the address space it runs in, and the CPU. Set by the
/// machine model when a thread is started at an instruction pointer.
/// </summary>
public sealed class UserMachine(CpuState regs, IMemoryBus memory, UserCpu cpu)
{
    public CpuState Regs { get; } = regs;
    public IMemoryBus Memory { get; } = memory;
    public UserCpu Cpu { get; } = cpu;
    /// <summary>Instructions retired so far (for statistics and benchmarks).</summary>
    public long Retired { get; internal set; }
    /// <summary>The most instructions this thread may retire; runaway code is stopped with a report when it is used up.</summary>
    public long Budget { get; init; } = long.MaxValue;
}

/// <summary>What kernel-made IPC a thread is blocked in, so its completion is interpreted rather than returned to user code.</summary>
public enum KernelIpcKind { None, Syscall, PageFault, Exception }
