using System.Text;
using System.Text.RegularExpressions;

namespace L4Conf.Adapters.Console;

/// <summary>
/// Serial console text as the captures hold it: `.log` (escapes removed, LF) or `.raw` (the exact serial bytes, with
/// colour escapes and CRLF). Both read to the same lines; the model's console is read the same way.
/// </summary>
public static partial class ConsoleText
{
    [GeneratedRegex("\x1b\\[[0-9;?]*[A-Za-z]")]
    private static partial Regex Escapes();

    public static IReadOnlyList<string> Lines(string text)
    {
        text = Escapes().Replace(text, "").Replace("\r\n", "\n").Replace('\r', '\n');
        var lines = text.Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    public static IReadOnlyList<string> Read(string path) => Lines(File.ReadAllText(path, Encoding.Latin1));

    /// <summary>
    /// The source of a console line: the log tag Moe prints before a program's output ("hello   | "), or "" for the
    /// untagged console (kernel, sigma0, Moe, Ned). Lines of different sources may interleave differently on the real
    /// system (timer-driven scheduling), lines of one source never.
    /// </summary>
    public static string Source(string line) =>
        line.Length >= 10 && line[8] == '|' && line[9] == ' ' ? line[..8] : "";
}
