namespace L4Conf.Adapters.Jdb;

/// <summary>
/// A JDB object dump (`dumpmapdbobjs`) that cannot be read. The message starts with `file:line:` so editors and
/// CI logs can jump to it; <see cref="Line"/> is 0 when the problem concerns the whole file (e.g. no dump in it).
/// </summary>
public sealed class ObjectDumpFormatException : FormatException
{
    public ObjectDumpFormatException(string fileName, int line, string? lineText, string problem)
        : base(line > 0 ? $"{fileName}:{line}: {problem}" : $"{fileName}: {problem}")
    {
        FileName = fileName;
        Line = line;
        LineText = lineText;
    }

    public string FileName { get; }

    /// <summary>1-based line in the input file; for text inside a gzip block, the line of its `begin` line.</summary>
    public int Line { get; }

    /// <summary>The offending line after CR/ANSI removal (the decoded line for gzip blocks), or null.</summary>
    public string? LineText { get; }
}
