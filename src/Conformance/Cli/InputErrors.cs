namespace L4Conf.Conformance.Cli;

/// <summary>
/// Bad input given on the command line (an unreadable or malformed capture, a missing file, a bad number) ends the
/// command with `l4conf: message` (file and line where the readers know them) and exit code 2, never a stack trace.
/// </summary>
public static class InputErrors
{
    public static int Guard(Func<int> body)
    {
        try { return body(); }
        // FormatException covers the capture readers' CaptureFormatException and bad numbers in options.
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"l4conf: {e.Message}");
            return 2;
        }
    }
}
