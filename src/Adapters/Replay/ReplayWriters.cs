using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace L4Conf.Adapters.Replay;

/// <summary>A replay report as text for people, JSON for programs, JUnit XML for CI (one test per scenario, one failure per divergence).</summary>
public static class ReplayWriters
{
    /// <param name="limit">How many unexplained divergences to print in full after the first.</param>
    public static string Text(ReplayReport r, int limit = 20, bool explained = false)
    {
        var sb = new StringBuilder();
        var i = r.Inputs;
        sb.AppendLine($"replay {Rel(i.Capture)}: script {Rel(i.Script)} as rom/{i.ScriptModule}, entry '{i.Entry.Name}' of {Rel(i.Entry.ListFile)}");
        sb.AppendLine($"  known differences: {(i.Known != null ? Rel(i.Known) + $" ({r.KnownEntries} entries)" : "none")}");
        sb.AppendLine($"  compared: {r.ObjectDumps} object dump(s), {r.TbufEntries} trace-buffer entries ({r.TbufPairs} paired with model events), " +
                      $"{r.CaptureLines} capture lines with {r.ModelLines} model lines; {r.DebuggerVisits} debugger visit(s); model run ended: {r.ModelEnd.Stop} at {r.ModelEnd.TimeUs} µs");
        var un = r.Unexplained.ToList();
        if (un.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("first divergence:");
            Write(sb, un[0]);
            foreach (var d in un.Skip(1).Take(limit))
            {
                sb.AppendLine();
                sb.AppendLine("then, after resynchronising:");
                Write(sb, d);
            }
            if (un.Count > limit + 1) sb.AppendLine($"\n... {un.Count - limit - 1} more unexplained divergence(s) (all of them in --format json)");
        }
        if (explained)
            foreach (var d in r.Ordered.Where(d => d.ExplainedBy != null))
                sb.AppendLine($"  known  [{ReplayReport.LayerName(d.Layer)}/{d.Kind}] {d.Message}  ({d.ExplainedBy})");
        if (r.Stale.Count > 0)
        {
            sb.AppendLine();
            foreach (var s in r.Stale) sb.AppendLine($"stale known difference (explains nothing any more): {s}");
        }
        sb.AppendLine();
        sb.AppendLine("summary by kind (explained / unexplained):");
        foreach (var (layer, kind, e, u) in r.Summary)
            sb.AppendLine($"  {ReplayReport.LayerName(layer),-8} {kind,-18} {e,6} {u,6}");
        if (r.Summary.Count == 0) sb.AppendLine("  (no divergence)");
        sb.AppendLine(r.Passed ? "PASS: nothing unexplained differs"
            : $"FAIL: {un.Count} unexplained divergence(s), {r.Stale.Count} stale known difference(s)");
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, Divergence d)
    {
        sb.AppendLine($"  [{ReplayReport.LayerName(d.Layer)}/{d.Kind}] {d.Message}");
        var at = new List<string>();
        if (d.CaptureLine is { } l) at.Add($"capture line {l}");
        if (d.ModelAt != null) at.Add($"model {d.ModelAt}");
        if (at.Count > 0) sb.AppendLine($"  at {string.Join(", ", at)}");
        if (d.ScriptLine != null) sb.AppendLine($"  script {d.ScriptLine}");
        foreach (var c in d.Context) sb.AppendLine($"    {c}");
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string JsonText(ReplayReport r)
    {
        var i = r.Inputs;
        var doc = new
        {
            capture = i.Capture, script = i.Script, scriptModule = i.ScriptModule, entry = i.Entry.Name, modulesList = i.Entry.ListFile, known = i.Known,
            passed = r.Passed,
            compared = new { objectDumps = r.ObjectDumps, tbufEntries = r.TbufEntries, tbufPairs = r.TbufPairs, captureLines = r.CaptureLines, modelLines = r.ModelLines, debuggerVisits = r.DebuggerVisits },
            modelEnd = new { stop = r.ModelEnd.Stop.ToString(), exitCode = r.ModelEnd.ExitCode, timeUs = "0x" + r.ModelEnd.TimeUs.ToString("x", CultureInfo.InvariantCulture) },
            first = r.First is { } f ? Item(f) : null,
            divergences = r.Ordered.Select(Item).ToList(),
            stale = r.Stale,
            summary = r.Summary.Select(s => new { layer = ReplayReport.LayerName(s.Layer), kind = s.Kind, explained = s.Explained, unexplained = s.Unexplained }).ToList(),
        };
        return JsonSerializer.Serialize(doc, Json);
    }

    private static object Item(Divergence d) => new
    {
        layer = ReplayReport.LayerName(d.Layer), kind = d.Kind, message = d.Message, captureLine = d.CaptureLine, model = d.ModelAt,
        scriptLine = d.ScriptLine, context = d.Context, explainedBy = d.ExplainedBy, why = d.ExplainedWhy,
    };

    /// <summary>JUnit XML for several scenarios: a testcase each, a failure element per unexplained divergence or stale entry.</summary>
    public static string JUnit(IReadOnlyList<ReplayReport> reports)
    {
        var suite = new XElement("testsuite", new XAttribute("name", "l4conf replay"), new XAttribute("tests", reports.Count),
            new XAttribute("failures", reports.Count(r => !r.Passed)));
        foreach (var r in reports)
        {
            var tc = new XElement("testcase", new XAttribute("classname", "replay"), new XAttribute("name", r.Inputs.Name));
            foreach (var d in r.Unexplained)
                tc.Add(new XElement("failure", new XAttribute("type", $"{ReplayReport.LayerName(d.Layer)}/{d.Kind}"),
                    new XAttribute("message", d.Message),
                    string.Join("\n", new[] { d.CaptureLine is { } l ? $"capture line {l}" : null, d.ModelAt }.OfType<string>().Concat(d.Context))));
            foreach (var s in r.Stale)
                tc.Add(new XElement("failure", new XAttribute("type", "stale-known"), new XAttribute("message", s)));
            tc.Add(new XElement("system-out", Text(r, limit: 0)));
            suite.Add(tc);
        }
        return new XDocument(new XElement("testsuites", suite)).ToString() + "\n";
    }

    private static string Rel(string p)
    {
        var r = Path.GetRelativePath(Directory.GetCurrentDirectory(), p);
        return r.StartsWith("..", StringComparison.Ordinal) ? p : r;
    }
}
