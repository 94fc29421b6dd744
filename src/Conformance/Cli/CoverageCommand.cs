using System.CommandLine;
using System.Text.Json;
using L4Conf.Conformance.Proofs;
using L4Conf.Conformance.Suite;
using Spectre.Console;

namespace L4Conf.Conformance.Cli;

/// <summary>`l4conf coverage`: which cases and proof obligations cover each spec clause; non-zero exit if any clause is uncovered.</summary>
public static class CoverageCommand
{
    public static CoverageReport Compute()
    {
        var spec = Paths.Spec();
        var clauses = ClauseCatalog.Load(spec);
        var obligations = Obligation.LoadAll(Path.Combine(spec, "obligations")).Select(o => (o.Id, o.Clauses));
        return Coverage.Compute(clauses, Registry.All, obligations);
    }

    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print the clause-to-case matrix as JSON" };
        var cmd = new Command("coverage", "Show which cases and proofs cover each spec clause") { json };
        cmd.SetAction(pr =>
        {
            var r = Compute();
            if (pr.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(r.Clauses.Select(c => new
                {
                    id = c.Id, title = c.Title, source = c.Source, file = $"{c.File}:{c.Line}", coveredBy = r.CoveredBy[c.Id],
                }), new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                var table = new Table().Border(TableBorder.Simple).AddColumn("clause").AddColumn("covered by");
                foreach (var c in r.Clauses)
                    table.AddRow(Markup.Escape(c.Id), r.CoveredBy[c.Id].Count == 0 ? "[red]NOT COVERED[/]" : Markup.Escape(string.Join(", ", r.CoveredBy[c.Id])));
                AnsiConsole.Write(table);
                Console.WriteLine($"{r.Clauses.Count} clauses, {r.Clauses.Count - r.Uncovered.Count} covered, {r.Uncovered.Count} not covered");
            }
            foreach (var u in r.UnknownReferences) Console.Error.WriteLine("l4conf: " + u);
            foreach (var u in r.Uncovered) Console.Error.WriteLine($"l4conf: clause {u} is not covered by any case or obligation");
            return r.Uncovered.Count == 0 && r.UnknownReferences.Count == 0 ? 0 : 1;
        });
        return cmd;
    }
}
