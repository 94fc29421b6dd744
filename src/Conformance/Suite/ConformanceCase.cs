namespace L4Conf.Conformance.Suite;

/// <summary>
/// One conformance case: a stable id (area/name), what it checks, the clauses it covers, and the check itself.
/// A case fails by throwing <see cref="CaseFailure"/> (through <see cref="CaseContext"/>'s assertions).
/// </summary>
public sealed record ConformanceCase(string Id, string Title, IReadOnlyList<string> Clauses, Action<CaseContext> Run)
{
    public string Area => Id.Split('/')[0];
}

public sealed class CaseFailure(string message) : Exception(message);

/// <summary>Thrown by a case that cannot run here (a missing tool): the run reports it as skipped, with the reason.</summary>
public sealed class CaseSkipped(string reason) : Exception(reason);

/// <summary>What a case gets: the seed of the run, assertions that say what differed, and a log of notes.</summary>
public sealed class CaseContext(int seed)
{
    public int Seed { get; } = seed;
    public List<string> Notes { get; } = new();

    public void Note(string s) => Notes.Add(s);

    public void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new CaseFailure($"{what}: expected {Show(expected)}, model gave {Show(actual)}");
    }

    public void Skip(string reason) => throw new CaseSkipped(reason);

    public void True(bool cond, string what)
    {
        if (!cond) throw new CaseFailure(what);
    }

    public static string Show<T>(T v) => v switch
    {
        null => "null",
        long l => l < 0 ? $"{l}" : $"{l} (0x{l:x})",
        ulong u => $"0x{u:x}",
        byte b => $"0x{b:x2}",
        _ => v.ToString() ?? "",
    };
}
