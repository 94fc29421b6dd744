using System.CommandLine;
using System.Text.Json;
using L4Conf.Conformance.CpuDiff;

namespace L4Conf.Conformance.Cli;

/// <summary>
/// `l4conf cpu diff [--seed N] [--cases N | --seconds S] [--format text|json]`: differential testing of the model CPU
/// against the host CPU. Exit 0 when every defined result agreed, 1 on any difference, 2 for bad options, 69 when
/// native runs are impossible here (not x86-64 Linux, or no gcc): one line says why.
/// </summary>
public static class CpuDiffCommand
{
    public const int DefaultCases = 5000, Skipped = 69;

    public static Command Build()
    {
        var seed = new Option<int?>("--seed") { Description = "Seed of the case generator (default: a fresh one, printed); the same seed and --cases give the same cases" };
        var cases = new Option<int?>("--cases") { Description = $"Run this many cases (default {DefaultCases})" };
        var seconds = new Option<double?>("--seconds") { Description = "Run cases for this many seconds instead of a count" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("diff", "Run generated cases on the host CPU (x86-64 Linux, via gcc) and on the model; report every difference in defined results")
        {
            seed, cases, seconds, format,
        };
        cmd.SetAction(pr => InputErrors.Guard(() => Run(pr.GetValue(seed), pr.GetValue(cases), pr.GetValue(seconds), pr.GetValue(format)!, Console.Out)));
        return cmd;
    }

    public static int Run(int? seedOpt, int? cases, double? seconds, string format, TextWriter o)
    {
        if (cases != null && seconds != null) { Console.Error.WriteLine("l4conf: cpu diff: give --cases or --seconds, not both"); return 2; }
        if (cases is int c && (c < 1 || c > 100_000_000)) { Console.Error.WriteLine($"l4conf: --cases {c}: must be 1 to 100000000"); return 2; }
        if (seconds is double s && (!(s > 0) || s > 86_400)) { Console.Error.WriteLine($"l4conf: --seconds {s}: must be a positive number of seconds, at most 86400"); return 2; }
        if (NativeRunner.Unavailable() is string why) { Console.Error.WriteLine($"l4conf: cpu diff skipped: {why}"); return Skipped; }
        int seed = seedOpt ?? Random.Shared.Next();
        var r = DiffRun.Run(seed, seconds == null ? cases ?? DefaultCases : null, seconds);
        if (format == "json") o.WriteLine(Json(r));
        else Text(r, o);
        return r.DifferenceCount > 0 || r.NativeErrors > 0 ? 1 : 0;
    }

    private static void Text(DiffReport r, TextWriter o)
    {
        o.WriteLine($"cpu diff: seed {r.Seed}: {r.Cases} cases in {r.Seconds:0.0} s (reproduce: l4conf cpu diff --seed {r.Seed} --cases {r.Cases})");
        o.WriteLine($"forms: {r.Covered.Count} covered of {r.FormsTotal}" + (r.OutsideModel.Count > 0 ? $"; {r.OutsideModel.Count} forms of supported mnemonics are #UD on the model (not compared):" : ""));
        foreach (var (f, why) in r.OutsideModel) o.WriteLine($"  {f}: {why}");
        if (r.Excluded.Count > 0) o.WriteLine($"{r.Excluded.Values.Sum(x => x.Forms)} forms are environment-defined (not compared; the model's values are checked by its unit tests):");
        foreach (var (mn, (n, why)) in r.Excluded) o.WriteLine($"  {mn} ({n} forms): {why}");
        if (r.NotGenerated.Count > 0)
            foreach (var g in r.NotGenerated.GroupBy(x => x.Value))
                o.WriteLine($"supported mnemonics with no form (not generated): {string.Join(", ", g.Select(x => x.Key))}: {g.Key}");
        if (r.Unencodable.Count > 0) o.WriteLine($"forms no draw could encode: {string.Join(", ", r.Unencodable)}");
        if (r.NativeErrors > 0) o.WriteLine($"native errors: {r.NativeErrors} (first: {r.FirstNativeError})");
        foreach (var (q, n) in r.HostQuirks) o.WriteLine($"host quirk, not counted as a difference: {q} ({n} cases)");
        foreach (var (w, n) in r.NotModelled) o.WriteLine($"not modelled, not compared: {w} ({n} cases)");
        if (r.Transcendentals.Count > 0)
        {
            int cases = r.Transcendentals.Values.Sum(x => x.Cases), exact = r.Transcendentals.Values.Sum(x => x.Exact);
            o.WriteLine($"x87 transcendentals compared exactly: {exact} of {cases} ({100.0 * exact / cases:0.0}%): "
                + string.Join(", ", r.Transcendentals.Select(x => $"{x.Key} {x.Value.Exact}/{x.Value.Cases}")));
        }
        o.WriteLine($"differences: {r.DifferenceCount}");
        foreach (var d in r.Differences)
        {
            o.WriteLine($"- {d.Form}:");
            foreach (var f in d.Fields) o.WriteLine($"    {f}");
            o.WriteLine($"    case: {d.CaseLine}");
        }
        if (r.DifferenceCount > r.Differences.Count) o.WriteLine($"  ... {r.DifferenceCount - r.Differences.Count} more");
        o.WriteLine("undefined flags (masked; host's value over the cases, and how often the model's choice matched it):");
        foreach (var (k, t) in r.Flags)
            o.WriteLine($"  {k,-12} host 0: {t.Host0,6}  host 1: {t.Host1,6}  model matched: {t.ModelAgreed}/{t.Host0 + t.Host1}");
        if (r.Results.Count > 0) o.WriteLine("undefined destinations (masked; how often the host kept the old value, and how often the model matched the host):");
        foreach (var (k, t) in r.Results)
            o.WriteLine($"  {k,-36} cases: {t.Cases,5}  host kept: {t.HostKept,5}  model matched: {t.ModelAgreed}/{t.Cases}");
    }

    private static string Json(DiffReport r) => JsonSerializer.Serialize(new
    {
        seed = r.Seed,
        cases = r.Cases,
        seconds = Math.Round(r.Seconds, 2),
        forms = new
        {
            total = r.FormsTotal, covered = r.Covered.Count, outsideModel = r.OutsideModel.Select(x => new { form = x.Key, model = x.Value }),
            environmentDefined = r.Excluded.Select(x => new { mnemonic = x.Key, forms = x.Value.Forms, why = x.Value.Why }),
            neverEncodable = r.Unencodable,
            notGenerated = r.NotGenerated.Select(x => new { mnemonic = x.Key, why = x.Value }),
        },
        nativeErrors = r.NativeErrors,
        firstNativeError = r.FirstNativeError,
        hostQuirks = r.HostQuirks.Select(x => new { quirk = x.Key, cases = x.Value }),
        notModelled = r.NotModelled.Select(x => new { what = x.Key, cases = x.Value }),
        transcendentals = r.Transcendentals.Select(x => new { mnemonic = x.Key, cases = x.Value.Cases, exact = x.Value.Exact }),
        differenceCount = r.DifferenceCount,
        differences = r.Differences.Select(d => new
        {
            form = d.Form,
            fields = d.Fields,
            @case = JsonDocument.Parse(d.CaseLine).RootElement,
            model = JsonDocument.Parse(CpuCaseJson.Write(d.Form, d.Model)).RootElement,
            host = JsonDocument.Parse(CpuCaseJson.Write(d.Form, d.Host)).RootElement,
        }),
        undefinedFlags = r.Flags.Select(x => new { flag = x.Key, host0 = x.Value.Host0, host1 = x.Value.Host1, modelMatched = x.Value.ModelAgreed }),
        undefinedResults = r.Results.Select(x => new { rule = x.Key, cases = x.Value.Cases, hostKept = x.Value.HostKept, modelMatched = x.Value.ModelAgreed }),
    });
}
