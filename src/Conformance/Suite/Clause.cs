using System.Text.RegularExpressions;

namespace L4Conf.Conformance.Suite;

/// <summary>One rule of the real system, with a stable id and the real source it comes from.</summary>
public sealed record Clause(string Id, string Title, string Text, string Source, string File, int Line);

/// <summary>
/// Reads spec/*.md: each clause is a `### ID: title` heading, a paragraph of text, and a `Source:` line.
/// Ids are unique across all files; a clause without a source is an error with its file and line.
/// </summary>
public static partial class ClauseCatalog
{
    [GeneratedRegex(@"^### ([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+): (.+)$")]
    private static partial Regex Heading();

    public static IReadOnlyList<Clause> Load(string specDir)
    {
        var clauses = new List<Clause>();
        var seen = new Dictionary<string, string>();
        foreach (var file in Directory.GetFiles(specDir, "*.md").OrderBy(f => f, StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                var m = Heading().Match(lines[i]);
                if (!m.Success) continue;
                string id = m.Groups[1].Value, title = m.Groups[2].Value.Trim();
                var text = new List<string>();
                string? source = null;
                int j = i + 1;
                for (; j < lines.Length && !lines[j].StartsWith("#", StringComparison.Ordinal); j++)
                {
                    if (lines[j].StartsWith("Source:", StringComparison.Ordinal)) source = lines[j]["Source:".Length..].Trim();
                    else if (lines[j].Trim().Length > 0) text.Add(lines[j].Trim());
                }
                var where = $"{Path.GetFileName(file)}:{i + 1}";
                if (source is null or "") throw new FormatException($"{where}: clause {id} has no 'Source:' line");
                if (seen.TryGetValue(id, out var first)) throw new FormatException($"{where}: clause {id} is already defined at {first}");
                seen[id] = where;
                clauses.Add(new Clause(id, title, string.Join(" ", text), source, Path.GetFileName(file), i + 1));
                i = j - 1;
            }
        }
        return clauses;
    }
}
