using System.CommandLine;
using L4Conf.Conformance.Properties;
using L4Conf.Conformance.Suite;

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
        var cmd = new Command("run", "Run the conformance cases on the model kernel") { filter, seed, format, output, mutant, list };
        cmd.SetAction(pr => InputErrors.Guard(() =>
        {
            // the report's file is checked before the suite runs, so a long run never ends in a lost report
            if (InputErrors.CannotWrite(pr.GetValue(output), "--output") is { } bad) { Console.Error.WriteLine($"l4conf: {bad}"); return 2; }
            var cases = Registry.Select(pr.GetValue(filter));
            if (pr.GetValue(list))
            {
                foreach (var c in cases) Console.WriteLine($"{c.Id,-40} {string.Join(",", c.Clauses)}  {c.Title}");
                Console.WriteLine($"{cases.Count} cases");
                return 0;
            }
            var m = pr.GetValue(mutant);
            if (m != null)
            {
                if (!Mutants.Apply(m))
                {
                    Console.Error.WriteLine($"l4conf: unknown mutant '{m}'; known: {string.Join(", ", Mutants.Names)}");
                    return 2;
                }
                Console.Error.WriteLine($"l4conf: running against mutant '{m}': {Mutants.Describe(m)}");
            }
            string fmt = pr.GetValue(format)!;
            var report = Runner.Run(cases, pr.GetValue(seed), pr.GetValue(filter),
                fmt == "text" && pr.GetValue(output) == null ? null : r => Console.Error.Write(r.Outcome switch { Outcome.Pass => ".", Outcome.Skip => "s", _ => "F" }));
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
}
