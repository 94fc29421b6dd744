using L4Conf.Model.Abi;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>JDB's operation names when reading a capture (the table is <see cref="OpNames"/>).</summary>
internal static class TbufOperation
{
    public const string Unknown = OpNames.Unknown;

    public static string Text(SysFlags op) => OpNames.Text(op);

    /// <summary>The flags behind a name; null for `unk ipc`, which stands for several values.</summary>
    public static SysFlags? Flags(string text)
    {
        foreach (var (name, flags) in OpNames.Table)
            if (name == text) return flags;
        if (text == Unknown) return null;
        throw new TbufFieldException(
            $"expected an operation ({string.Join(", ", OpNames.Table.Select(n => n.Text))} or {Unknown}), found '{text}'");
    }
}
