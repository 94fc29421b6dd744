using System.Globalization;
using System.Text.RegularExpressions;
using L4Conf.Model.Abi;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// Cross-checks the ABI catalogue against the tables of spec/reference/abi-facts.md, the fact sheet collected
/// from the real headers: in each table row naming a catalogue constant in backticks, the first purely numeric
/// cell after it must equal the model's value.
/// </summary>
public static partial class AbiFactSheet
{
    [GeneratedRegex(@"`([A-Za-z_0-9:]+)`")]
    private static partial Regex Name();
    [GeneratedRegex(@"^-?(0x[0-9A-Fa-f_]+|\d+)$")]
    private static partial Regex Number();

    public static string Path() => System.IO.Path.Combine(Cli.Paths.Spec(), "reference", "abi-facts.md");

    public static (int Matched, List<string> Mismatches) CrossCheck(string path)
    {
        var model = AbiCatalog.All.GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.Select(a => a.Value).ToHashSet());
        int matched = 0;
        var bad = new List<string>();
        var lines = File.ReadAllLines(path);
        int selectorColumn = -1;   // a table with a "Selector" column: the header constant is the selector (index << L4_CAP_SHIFT)
        for (int ln = 0; ln < lines.Length; ln++)
        {
            if (!lines[ln].StartsWith('|')) { selectorColumn = -1; continue; }
            var cells = lines[ln].Trim().Trim('|').Split('|').Select(x => x.Trim()).ToArray();
            if (ln + 1 < lines.Length && lines[ln + 1].StartsWith("|--", StringComparison.Ordinal) || ln + 1 < lines.Length && lines[ln + 1].StartsWith("|---", StringComparison.Ordinal))
            {
                selectorColumn = Array.FindIndex(cells, c => c == "Selector");
                continue;
            }
            if (selectorColumn >= 0 && selectorColumn < cells.Length && Number().IsMatch(cells[selectorColumn]) && Name().Match(cells[0]) is { Success: true } sel && model.TryGetValue(sel.Groups[1].Value, out var sv))
            {
                if (sv.Contains(Parse(cells[selectorColumn]))) matched++;
                else bad.Add($"abi-facts.md:{ln + 1}: {sel.Groups[1].Value} = {cells[selectorColumn]}, model has {string.Join("/", sv.Select(x => "0x" + x.ToString("x")))}");
                continue;
            }
            for (int i = 0; i < cells.Length; i++)
                foreach (Match m in Name().Matches(cells[i]))
                {
                    if (!model.TryGetValue(m.Groups[1].Value, out var values)) continue;
                    var cell = cells.Skip(i + 1).Select(x => x.Replace("**", "").Replace("`", "").Trim()).FirstOrDefault(x => Number().IsMatch(x));
                    if (cell == null) continue;
                    long v = Parse(cell);
                    if (values.Contains(v)) matched++;
                    else bad.Add($"abi-facts.md:{ln + 1}: {m.Groups[1].Value} = {cell}, model has {string.Join("/", values.Select(x => "0x" + x.ToString("x")))}");
                }
        }
        return (matched, bad);
    }

    private static long Parse(string s)
    {
        bool neg = s.StartsWith('-');
        var t = s.TrimStart('-').Replace("_", "");
        ulong u = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? ulong.Parse(t[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : ulong.Parse(t, CultureInfo.InvariantCulture);
        return neg ? -(long)u : unchecked((long)u);
    }
}
