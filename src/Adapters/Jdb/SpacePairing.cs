using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// Pairs the task spaces (`space=D:&lt;id&gt;(&lt;name&gt;)`) of two graphs from different systems, where debug ids differ.
/// Spaces pair only with spaces of the same name (or both unnamed); among those, the best structural match wins:
/// how many (cap index, object type, object name) entries they hold in common. Unnamed spaces need at least one
/// such entry in common. Each paired space gets one key shared by both sides; unpaired spaces get keys of their own.
/// </summary>
internal sealed class SpacePairing
{
    private readonly Dictionary<ulong, int> _keyA = [];
    private readonly Dictionary<ulong, int> _keyB = [];
    private readonly List<string> _labels = [];

    public int KeyA(ulong spaceId) => _keyA[spaceId];
    public int KeyB(ulong spaceId) => _keyB[spaceId];
    public string Label(int key) => _labels[key];

    private sealed record Space(ulong Id, string? Name, int Order, Dictionary<(ulong Index, string Type, string? Name), int> Content);

    public static SpacePairing Pair(ObjectGraph a, ObjectGraph b)
    {
        var spacesA = Collect(a);
        var spacesB = Collect(b);
        var candidates = new List<(int Score, Space A, Space B)>();
        foreach (var sa in spacesA)
            foreach (var sb in spacesB)
            {
                if (!string.Equals(sa.Name, sb.Name, StringComparison.Ordinal))
                    continue;
                var score = Common(sa.Content, sb.Content);
                if (sa.Name is not null || score > 0)
                    candidates.Add((score, sa, sb));
            }
        // Greedy, best score first; ties go to the earlier space in file order, so the result is deterministic.
        candidates.Sort((x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score)
            : x.A.Order != y.A.Order ? x.A.Order.CompareTo(y.A.Order) : x.B.Order.CompareTo(y.B.Order));

        var p = new SpacePairing();
        foreach (var (_, sa, sb) in candidates)
        {
            if (p._keyA.ContainsKey(sa.Id) || p._keyB.ContainsKey(sb.Id))
                continue;
            p._keyA[sa.Id] = p._keyB[sb.Id] = p._labels.Count;
            p._labels.Add(sa.Name is not null ? $"D:{sa.Name}" : sa.Id == sb.Id ? $"D:{sa.Id:x}" : $"D:{sa.Id:x}/D:{sb.Id:x}");
        }
        foreach (var sa in spacesA.Where(s => !p._keyA.ContainsKey(s.Id)))
        {
            p._keyA[sa.Id] = p._labels.Count;
            p._labels.Add($"{BaseLabel(sa)} (only in A)");
        }
        foreach (var sb in spacesB.Where(s => !p._keyB.ContainsKey(s.Id)))
        {
            p._keyB[sb.Id] = p._labels.Count;
            p._labels.Add($"{BaseLabel(sb)} (only in B)");
        }
        return p;
    }

    private static string BaseLabel(Space s) => s.Name is not null ? $"D:{s.Name}" : $"D:{s.Id:x}";

    /// <summary>Spaces in order of first mention; a space's name is the first one printed for it.</summary>
    private static List<Space> Collect(ObjectGraph g)
    {
        var byId = new Dictionary<ulong, Space>();
        var list = new List<Space>();
        foreach (var o in g.Objects)
            foreach (var c in o.Caps)
            {
                if (!byId.TryGetValue(c.SpaceId, out var s))
                {
                    s = new Space(c.SpaceId, c.SpaceName, list.Count, []);
                    byId[c.SpaceId] = s;
                    list.Add(s);
                }
                else if (s.Name is null && c.SpaceName is not null)
                {
                    s = s with { Name = c.SpaceName };
                    byId[c.SpaceId] = list[s.Order] = s;
                }
                var key = (c.Index, o.Type, o.Name);
                s.Content[key] = s.Content.GetValueOrDefault(key) + 1;
            }
        return list;
    }

    private static int Common<TKey>(Dictionary<TKey, int> x, Dictionary<TKey, int> y) where TKey : notnull
    {
        var n = 0;
        foreach (var (key, count) in x)
            if (y.TryGetValue(key, out var other))
                n += Math.Min(count, other);
        return n;
    }
}
