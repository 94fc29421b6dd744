namespace L4Conf.Reference.Moe;

/// <summary>
/// Moe's page allocator (cxx/lib/tl/include/list_alloc as used by moe/page_alloc.cc): a free list sorted by address,
/// first fit from the lowest address, 16-byte granularity, adjacent blocks merged when freed. Addresses are Moe's
/// virtual addresses, which equal physical ones (sigma0 maps Moe's memory 1:1).
/// </summary>
public sealed class PageAllocator
{
    private readonly SortedList<ulong, ulong> _free = new();     // start -> size

    /// <summary>Bytes free (List_alloc::avail).</summary>
    public ulong Avail { get; private set; }

    public void Free(ulong start, ulong size)
    {
        size = (size + 15) & ~15UL;
        if (size == 0) return;
        ulong end = start + size;
        // merge with a block ending at start and one starting at end
        int i = IndexBefore(start);
        if (i >= 0 && _free.Keys[i] + _free.Values[i] == start)
        {
            start = _free.Keys[i];
            size += _free.Values[i];
            _free.RemoveAt(i);
        }
        if (_free.TryGetValue(end, out var next))
        {
            size += next;
            _free.Remove(end);
        }
        _free[start] = size;
        Avail = _free.Values.Aggregate(0UL, (a, b) => a + b);
    }

    private int IndexBefore(ulong addr)
    {
        int lo = 0, hi = _free.Count - 1, r = -1;
        while (lo <= hi)
        {
            int m = (lo + hi) / 2;
            if (_free.Keys[m] < addr) { r = m; lo = m + 1; } else hi = m - 1;
        }
        return r;
    }

    /// <summary>First fit: the lowest block that holds <paramref name="size"/> bytes at <paramref name="align"/>; null if none.</summary>
    public ulong? Alloc(ulong size, ulong align)
    {
        size = (size + 15) & ~15UL;
        align = Math.Max(align, 16);
        for (int i = 0; i < _free.Count; i++)
        {
            ulong bs = _free.Keys[i], bl = _free.Values[i];
            ulong a = (bs + align - 1) & ~(align - 1);
            if (a + size > bs + bl || a < bs) continue;
            _free.RemoveAt(i);
            if (a > bs) _free[bs] = a - bs;
            if (a + size < bs + bl) _free[a + size] = bs + bl - (a + size);
            Avail -= size;
            return a;
        }
        return null;
    }
}
