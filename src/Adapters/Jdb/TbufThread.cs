using System.Text.RegularExpressions;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// The thread column: the debug id as `%04lx`, or `p:%p` (the TCB address) for a thread that has no kernel-object
/// debug info any more, e.g. one whose task was gone when the dump ran (fiasco jdb_tbuf_output.cpp, print_entry).
/// </summary>
internal static partial class TbufThread
{
    /// <summary>Id is 0 when only the pointer is known; Ref then holds `p:0x...`.</summary>
    public static (ulong Id, string? Ref) Parse(string text)
    {
        if (PointerRegex().IsMatch(text))
            return (0, text);
        if (text.Length < 4)
            throw new TbufFieldException($"expected a thread as at least 4 hex digits or 'p:0x...', found '{text}'");
        return (TbufHex.Parse(text, "the thread id"), null);
    }

    [GeneratedRegex(@"^p:0x[0-9a-f]{1,16}$", RegexOptions.CultureInvariant)]
    private static partial Regex PointerRegex();
}
