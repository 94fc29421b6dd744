using System.Text;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// Structural diff of two object graphs that may come from different systems: ids, addresses and runtime
/// attributes (times, counters) are ignored; what counts is which objects exist (by type and name), which
/// (space, cap index) slots map them with which rights, whether a slot points to the object itself or to an
/// interface part of it, ref_cnt and IPC gate labels. See <see cref="SpacePairing"/> and <see cref="ObjectPairing"/>
/// for how the two sides are matched up.
/// </summary>
public static class ObjectGraphDiff
{
    public static DiffResult Compare(ObjectGraph a, ObjectGraph b, DiffOptions? options = null)
    {
        options ??= DiffOptions.Default;
        // Spaces are paired on the whole graphs: more structure to go by than what a filter leaves.
        var spaces = SpacePairing.Pair(a, b);
        var keptA = Slotted(ApplyFilter(a, options), spaces.KeyA);
        var keptB = Slotted(ApplyFilter(b, options), spaces.KeyB);
        var partner = ObjectPairing.Pair(keptA, keptB);

        var diffs = new List<Difference>();
        var pairedB = new bool[keptB.Count];
        for (var i = 0; i < keptA.Count; i++)
        {
            if (partner[i] < 0)
            {
                diffs.Add(Missing(DifferenceKind.ObjectMissingInB, keptA[i], spaces));
                continue;
            }
            pairedB[partner[i]] = true;
            ComparePair(keptA[i], keptB[partner[i]], spaces, options, diffs);
        }
        for (var j = 0; j < keptB.Count; j++)
            if (!pairedB[j])
                diffs.Add(Missing(DifferenceKind.ObjectMissingInA, keptB[j], spaces));
        return new DiffResult(diffs);
    }

    /// <summary>
    /// The graph as the diff sees it under <paramref name="options"/>: only kept caps, and only objects that keep
    /// one, plus objects named KERNEL that have no caps at all (the kernel's own task and thread).
    /// </summary>
    public static ObjectGraph ApplyFilter(ObjectGraph g, DiffOptions options)
    {
        if (!options.IsFiltered)
            return g;
        var objects = new List<GraphObject>();
        foreach (var o in g.Objects)
        {
            var caps = o.Caps.Where(options.Keeps).ToArray();
            if (caps.Length > 0 || (o.Caps.Count == 0 && o.Name == "KERNEL"))
                objects.Add(o with { Caps = caps });
        }
        return g with { Objects = objects };
    }

    /// <summary>One line per difference, then `N differences` or `graphs match`.</summary>
    public static string Format(DiffResult result)
    {
        var sb = new StringBuilder();
        foreach (var d in result.Differences)
            sb.Append(d.Message).Append('\n');
        var n = result.Differences.Count;
        sb.Append(n == 0 ? "graphs match" : n == 1 ? "1 difference" : $"{n} differences").Append('\n');
        return sb.ToString();
    }

    private static List<SlottedObject> Slotted(ObjectGraph g, Func<ulong, int> spaceKey)
    {
        var list = new List<SlottedObject>(g.Objects.Count);
        foreach (var o in g.Objects)
        {
            var slots = new Dictionary<(int, ulong), GraphCap>();
            foreach (var c in o.Caps)
                slots.TryAdd((spaceKey(c.SpaceId), c.Index), c); // a slot maps one object once in a real dump
            list.Add(new SlottedObject(o, list.Count, slots));
        }
        return list;
    }

