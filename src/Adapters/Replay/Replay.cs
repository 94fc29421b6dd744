using System.Text;
using System.Text.RegularExpressions;
using L4Conf.Adapters.Console;
using L4Conf.Adapters.Jdb;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Replay;

/// <summary>
/// Replays a real capture on the model: boots the capture's entry with its script, then compares, in order of
/// authority, the object graphs (each `dumpmapdbobjs` block with the model's graph at the same point of the
/// script), the trace buffer (each `ipc:`/`answ`/`pf:` entry with the model's events of the same logging window)
/// and the console (line by line per program, after the known file's normalising). Every divergence is matched
/// against the known-differences file; entries of the capture's own file that match nothing are stale.
/// </summary>
public static partial class Replay
{
    public const ulong DefaultMaxTimeUs = 3_600_000_000;

    public static ReplayReport Run(ReplayInputs inputs, ulong maxTimeUs = DefaultMaxTimeUs)
    {
        var known = inputs.Known != null ? KnownDifferences.Load(inputs.Known) : [];
        var text = File.ReadAllText(inputs.Capture, Encoding.Latin1);
        var lines = ConsoleText.Lines(text);
        var sessions = JdbSessions.Find(lines);
        var image = ModelRun.Image(inputs);

        // where the compared console starts: the kernel's greeting (bootstrap's lines are not modelled)
        int from = Math.Max(0, lines.ToList().FindIndex(l => l == "Welcome to the L4Re Microkernel!"));
        var plain = ModelRun.Plain(image, maxTimeUs);
        var realNorm = lines.Select(l => ConsoleDiff.NormaliseQuiet(l, known)).ToList();
        var modelNorm = plain.Console.Select(l => ConsoleDiff.NormaliseQuiet(l, known)).ToList();
        var stops = sessions.Select(s => Anchor(realNorm, s, modelNorm)).ToList();
        var run = ModelRun.Run(image, maxTimeUs, plain, sessions, stops);
        var realDumpList = text.Contains(ObjectDumpReader.BlockStart, StringComparison.Ordinal) ? ObjectDumpReader.ReadAll(text, inputs.Capture) : [];

        var divs = new List<Divergence>();
        if (sessions.Count > 0 && !sessions[^1].Resumed)
        {
            var s = sessions[^1];
            var what = s.DumpsTraceBuffer ? " while JDB was dumping the trace buffer" : s.ObjectDumps > 0 ? " while JDB was dumping objects" : "";
            divs.Add(new Divergence(ReplayLayer.Capture, "truncated",
                $"the capture ends at line {lines.Count} inside the debugger visit of line {s.Start}{what} (no `g` resumed the system): it is cut short, so what it lacks from there on is not the system's",
                lines.Count, null) { Context = lines.Skip(Math.Max(0, lines.Count - 3)).Select((l, k) => $"  real  {lines.Count - Math.Min(3, lines.Count) + k + 1}: {l}").ToList() });
        }
        var script = File.ReadAllLines(inputs.Script);
        int pairs = 0, realEntries = 0;
        var graphs = new List<(int Dump, ObjectGraph Real, ObjectGraph Model)>();
        Objects(realDumpList, sessions, run, divs, graphs);
        Tbuf(inputs, text, sessions, run, RealNames(realDumpList), divs, ref pairs, ref realEntries);
        TbufScriptLines(divs, sessions, run, script);
        var cmp = ConsoleDiff.Compare(lines.Skip(from).ToList(), run.Console, known, from + 1);
        foreach (var d in cmp.Differences)
            divs.Add(new Divergence(ReplayLayer.Console, d.Kind, d.ToString().Replace("\n", " / ", StringComparison.Ordinal), d.RealLine,
                d.ModelLine is { } ml ? $"console line {ml}" : null) { Order = d.RealLine ?? d.ModelLine ?? 0, Context = ConsoleContext(lines, run.Console, d), ScriptLine = ScriptLine(script, d.Real ?? d.Model) is { } sl ? "line " + sl : null });

        // object and trace-buffer divergences are explained by `diff:`/`tbuf:` entries (console ones were by the diff itself)
        foreach (var d in divs.Where(d => d.Layer is ReplayLayer.Objects or ReplayLayer.TraceBuffer))
        {
            var k = known.FirstOrDefault(k => (d.Layer == ReplayLayer.Objects ? k.Diff : k.Tbuf) is { } re && re.IsMatch(d.Message));
            if (k == null) continue;
            k.Uses++;
            d.ExplainedBy = k.Where;
            d.ExplainedWhy = k.Why;
        }
        var own = inputs.Known != null ? Path.GetFullPath(inputs.Known) : null;
        var stale = known.Where(k => k.Uses == 0 && k.File == own).Select(k => $"{k.Where}: {k.Why}").ToList();
        // the picture shows the first dump with an unexplained difference (else the first dump)
        var pic = graphs.FirstOrDefault(g => divs.Any(d => d.Layer == ReplayLayer.Objects && d.ExplainedBy == null && d.Order == g.Dump - 1));
        if (pic.Real == null && graphs.Count > 0) pic = graphs[0];
        return new ReplayReport(inputs, divs, stale, run.Result, sessions.Count, realDumpList.Count, realEntries, pairs,
            lines.Count - from, run.Console.Count, known.Count)
        { RealGraph = pic.Real, ModelGraph = pic.Model, PictureDump = pic.Dump };
    }

