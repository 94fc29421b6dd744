using L4Conf.Model.Abi;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// JDB's name of an IPC operation, which is the low four bits of the selector (fiasco tb_entry_output.cpp,
/// get_ipc_type; the bits are L4_obj_ref::Operation in src/abi/l4_types.cpp). Every other value prints `unk ipc`.
/// </summary>
internal static class TbufOperation
{
    public const string Unknown = "unk ipc";

    private static readonly (string Text, SysFlags Flags)[] Names =
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
        foreach (var (text, flags) in Names)
            if (flags == op) return text;
        return Unknown;
    }

    /// <summary>The flags behind a name; null for `unk ipc`, which stands for several values.</summary>
    public static SysFlags? Flags(string text)
    {
        foreach (var (name, flags) in Names)
            if (name == text) return flags;
        if (text == Unknown) return null;
        throw new TbufFieldException(
            $"expected an operation ({string.Join(", ", Names.Select(n => n.Text))} or {Unknown}), found '{text}'");
    }
}
