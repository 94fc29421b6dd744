namespace L4Conf.Adapters.Jdb;

/// <summary>
/// A JDB object dump (`dumpmapdbobjs`) that cannot be read; for text inside a gzip block the line is that of its
/// `begin` line and the decoded line is the line text.
/// </summary>
public sealed class ObjectDumpFormatException(string fileName, int line, string? lineText, string problem)
    : CaptureFormatException(fileName, line, lineText, problem);
