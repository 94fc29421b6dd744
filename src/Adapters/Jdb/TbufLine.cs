using System.Text.RegularExpressions;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// The frame of one dumped entry (fiasco jdb_tbuf_show.cpp, show_events, long output): an optional mark `M<d>`,
/// the entry number and `.`, the entry itself in a 120-column field starting with the CPU (`%2d ` on this
/// multi-processor kernel), then the TSC delta and TSC, each with seconds, and `kclk=` (the kernel clock in µs,
/// low 32 bits). Kind is told by the entry's first word: `ipc:`, `pf:`, or the thread followed by `answ`.
/// </summary>
/// <param name="MayBeCut">The entry fills JDB's 120-column field, so JDB may have cut its end off.</param>
internal sealed partial record TbufLine(long Number, string Kind, string Body, ulong Kclk, bool MayBeCut)
{
    /// <summary>Longer than any entry JDB writes; refusing it keeps the parsing cheap on any input.</summary>
    private const int MaxLength = 4096;

    public static TbufLine Parse(string text)
    {
        if (text.Length > MaxLength)
            throw new TbufFieldException($"the line has {text.Length} characters, far more than a JDB entry");
        var head = HeadRegex().Match(text);
        if (!head.Success)
            throw new TbufFieldException("expected an entry starting '<n>.'");
        var number = TbufHex.ParseDecimal(head.Groups[1].Value, "the entry number");
        if (number > long.MaxValue)
            throw new TbufFieldException("the entry number is too large");
        var tail = TailRegex().Match(text, head.Length);
        if (!tail.Success)
            throw new TbufFieldException(
                "expected the timing columns '<tsc delta> (<s> s)  <tsc> (<s> s) kclk=<µs>' at the end of the entry");
        var kclk = TbufHex.ParseDecimal(tail.Groups[1].Value, "the kernel clock after kclk=");
        var field = text[head.Length..tail.Index];
        var body = WithoutCpu(field);
        // the field is printed with %120.120s; the number's two blanks and the CPU's leading blank are not in it
        return new TbufLine((long)number, KindOf(body), body, kclk, field.Length >= 119);
    }

    private static string WithoutCpu(string field)
    {
        var m = CpuRegex().Match(field);
        return m.Success && KindOrNull(m.Groups[1].Value) is not null ? m.Groups[1].Value : field;
    }

    private static string KindOf(string body) =>
        KindOrNull(body) ?? throw new TbufFieldException(
            $"expected an entry 'ipc: ...', 'pf: ...' or '<thread> answ ...', found '{(body.Length > 40 ? body[..40] + "..." : body)}' " +
            "(other kinds JDB knows, such as ke: or breakpoints, do not occur in the captures and are not read)");

    private static string? KindOrNull(string body) =>
        body.StartsWith("ipc:", StringComparison.Ordinal) ? TbufKinds.Ipc
        : body.StartsWith("pf:", StringComparison.Ordinal) ? TbufKinds.PageFault
        : AnswerRegex().IsMatch(body) ? TbufKinds.Answer
        : null;

    [GeneratedRegex(@"^\s*(?:M\d\s+)?(\d{1,19})\.\s+", RegexOptions.CultureInvariant)]
    private static partial Regex HeadRegex();

    [GeneratedRegex(@"\s+-?\d{1,20} \(\s*-?\d{1,12}\.\d{6} s\)\s+\d{1,20} \(\s*\d{1,12}\.\d{6} s\) kclk=(\d{1,10})\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex TailRegex();

    // The CPU column; absent on a uniprocessor kernel, so it counts only if an entry kind follows.
    [GeneratedRegex(@"^\d{1,3} +(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex CpuRegex();

    [GeneratedRegex(@"^(?:\[np\] )?\S+ answ(?: |$)", RegexOptions.CultureInvariant)]
    private static partial Regex AnswerRegex();
}
