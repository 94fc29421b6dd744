namespace L4Conf.Adapters;

/// <summary>
/// A capture that cannot be read. The message starts with `file:line:` so editors and CI logs can jump to it;
/// <see cref="Line"/> is 0 when the problem concerns the whole file (e.g. nothing readable in it).
/// </summary>
public abstract class CaptureFormatException(string fileName, int line, string? lineText, string problem)
    : FormatException(line > 0 ? $"{fileName}:{line}: {problem}" : $"{fileName}: {problem}")
{
    public string FileName { get; } = fileName;

    /// <summary>1-based line in the input file.</summary>
    public int Line { get; } = line;

    /// <summary>The offending line after CR/ANSI removal, or null.</summary>
    public string? LineText { get; } = lineText;
}
