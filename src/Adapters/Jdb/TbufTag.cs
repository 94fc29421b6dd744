using System.Globalization;
using L4Conf.Model.Abi;

namespace L4Conf.Adapters.Jdb;

/// <summary>A message tag as JDB prints it in brackets, with the protocol text it used.</summary>
internal readonly record struct TbufTag(MsgTag Tag, string Protocol)
{
    private const string Form = "[<protocol>,<flags>,w=<words>,i=<items>]";

    // Flag letters in the order JDB writes them, for tag bits 12..15 (fiasco tb_entry_output.cpp, print_msgtag).
    private static readonly (char Letter, MsgTagFlags Flag)[] FlagLetters =
    [
        ('F', MsgTagFlags.TransferFpu), ('S', MsgTagFlags.Schedule), ('P', MsgTagFlags.Propagate), ('E', MsgTagFlags.Error),
    ];

    /// <summary>Reads the text between the brackets, e.g. `Klog,S,w=5,i=0` or `ffffffffffffffde,w=0,i=0`.</summary>
    public static TbufTag Parse(string text)
    {
        var parts = text.Split(',');
        if (parts.Length is not (3 or 4))
            throw Bad(text, "three or four comma-separated parts");
        var label = Label(parts[0], text);
        var flags = parts.Length == 4 ? Flags(parts[1], text) : MsgTagFlags.None;
        var words = Count(parts[^2], "w=", text);
        var items = Count(parts[^1], "i=", text);
        return new TbufTag(new MsgTag(label, words, items, flags), parts[0]);
    }

    private static long Label(string proto, string text)
    {
        if (TbufProtocolNames.TryLabel(proto, out var named))
            return named;
        if (!TbufHex.IsHex(proto))
            throw Bad(text, "a protocol name (Klog, Ktask, ds, ...) or a hex label");
        var label = unchecked((long)TbufHex.Parse(proto, "the protocol label"));
        if (label < -(1L << 47) || label >= 1L << 47)
            throw Bad(text, "a label that fits the 48 label bits of a tag");
        if (TbufProtocolNames.NameOf(label) is { } name)
            throw Bad(text, $"the name '{name}', which JDB prints for label {proto}");
        return label;
    }

    private static MsgTagFlags Flags(string letters, string text)
    {
        var flags = MsgTagFlags.None;
        var next = 0;
        foreach (var c in letters)
        {
            while (next < FlagLetters.Length && FlagLetters[next].Letter != c) next++;
            if (next == FlagLetters.Length)
                throw Bad(text, "flag letters from F, S, P, E in that order");
            flags |= FlagLetters[next++].Flag;
        }
        if (letters.Length == 0)
            throw Bad(text, "flag letters between the protocol and w=");
        return flags;
    }

    private static int Count(string part, string prefix, string text)
    {
        if (!part.StartsWith(prefix, StringComparison.Ordinal)
            || !int.TryParse(part.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 63)
            throw Bad(text, $"{prefix}<0..63>");
        return n;
    }

    private static TbufFieldException Bad(string text, string expected) =>
        new($"bad tag bracket [{text}]: expected {expected} (JDB writes {Form})");
}
