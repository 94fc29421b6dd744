namespace L4Conf.Reference.Moe;

/// <summary>
/// Moe's memory quota (moe/server/src/quota.h:29-133): a limit (0 = unlimited), what is reserved against it, and
/// what is committed. A child quota reserves its whole limit in the parent; an allocation reserves on this quota
/// and commits on it and on every limited ancestor.
/// </summary>
public sealed class Quota(Quota? parent, ulong limit)
{
    public Quota? Parent { get; } = parent;
    public ulong Limit { get; } = limit;
    public ulong Reserved { get; private set; }
    public ulong Committed { get; private set; }

    public bool Reserve(ulong s)
    {
        if (Limit == 0) { Reserved += s; return true; }
        if (s > Limit || Reserved > Limit - s) return false;
        Reserved += s;
        return true;
    }

    public void Unreserve(ulong s) => Reserved -= Math.Min(s, Reserved);

    public bool Alloc(ulong s)
    {
        if (!Reserve(s)) return false;
        for (var q = this; q != null; q = q.Parent) if (q.Limit != 0) q.Committed += s;
        return true;
    }

    public void Free(ulong s)
    {
        Unreserve(s);
        for (var q = this; q != null; q = q.Parent) if (q.Limit != 0) q.Committed -= Math.Min(s, q.Committed);
    }
}
