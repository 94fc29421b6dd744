namespace L4Conf.Reference.L4Re;

/// <summary>L4Re::Rm flags (l4re/include/rm; abi-facts §11.3): attach flags above the 16-bit region flags.</summary>
public static class RmFlags
{
    public const uint X = 1, W = 2, R = 4, RW = 6, RX = 5, RWX = 7, RightsMask = 0xF, CachingMask = 0x30;
    public const uint Kernel = 0x100, Pager = 0x400, Reserved = 0x800, Private = 0x1000, Anonymous = 0x2000;
    public const uint RegionFlagsMask = 0xFFFF;
    public const uint SearchAddr = 0x20000, InArea = 0x40000, EagerMap = 0x80000, NoEagerMap = 0x100000, AttachMask = 0x1F0000;
    /// <summary>Detach result bits and flags.</summary>
    public const int DetachedDs = 0, KeptDs = 1, SplitDs = 2, DetachAgain = 4, UnmappedRange = 8;
    public const uint DetachExact = 1, DetachOverlap = 2;

    /// <summary>The flag letters of the L4Re region-map dump: A P R ^ K r w x.</summary>
    public static string Letters(uint f) => string.Concat(
        (f & Anonymous) != 0 ? 'A' : '-', (f & Private) != 0 ? 'P' : '-', (f & Reserved) != 0 ? 'R' : '-',
        (f & Pager) != 0 ? '^' : '-', (f & Kernel) != 0 ? 'K' : '-', (f & R) != 0 ? 'r' : '-',
        (f & W) != 0 ? 'w' : '-', (f & X) != 0 ? 'x' : '-');
}

/// <summary>A region of a region map: bounds (end inclusive), flags, its backing (a handler value), name, backing offset.</summary>
public sealed class Region<T>(ulong start, ulong end, uint flags, T? backing, ulong offset, string name, ulong backingOffset)
{
    public ulong Start { get; set; } = start;
    public ulong End { get; set; } = end;
    public uint Flags { get; } = flags;
    public T? Backing { get; } = backing;
    /// <summary>Offset into the backing dataspace at <see cref="Start"/>.</summary>
    public ulong Offset { get; set; } = offset;
    public string Name { get; } = name;
    public ulong BackingOffset { get; set; } = backingOffset;
    public ulong Size => End - Start + 1;
    public bool Contains(ulong a) => a >= Start && a <= End;
}

/// <summary>An area: a reserved range regions may be attached into (In_area), or that keeps them out.</summary>
public sealed record Area(ulong Start, ulong End, uint Flags);

/// <summary>
/// The region map algorithms of L4Re (l4re/util/include/region_mapping, used by Moe and by l4re_itas): areas and
/// regions as sorted non-overlapping ranges; attach with Search_addr / In_area placement; detach with its result
/// codes (whole, front, end, split); attach_area; find_free. Backing and handlers belong to the users.
/// </summary>
public sealed class RegionTable<T>(ulong min, ulong max)
{
    private readonly SortedList<ulong, Region<T>> _regions = new();
    private readonly SortedList<ulong, Area> _areas = new();
    private readonly SortedList<ulong, (ulong End, ulong Rescue)> _rescue = new();
    public ulong Min { get; } = min;
    public ulong Max { get; } = max;
    public IEnumerable<Region<T>> Regions => _regions.Values;
    public IEnumerable<Area> Areas => _areas.Values;

    public Region<T>? Find(ulong s, ulong e)
    {
        foreach (var r in _regions.Values)
        {
            if (r.Start > e) break;
            if (r.End >= s) return r;
        }
        return null;
    }

    public Region<T>? Find(ulong a) => Find(a, a);

    public Area? FindArea(ulong s, ulong e)
    {
        foreach (var a in _areas.Values)
        {
            if (a.Start > e) break;
            if (a.End >= s) return a;
        }
        return null;
    }

    public bool AddArea(ulong s, ulong e, uint flags)
    {
        if (FindArea(s, e) != null) return false;
        _areas[s] = new Area(s, e, flags);
        return true;
    }

    public bool RemoveArea(ulong addr)
    {
        var a = FindArea(addr, addr);
        if (a == null) return false;
        _areas.Remove(a.Start);
        return true;
    }

    /// <summary>attach_area: an exact range, or a searched one (Search_addr); null when it cannot be placed.</summary>
    public ulong? AttachArea(ulong addr, ulong size, uint flags, int align)
    {
        ulong s, e;
        if ((flags & RmFlags.SearchAddr) != 0)
        {
            if (addr < Min) addr = Min;
            while (true)
            {
                if (addr > Max || Max - addr < size - 1) return null;
                if (FindFree(addr, Max, size, align, flags) is not { } f) return null;
                addr = f;
                var r = FindArea(addr, addr + size - 1);
                if (r == null) break;
                if (r.End >= Max) return null;
                addr = r.End + 1;
            }
            s = addr; e = addr + size - 1;
        }
        else
        {
            s = addr; e = addr + size - 1;
            if (FindArea(s, e) != null) return null;
            if ((flags & RmFlags.Reserved) != 0 && Find(s, e) != null) return null;
        }
        return AddArea(s, e, flags & RmFlags.RegionFlagsMask) ? s : null;
    }

