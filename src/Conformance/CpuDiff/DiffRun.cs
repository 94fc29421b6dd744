using System.Diagnostics;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>One disagreement: the form, the differing fields, and the case as a line `l4conf cpu run` reproduces.</summary>
public sealed record Difference(string Form, IReadOnlyList<string> Fields, string CaseLine, CpuOutcome Model, CpuOutcome Host);

/// <summary>How the host set one undefined flag after one mnemonic, over the cases that masked it.</summary>
public sealed class FlagTally
{
    public int Host0, Host1, ModelAgreed;
}

/// <summary>How the host set one undefined destination, over the cases that masked it: kept its old value or not.</summary>
public sealed class ResultTally
{
    public int Cases, HostKept, ModelAgreed;
}

/// <summary>The result of a differential run.</summary>
public sealed class DiffReport
{
    public int Seed;
    public int Cases;
    public double Seconds;
    public int FormsTotal;
    public SortedSet<string> Covered = new(StringComparer.Ordinal);
    /// <summary>Forms of supported mnemonics the model answers with #UD "unsupported" (so not compared), with the model's message.</summary>
    public SortedDictionary<string, string> OutsideModel = new(StringComparer.Ordinal);
    /// <summary>Forms of environment-defined mnemonics (<see cref="CaseGenerator.EnvironmentDefined"/>), not compared, by mnemonic, with the reason.</summary>
    public SortedDictionary<string, (int Forms, string Why)> Excluded = new(StringComparer.Ordinal);
    /// <summary>Undefined destinations masked (<see cref="ResultRules"/>), by rule.</summary>
    public SortedDictionary<string, ResultTally> Results = new(StringComparer.Ordinal);
    /// <summary>Supported mnemonics with no form (<see cref="CaseGenerator.NotGenerated"/>), with why.</summary>
    public IReadOnlyDictionary<string, string> NotGenerated = new Dictionary<string, string>();
    public int DifferenceCount;
    public List<Difference> Differences = [];
    public SortedDictionary<string, FlagTally> Flags = new(StringComparer.Ordinal);
    public int NativeErrors;
    public string? FirstNativeError;
    /// <summary>Forms no draw could encode (dropped from the run).</summary>
    public List<string> Unencodable = [];
    /// <summary>Cases whose outcome the model does not model (a far transfer into compatibility mode), counted by what, not compared.</summary>
    public SortedDictionary<string, int> NotModelled = new(StringComparer.Ordinal);
    /// <summary>Differences that are the host's way of reporting, not the CPU's (<see cref="CpuComparer.HostQuirk"/>), counted.</summary>
    public SortedDictionary<string, int> HostQuirks = new(StringComparer.Ordinal);
    /// <summary>The x87 transcendentals' cases by mnemonic: how many, and how many of them compared exactly (no quirk).</summary>
    public SortedDictionary<string, (int Cases, int Exact)> Transcendentals = new(StringComparer.Ordinal);
}

/// <summary>
/// Generates cases from a seed, runs each on the host CPU and on the model, and compares them (<see cref="CpuComparer"/>).
/// Forms are visited round-robin so a short run still covers every form; the seed fixes every draw, so the same seed
/// and case count give the same cases.
/// </summary>
public static class DiffRun
{
    public const int KeptDifferences = 50;

