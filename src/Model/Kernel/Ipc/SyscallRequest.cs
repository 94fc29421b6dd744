using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>The registers of one system call a user program makes: RDX, RAX, RSI, R8 (the message is in its UTCB).</summary>
public readonly record struct SyscallRequest(ulong Rdx, MsgTag Tag, ulong Rsi = 0, ulong R8 = 0);
