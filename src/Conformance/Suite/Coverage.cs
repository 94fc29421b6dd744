namespace L4Conf.Conformance.Suite;

/// <summary>Which clauses are covered by which cases and proof obligations; unknown clause ids are errors.</summary>
public sealed record CoverageReport(IReadOnlyList<Clause> Clauses, IReadOnlyDictionary<string, List<string>> CoveredBy,
    IReadOnlyList<string> Uncovered, IReadOnlyList<string> UnknownReferences);

public static class Coverage
{
    public static CoverageReport Compute(IReadOnlyList<Clause> clauses, IEnumerable<ConformanceCase> cases,
        IEnumerable<(string Id, IReadOnlyList<string> Clauses)> obligations)
    {
        var by = clauses.ToDictionary(c => c.Id, _ => new List<string>());
        var unknown = new List<string>();
        foreach (var (id, cls) in cases.Select(c => (c.Id, c.Clauses)).Concat(obligations.Select(o => (o.Id, o.Clauses))))
            foreach (var cl in cls)
            {
                if (by.TryGetValue(cl, out var l)) l.Add(id);
                else unknown.Add($"{id} names unknown clause {cl}");
            }
        return new CoverageReport(clauses, by, clauses.Where(c => by[c.Id].Count == 0).Select(c => c.Id).ToList(), unknown);
    }
}
