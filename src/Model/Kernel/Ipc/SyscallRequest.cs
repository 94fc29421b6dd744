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

    /// <summary>
    /// A page fault of modelled code's own memory access (it reads or writes memory that is not mapped yet): the kernel
    /// sends the thread's page-fault IPC to its pager as for machine code, and the program goes on once it is answered.
    /// </summary>
    public bool Resumable { get; init; }
}
