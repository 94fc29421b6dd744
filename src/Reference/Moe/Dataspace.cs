using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Moe;

/// <summary>
/// A Moe dataspace (moe/server/src/dataspace.{h,cc}; moe notes §4): opcodes 0 map, 1 clear, 2 info, 3 copy_in,
/// 4 allocate, 5 map_info; no RPC-level rights checks: the W bit of the caller's cap decides map_flags.
/// Memory lives in Moe's own address space, which sigma0 mapped 1:1, so a page's Moe address is its physical one.
/// </summary>
public abstract class Dataspace : MoeObject
{
    /// <summary>L4Re::Dataspace::F: R 4, W 2, X 1, caching 0x30; Moe's copy-on-write mark 0x100.</summary>
    public const ulong FR = 4, FW = 2, FX = 1, FRw = 6, FRx = 5, FRwx = 7, RightsMask = 0xF, CachingMask = 0x30, CowEnabled = 0x100;
    public const int OpMap = 0, OpClear = 1, OpInfo = 2, OpCopyIn = 3, OpAllocate = 4, OpMapInfo = 5;

    protected Dataspace(MoeServer moe, ulong size, ulong flags, int pageShift = 12)
    {
        Moe = moe;
        Size = size;
        Flags = flags;
        PageShift = pageShift;
        Rpc = new RpcTable().Add(OpMap, OpMapHandler).Add(OpClear, OpClearHandler).Add(OpInfo, OpInfoHandler)
            .Add(OpCopyIn, OpCopyInHandler).Add(OpAllocate, OpAllocateHandler).Add(OpMapInfo, (_, _) => 0);
    }

    protected MoeServer Moe { get; }
    protected RpcTable Rpc { get; }
    public ulong Size { get; protected set; }
    public ulong Flags { get; }
    public int PageShift { get; }
    public ulong RoundSize => (Size + (1UL << PageShift) - 1) & ~((1UL << PageShift) - 1);
    public override IReadOnlyList<Iface> Interfaces { get; } = [new(0x4000, "N4L4Re9DataspaceE")];
    public override ulong ObjectSize => 112;
    public bool CheckLimit(ulong offset) => offset < RoundSize;

    /// <summary>The rights a cap with <paramref name="rights"/> may map: the dataspace's rights, all caching, W only with the cap's W.</summary>
    public ulong MapFlags(CapRights rights = CapRights.W) => ((Flags & RightsMask) | CachingMask) & ~((rights & CapRights.W) == 0 ? FW : 0);

    /// <summary>The flexpage (Moe address, order, rights) that maps <paramref name="offset"/>, or an error.</summary>
    public abstract (ulong Addr, int Order, ulong Rights, long Error) Address(ulong offset, ulong flags, ulong hotSpot, ulong min, ulong max);
    /// <summary>Moe's address of the byte at <paramref name="offset"/> (allocating the page if needed), or null.</summary>
    public abstract ulong? BytesAt(ulong offset, bool write);
    public abstract long Clear(ulong offset, ulong size);
    public abstract long PreAllocate(ulong offset, ulong size);

    public override long Dispatch(ServerCall call) => Rpc.Dispatch(call);

    /// <summary>map(offset, spot, flags) (dataspace.cc:66-94, map 28-63).</summary>
    private long OpMapHandler(ServerCall c, MsgReader r)
    {
        ulong offset = r.U64(), spot = r.U64(), flags = r.U64();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        ulong mf = MapFlags(c.Rights);
        if ((mf & FW) == 0 && (flags & FW) != 0) return -(long)L4Err.Perm;
        if ((mf & FX) == 0 && (flags & FX) != 0) return -(long)L4Err.Perm;
        return Map(c, offset, spot, flags & mf, 0, ~0UL);
    }

    public long Map(ServerCall c, ulong offset, ulong spot, ulong flags, ulong min, ulong max)
    {
        if (!CheckLimit(offset))
        {
            Moe.Print($"MOE: ds access out of bounds: offset={offset:x} size={Size:x}\n");
            return -(long)L4Err.Range;
        }
        offset &= ~0xFFFUL;
        spot &= ~0xFFFUL;
        var (addr, order, rights, err) = Address(offset, flags, spot, min, max);
        if (err != 0) return err;
        ulong cache = Math.Max(Flags & CachingMask, flags & CachingMask) >> 4;
        ulong cacheOpt = cache switch { 1 => 0x50UL, 2 => 0x10UL, _ => 0UL };   // None, Buffered, Uncached, None
        c.ReplyItem(new SendItem((spot & ~0xFFFUL) | (ulong)ItemBits.Map | cacheOpt, Fpage.Memory(addr, order, (MemRights)(rights & 7))));
        return 0;
    }

    private long OpClearHandler(ServerCall c, MsgReader r)
    {
        ulong offset = r.U64(), size = r.U64();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if ((MapFlags(c.Rights) & FW) == 0) return -(long)L4Err.Access;
        return Clear(offset, size);
    }

