namespace L4Conf.Conformance.Cli;

/// <summary>
/// Bad input given on the command line (an unreadable or malformed capture, a missing file, a bad number) ends the
/// command with `l4conf: message` (file and line where the readers know them) and exit code 2, never a stack trace.
/// </summary>
public static class InputErrors
{
    /// <summary>
    /// A parse error in plain words: "as expected type 'System.Nullable`1[System.Int32]'" becomes "as a whole number"
    /// (System.CommandLine names the .NET type of a typed option).
    /// </summary>
    public static string PlainTypeNames(string message) => System.Text.RegularExpressions.Regex.Replace(message,
        @"as expected type '(System\.Nullable`1\[)?System\.(?<t>\w+)\]?'", m => m.Groups["t"].Value switch
        {
            "Int32" or "Int64" or "UInt32" or "UInt64" => "as a whole number",
            "Double" or "Single" or "Decimal" => "as a number",
            "Boolean" => "as true or false",
            _ => "as a " + m.Groups["t"].Value.ToLowerInvariant(),
        });

    /// <summary>Why <paramref name="f"/> cannot be written (a directory, or its folder missing), checked before any work; null when it can.</summary>
    public static string? CannotWrite(FileInfo? f, string option) =>
        f == null ? null
        : Directory.Exists(f.FullName) ? $"{option} {f.FullName}: is a directory"
        : !Directory.Exists(Path.GetDirectoryName(f.FullName)) ? $"{option} {f.FullName}: its folder does not exist"
        : null;

    /// <summary>
    /// The options of a command that runs the model on a boot entry (replay, compare): --max-time in range, the rom
    /// directory and the modules.list present (defaults: the captures' rom). Null when they can be used, else why not.
    /// </summary>
    public static string? ModelRun(double maxTimeS, DirectoryInfo? rom, FileInfo? list, out string romDir, out string listFile)
    {
        romDir = rom?.FullName ?? Paths.RomDir();
        listFile = list?.FullName ?? Path.Combine(Paths.RomDir(), "modules.list");
        if (maxTimeS <= 0 || double.IsNaN(maxTimeS) || maxTimeS > 1e9) return $"--max-time {maxTimeS}: must be a positive number of seconds";
        if (!Directory.Exists(romDir)) return $"--rom {romDir}: no such directory";
        if (!File.Exists(listFile)) return $"--modules-list {listFile}: no such file";
        return null;
    }

    /// <summary>A user's text quoted in an error: at most a short prefix of a huge line.</summary>
    public static string Quote(string s, int max = 80) => s.Length <= max ? s : s[..max] + $"... ({s.Length} characters)";

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
