using System.CommandLine;
using L4Conf.Conformance.Properties;
using L4Conf.Conformance.Suite;
using Spectre.Console;

namespace L4Conf.Conformance.Cli;

/// <summary>`l4conf run`: all conformance cases on the model, in id order, with a final all-ran check.</summary>
public static class RunCommand
{
    public static Command Build()
    {
        var filter = new Option<string?>("--filter") { Description = "Regular expression over case ids (e.g. '^unmap/' or 'caplife')" };
        var seed = new Option<int>("--seed") { Description = "Seed for the random properties; the same seed reproduces a run", DefaultValueFactory = _ => 20261121 };
        var format = new Option<string>("--format") { Description = "text, tap (TAP 13), junit (JUnit XML) or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "tap", "junit", "json");
        var output = new Option<FileInfo?>("--output") { Description = "Write the report to this file instead of standard output" };
        var mutant = new Option<string?>("--mutant") { Description = $"Run against a deliberately broken kernel to see the suite catch it: {string.Join(", ", Mutants.Names)}" };
        var list = new Option<bool>("--list") { Description = "List the selected cases with their clauses and exit" };
        var shard = new Option<string?>("--shard") { Description = "K/N: run the K-th of N deterministic parts of the selection (case i of the id order goes to part i mod N + 1), for CI matrices; the all-ran check is per part" };
        var cmd = new Command("run", "Run the conformance cases on the model kernel. Exit 0 every case passed, 1 a case failed, 2 bad options or input") { filter, seed, format, output, mutant, list, shard };
        cmd.SetAction(pr => InputErrors.Guard(() =>
        {
            // the report's file is checked before the suite runs, so a long run never ends in a lost report
            if (InputErrors.CannotWrite(pr.GetValue(output), "--output") is { } bad) { Console.Error.WriteLine($"l4conf: {bad}"); return 2; }
            var cases = Registry.Select(pr.GetValue(filter));
            string? shardText = null;
            if (pr.GetValue(shard) is { } sh)
            {
                var m = System.Text.RegularExpressions.Regex.Match(sh, @"^([0-9]{1,4})/([0-9]{1,4})$");
                if (!m.Success || int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) is var n && n < 1 ||
                    int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) is var k && (k < 1 || k > n))
                { Console.Error.WriteLine($"l4conf: --shard '{InputErrors.Quote(sh)}': expected K/N with 1 <= K <= N (e.g. 2/4)"); return 2; }
                cases = cases.Where((_, i) => i % n == k - 1).ToList();
                shardText = $"{k}/{n}";
            }
            if (pr.GetValue(list))
            {
                foreach (var c in cases) Console.WriteLine($"{c.Id,-40} {string.Join(",", c.Clauses)}  {c.Title}");
                Console.WriteLine($"{cases.Count} cases");
                return 0;
            }
            var mu = pr.GetValue(mutant);
            if (mu != null)
            {
                if (!Mutants.Apply(mu))
                {
                    Console.Error.WriteLine($"l4conf: --mutant '{mu}': unknown; known: {string.Join(", ", Mutants.Names)}");
                    return 2;
                }
                Console.Error.WriteLine($"l4conf: running against mutant '{mu}': {Mutants.Describe(mu)}");
            }
            string fmt = pr.GetValue(format)!;
            RunReport report;
            if (fmt == "text" && pr.GetValue(output) == null && !Console.IsOutputRedirected && !Console.IsErrorRedirected)
                report = WithProgressBar(cases, pr.GetValue(seed), pr.GetValue(filter)) with { Shard = shardText };
            else
                report = Runner.Run(cases, pr.GetValue(seed), pr.GetValue(filter),
                    fmt == "text" && pr.GetValue(output) == null ? null : r => Console.Error.Write(r.Outcome switch { Outcome.Pass => ".", Outcome.Skip => "s", _ => "F" })) with { Shard = shardText };
            if (fmt != "text" || pr.GetValue(output) != null) Console.Error.WriteLine();
            string text = fmt switch { "tap" => Reports.Tap(report), "junit" => Reports.JUnit(report), "json" => Reports.Json(report), _ => Reports.Text(report) };
            if (pr.GetValue(output) is { } f)
            {
                File.WriteAllText(f.FullName, text);
                Console.Error.WriteLine($"{report.Passed} passed, {report.Failed} failed (report in {f.FullName})");
            }
            else Console.Write(text);
            return report.Success ? 0 : 1;
        }));
        return cmd;
    }

    /// <summary>On a terminal: a progress bar with the case just run and the failures so far (it disappears when done); piped output stays plain.</summary>
    private static RunReport WithProgressBar(IReadOnlyList<ConformanceCase> cases, int seed, string? filter)
    {
        RunReport? report = null;
        AnsiConsole.Progress().AutoClear(true).HideCompleted(true).Start(p =>
        {
            var task = p.AddTask("cases", maxValue: Math.Max(1, cases.Count));
            int failed = 0;
            report = Runner.Run(cases, seed, filter, r =>
            {
                if (r.Outcome == Outcome.Fail) failed++;
                task.Description = Markup.Escape($"{r.Case.Id}{(failed > 0 ? $"  ({failed} failed)" : "")}");
                task.Increment(1);
            });
        });
        return report!;
    }
}
