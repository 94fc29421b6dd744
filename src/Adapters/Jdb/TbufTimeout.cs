using System.Text.RegularExpressions;
using L4Conf.Model.Abi;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// The `TO=` field: the send timeout if the operation sends, `/`, the receive timeout if it receives (fiasco
/// tb_entry_output.cpp, formatter_ipc). `INF` is the never timeout (raw 0), `0` the zero timeout (raw 0x400,
/// src/abi/l4_types.cpp); other values are rounded (`100m`, `3.0s`, `>99s`, `abs=...`) and lose the raw bits.
/// The raw pair (send half in bits 31..16, receive half in 15..0) is known only when both halves are shown and
/// each is `INF` or `0`; otherwise Raw is 0.
/// </summary>
internal readonly partial record struct TbufTimeout(string Text, ulong Raw)
{
    private const ulong Never = 0, Zero = 0x400;
    private const string NotAvailable = "abs-N/A";

    /// <param name="op">The operation's flags, null when JDB printed `unk ipc` for a special selector.</param>
    public static TbufTimeout Parse(string text, SysFlags? op)
    {
        // "abs-N/A" is one timeout with a slash of its own
        string[] parts = text.Length == 0 ? [] : text.Replace(NotAvailable, "\u0001").Split('/')
            .Select(p => p.Replace("\u0001", NotAvailable)).ToArray();
        foreach (var p in parts)
            if (!PartRegex().IsMatch(p))
                throw new TbufFieldException(
                    $"bad timeout '{p}' in TO={text}: expected INF, 0, a rounded time like 100m, 3.0s, >99s, or abs=...");
        if (op is not { } flags)
            return parts.Length is 1 or 2 ? new TbufTimeout(text, 0) : throw Shape(text, "one or two timeouts");

        var send = (flags & SysFlags.Send) != 0;
        var recv = (flags & SysFlags.Recv) != 0;
        var shown = (send ? 1 : 0) + (recv ? 1 : 0);
        if (parts.Length != shown)
            throw Shape(text, shown switch { 0 => "no timeout", 1 => "one timeout", _ => "send/receive timeouts" });
        if (shown == 2 && Raw16(parts[0]) is { } snd && Raw16(parts[1]) is { } rcv)
            return new TbufTimeout(text, snd << 16 | rcv);
        return new TbufTimeout(text, 0);
    }

    private static ulong? Raw16(string part) => part switch { "INF" => Never, "0" => Zero, _ => null };

    private static TbufFieldException Shape(string text, string expected) =>
        new($"bad timeouts TO={text}: this operation shows {expected}");

    [GeneratedRegex(@"^(?:INF|0|[<>]?-?\d+(?:\.\d)?[smu]|abs=\d+,rel[=<>]-?\d+(?:\.\d)?[smu]|abs-N/A)$", RegexOptions.CultureInvariant)]
    private static partial Regex PartRegex();
}
