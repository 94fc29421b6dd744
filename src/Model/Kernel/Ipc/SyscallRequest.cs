using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>The registers of one system call a user program makes: RDX, RAX, RSI, R8 (the message is in its UTCB).</summary>
public readonly record struct SyscallRequest(ulong Rdx, MsgTag Tag, ulong Rsi = 0, ulong R8 = 0)
{
    /// <summary>
    /// Set when modelled code executes a faulting instruction instead of a system call (e.g. a real program's
    /// NULL dereference that the model reproduces): the thread takes this trap as if its CPU had raised it.
    /// </summary>
    public Machine.Trap? Fault { get; init; }
}
