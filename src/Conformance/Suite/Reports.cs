using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace L4Conf.Conformance.Suite;

/// <summary>Writes a run in the formats CI systems read: plain text, TAP 13, JUnit XML, JSON.</summary>
public static class Reports
{
    public static string Text(RunReport r)
    {
        var sb = new StringBuilder();
        foreach (var c in r.Results)
        {
            sb.Append(c.Outcome switch { Outcome.Pass => "PASS ", Outcome.Skip => "SKIP ", _ => "FAIL " }).Append(c.Case.Id)
              .Append("  [").Append(string.Join(", ", c.Case.Clauses)).Append(']').AppendLine();
            if (c.Message != null)
                foreach (var line in c.Message.Split('\n')) sb.Append("     ").AppendLine(line);
        }
        sb.AppendLine();
        sb.AppendLine($"seed {r.Seed}{(r.Filter != null ? $", filter '{r.Filter}'" : "")}{(r.Shard != null ? $", shard {r.Shard}" : "")}: {r.Selected} selected, {r.Results.Count} ran");
        if (!r.AllRan) sb.AppendLine("*** NOT ALL SELECTED CASES RAN ***");
        if (r.Selected == 0) sb.AppendLine("*** NO CASE SELECTED ***");
        sb.AppendLine($"{r.Passed} passed, {r.Failed} failed{(r.Skipped > 0 ? $", {r.Skipped} skipped" : "")}");
        return sb.ToString();
    }

    /// <summary>TAP version 13, readable by prove: plan first, one line per case, YAML diagnostics on failure.</summary>
    public static string Tap(RunReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("TAP version 13");
        sb.AppendLine($"1..{r.Selected}");
        int n = 0;
        foreach (var c in r.Results)
        {
            n++;
            if (c.Outcome == Outcome.Skip)
            {
                sb.AppendLine($"ok {n} - {c.Case.Id} # SKIP {c.Message?.Split('\n')[0]}");
                continue;
            }
            sb.AppendLine($"{(c.Outcome == Outcome.Pass ? "ok" : "not ok")} {n} - {c.Case.Id}");
            if (c.Message != null)
            {
                sb.AppendLine("  ---");
                sb.AppendLine($"  clauses: [{string.Join(", ", c.Case.Clauses)}]");
                sb.AppendLine($"  seed: {r.Seed}");
                sb.AppendLine("  message: |");
                foreach (var line in c.Message.Split('\n')) sb.AppendLine("    " + line);
                sb.AppendLine("  ...");
            }
        }
        if (!r.AllRan) sb.AppendLine("# not all selected cases ran");
        sb.AppendLine($"# seed {r.Seed}{(r.Shard != null ? $", shard {r.Shard}" : "")}");
        return sb.ToString();
    }

    public static string JUnit(RunReport r)
    {
        var suite = new XElement("testsuite",
            new XAttribute("name", "l4conf"),
            new XAttribute("tests", r.Selected),
            new XAttribute("failures", r.Failed + (r.AllRan ? 0 : 1)),
            new XAttribute("errors", 0),
            new XAttribute("skipped", r.Skipped),
            new XAttribute("time", r.Results.Sum(x => x.Elapsed.TotalSeconds).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)),
            new XElement("properties", new XElement("property", new XAttribute("name", "seed"), new XAttribute("value", r.Seed)),
                r.Shard != null ? new XElement("property", new XAttribute("name", "shard"), new XAttribute("value", r.Shard)) : null));
        foreach (var c in r.Results)
        {
            var tc = new XElement("testcase",
                new XAttribute("classname", "l4conf." + c.Case.Area),
                new XAttribute("name", c.Case.Id),
                new XAttribute("time", c.Elapsed.TotalSeconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)));
            if (c.Outcome == Outcome.Skip)
                tc.Add(new XElement("skipped", new XAttribute("message", c.Message ?? "")));
            else if (c.Message != null)
                tc.Add(new XElement("failure", new XAttribute("message", c.Message.Split('\n')[0]), c.Message));
            tc.Add(new XElement("system-out", "clauses: " + string.Join(", ", c.Case.Clauses)));
            suite.Add(tc);
        }
        return new XDocument(new XDeclaration("1.0", "utf-8", null), suite).ToString() + Environment.NewLine;
    }

    public static string Json(RunReport r) => JsonSerializer.Serialize(new
    {
        seed = r.Seed,
        filter = r.Filter,
        shard = r.Shard,
        selected = r.Selected,
        passed = r.Passed,
        failed = r.Failed,
        skipped = r.Skipped,
        allRan = r.AllRan,
        cases = r.Results.Select(c => new
        {
            id = c.Case.Id,
            title = c.Case.Title,
            clauses = c.Case.Clauses,
            outcome = c.Outcome.ToString().ToLowerInvariant(),
            message = c.Message,
            seconds = Math.Round(c.Elapsed.TotalSeconds, 4),
        }),
    }, new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;
}