    private static void Objects(IReadOnlyList<ObjectGraph> real, IReadOnlyList<JdbSession> sessions, ModelRun run, List<Divergence> divs,
        List<(int Dump, ObjectGraph Real, ObjectGraph Model)> graphs)
    {
        if (real.Count == 0) return;
        int next = 0;
        for (int i = 0; i < sessions.Count; i++)
        {
            for (int k = 0; k < sessions[i].ObjectDumps && next < real.Count; k++, next++)
            {
                string where = $"dump {next + 1} (debugger visit at capture line {sessions[i].Start}, after line {sessions[i].Anchor})";
                if (run.Unreached.TryGetValue(i, out var why))
                {
                    divs.Add(new Divergence(ReplayLayer.Objects, "unreached", $"{where}: not compared: {why}", sessions[i].Anchor, null) { Order = next });
                    continue;
                }
                var diff = ObjectGraphDiff.Compare(run.Dumps[i][k], real[next]);
                foreach (var d in diff.Differences)
                    divs.Add(new Divergence(ReplayLayer.Objects, KindName(d.Kind), d.Message, sessions[i].Start, $"graph at visit {i + 1}")
                    {
                        Order = next,
                        Context = [$"{where}; A = the model, B = the capture"],
                        Objects = (d.B?.Id, d.A?.Id),
                        Slot = d.Space != null && d.CapIndex is { } ci ? (d.Space, ci) : null,
                    });
                graphs.Add((next + 1, real[next], run.Dumps[i][k]));
            }
        }
        if (next < real.Count)
            divs.Add(new Divergence(ReplayLayer.Objects, "unplaced", $"{real.Count - next} object dump(s) outside a recognised debugger visit: not compared", null, null));
    }

    private static string KindName(DifferenceKind k) => k switch
    {
        DifferenceKind.ObjectMissingInA => "object-only-real",
        DifferenceKind.ObjectMissingInB => "object-only-model",
        DifferenceKind.CapabilityMissingInA => "cap-only-real",
        DifferenceKind.CapabilityMissingInB => "cap-only-model",
        DifferenceKind.RightsDiffer => "rights",
        DifferenceKind.RefCountDiffer => "ref-cnt",
        DifferenceKind.GateLabelDiffer => "gate-label",
        _ => "interface",
    };

    private static void Tbuf(ReplayInputs inputs, string text, IReadOnlyList<JdbSession> sessions, ModelRun run, Func<string, string?> realNames,
        List<Divergence> divs, ref int pairs, ref int entries)
    {
        int at = sessions.ToList().FindIndex(s => s.DumpsTraceBuffer);
        if (at < 0) return;
        var real = TraceBufferReader.Read(text, inputs.Capture);
        entries = real.EntryCount;
        if (run.Unreached.TryGetValue(at, out var why))
        {
            divs.Add(new Divergence(ReplayLayer.TraceBuffer, "unreached", $"trace buffer (dumped at capture line {sessions[at].Start}): not compared: {why}", sessions[at].Start, null));
            return;
        }
        var model = run.Windows[at];
        // JDB numbers entries from 1 when logging starts; a first number above 1 means the ring dropped the oldest ones
        bool wrapped = real.EntryCount > 0 && real.FirstEntry > 1;
        var found = TbufAlignment.Compare(new TbufAlignment.Side(real.Events, real.EntryNumbers),
            new TbufAlignment.Side(model, model.Select(e => e.Seq).ToList()), id => run.Names.GetValueOrDefault(id), realNames, wrapped, out pairs);
        divs.AddRange(found);
    }

