using System.CommandLine;
using L4Conf.Conformance.Properties;
using L4Conf.Conformance.Proofs;
using L4Conf.Model.Kernel;

namespace L4Conf.Conformance.Cli;

/// <summary>`l4conf prove`: discharges the SMT-LIB2 obligations in spec/obligations with libz3.</summary>
public static class ProveCommand
{
    public static Command Build()
    {
        var timeout = new Option<int>("--timeout-ms") { Description = "Per-query solver timeout in milliseconds", DefaultValueFactory = _ => 10_000 };
        var filter = new Option<string?>("--filter") { Description = "Substring of obligation ids to run" };
        var mutant = new Option<string?>("--mutant") { Description = "Check the rules against a deliberately broken kernel rule" };
        var cmd = new Command("prove", "Discharge the proof obligations (SMT-LIB2, QF_BV) with Z3") { timeout, filter, mutant };
        cmd.SetAction(pr => InputErrors.Guard(() =>
        {
            if (pr.GetValue(timeout) is var ms and (<= 0 or > 3_600_000)) { Console.Error.WriteLine($"l4conf: --timeout-ms {ms}: must be 1 to 3600000 milliseconds"); return 2; }
            if (!Z3Solver.IsAvailable(out var why))
            {
                Console.Error.WriteLine($"l4conf: Z3 is not available: {why} (Debian: apt-get install libz3-4)");
                return 2;
            }
            var config = KernelConfig.Default;
            if (pr.GetValue(mutant) is { } m)
            {
                if (!Mutants.All.TryGetValue(m, out var mu)) { Console.Error.WriteLine($"l4conf: unknown mutant '{m}'"); return 2; }
                config = mu.Config;
            }
            var dir = Path.Combine(Paths.Spec(), "obligations");
            var written = Obligation.LoadAll(dir).Where(o => pr.GetValue(filter) is not { } f || o.Id.Contains(f, StringComparison.OrdinalIgnoreCase)).ToList();
            var to = TimeSpan.FromMilliseconds(pr.GetValue(timeout));
            int failed = 0;
            using (var z3 = new Z3Solver()) Console.WriteLine($"Z3 {z3.Version}, {written.Count} obligations from {dir}, each proved with the rules the model runs{(config.Mutant != null ? $" (mutant '{config.Mutant}')" : "")}");
            // the proof runs on the model's own terms; the written rules must say the same
            var obls = written.Select(o => ModelRules.WithModelRules(o, config)).ToList();
            for (int i = 0; i < obls.Count; i++)
            {
                var r = ProofRunner.Run([obls[i]], to)[0];
                var stale = r.Error == null ? ModelRules.In(written[i], config).Select(rule => ModelRules.Equivalence(written[i], rule, to)).OfType<string>().ToList() : [];
                bool ok = r.Discharged && stale.Count == 0;
                if (!ok) failed++;
                Console.WriteLine($"{(ok ? "proved " : "FAILED ")} {r.Obligation.Id,-12} {r.Status.ToString().ToLowerInvariant(),-7} {r.Elapsed.TotalMilliseconds,7:0.0} ms  {r.Obligation.Title}  [{string.Join(", ", r.Obligation.Clauses)}]");
                if (r.Error != null) Console.WriteLine("         " + r.Error);
                if (!r.Discharged && r.Counterexample != null)
                {
                    if (ModelRules.Trace(r.Obligation, r.Counterexample) is { } trace) Console.WriteLine("         counterexample: " + trace);
                    Console.WriteLine("         solver model:\n" + string.Join("\n", r.Counterexample.Split('\n').Select(l => "           " + l)));
                }
                foreach (var s in stale) Console.WriteLine("         " + s);
            }
            Console.WriteLine($"{written.Count - failed} passed, {failed} failed");
            if (written.Count == 0) { Console.Error.WriteLine($"l4conf: --filter '{pr.GetValue(filter)}' matches no obligation"); return 2; }
            return failed == 0 ? 0 : 1;
        }));
        return cmd;
    }
}
