using DiffPlex;

namespace L4Conf.Adapters.Console;

/// <summary>One console line that differs and no known difference explains.</summary>
public sealed record ConsoleDifference(string Kind, string Source, int? RealLine, string? Real, int? ModelLine, string? Model)
{
    public override string ToString() => Kind switch
    {
        "changed" => $"capture line {RealLine}: real   {Real}\n{new string(' ', $"capture line {RealLine}: ".Length)}model  {Model}",
        "missing" => $"capture line {RealLine}: the model does not print: {Real}",
        _ => $"model line {ModelLine}: only the model prints: {Model}",
    };
}

/// <summary>The outcome of a comparison: unexplained differences and the known entries that explained nothing.</summary>
public sealed record ConsoleComparison(IReadOnlyList<ConsoleDifference> Differences, IReadOnlyList<KnownDifference> Stale, int RealLines, int ModelLines)
{
    public bool Same => Differences.Count == 0 && Stale.Count == 0;
}

/// <summary>
/// Compares a capture's console with the model's, line by line. Blank lines are not compared (the kernel and JDB
/// start their messages with a newline, so where blank lines fall depends on what came before). Both sides are
/// normalised first (the `normalise:`
/// entries: run-dependent values), the capture's debugger sessions are cut (`cut:`), then the lines are compared per
/// source (<see cref="ConsoleText.Source"/>): the order within one program's output must match, the interleaving of
/// different programs may not (the real system's is timer-driven). Each differing line must be explained by a
/// known-differences entry, and each entry must explain at least one line.
/// </summary>
public static class ConsoleDiff
{
    /// <param name="realFirstLine">The capture file's line number of <paramref name="real"/>[0] (for the report).</param>
    public static ConsoleComparison Compare(IReadOnlyList<string> real, IReadOnlyList<string> model, IReadOnlyList<KnownDifference> known,
        int realFirstLine = 1)
    {
        foreach (var k in known) k.Uses = 0;
        var r = Cut(Number(real, realFirstLine), known).Where(x => x.Text.Length > 0).Select(x => (x.N, Normalise(x.Text, known))).ToList();
        var m = Number(model, 1).Where(x => x.Text.Length > 0).Select(x => (x.N, Normalise(x.Text, known))).ToList();
        var diffs = new List<ConsoleDifference>();
        var sources = r.Select(x => ConsoleText.Source(x.Item2)).Concat(m.Select(x => ConsoleText.Source(x.Item2))).Distinct().ToList();
        foreach (var src in sources)
        {
            var rs = r.Where(x => ConsoleText.Source(x.Item2) == src).ToList();
            var ms = m.Where(x => ConsoleText.Source(x.Item2) == src).ToList();
            var res = Differ.Instance.CreateDiffs(string.Join("\n", rs.Select(x => x.Item2)), string.Join("\n", ms.Select(x => x.Item2)),
                false, false, DiffPlex.Chunkers.LineChunker.Instance);
            // all of a source's differing lines together: a reordered line is deleted in one block, inserted in another
            var del = res.DiffBlocks.SelectMany(b => rs.Skip(b.DeleteStartA).Take(b.DeleteCountA)).ToList();
            var ins = res.DiffBlocks.SelectMany(b => ms.Skip(b.InsertStartB).Take(b.InsertCountB)).ToList();
            Explain(src, del, ins, known, diffs);
        }
        diffs.Sort((a, b) => (a.RealLine ?? a.ModelLine ?? 0).CompareTo(b.RealLine ?? b.ModelLine ?? 0));
        var stale = known.Where(k => k.Uses == 0 && k.Diff == null && k.Tbuf == null).ToList();   // object and trace-buffer entries are a replay's
        return new ConsoleComparison(diffs, stale, real.Count, model.Count);
    }

    private static List<(int N, string Text)> Number(IReadOnlyList<string> lines, int first) => lines.Select((t, i) => (i + first, t)).ToList();

    private static IEnumerable<(int N, string Text)> Cut(List<(int N, string Text)> lines, IReadOnlyList<KnownDifference> known)
    {
        var cuts = known.Where(k => k.Cut != null).ToList();
        KnownDifference? open = null;
        foreach (var l in lines)
        {
            if (open != null)
            {
                if (open.Cut!.Value.End.IsMatch(l.Text)) open = null;
                continue;
            }
            var start = cuts.FirstOrDefault(k => k.Cut!.Value.Start.IsMatch(l.Text));
            if (start != null) { start.Uses++; open = start; continue; }
            yield return l;
        }
    }

    /// <summary>A line as the comparison sees it (the `normalise:` entries applied), without counting the entries' uses.</summary>
    public static string NormaliseQuiet(string line, IReadOnlyList<KnownDifference> known) => Normalise(line, known, count: false);

    private static string Normalise(string line, IReadOnlyList<KnownDifference> known, bool count = true)
    {
        foreach (var k in known)
        {
            if (k.Normalise is not { } n) continue;
            var t = n.Pattern.Replace(line, n.Replacement);
            if (t != line) { if (count) k.Uses++; line = t; }
        }
        return line;
    }

    /// <summary>Pairs a source's differing capture lines and model lines with known entries; what remains is reported.</summary>
    private static void Explain(string src, List<(int N, string Text)> del, List<(int N, string Text)> ins,
        IReadOnlyList<KnownDifference> known, List<ConsoleDifference> diffs)
    {
        var usedIns = new bool[ins.Count];
        var unexplainedDel = new List<(int N, string Text)>();
        foreach (var d in del)
        {
            bool ok = false;
            foreach (var k in known.Where(k => k.Real != null && k.Real.IsMatch(d.Text)))
            {
                if (k.Model == null) { k.Uses++; ok = true; break; }
                int j = Enumerable.Range(0, ins.Count).FirstOrDefault(j => !usedIns[j] && k.Model.IsMatch(ins[j].Text), -1);
                if (j >= 0) { usedIns[j] = true; k.Uses++; ok = true; break; }
            }
            if (!ok) unexplainedDel.Add(d);
        }
        var unexplainedIns = new List<(int N, string Text)>();
        for (int j = 0; j < ins.Count; j++)
        {
            if (usedIns[j]) continue;
            var k = known.FirstOrDefault(k => k.Real == null && k.Model != null && k.Model.IsMatch(ins[j].Text));
            if (k != null) { k.Uses++; continue; }
            unexplainedIns.Add(ins[j]);
        }
        int pairs = Math.Min(unexplainedDel.Count, unexplainedIns.Count);
        for (int i = 0; i < pairs; i++)
            diffs.Add(new ConsoleDifference("changed", src, unexplainedDel[i].N, unexplainedDel[i].Text, unexplainedIns[i].N, unexplainedIns[i].Text));
        foreach (var d in unexplainedDel.Skip(pairs)) diffs.Add(new ConsoleDifference("missing", src, d.N, d.Text, null, null));
        foreach (var d in unexplainedIns.Skip(pairs)) diffs.Add(new ConsoleDifference("extra", src, null, null, d.N, d.Text));
    }
}
