using System.Text.RegularExpressions;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// Where the trace-buffer entries are in a text, as the half-open line range [Start, End). A dump begins after
/// the `Trace buffer:` heading of the system report `Y`, or after the `jdb# tbufdumptext` command line; it ends
/// at the report's `-----` separator, the next JDB prompt or the end of the text. A text with neither marker is
/// a plain extract: entries run from the first entry line to the end, lines before it are a header. Any other
/// line inside the range is an error, not the end of the dump: a corrupted line must not cut the dump short.
/// </summary>
internal readonly partial record struct TbufSection(int Start, int End)
{
    public static TbufSection Find(string[] lines, string fileName)
    {
        var marker = -1;
        for (var i = 0; i < lines.Length; i++)
        {
            if (!IsMarker(lines[i])) continue;
            if (marker >= 0)
                throw new TraceBufferFormatException(fileName, i + 1, lines[i],
                    $"a second trace-buffer dump begins here (the first began at line {marker + 1}); read one dump per file");
            marker = i;
        }

        var start = marker >= 0 ? marker + 1 : FirstEntryLine(lines);
        if (start < 0)
            throw new TraceBufferFormatException(fileName, 0, null,
                "no trace-buffer entries found (expected a 'Trace buffer:' section, a 'jdb# tbufdumptext' dump or " +
                "entry lines '<n>. <cpu> ipc:|pf:|<thread> answ ...')");

        var end = start;
        while (end < lines.Length && IsEntryLine(lines[end])) end++;
        CheckTerminator(lines, end, marker >= 0, fileName);
        if (end == start)
            throw new TraceBufferFormatException(fileName, marker + 1, lines[marker],
                "the trace-buffer dump that begins here has no entries");
        return new TbufSection(start, end);
    }

    /// <summary>Lines that look like an entry (`<n>.` after optional blanks and JDB's `M<d>` mark).</summary>
    public static bool IsEntryLine(string line) => EntryStartRegex().IsMatch(line);

    private static bool IsMarker(string line) => line.Trim() == "Trace buffer:" || DumpCommandRegex().IsMatch(line);

    private static int FirstEntryLine(string[] lines)
    {
        for (var i = 0; i < lines.Length; i++)
            if (IsEntryLine(lines[i])) return i;
        return -1;
    }

    /// <summary>After the entries only blank lines may come before the end of the text or, for a marked dump,
    /// before the separator or the next prompt.</summary>
    private static void CheckTerminator(string[] lines, int end, bool marked, string fileName)
    {
        var next = end;
        while (next < lines.Length && lines[next].Trim().Length == 0) next++;
        if (next == lines.Length)
            return;
        if (marked && (SeparatorRegex().IsMatch(lines[next]) || PromptRegex().IsMatch(lines[next])))
            return;
        var bad = IsEntryLine(lines[next]) ? end : next; // a blank line between entries is the odd one out
        throw new TraceBufferFormatException(fileName, bad + 1, lines[bad],
            marked
                ? "expected a trace-buffer entry '<n>. <cpu> ...' or the end of the dump (a '-----' line or the next jdb prompt)"
                : "expected a trace-buffer entry '<n>. <cpu> ...' (a dump without a 'Trace buffer:' or 'tbufdumptext' " +
                  "heading runs to the end of the text)");
    }

    [GeneratedRegex(@"^\s*(?:M\d\s+)?\d+\.(?:\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex EntryStartRegex();

    [GeneratedRegex(@"^\s*jdb[#:]\s*tbufdumptext\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex DumpCommandRegex();

    [GeneratedRegex(@"^-{3,}\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex SeparatorRegex();

    [GeneratedRegex(@"^jdb[#:]", RegexOptions.CultureInvariant)]
    private static partial Regex PromptRegex();
}