    private static void ComparePair(SlottedObject sa, SlottedObject sb, SpacePairing spaces, DiffOptions options, List<Difference> diffs)
    {
        GraphObject a = sa.Object, b = sb.Object;
        var what = Describe(a, b);
        if (options.CompareRefCount && a.RefCount != b.RefCount)
            diffs.Add(new(DifferenceKind.RefCountDiffer, $"ref_cnt differs on {what}: A={a.RefCount} B={b.RefCount}", a, b));
        string? la = GateLabel(a), lb = GateLabel(b);
        if (la != lb)
            diffs.Add(new(DifferenceKind.GateLabelDiffer,
                $"gate label differs on {what}: A={(la is null ? "none" : "L=" + la)} B={(lb is null ? "none" : "L=" + lb)}", a, b));

        foreach (var (slot, ca) in sa.Slots)
        {
            var where = spaces.Label(slot.Space);
            var at = $"{where} C:{slot.Index:x}";
            if (!sb.Slots.TryGetValue(slot, out var cb))
            {
                diffs.Add(new(DifferenceKind.CapabilityMissingInB,
                    $"capability missing in B at {at} on {what} (A: rights=0x{ca.Rights:x} flags=0x{ca.Flags:x})", a, b, where, slot.Index));
                continue;
            }
            if (ca.Rights != cb.Rights)
                diffs.Add(new(DifferenceKind.RightsDiffer,
                    $"rights differ at {at} on {what}: A=0x{ca.Rights:x} B=0x{cb.Rights:x}: {CapRightsText.Contrast(ca.Rights, cb.Rights)}",
                    a, b, where, slot.Index));
            else if (ca.Flags != cb.Flags)
                diffs.Add(new(DifferenceKind.RightsDiffer,
                    $"flags differ at {at} on {what}: A=0x{ca.Flags:x} B=0x{cb.Flags:x} (rights 0x{ca.Rights:x} on both)", a, b, where, slot.Index));
            bool selfA = ca.ObjectAddress == a.Address, selfB = cb.ObjectAddress == b.Address;
            if (selfA != selfB)
                diffs.Add(new(DifferenceKind.InterfaceDiffer,
                    $"interface differs at {at} on {what}: in A the cap points to {Target(selfA)}, in B to {Target(selfB)}", a, b, where, slot.Index));
        }
        foreach (var (slot, cb) in sb.Slots)
        {
            if (sa.Slots.ContainsKey(slot))
                continue;
            var where = spaces.Label(slot.Space);
            diffs.Add(new(DifferenceKind.CapabilityMissingInA,
                $"capability missing in A at {where} C:{slot.Index:x} on {what} (B: rights=0x{cb.Rights:x} flags=0x{cb.Flags:x})", a, b, where, slot.Index));
        }
    }

    private static string Target(bool self) => self ? "the object itself" : "an interface part of it (e.g. an IPC gate's control part)";

    private static Difference Missing(DifferenceKind kind, SlottedObject so, SpacePairing spaces)
    {
        var o = so.Object;
        var inA = kind == DifferenceKind.ObjectMissingInB;
        var slots = so.Slots.Keys.Select(s => $"{spaces.Label(s.Space)} C:{s.Index:x}").ToArray();
        var mapped = slots.Length == 0 ? "no capabilities" : "mapped at " + string.Join(", ", slots);
        return new(kind,
            $"object missing in {(inA ? "B" : "A")}: {Describe(inA ? o : null, inA ? null : o)} ref_cnt={o.RefCount}, {mapped}",
            inA ? o : null, inA ? null : o);
    }

    /// <summary>`[Gate] L=00000040 {moe->s0} (A:a B:a)`: type, gate label, name, then the dump ids on each side.</summary>
    private static string Describe(GraphObject? a, GraphObject? b)
    {
        var o = a ?? b ?? throw new ArgumentException("no object to describe");
        var sb = new StringBuilder().Append('[').Append(o.Type).Append(']');
        if (GateLabel(o) is { } label)
            sb.Append(" L=").Append(label);
        if (o.Name is not null)
            sb.Append(" {").Append(o.Name).Append('}');
        var ids = new List<string>(2);
        if (a is not null)
            ids.Add($"A:{a.Id:x}");
        if (b is not null)
            ids.Add($"B:{b.Id:x}");
        return sb.Append(" (").Append(string.Join(' ', ids)).Append(')').ToString();
    }

    /// <summary>The `L=xxxxxxxx` label of an IPC gate; other objects' L= (IRQ) is a runtime detail.</summary>
    internal static string? GateLabel(GraphObject o)
    {
        if (o.Type != "Gate")
            return null;
        foreach (var token in o.Attributes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (token.StartsWith("L=", StringComparison.Ordinal))
                return token[2..];
        return null;
    }
}
