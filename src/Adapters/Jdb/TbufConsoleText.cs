using System.Text;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// Turns captured serial text into the lines a terminal would show: CR returns to column 0 and later characters
/// overwrite, ESC[K erases to the end of the line, other escape sequences and control characters vanish. JDB's
/// pager prompt (`--- CR: line ... ---` CR ESC[K) thereby disappears as it does on screen. Line i is input line i+1.
/// </summary>
internal static class TbufConsoleText
{
    public static string[] Lines(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
            if (NeedsRendering(lines[i]))
                lines[i] = Render(lines[i]);
        return lines;
    }

    private static bool NeedsRendering(string line)
    {
        foreach (var c in line)
            if (c < ' ' && c != '\t' || c == '\x7f')
                return true;
        return false;
    }

    private static string Render(string line)
    {
        var screen = new StringBuilder(line.Length);
        var col = 0;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            switch (c)
            {
                case '\r':
                    col = 0;
                    break;
                case '\b':
                    col = Math.Max(0, col - 1);
                    break;
                case '\x1b':
                    i = Escape(line, i, screen, col);
                    break;
                default:
                    if (c < ' ' && c != '\t' || c == '\x7f')
                        break; // bell, NUL and the like leave no mark
                    Put(screen, col++, c);
                    break;
            }
        }
        return screen.ToString();
    }

    private static void Put(StringBuilder screen, int col, char c)
    {
        if (col < screen.Length)
            screen[col] = c;
        else
            screen.Append(' ', col - screen.Length).Append(c);
    }

    /// <summary>Applies the escape sequence starting at <paramref name="esc"/>; returns the index of its last char.</summary>
    private static int Escape(string line, int esc, StringBuilder screen, int col)
    {
        if (esc + 1 >= line.Length)
            return esc;
        if (line[esc + 1] != '[')
            return esc + 1; // two-character forms (ESC 7, ESC M, ...)
        var j = esc + 2;
        var paramStart = j;
        while (j < line.Length && line[j] >= '0' && line[j] <= '?') j++;
        var param = line[paramStart..j];
        while (j < line.Length && line[j] >= ' ' && line[j] <= '/') j++;
        if (j >= line.Length)
            return line.Length - 1; // cut-off sequence at the end of the capture
        if (line[j] == 'K')
            EraseInLine(screen, col, param);
        return j;
    }

    private static void EraseInLine(StringBuilder screen, int col, string param)
    {
        switch (param)
        {
            case "" or "0":
                if (col < screen.Length) screen.Length = col;
                break;
            case "1":
                for (var k = 0; k <= col && k < screen.Length; k++) screen[k] = ' ';
                break;
            case "2":
                screen.Clear().Append(' ', col);
                break;
        }
    }
}