    /// <summary>
    /// The script line of a trace-buffer divergence: the one behind the nearest console line the model printed before
    /// the model event (the script's prints mark where it stands).
    /// </summary>
    private static void TbufScriptLines(List<Divergence> divs, IReadOnlyList<JdbSession> sessions, ModelRun run, IReadOnlyList<string> script)
    {
        int at = sessions.ToList().FindIndex(s => s.DumpsTraceBuffer);
        if (at < 0 || !run.ConsoleAt.TryGetValue(at, out var consoleAt)) return;
        var byPrinted = new Dictionary<int, string?>();   // thousands of divergences share a few console positions
        for (int i = 0; i < divs.Count; i++)
        {
            var d = divs[i];
            if (d.ModelEvent is not { } ev || !consoleAt.TryGetValue(ev, out var printed)) continue;
            if (!byPrinted.TryGetValue(printed, out var found))
            {
                for (int l = Math.Min(printed, run.Console.Count) - 1, tries = 0; l >= 0 && tries < 30 && found == null; l--, tries++)
                    found = ScriptLine(script, run.Console[l]);
                byPrinted[printed] = found;
            }
            if (found != null) divs[i] = d with { ScriptLine = "after line " + found };
        }
    }

    /// <summary>Thread names from the capture's last object dump: the thread's own name, else its task's (`S=D:xx`).</summary>
    private static Func<string, string?> RealNames(IReadOnlyList<ObjectGraph> dumps)
    {
        if (dumps.Count == 0) return _ => null;
        var g = dumps[^1];
        var byId = g.Objects.ToDictionary(o => o.Id);
        var names = new Dictionary<string, string>();
        foreach (var o in g.Objects.Where(o => o.Type == "Thread"))
        {
            var n = o.Name;
            if (n == null && SpaceOf().Match(o.Attributes) is { Success: true } m && byId.TryGetValue(Convert.ToUInt64(m.Groups[1].Value, 16), out var t)) n = t.Name;
            if (n != null) names[o.Id.ToString("x4", System.Globalization.CultureInfo.InvariantCulture)] = n;
        }
        return id => names.GetValueOrDefault(id);
    }

    [GeneratedRegex(@"\bS=D:([0-9a-f]+)")]
    private static partial Regex SpaceOf();

    /// <summary>The model's console line for the capture line before a debugger visit (searching back over lines the model lacks).</summary>
    /// <param name="lines">The capture's lines, normalised.</param>
    /// <param name="model">The model's console lines, normalised.</param>
    private static (int, string)? Anchor(IReadOnlyList<string> lines, JdbSession s, IReadOnlyList<string> model)
    {
        for (int a = s.Anchor - 1, tries = 0; a >= 0 && tries < 50; a--, tries++)
        {
            if (lines[a].Trim().Length == 0) continue;
            var t = lines[a];
            int occurrence = 0;
            for (int i = 0; i < a; i++) if (lines[i] == t) occurrence++;
            for (int i = 0, seen = 0; i < model.Count; i++)
                if (model[i] == t && seen++ == occurrence) return (i + 1, t);
        }
        return null;
    }

    private static IReadOnlyList<string> ConsoleContext(IReadOnlyList<string> real, IReadOnlyList<string> model, ConsoleDifference d)
    {
        var c = new List<string>();
        if (d.RealLine is { } r)
            for (int i = Math.Max(1, r - 2); i <= Math.Min(real.Count, r + 2); i++) c.Add($"{(i == r ? ">" : " ")} real  {i}: {real[i - 1]}");
        if (d.ModelLine is { } m)
            for (int i = Math.Max(1, m - 2); i <= Math.Min(model.Count, m + 2); i++) c.Add($"{(i == m ? ">" : " ")} model {i}: {model[i - 1]}");
        return c;
    }

    /// <summary>The script line whose print() most likely wrote <paramref name="line"/>: the longest literal it starts with.</summary>
    public static string? ScriptLine(IReadOnlyList<string> script, string? line)
    {
        if (line == null) return null;
        var lits = LiteralCache.GetValue(script, s => s.SelectMany((l, i) => Literal().Matches(l).Select(m => (i, m.Groups[2].Value))).Where(x => x.Value.Length > 5).ToList());
        var text = ConsoleText.Source(line).Length > 0 ? line[10..] : line;
        int best = -1, bestLen = 5;
        foreach (var (i, lit) in lits)
            if (lit.Length > bestLen && text.StartsWith(lit, StringComparison.Ordinal)) { best = i; bestLen = lit.Length; }
        return best < 0 ? null : $"{best + 1}: {script[best].Trim()}";
    }

    /// <summary>Each script's string literals (line index, text), found once: a replay asks for thousands of lines.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyList<string>, List<(int, string)>> LiteralCache = new();

    [GeneratedRegex("""(["'])((?:(?!\1)[^\\%])*)""")]
    private static partial Regex Literal();
}
