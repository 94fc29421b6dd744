namespace L4Conf.Adapters.Jdb;

/// <summary>A JDB trace-buffer dump that cannot be read; the line text is as a terminal shows it (CR and ANSI escapes applied).</summary>
public sealed class TraceBufferFormatException(string fileName, int line, string? lineText, string problem)
    : CaptureFormatException(fileName, line, lineText, problem);