    private long OpInfoHandler(ServerCall c, MsgReader r)
    {
        ulong flags = Flags;
        if ((c.Rights & CapRights.W) == 0) flags &= ~FW;
        c.Reply.U64(Size).U64(flags);
        return 0;
    }

    /// <summary>copy_in(dst_offs, src cap, src_offs, size): the source must be a Moe dataspace received by label.</summary>
    private long OpCopyInHandler(ServerCall c, MsgReader r)
    {
        ulong dst = r.U64(), srcOffs, size;
        // the cap argument is an item; data words carry dst_offs, src_offs, size
        srcOffs = r.U64();
        size = r.U64();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        Dataspace? src = null;
        if (c.Items > 0 && (c.Item(0).Word & 0x3E) == 0x3C) src = Moe.Loop.Find(c.Item(0).Payload) as Dataspace;
        if ((MapFlags(c.Rights) & FW) == 0) return -(long)L4Err.Access;
        if (src == null) return -(long)L4Err.Inval;
        if (size == 0) return 0;
        CopyFrom(src, dst, srcOffs, size);
        return 0;
    }

    /// <summary>Dataspace_util::copy: clamped to both dataspaces; the model copies eagerly (the real Moe shares copy-on-write).</summary>
    public void CopyFrom(Dataspace src, ulong dstOffs, ulong srcOffs, ulong size)
    {
        if (dstOffs >= Size || srcOffs >= src.Size) return;
        size = Math.Min(size, Math.Min(Size - dstOffs, src.Size - srcOffs));
        var buf = new byte[0x1000];
        ulong done = 0;
        while (done < size)
        {
            ulong s = srcOffs + done, d = dstOffs + done;
            int n = (int)Math.Min(Math.Min(0x1000 - (s & 0xFFF), 0x1000 - (d & 0xFFF)), size - done);
            if (src.BytesAt(s, false) is not { } sa || BytesAt(d, true) is not { } da) return;
            var chunk = buf.AsSpan(0, n);
            Moe.Proc.TryRead(sa, chunk);
            Moe.Proc.Write(da, chunk);
            done += (ulong)n;
        }
    }

    private long OpAllocateHandler(ServerCall c, MsgReader r)
    {
        ulong offset = r.U64(), size = r.U64();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        return PreAllocate(offset, size);
    }
}

/// <summary>
/// A physically contiguous dataspace: boot modules and the KIP (static, over memory that already exists) and
/// Continuous allocations (moe dataspace_cont.cc, dataspace_static.h, dataspace_anon.cc). A map request gets the
/// largest naturally aligned block up to 1 GiB that fits the dataspace, the hot spot and the receive window.
/// </summary>
public sealed class DataspaceCont : Dataspace
{
    public DataspaceCont(MoeServer moe, ulong start, ulong size, ulong flags, int pageShift = 12, bool isStatic = true, ulong charged = 0)
        : base(moe, size, flags, pageShift)
    {
        Start = start;
        IsStatic = isStatic;
        Charged = charged;
    }

    public ulong Start { get; }
    public bool IsStatic { get; }
    /// <summary>Bytes of memory the dataspace owns (anonymous ones; static ones own nothing).</summary>
    public ulong Charged { get; }

    public override (ulong, int, ulong, long) Address(ulong offset, ulong flags, ulong hotSpot, ulong min, ulong max)
    {
        if (!CheckLimit(offset)) return (0, 0, 0, -(long)L4Err.Range);
        min &= ~0xFFFUL;
        ulong adr = Start + offset;
        int order = 12;
        while (order < 30)
        {
            ulong mb = adr & ~((1UL << (order + 1)) - 1);
            if (mb < Start) break;
            if (mb + (1UL << (order + 1)) - 1 > Start + RoundSize - 1) break;
            mb = hotSpot & ~((1UL << (order + 1)) - 1);
            if (mb < min) break;
            if (mb + (1UL << (order + 1)) - 1 > max) break;
            ulong mask = ~(~0UL << (order + 1));
            if (hotSpot == ~0UL || ((adr ^ hotSpot) & mask) != 0) break;
            order++;
        }
        return (adr & ~((1UL << order) - 1), order, flags & MapFlags(), 0);
    }

    public override ulong? BytesAt(ulong offset, bool write) => offset < RoundSize ? Start + offset : null;

    public override long Clear(ulong offset, ulong size)
    {
        if (offset >= RoundSize) return -(long)L4Err.Range;
        size = Math.Min(size, RoundSize - offset);
        Moe.Zero(Start + offset, size);
        return 0;
    }

    public override long PreAllocate(ulong offset, ulong size) => 0;

    internal override void OnDelete(MoeServer moe)
    {
        if (!IsStatic && Charged > 0) moe.FreePages(Start, Charged, Creator?.Quota);
    }
}