    public static DiffReport Run(int seed, int? cases, double? seconds)
    {
        var gen = new CaseGenerator();
        var rng = new Random(seed);
        var report = new DiffReport { Seed = seed, FormsTotal = gen.Forms.Count, NotGenerated = gen.NotGenerated };
        var forms = gen.Forms.Where(f => !CaseGenerator.EnvironmentDefined.ContainsKey(f.Mnemonic)).ToList();
        foreach (var g in gen.Forms.Where(f => CaseGenerator.EnvironmentDefined.ContainsKey(f.Mnemonic)).GroupBy(f => f.Mnemonic))
            report.Excluded[g.Key] = (g.Count(), CaseGenerator.EnvironmentDefined[g.Key]);
        var model = new ModelCpuRunner();
        var native = NativeRunner.Start();
        var clock = Stopwatch.StartNew();
        try
        {
            for (int i = 0; forms.Count > 0; i++)
            {
                if (cases is int n && report.Cases >= n) break;
                if (seconds is double s && clock.Elapsed.TotalSeconds >= s) break;
                var form = forms[i % forms.Count];
                GeneratedCase? g = null;
                for (int tries = 0; tries < 8 && g == null; tries++) g = gen.Make(form, rng);
                if (g == null) { report.Unencodable.Add(form.Id); forms.Remove(form); continue; }
                var m = model.Run(g.Case);
                if (m.Detail is string det && det.StartsWith("unsupported instruction", StringComparison.Ordinal))
                {
                    report.OutsideModel.TryAdd(form.Id, det); // not compared; the form stays (other draws of it may be modelled)
                    continue;
                }
                if (m.Detail is string nm && nm.EndsWith(L4Conf.Model.Machine.Cpu.NotModelledSuffix, StringComparison.Ordinal))
                {
                    string what = nm.Contains("compatibility mode", StringComparison.Ordinal) ? "a transfer into compatibility mode" : nm;
                    report.NotModelled[what] = report.NotModelled.GetValueOrDefault(what) + 1;  // counted, not compared
                    continue;
                }
                CpuOutcome h;
                try { h = native.Run(g.Case); }
                catch (IOException e)
                {
                    report.NativeErrors++;
                    report.FirstNativeError ??= $"{form.Id}: {e.Message}";
                    native.Dispose();
                    native = NativeRunner.Start();
                    continue;
                }
                report.Cases++;
                report.Covered.Add(form.Id);
                var fields = CpuComparer.Compare(m, h, g.Undefined, g.Result);
                if (CpuComparer.X87Transcendentals.Contains(g.Mnemonic))
                {
                    var (seen, exact) = report.Transcendentals.GetValueOrDefault(g.Mnemonic);
                    report.Transcendentals[g.Mnemonic] = (seen + 1, exact + (fields.Count == 0 ? 1 : 0));
                }
                if ((CpuComparer.HostQuirk(m, h, fields) ?? CpuComparer.X87ImageQuirk(g.Mnemonic, m, h, fields)
                     ?? CpuComparer.X87TranscendentalQuirk(g.Mnemonic, g.Case, m, h, fields)
                     ?? CpuComparer.SegmentOffsetQuirk(g.Case, m, h, fields) ?? CpuComparer.MaskedStoreQuirk(g.Mnemonic, m, h, fields)
                     ?? CpuComparer.LarLimitBitsQuirk(g.Mnemonic, m, h, fields) ?? CpuComparer.NullSelectorQuirk(m, h, fields)
                     ?? CpuComparer.RetfRplQuirk(g, m, h, fields) ?? CpuComparer.IretOrderQuirk(g, m, h, fields)) is string quirk)
                {
                    report.HostQuirks[quirk] = report.HostQuirks.GetValueOrDefault(quirk) + 1;
                    fields.Clear();
                }
                if (fields.Count > 0)
                {
                    report.DifferenceCount++;
                    if (report.Differences.Count < KeptDifferences)
                        report.Differences.Add(new Difference(form.Id, fields, CpuCaseJson.Write(g.Case), m, h));
                }
                if (g.Undefined != 0 && CpuComparer.Completed(h) && CpuComparer.Completed(m)) Tally(report, g, m, h);
                if (CpuComparer.Applies(g.Result, h) && CpuComparer.Completed(m)) TallyResult(report, g, m, h);
            }
        }
        finally { native.Dispose(); }
        report.Seconds = clock.Elapsed.TotalSeconds;
        return report;
    }

    private static void TallyResult(DiffReport r, GeneratedCase g, CpuOutcome m, CpuOutcome h)
    {
        var rule = g.Result!;
        if (!r.Results.TryGetValue(rule.Name, out var t)) r.Results[rule.Name] = t = new ResultTally();
        t.Cases++;
        bool kept, agreed;
        if (rule.Reg >= 0)
        {
            kept = ((h.Regs[rule.Reg] ^ g.Case.Regs[rule.Reg]) & rule.RegBits) == 0;
            agreed = ((h.Regs[rule.Reg] ^ m.Regs[rule.Reg]) & rule.RegBits) == 0;
        }
        else
        {
            var hb = InRule(h.Memory, rule);
            kept = hb.Count == 0;
            agreed = hb.SequenceEqual(InRule(m.Memory, rule));
        }
        if (kept) t.HostKept++;
        if (agreed) t.ModelAgreed++;
    }

    /// <summary>The changed bytes within the rule's memory range, with their addresses.</summary>
    private static List<(ulong, byte)> InRule(IReadOnlyList<ByteRun> runs, ResultRule rule) =>
        [.. runs.SelectMany(b => b.Bytes.Select((v, k) => (b.Page + (ulong)b.Offset + (ulong)k, v))).Where(x => x.Item1 - rule.MemAddr < (ulong)rule.MemLen)];

    private static void Tally(DiffReport r, GeneratedCase g, CpuOutcome m, CpuOutcome h)
    {
        foreach (ulong bit in new[] { FlagRules.CF, FlagRules.PF, FlagRules.AF, FlagRules.ZF, FlagRules.SF, FlagRules.OF })
        {
            if ((g.Undefined & bit) == 0) continue;
            string key = $"{g.FlagsFrom ?? g.Mnemonic} {FlagRules.Names(bit)}";
            if (!r.Flags.TryGetValue(key, out var t)) r.Flags[key] = t = new FlagTally();
            if ((h.Rflags & bit) != 0) t.Host1++; else t.Host0++;
            if ((h.Rflags & bit) == (m.Rflags & bit)) t.ModelAgreed++;
        }
    }
}
