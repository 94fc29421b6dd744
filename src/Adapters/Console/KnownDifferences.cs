using System.Text.RegularExpressions;

namespace L4Conf.Adapters.Console;

/// <summary>
/// One accepted difference between a real console and the model's: why, and the lines it covers: a capture line
/// (`real:`) the model prints differently (`model:`) or not at all, or a model line the capture does not have. Each
/// pattern is a regular expression for the whole line. <see cref="Uses"/> counts the lines it explained, so an entry
/// that explains nothing (stale) is reported.
/// </summary>
public sealed class KnownDifference(string file, int line, string why, Regex? real, Regex? model)
{
    /// <summary>`normalise: REGEX => REPLACEMENT`: a run-dependent part of a line, rewritten on both sides.</summary>
    public (Regex Pattern, string Replacement)? Normalise { get; init; }
    /// <summary>`cut: START .. END`: capture lines from a START line to an END line (both kept out), e.g. a debugger session.</summary>
    /// <summary>`diff: REGEX`: a difference of two object graphs (its text, as `l4conf objects diff` prints it).</summary>
    public Regex? Diff { get; init; }
    /// <summary>`tbuf: REGEX`: a trace-buffer divergence of a replay (its text, as `l4conf replay` words it).</summary>
    public Regex? Tbuf { get; init; }
    public (Regex Start, Regex End)? Cut { get; init; }
    public string File { get; } = file;
    public int Line { get; } = line;
    public string Why { get; } = why;
    public Regex? Real { get; } = real;
    public Regex? Model { get; } = model;
    public int Uses { get; set; }
    public string Where => $"{Path.GetFileName(File)}:{Line}";
}

public sealed class KnownDifferencesException(string message) : Exception(message);

/// <summary>
/// A known-differences file: entries of a `why:` line and one or two pattern lines (`real:` and/or `model:`), or a
/// `normalise:` or `cut:` line; blank lines and `#` comments between them. A file can include others
/// (`include: NAME`, relative to it).
/// </summary>
public static class KnownDifferences
{
    public static List<KnownDifference> Load(string path)
    {
        var list = new List<KnownDifference>();
        Load(Path.GetFullPath(path), list, new HashSet<string>());
        return list;
    }

    private static void Load(string path, List<KnownDifference> list, HashSet<string> seen)
    {
        if (!seen.Add(path)) throw new KnownDifferencesException($"{path}: included twice (a cycle?)");
        if (!File.Exists(path)) throw new KnownDifferencesException($"{path}: no such known-differences file");
        var lines = File.ReadAllLines(path);
        string? why = null;
        int whyLine = 0;
        Regex? real = null, model = null;
        (Regex, string)? norm = null;
        (Regex, Regex)? cut = null;
        Regex? diff = null, tbuf = null;
        void Flush(int at)
        {
            if (why == null) return;
            int kinds = (real != null || model != null ? 1 : 0) + (norm != null ? 1 : 0) + (cut != null ? 1 : 0) + (diff != null ? 1 : 0) + (tbuf != null ? 1 : 0);
            if (kinds == 0) throw new KnownDifferencesException($"{path}:{whyLine}: 'why:' without a 'real:', 'model:', 'normalise:', 'cut:', 'diff:' or 'tbuf:' line");
            if (kinds > 1) throw new KnownDifferencesException($"{path}:{whyLine}: one entry mixes line patterns, 'normalise:', 'cut:', 'diff:' and 'tbuf:'");
            list.Add(new KnownDifference(path, whyLine, why, real, model) { Normalise = norm, Cut = cut, Diff = diff, Tbuf = tbuf });
            why = null; real = null; model = null; norm = null; cut = null; diff = null; tbuf = null;
        }
        Regex Compile(string pattern, int n, bool whole)
        {
            try { return new Regex(whole ? "^(?:" + pattern + ")$" : pattern, RegexOptions.CultureInvariant); }
            catch (ArgumentException e) { throw new KnownDifferencesException($"{path}:{n}: bad pattern: {e.Message}"); }
        }
        for (int i = 0; i < lines.Length; i++)
        {
            var l = lines[i];
            int n = i + 1;
            if (l.Length == 0 || l.StartsWith('#')) { Flush(n); continue; }
            int colon = l.IndexOf(':');
            string key = colon > 0 ? l[..colon] : "", val = colon > 0 ? l[(colon + 1)..] : "";
            if (val.StartsWith(' ')) val = val[1..];                     // one space after the colon; the rest is the pattern
            switch (key)
            {
                case "include":
                    Flush(n);
                    Load(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, val)), list, seen);
                    break;
                case "why":
                    Flush(n);
                    if (val.Length == 0) throw new KnownDifferencesException($"{path}:{n}: 'why:' needs a reason");
                    why = val; whyLine = n;
                    break;
                case "normalise" or "cut":
                {
                    if (why == null) throw new KnownDifferencesException($"{path}:{n}: '{key}:' needs a 'why:' line before it");
                    string sep = key == "cut" ? " .. " : " => ";
                    int at = val.IndexOf(sep, StringComparison.Ordinal);
                    if (at <= 0) throw new KnownDifferencesException($"{path}:{n}: expected '{key}: {(key == "cut" ? "START .. END" : "PATTERN => REPLACEMENT")}'");
                    if (key == "cut") cut = (Compile(val[..at], n, true), Compile(val[(at + 4)..], n, true));
                    else norm = (Compile(val[..at], n, false), val[(at + 4)..]);
                    break;
                }
                case "diff" or "tbuf":
                    if (why == null) throw new KnownDifferencesException($"{path}:{n}: '{key}:' needs a 'why:' line before it");
                    if ((key == "diff" ? diff : tbuf) != null) throw new KnownDifferencesException($"{path}:{n}: second '{key}:' in one entry");
                    if (key == "diff") diff = Compile(val, n, true); else tbuf = Compile(val, n, true);
                    break;
                case "real" or "model":
                    if (why == null) throw new KnownDifferencesException($"{path}:{n}: '{key}:' needs a 'why:' line before it");
                    var re = Compile(val, n, true);
                    if (key == "real") { if (real != null) throw new KnownDifferencesException($"{path}:{n}: second 'real:' in one entry"); real = re; }
                    else { if (model != null) throw new KnownDifferencesException($"{path}:{n}: second 'model:' in one entry"); model = re; }
                    break;
                default:
                    throw new KnownDifferencesException($"{path}:{n}: expected 'why:', 'real:', 'model:', 'normalise:', 'cut:', 'diff:', 'tbuf:', 'include:' or a '#' comment, found '{(l.Length > 40 ? l[..40] + "..." : l)}'");
            }
        }
        Flush(lines.Length + 1);
    }
}
