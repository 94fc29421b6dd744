using L4Conf.Model.Abi;

namespace L4Conf.Reference.Moe;

/// <summary>
/// Moe's default dataspace (moe/server/src/dataspace_noncont.{h,cc}; moe notes §3.3, §4): 4 KiB pages allocated and
/// zeroed on first use, each charged to the creator's quota; page tables are charged at creation (one word per page,
/// rounded up to 1 KiB, up to 2 MiB of dataspace; above that a first level of 1 KiB steps and 4 KiB second-level
/// tables on demand). Mapped one page at a time.
/// </summary>
public sealed class DataspaceNoncont : Dataspace
{
    private const ulong Page = 0x1000;
    private readonly Dictionary<ulong, ulong> _pages = new();        // page offset -> Moe address
    private readonly HashSet<ulong> _l2 = new();
    private readonly Quota? _quota;
    private readonly ulong _tableBytes;
    private readonly ulong? _tableAddr;

    private DataspaceNoncont(MoeServer moe, ulong size, ulong flags, Quota? quota, ulong tableBytes, ulong? tableAddr)
        : base(moe, size, flags)
    {
        _quota = quota;
        _tableBytes = tableBytes;
        _tableAddr = tableAddr;
    }

    private static ulong RoundUp(ulong v, ulong to) => (v + to - 1) / to * to;

    /// <summary>Dataspace_noncont::create: the page table for the size, charged to <paramref name="quota"/>; null when it does not fit.</summary>
    public static DataspaceNoncont? Create(MoeServer moe, ulong size, ulong flags, Quota? quota)
    {
        ulong pages = (size + Page - 1) / Page;
        ulong table = size <= Page ? 0 : size <= (2UL << 20) ? RoundUp(pages * 8, 1024) : RoundUp((pages + 511) / 512 * 8, 1024);
        ulong? addr = null;
        if (table > 0)
        {
            addr = moe.AllocPages(table, 16, quota);
            if (addr == null) return null;
        }
        return new DataspaceNoncont(moe, size, flags, quota, table, addr);
    }

    private bool Big => Size > (2UL << 20);

    /// <summary>The page holding <paramref name="offset"/>, allocated (and zeroed, charged) on first use.</summary>
    private ulong? PageAt(ulong offset, bool allocate)
    {
        ulong po = offset & ~(Page - 1);
        if (_pages.TryGetValue(po, out var a)) return a;
        if (!allocate) return null;
        if (Big && !_l2.Contains(po >> 21))
        {
            if (Moe.AllocPages(Page, Page, _quota) is null) return null;
            _l2.Add(po >> 21);
        }
        if (Moe.AllocPages(Page, Page, _quota) is not { } np) return null;
        Moe.Zero(np, Page);
        _pages[po] = np;
        return np;
    }

    public override (ulong, int, ulong, long) Address(ulong offset, ulong flags, ulong hotSpot, ulong min, ulong max)
    {
        if (!CheckLimit(offset)) return (0, 0, 0, -(long)L4Err.Range);
        if (PageAt(offset, true) is not { } a) return (0, 0, 0, -(long)L4Err.NoMem);
        return (a, 12, flags & MapFlags(), 0);
    }

    public override ulong? BytesAt(ulong offset, bool write) =>
        offset < RoundSize && PageAt(offset, true) is { } a ? a + (offset & (Page - 1)) : null;

    /// <summary>Partial head and tail pages are zeroed; whole pages are freed and unmapped (dataspace_noncont.cc:136-170).</summary>
    public override long Clear(ulong offset, ulong size)
    {
        if (offset >= RoundSize) return -(long)L4Err.Range;
        ulong end = Math.Min(offset + size, RoundSize);
        for (ulong o = offset; o < end;)
        {
            ulong po = o & ~(Page - 1);
            ulong pe = Math.Min(po + Page, end);
            if (o == po && pe == po + Page)
            {
                if (_pages.Remove(po, out var a))
                {
                    Moe.UnmapFromClients(a);
                    Moe.FreePages(a, Page, _quota);
                }
            }
            else if (PageAt(o, true) is { } a2) Moe.Zero(a2 + (o - po), pe - o);
            o = pe;
        }
        return 0;
    }

    public override long PreAllocate(ulong offset, ulong size)
    {
        if (offset >= Size || Size - offset < size) return -(long)L4Err.Range;
        for (ulong o = offset & ~(Page - 1); o < offset + size; o += Page)
            if (PageAt(o, true) == null) return -(long)L4Err.NoMem;
        return 0;
    }

    internal override void OnDelete(MoeServer moe)
    {
        foreach (var a in _pages.Values)
        {
            moe.UnmapFromClients(a);
            moe.FreePages(a, Page, _quota);
        }
        _pages.Clear();
        foreach (var _ in _l2) moe.FreePages(0, Page, _quota, memory: false);
        if (_tableAddr is { } t) moe.FreePages(t, _tableBytes, _quota);
    }
}
