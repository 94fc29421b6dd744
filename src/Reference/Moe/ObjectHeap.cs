namespace L4Conf.Reference.Moe;

/// <summary>
/// Moe's object allocator (moe/server/src/malloc.cc Malloc_container, quota.h Q_alloc): sizes rounded up to a power
/// of two from 16 to 1024 bytes; each 4 KiB page holds objects of one size, 24 bytes of header, the first object at
/// the page's top; free slots are reused last freed first; the newest page is searched first. With a quota, each
/// new page costs 4096 bytes of it. The addresses it returns are the objects' gate labels, as in the real Moe.
/// </summary>
public sealed class ObjectHeap(PageAllocator pages, Quota? quota)
{
    private const ulong PageSize = 0x1000, Header = 24;

    private sealed class Page(ulong addr, int shift)
    {
        public readonly ulong Addr = addr;
        public readonly int Shift = shift;
        public readonly int Slots = (int)((PageSize - Header) >> shift);
        public readonly Stack<int> FreeSlots = new();
        public int Next;            // slots never used so far are handed out in index order
        public int Used;
        public ulong SlotAddr(int i) => Addr + PageSize - ((ulong)(i + 1) << Shift);
    }

    private readonly List<Page> _pages = new();        // newest first
    public Quota? Quota { get; } = quota;

    /// <summary>The object size Moe's allocator gives <paramref name="size"/> bytes, or null above 1024.</summary>
    public static int? Shift(ulong size)
    {
        int s = 4;
        while ((1UL << s) < size) { s++; if (s > 10) return null; }
        return s;
    }

    public ulong? Alloc(ulong size)
    {
        if (Shift(size) is not { } shift) return null;
        foreach (var p in _pages)
        {
            if (p.Shift != shift || p.Used >= p.Slots) continue;
            return Take(p);
        }
        if (Quota != null && !Quota.Alloc(PageSize)) return null;
        if (pages.Alloc(PageSize, PageSize) is not { } a)
        {
            Quota?.Free(PageSize);
            return null;
        }
        var np = new Page(a, shift);
        _pages.Insert(0, np);
        return Take(np);
    }

    private static ulong Take(Page p)
    {
        int i = p.FreeSlots.Count > 0 ? p.FreeSlots.Pop() : p.Next++;
        p.Used++;
        return p.SlotAddr(i);
    }

    public void Free(ulong addr)
    {
        var p = _pages.FirstOrDefault(pg => addr >= pg.Addr && addr < pg.Addr + PageSize);
        if (p == null) return;
        int i = (int)((p.Addr + PageSize - addr) >> p.Shift) - 1;
        p.FreeSlots.Push(i);
        p.Used--;
        if (p.Used == 0)
        {
            _pages.Remove(p);
            pages.Free(p.Addr, PageSize);
            Quota?.Free(PageSize);
        }
    }
}
