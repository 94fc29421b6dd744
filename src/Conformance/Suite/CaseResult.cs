namespace L4Conf.Conformance.Suite;

/// <summary>Skip: the case cannot run on this machine (e.g. no gcc for machine-code programs); the message says why.</summary>
public enum Outcome { Pass, Fail, Skip }

public sealed record CaseResult(ConformanceCase Case, Outcome Outcome, string? Message, TimeSpan Elapsed, IReadOnlyList<string> Notes);

/// <summary>A whole run: which cases were selected, what each gave, and the seed that reproduces it.</summary>
public sealed record RunReport(int Seed, string? Filter, IReadOnlyList<CaseResult> Results, int Selected)
{
    /// <summary>`K/N` when this run is one shard of the selection, else null.</summary>
    public string? Shard { get; init; }
    public int Passed => Results.Count(r => r.Outcome == Outcome.Pass);
    public int Failed => Results.Count(r => r.Outcome == Outcome.Fail);
    public int Skipped => Results.Count(r => r.Outcome == Outcome.Skip);
    /// <summary>The sel4test-style meta check: every selected case ran exactly once.</summary>
    public bool AllRan => Results.Count == Selected && Results.Select(r => r.Case.Id).Distinct().Count() == Selected;
    public bool Success => Failed == 0 && AllRan && Selected > 0;
}