    /// <summary>find_free: the first address from <paramref name="start"/>, aligned, where size bytes touch no region (and no area unless In_area).</summary>
    public ulong? FindFree(ulong start, ulong end, ulong size, int align, uint flags)
    {
        ulong addr = start;
        if (addr == ~0UL || addr < Min || addr >= end) addr = Min;
        ulong a = 1UL << align;
        addr = (addr + a - 1) & ~(a - 1);
        while (true)
        {
            if (addr > 0 && addr - 1 > end - size) return null;
            var r = Find(addr, addr + size - 1);
            if (r == null)
            {
                if ((flags & RmFlags.InArea) == 0 && FindArea(addr, addr + size - 1) is { } ar)
                {
                    if (ar.End > end - size) return null;
                    addr = (ar.End + 1 + a - 1) & ~(a - 1);
                    continue;
                }
                return addr;
            }
            if (r.End > end - size) return null;
            addr = (r.End + 1 + a - 1) & ~(a - 1);
        }
    }

    /// <summary>Region_map::attach placement: returns the start, or null (the server answers -EADDRNOTAVAIL).</summary>
    public ulong? Place(ulong addr, ulong size, uint flags, int align)
    {
        ulong beg = addr, end = Max;
        if ((flags & RmFlags.InArea) != 0)
        {
            var r = FindArea(beg, beg + size - 1);
            if (r == null || (r.Flags & RmFlags.Reserved) != 0) return null;
            end = r.End;
        }
        if ((flags & RmFlags.SearchAddr) != 0)
        {
            if (FindFree(beg, end, size, align, flags) is not { } f) return null;
            beg = f;
        }
        if ((flags & (RmFlags.SearchAddr | RmFlags.InArea)) == 0 && FindArea(beg, beg + size - 1) != null) return null;
        if (beg < Min || beg + size - 1 > end) return null;
        if (Find(beg, beg + size - 1) != null) return null;
        return beg;
    }

    public void Insert(Region<T> r) => _regions[r.Start] = r;

    /// <summary>
    /// detach (region_mapping:301-427): the result code, the part removed, and whether the whole region went.
    /// <paramref name="free"/> is told which part of an Anonymous/Private region's backing is released.
    /// </summary>
    public (int Result, ulong Start, ulong End, Region<T>? Removed) Detach(ulong a, ulong size, uint flags, Action<Region<T>, ulong, ulong>? free = null)
    {
        ulong ds = a, de = a + size - 1;
        var g = Find(ds, de);
        if (g == null) return (-2, 0, 0, null);
        bool anonPriv = (g.Flags & (RmFlags.Anonymous | RmFlags.Private)) != 0;
        int ret;
        if ((flags & RmFlags.DetachOverlap) != 0 || (ds <= g.Start && de >= g.End))
        {
            _regions.Remove(g.Start);
            if (anonPriv) free?.Invoke(g, 0, g.Size);
            ret = RmFlags.DetachedDs;
            if (Find(ds, de) != null) ret |= RmFlags.DetachAgain;
            return (ret, g.Start, g.End, g);
        }
        if (ds <= g.Start)
        {
            ulong sz = de + 1 - g.Start;
            if (anonPriv) free?.Invoke(g, 0, sz);
            ulong oldStart = g.Start;
            _regions.Remove(g.Start);
            g.Start = de + 1;
            g.Offset += sz;
            g.BackingOffset += sz;
            _regions[g.Start] = g;
            ret = RmFlags.KeptDs;
            if (Find(ds, de) != null) ret |= RmFlags.DetachAgain;
            return (ret, oldStart, de, null);
        }
        if (de >= g.End)
        {
            if (anonPriv) free?.Invoke(g, ds - g.Start, g.End + 1 - ds);
            ulong oldEnd = g.End;
            g.End = ds - 1;
            ret = RmFlags.KeptDs;
            if (Find(ds, de) != null) ret |= RmFlags.DetachAgain;
            return (ret, ds, oldEnd, null);
        }
        // split: the middle goes, the tail becomes a new region
        if (anonPriv) free?.Invoke(g, ds - g.Start, de - ds + 1);
        ulong tail = de + 1 - g.Start;
        var t = new Region<T>(de + 1, g.End, g.Flags, g.Backing, g.Offset + tail, g.Name, g.BackingOffset + tail);
        g.End = ds - 1;
        _regions[t.Start] = t;
        return (RmFlags.SplitDs, ds, de, null);
    }

    public long AddRescue(ulong begin, ulong end, ulong pc)
    {
        if (begin >= end) return -22;
        if (_rescue.Any(kv => kv.Key <= end - 1 && kv.Value.End >= begin)) return -17;
        _rescue[begin] = (end - 1, pc);
        return 0;
    }

    public ulong FindRescue(ulong pc) => _rescue.FirstOrDefault(kv => pc >= kv.Key && pc <= kv.Value.End).Value.Rescue;

    public long RemoveRescue(ulong pc)
    {
        var k = _rescue.FirstOrDefault(kv => pc >= kv.Key && pc <= kv.Value.End);
        if (k.Value.End == 0 && k.Key == 0 && !_rescue.ContainsKey(0)) return -2;
        _rescue.Remove(k.Key);
        return 0;
    }
}
