using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>An object as the diff sees it: its kept caps keyed by (paired space, cap index).</summary>
internal sealed record SlottedObject(GraphObject Object, int Order, IReadOnlyDictionary<(int Space, ulong Index), GraphCap> Slots);

/// <summary>
/// Pairs objects of two graphs whose ids and addresses mean nothing across systems. A pair needs the same type and
/// name; its score is the number of (space, cap index) slots that map it on both sides. Unnamed objects need a
/// common slot (or no caps at all on both sides); named ones may pair without. Greedy by score; among equal scores
/// IPC gates with the same label go first, then file order.
/// </summary>
internal static class ObjectPairing
{
    /// <summary>For each object of A, the index of its partner in B or -1.</summary>
    public static int[] Pair(IReadOnlyList<SlottedObject> a, IReadOnlyList<SlottedObject> b)
    {
        var groups = new Dictionary<(string Type, string? Name), List<SlottedObject>>();
        foreach (var ob in b)
        {
            var key = (ob.Object.Type, ob.Object.Name);
            if (!groups.TryGetValue(key, out var list))
                groups[key] = list = [];
            list.Add(ob);
        }

        var candidates = new List<(int Score, bool SameLabel, int A, int B)>();
        foreach (var oa in a)
        {
            if (!groups.TryGetValue((oa.Object.Type, oa.Object.Name), out var group))
                continue;
            foreach (var ob in group)
            {
                var common = oa.Slots.Keys.Count(ob.Slots.ContainsKey);
                var allowed = common > 0 || oa.Object.Name is not null || (oa.Slots.Count == 0 && ob.Slots.Count == 0);
                if (allowed)
                    candidates.Add((common, ObjectGraphDiff.GateLabel(oa.Object) == ObjectGraphDiff.GateLabel(ob.Object), oa.Order, ob.Order));
            }
        }
        candidates.Sort((x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score)
            : x.SameLabel != y.SameLabel ? y.SameLabel.CompareTo(x.SameLabel)
            : x.A != y.A ? x.A.CompareTo(y.A) : x.B.CompareTo(y.B));

        var partner = Enumerable.Repeat(-1, a.Count).ToArray();
        var taken = new bool[b.Count];
        foreach (var (_, _, ia, ib) in candidates)
        {
            if (partner[ia] >= 0 || taken[ib])
                continue;
            partner[ia] = ib;
            taken[ib] = true;
        }
        return partner;
    }
}
