namespace L4Conf.Model.Kernel;

/// <summary>
/// Kernel-memory quota of a factory (Ram_quota): every allocation is charged, freeing gives it back.
/// Limit 0 on the root quota means unlimited (fiasco src/kern/ram_quota.cpp).
/// </summary>
public sealed class RamQuota(RamQuota? parent, ulong limit)
{
    public RamQuota? Parent { get; } = parent;
    public ulong Limit { get; } = limit;
    public ulong Used { get; private set; }
    public bool Unlimited => Parent == null && Limit == 0;
    /// <summary>Set when the owning factory is gone; the quota is released once nothing is charged to it.</summary>
    internal Action? OnDrained;

    /// <summary>Set when the owning factory is deleted: no further charges, frees still count (QUOTA-5, ram_quota.cpp:75-79, 126-141).</summary>
    public bool Invalid { get; private set; }

    internal void Invalidate() => Invalid = !Unlimited;

    /// <summary>The unlimited root quota does not count: the real root factory shows `c=0 l=0` with many objects alive.</summary>
    public bool TryAlloc(ulong bytes)
    {
        if (Unlimited) return true;
        if (Invalid || bytes > Limit || Used > Limit - bytes) return false;
        Used += bytes;
        return true;
    }

    /// <summary>Whether <paramref name="bytes"/> could be charged now (nothing is charged).</summary>
    public bool Fits(ulong bytes) => Unlimited || (!Invalid && bytes <= Limit && Used <= Limit - bytes);

    public void Free(ulong bytes)
    {
        if (Unlimited) return;
        if (bytes > Used) throw new InvalidOperationException($"quota underflow: freeing {bytes} with {Used} used");
        Used -= bytes;
        if (Used == 0) OnDrained?.Invoke();
    }
}
