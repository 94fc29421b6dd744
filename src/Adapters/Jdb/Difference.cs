using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

public enum DifferenceKind
{
    ObjectMissingInA,
    ObjectMissingInB,
    CapabilityMissingInA,
    CapabilityMissingInB,
    RightsDiffer,
    RefCountDiffer,
    GateLabelDiffer,
    InterfaceDiffer,
}

/// <summary>
/// One structural difference between graph A and graph B. <see cref="Message"/> names the object
/// (`[Gate] L=00000040 {moe->s0} (A:a B:a)`), and for capability differences the space and slot (`D:moe C:4`).
/// <see cref="A"/>/<see cref="B"/> are the objects involved on each side (null on the side that lacks it).
/// </summary>
public sealed record Difference(DifferenceKind Kind, string Message, GraphObject? A, GraphObject? B,
    string? Space = null, ulong? CapIndex = null)
{
    public override string ToString() => Message;
}

/// <summary>All differences, in a deterministic order: A's objects in file order, then objects only in B.</summary>
public sealed record DiffResult(IReadOnlyList<Difference> Differences)
{
    public bool Equal => Differences.Count == 0;
}
