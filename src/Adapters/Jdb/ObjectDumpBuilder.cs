using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// Collects the object and capability lines of one dump into an <see cref="ObjectGraph"/>. Every non-blank line
/// must be one of the two shapes: a dump is evidence, so nothing inside it is skipped.
/// </summary>
internal sealed class ObjectDumpBuilder(string fileName)
{
    private readonly List<GraphObject> _objects = [];
    private readonly List<GraphCap> _caps = [];
    private GraphObject? _current;

    public int ObjectCount => _objects.Count + (_current is null ? 0 : 1);

    /// <param name="line">Line text without CR and ANSI sequences.</param>
    /// <param name="lineNo">Input file line recorded in the graph and in errors.</param>
    /// <param name="where">Extra location for errors, e.g. the decoded line inside a gzip block.</param>
    public void Add(string line, int lineNo, string? where = null)
    {
        if (string.IsNullOrWhiteSpace(line))
            return;
        if (ObjectDumpLine.IsCapShaped(line))
        {
            var cap = ObjectDumpLine.ParseCap(line, lineNo)
                      ?? throw Fail(lineNo, line, where, $"cannot read capability line: '{Show(line)}' (expected {ObjectDumpLine.CapShape})");
            if (_current is null)
                throw Fail(lineNo, line, where, $"capability line before any object line: '{Show(line)}'");
            _caps.Add(cap);
            return;
        }
        if (ObjectDumpLine.IsObjectShaped(line))
        {
            var obj = ObjectDumpLine.ParseObject(line, lineNo)
                      ?? throw Fail(lineNo, line, where, $"cannot read object line: '{Show(line)}' (expected {ObjectDumpLine.ObjectShape})");
            Flush();
            _current = obj;
            return;
        }
        throw Fail(lineNo, line, where,
            $"unrecognised line in object dump: '{Show(line)}' (expected an object line {ObjectDumpLine.ObjectShape} or a capability line {ObjectDumpLine.CapShape})");
    }

    public ObjectGraph Build(int formatVersion, string userTag)
    {
        Flush();
        return new ObjectGraph(formatVersion, userTag, _objects.ToArray());
    }

    private void Flush()
    {
        if (_current is null)
            return;
        _objects.Add(_current with { Caps = _caps.ToArray() });
        _caps.Clear();
        _current = null;
    }

    private ObjectDumpFormatException Fail(int lineNo, string line, string? where, string problem) =>
        new(fileName, lineNo, line, where is null ? problem : $"{problem} [{where}]");

    /// <summary>Line text for messages: tabs and other control characters made visible.</summary>
    internal static string Show(string line)
    {
        // a huge line (a binary file, a missing line end) is quoted by a short prefix
        const int Max = 120;
        var sb = new System.Text.StringBuilder(Math.Min(line.Length, Max) + 24);
        foreach (var ch in line.Length > Max ? line[..Max] : line)
        {
            if (ch == '\t')
                sb.Append(@"\t");
            else if (char.IsControl(ch))
                sb.Append(@"\x").Append(((int)ch).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            else
                sb.Append(ch);
        }
        if (line.Length > Max) sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"... ({line.Length} characters)");
        return sb.ToString();
    }
}
