namespace L4Conf.Reference.Sigma0;

/// <summary>A region of a resource map: inclusive bounds, owner id (0 = free) and L4 fpage rights (R 4, W 2, X 1).</summary>
public sealed record Region(ulong Start, ulong End, ulong Owner, byte Rights)
{
    public const byte RWX = 7, RW = 6, RX = 5, R = 4;
    public bool Contains(ulong s, ulong e) => s >= Start && e <= End;
    public bool Overlaps(ulong s, ulong e) => !(e < Start || s > End);
    /// <summary>sigma0's dump form: [owner:RWX:start;end], owner decimal, addresses bare lower-case hex.</summary>
    public override string ToString() =>
        $"[{Owner}:{((Rights & 4) != 0 ? 'R' : '-')}{((Rights & 2) != 0 ? 'W' : '-')}{((Rights & 1) != 0 ? 'X' : '-')}:{Start:x};{End:x}]";
}

/// <summary>
/// One of sigma0's resource maps (l4re sigma0/server/src/mem_man.cc, region.h): ordered, non-overlapping regions;
/// neighbours merge when owner and rights are equal; regions reserved for sigma0 itself (id 2) are dropped.
/// The operations follow Mem_man's add, add_free, alloc/alloc_from, alloc_get_rights, reserve and alloc_first.
/// </summary>
public sealed class ResourceMap
{
    private readonly SortedList<ulong, Region> _regions = new();
    public IEnumerable<Region> Regions => _regions.Values;

    /// <summary>The region overlapping [s, e], if any (the AVL tree's find with "a &lt; b iff a.end &lt; b.start").</summary>
    private Region? Overlapping(ulong s, ulong e)
    {
        foreach (var r in _regions.Values)
        {
            if (r.Start > e) break;
            if (r.Overlaps(s, e)) return r;
        }
        return null;
    }

    public Region? Find(ulong s, ulong e) => Overlapping(s, e) is { } r && r.Contains(s, e) ? r : null;

    private void Remove(Region r) => _regions.Remove(r.Start);
    private void Put(Region r) => _regions[r.Start] = r;

    public bool Add(Region r)
    {
        if (r.Start > 0 && Overlapping(r.Start - 1, r.Start - 1) is { } p && p.Owner == r.Owner && p.Rights == r.Rights)
        {
            r = r with { Start = p.Start };
            Remove(p);
        }
        if (r.End != ulong.MaxValue && Overlapping(r.End + 1, r.End + 1) is { } n && n.Owner == r.Owner && n.Rights == r.Rights)
        {
            r = r with { End = n.End };
            Remove(n);
        }
        if (r.Owner == Sigma0Ids.Sigma0) return true;              // sigma0's own regions are not kept
        Put(r);
        return true;
    }

    public bool AddFree(Region r)
    {
        if (r.End < r.Start) return true;
        while (Overlapping(r.Start, r.End) is { } n)
        {
            r = r with { Start = Math.Min(r.Start, n.Start), End = Math.Max(r.End, n.End) };
            Remove(n);
        }
        return Add(r);
    }

    private bool AllocFrom(Region r2, Region r)
    {
        if (r2.Owner != 0 && r2.Owner != r.Owner) return false;
        if (r2.Owner == r.Owner && r2.Rights == r.Rights) return true;
        if (r.Start == r2.Start && r.End == r2.End)
        {
            Remove(r2);
            return Add(r);
        }
        Remove(r2);
        if (r.Start == r2.Start) Put(r2 with { Start = r.End + 1 });
        else if (r.End == r2.End) Put(r2 with { End = r.Start - 1 });
        else
        {
            Put(r2 with { End = r.Start - 1 });
            Add(new Region(r.End + 1, r2.End, r2.Owner, r2.Rights));
        }
        return Add(r);
    }

    /// <summary>Mem_man::alloc: [s, e] must lie inside one region that is free or the owner's.</summary>
    public bool Alloc(ulong s, ulong e, ulong owner, byte rights = Region.RWX) =>
        Find(s, e) is { } r2 && AllocFrom(r2, new Region(s, e, owner, rights));

    /// <summary>Mem_man::alloc_get_rights: the containing region must have <paramref name="need"/>; the piece keeps its full rights.</summary>
    public byte? AllocGetRights(ulong s, ulong e, ulong owner, byte need)
    {
        if (Find(s, e) is not { } p || (p.Rights & need) != need) return null;
        return AllocFrom(p, new Region(s, e, owner, p.Rights)) ? p.Rights : null;
    }

    /// <summary>Mem_man::reserve: claims [s, e] unless another owner holds part of it (used to build the maps from the KIP).</summary>
    public bool Reserve(Region r)
    {
        while (true)
        {
            if (Overlapping(r.Start, r.End) is not { } r2) return Add(r);
            if (r2.Owner != 0 && r2.Owner != r.Owner) return false;
            if (r2.Start == r.Start && r2.End == r.End && (r2.Owner != r.Owner || r2.Rights != r.Rights)) { Remove(r2); return Add(r); }
            if (r2.Contains(r.Start, r.End) && r2.Owner == r.Owner) return true;
            if (r2.Contains(r.Start, r.End))
            {
                Remove(r2);
                if (r2.Start == r.Start) Put(r2 with { Start = r.End + 1 });
                else
                {
                    Put(r2 with { End = r.Start - 1 });
                    if (r.End < r2.End) Add(new Region(r.End + 1, r2.End, r2.Owner, r2.Rights));
                }
                return Add(r);
            }
            if (r.Contains(r2.Start, r2.End)) { Remove(r2); continue; }
            if (r2.Start < r.Start)
            {
                if (r2.Owner != 0) r = r with { Start = r2.End + 1 };
                else { Remove(r2); Put(r2 with { End = r.Start - 1 }); }
            }
            else
            {
                if (r2.Owner != 0) r = r with { End = r2.Start - 1 };
                else { Remove(r2); Put(r2 with { Start = r.End + 1 }); }
            }
        }
    }

    /// <summary>Mem_man::alloc_first: the first free region whose first aligned block of <paramref name="size"/> fits.</summary>
    public ulong? AllocFirst(ulong size, ulong owner)
    {
        foreach (var r in _regions.Values)
        {
            if (r.Owner != 0) continue;
            if (r.Start + size - 1 < r.Start) continue;                  // wraps around
            ulong st = (r.Start + size - 1) & ~(size - 1);
            if (st < r.End && r.End - st >= size - 1)
                return AllocFrom(r, new Region(st, st + size - 1, owner, Region.RWX)) ? st : null;
        }
        return null;
    }
}
