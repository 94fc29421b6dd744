using L4Conf.Model.Abi;

namespace L4Conf.Model.Trace;

/// <summary>
/// JDB's name of an IPC operation: the low four bits of the selector (fiasco tb_entry_output.cpp, get_ipc_type;
/// bits are L4_obj_ref::Operation in src/abi/l4_types.cpp). Every other value prints `unk ipc`. The model names
/// its own system calls the same way, so its traces and real ones read alike.
/// </summary>
public static class OpNames
{
    public const string Unknown = "unk ipc";

    public static readonly IReadOnlyList<(string Text, SysFlags Flags)> Table =
    [
        ("none", SysFlags.None),
        ("call ipc", SysFlags.Call),
        ("send", SysFlags.Send),
        ("recv", SysFlags.Recv),
        ("snd wait", SysFlags.SendAndWait),
        ("repl", SysFlags.ReplyAndWait),
        ("wait", SysFlags.Wait),
        ("send rcap", SysFlags.Send | SysFlags.Reply),
    ];

    public static string Text(SysFlags op)
    {
        foreach (var (text, flags) in Table)
            if (flags == op) return text;
        return Unknown;
    }
}
