using System.Text.RegularExpressions;

namespace L4Conf.Conformance.Suite;

/// <summary>All conformance cases, in a stable order (by id); duplicate ids are refused.</summary>
public static class Registry
{
    private static readonly Lazy<IReadOnlyList<ConformanceCase>> _all = new(Build);
    public static IReadOnlyList<ConformanceCase> All => _all.Value;

    private static IReadOnlyList<ConformanceCase> Build()
    {
        var list = Cases.CaseSets.All().ToList();
        var dup = list.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
        if (dup != null) throw new InvalidOperationException($"duplicate case id {dup.Key}: cases have no strict order");
        return list.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Selects by a regular expression over ids (or a plain substring when it is not a valid regex).</summary>
    public static IReadOnlyList<ConformanceCase> Select(string? filter)
    {
        if (string.IsNullOrEmpty(filter)) return All;
        Regex re;
        try { re = new Regex(filter, RegexOptions.None, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException e) { throw new ArgumentException($"--filter '{filter}': not a regular expression: {e.Message}"); }
        try { return All.Where(c => re.IsMatch(c.Id)).ToList(); }
        catch (RegexMatchTimeoutException) { throw new ArgumentException($"--filter '{filter}': the expression takes too long to match (over 1 s on one case id)"); }
    }
}
