using System.Text.RegularExpressions;

namespace L4Conf.Conformance.Proofs;

/// <summary>
/// One proof obligation: an SMT-LIB2 file whose leading comment block names it, e.g.
/// <code>
/// ; id: OBL-MAP-1
/// ; title: map never adds a right
/// ; clauses: CAP-MAP-1, CAP-MAP-2
/// ; expect: unsat
/// </code>
/// Obligations state the negation of a property, so "unsat" means the property holds.
/// </summary>
public sealed partial record Obligation(string Id, string Title, IReadOnlyList<string> Clauses, string Expect, string Path, string Text)
{
    /// <summary>`; trace:` template: how a counterexample reads as a step of the kernel ({name} = a constant's value).</summary>
    public string? Trace { get; init; }

    private static readonly string[] Required = ["id", "title", "expect"];

    [GeneratedRegex(@"^;+\s*(id|title|clauses|expect|trace)\s*:(.*)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HeaderKey();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdShape();

    /// <summary>Reads one .smt2 file; a missing or malformed header key is a <see cref="FormatException"/> naming file and line.</summary>
    public static Obligation Load(string path)
    {
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        var found = new Dictionary<string, (string Value, int Line)>(StringComparer.OrdinalIgnoreCase);

        // The header is the leading run of comment/blank lines; keys further down are just prose.
        var lineNo = 0;
        for (; lineNo < lines.Length; lineNo++)
        {
            var line = lines[lineNo].Trim();
            if (line.Length != 0 && !line.StartsWith(';')) break;
            var m = HeaderKey().Match(line);
            if (!m.Success) continue;
            var key = m.Groups[1].Value.ToLowerInvariant();
            if (found.TryGetValue(key, out var first))
                throw Bad(path, lineNo + 1, $"duplicate header key '{key}' (first on line {first.Line})");
            found[key] = (m.Groups[2].Value.Trim(), lineNo + 1);
        }

        var headerEnd = Math.Min(lineNo + 1, Math.Max(lines.Length, 1));
        foreach (var key in Required)
            if (!found.TryGetValue(key, out var v) || v.Value.Length == 0)
                throw Bad(path, found.TryGetValue(key, out var at) ? at.Line : headerEnd,
                    $"missing required header '; {key}: ...' in the leading comment block");

        var (id, idLine) = found["id"];
        if (!IdShape().IsMatch(id)) throw Bad(path, idLine, $"id '{id}' must be letters, digits, '.', '_' or '-'");
        var (expect, expectLine) = found["expect"];
        expect = expect.ToLowerInvariant();
        if (expect is not ("sat" or "unsat"))
            throw Bad(path, expectLine, $"expect must be 'sat' or 'unsat', not '{found["expect"].Value}'");

        var clauses = found.TryGetValue("clauses", out var c)
            ? c.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        return new Obligation(id, found["title"].Value, clauses, expect, System.IO.Path.GetFullPath(path), text)
        { Trace = found.TryGetValue("trace", out var t) ? t.Value : null };
    }

    /// <summary>All *.smt2 files in <paramref name="dir"/>, sorted by Id; two files with one Id is an error.</summary>
    public static IReadOnlyList<Obligation> LoadAll(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"obligation directory not found: {dir}");
        var byId = new Dictionary<string, Obligation>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(dir, "*.smt2").Order(StringComparer.Ordinal))
        {
            var o = Load(file);
            if (byId.TryGetValue(o.Id, out var other))
                throw new FormatException($"duplicate obligation id '{o.Id}' in {other.Path} and {o.Path}");
            byId[o.Id] = o;
        }
        return [.. byId.Values.OrderBy(o => o.Id, StringComparer.Ordinal)];
    }

    private static FormatException Bad(string path, int line, string what) => new($"{path}:{line}: {what}");
}
