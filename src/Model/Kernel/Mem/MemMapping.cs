using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel.Mem;

/// <summary>
/// One node of the memory mapping tree: a page (2^Order bytes at Va in Space) backed by physical Pa, its rights,
/// the mapping it was derived from and those derived from it (fiasco src/kern/mapping_tree, map_util-mem.cpp).
/// Roots belong to sigma0, which owns all physical memory.
/// </summary>
public sealed class MemMapping(Task space, ulong va, int order, ulong pa, MemRights rights, byte cache, MemMapping? parent)
{
    public Task Space { get; internal set; } = space;
    public ulong Va { get; internal set; } = va;
    public int Order { get; } = order;
    public ulong Pa { get; } = pa;
    public MemRights Rights { get; internal set; } = rights;
    public byte Cache { get; } = cache;
    public MemMapping? Parent { get; internal set; } = parent;
    internal readonly List<MemMapping> Children = new();
    public IReadOnlyList<MemMapping> Derived => Children;

    public ulong Size => 1UL << Order;
    public bool Covers(ulong va) => va >= Va && va - Va < Size;

    public override string ToString() => $"{Space.Label} 0x{Va:x}/{Order} -> pa 0x{Pa:x} {Rights}";
}
