namespace L4Conf.Adapters.Jdb;

/// <summary>
/// A JDB trace-buffer dump that cannot be read. The message starts with `file:line:` so editors and CI logs can
/// jump to it; <see cref="Line"/> is 0 when the problem concerns the whole file (e.g. no entries in it).
/// </summary>
public sealed class TraceBufferFormatException : FormatException
{
    public TraceBufferFormatException(string fileName, int line, string? lineText, string problem)
        : base(line > 0 ? $"{fileName}:{line}: {problem}" : $"{fileName}: {problem}")
    {
        FileName = fileName;
        Line = line;
        LineText = lineText;
    }

    public string FileName { get; }

    /// <summary>1-based line in the input text.</summary>
    public int Line { get; }

    /// <summary>The offending line as a terminal shows it (CR and ANSI escapes applied), or null.</summary>
    public string? LineText { get; }
}
