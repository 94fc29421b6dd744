using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Moe;

/// <summary>What backs a region of Moe's region map: a Moe dataspace and the offset of the region's start in it.</summary>
public sealed record MoeBacking(Dataspace? Ds);

/// <summary>
/// Moe's region map (moe/server/src/region.{h,cc}, l4re/util region_mapping_svr; moe notes §5.1): L4Re::Rm plus the
/// Pager (-2, -8) and Exception (-5) protocols. Its regions back the page faults of the tasks it is pager of.
/// </summary>
public sealed class RegionMap : MoeObject
{
    private readonly MoeServer _moe;
    private readonly RpcTable _rpc;
    public RegionTable<MoeBacking> Table { get; }
    public override IReadOnlyList<Iface> Interfaces { get; } =
        [new(0x4005, "N4L4Re2RmE"), new((long)Protocol.PageFault, "N2L45PagerE"), new((long)Protocol.IoPageFault, "N2L48Io_pagerE"), new((long)Protocol.Exception, "N2L49ExceptionE")];
    public override ulong ObjectSize => 120;

    public RegionMap(MoeServer moe, ulong min, ulong max, IEnumerable<(ulong Start, ulong End)> reservedVirtual)
    {
        _moe = moe;
        Table = new RegionTable<MoeBacking>(min, max);
        foreach (var (s, e) in reservedVirtual) Table.AddArea(s, e, RmFlags.Reserved);
        Table.AddArea(0, 0xFFF, 0);                                   // the NULL page
        _rpc = new RpcTable()
            .Add(RmClient.OpAttach, Attach).Add(RmClient.OpDetach, Detach)
            .Add(RmClient.OpFind, (_, _) => -(long)L4Err.Perm)             // Moe has no find (Have_find = false)
            .Add(RmClient.OpReserveArea, ReserveArea).Add(RmClient.OpFreeArea, FreeArea)
            .Add(RmClient.OpGetRegions, (c, r) => List(c, r, regions: true)).Add(RmClient.OpGetAreas, (c, r) => List(c, r, regions: false))
            .Add(RmClient.OpGetInfo, GetInfo).Add(RmClient.OpAddRescue, AddRescue).Add(RmClient.OpRemoveRescue, RemoveRescue)
            .Add(RmClient.OpPageIn, PageIn);
    }

    public override long Dispatch(ServerCall c) => c.Tag.Label switch
    {
        (long)Protocol.PageFault => PageFault(c),
        (long)Protocol.IoPageFault => IoPageFault(c),
        (long)Protocol.Exception => Exception(c),
        _ => _rpc.Dispatch(c),
    };

    private const uint KnownAttach = RmFlags.SearchAddr | RmFlags.InArea | RmFlags.EagerMap | RmFlags.NoEagerMap | RmFlags.RWX
        | RmFlags.Kernel | RmFlags.Pager | RmFlags.Reserved | RmFlags.Private | RmFlags.Anonymous | RmFlags.CachingMask;

    /// <summary>attach (region_mapping_svr:32-90, moe region.cc:46-76, 159-191).</summary>
    private long Attach(ServerCall c, MsgReader r)
    {
        ulong start = r.U64(), size = r.U64();
        uint flags = r.U32();
        ulong offset = r.U64();
        int align = r.U8();
        r.U64();                                                     // client cap index
        string name = r.String();
        ulong backingOffset = r.U64();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if ((flags & ~KnownAttach) != 0) return -(long)L4Err.Inval;
        Dataspace? ds = null;
        if ((flags & (RmFlags.Reserved | RmFlags.Kernel | RmFlags.Anonymous)) == 0)
        {
            if ((flags & RmFlags.Pager) != 0) return -(long)L4Err.Inval;
            if (c.Items == 0 || (c.Item(0).Word & 0x3E) != 0x3C)
            {
                if (c.Items > 0 && (c.Item(0).Word & 0x3E) == 0x38) _moe.DropReceived(0);
                return -(long)L4Err.NoEnt;
            }
            ds = _moe.Loop.Find(c.Item(0).Payload) as Dataspace;
            if (ds == null) return -(long)L4Err.NoEnt;
            ulong need = flags & 0xFF & RmFlags.RightsMask;
            ulong have = ds.MapFlags((CapRights)(c.Item(0).Payload & 3)) | ((flags & RmFlags.Private) != 0 ? Dataspace.FW : 0);
            if ((need & ~have) != 0) return -(long)L4Err.Perm;
        }
        if (size == 0) return -(long)L4Err.Inval;
        if ((flags & RmFlags.SearchAddr) != 0 && (align < 12 || align > 63)) return -(long)L4Err.Inval;
        ulong end = start + size;
        size = (size + 0xFFF) & ~0xFFFUL;
        start &= ~0xFFFUL;
        if (end < start) return -(long)L4Err.Inval;
        if ((flags & (RmFlags.Private | RmFlags.Anonymous)) != 0)
        {
            // a private copy or anonymous memory: a new dataspace of the region's size, charged to the map's creator
            if (ds != null)
            {
                offset &= ~0xFFFUL;
                if (offset >= ds.Size || ds.Size - offset < size) return -(long)L4Err.Inval;
            }
            var backing = DataspaceNoncont.Create(_moe, size, Dataspace.FRwx | Dataspace.CowEnabled, Creator?.Quota);
            if (backing == null) return -(long)L4Err.NoMem;
            if (ds != null) backing.CopyFrom(ds, 0, offset, size);
            ds = backing;
            offset = 0;
        }
        if (Table.Place(start, size, flags, align) is not { } at) return -(long)L4Err.AddrNotAvail;
        Table.Insert(new Region<MoeBacking>(at, at + size - 1, flags & RmFlags.RegionFlagsMask, new MoeBacking(ds), offset,
            name.Length > 40 ? name[..40] : name, backingOffset));
        if (ds != null && ds != null) _moe.AddWeakRef(ds);
        c.Reply.U64(at);
        return 0;
    }

    /// <summary>detach (region_mapping_svr:139-173): Moe never unmaps (the client does).</summary>
    private long Detach(ServerCall c, MsgReader r)
    {
        ulong addr = r.U64(), size = r.U64();
        uint flags = r.U32();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if ((flags & ~(RmFlags.DetachExact | RmFlags.DetachOverlap)) != 0 || size == 0) return -(long)L4Err.Inval;
        ulong s = addr & ~0xFFFUL, e = (addr + size + 0xFFF) & ~0xFFFUL;
        var (res, rs, re, removed) = Table.Detach(s, e - s, flags, (g, off, len) => g.Backing?.Ds?.Clear(g.Offset + off, len));
        if (res < 0) return res;
        if (removed?.Backing?.Ds is { } ds) _moe.RemoveWeakRef(ds);
        c.Reply.U64(rs).U64(re - rs + 1).U64(~0UL << 11);
        return res;
    }

    private long ReserveArea(ServerCall c, MsgReader r)
    {
        ulong start = r.U64(), size = r.U64();
        uint flags = r.U32();
        int align = r.U8();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if ((flags & ~(RmFlags.SearchAddr | RmFlags.Kernel | RmFlags.Reserved)) != 0) return -(long)L4Err.Inval;
        if (size == 0 || start + size - 1 < start) return -(long)L4Err.Inval;
        if ((flags & RmFlags.SearchAddr) != 0 && align > 63) return -(long)L4Err.Inval;
        if (Table.AttachArea(start, size, flags, align) is not { } at) return -(long)L4Err.AddrNotAvail;
        c.Reply.U64(at);
        return 0;
    }

    private long FreeArea(ServerCall c, MsgReader r)
    {
        ulong addr = r.U64();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        return Table.RemoveArea(addr) ? 0 : -(long)L4Err.NoEnt;
    }

    /// <summary>get_regions / get_areas: {start, end, flags} entries from the first one ending at or after start; label = count.</summary>
    private long List(ServerCall c, MsgReader r, bool regions)
    {
        ulong start = r.U64();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        var items = regions ? Table.Regions.Select(x => (x.Start, x.End, x.Flags)) : Table.Areas.Select(a => (a.Start, a.End, a.Flags));
        int n = 0;
        foreach (var (s, e, f) in items.Where(x => x.Item2 >= start))
        {
            if ((n + 1) * 24 > MsgWriter.MaxBytes) break;
            c.Reply.U64(s).U64(e).U64(f);
            n++;
            if (e >= Table.Max) break;
        }
        return n;
    }

    private long GetInfo(ServerCall c, MsgReader r)
    {
        ulong addr = r.U64();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if (Table.Find(addr) is not { } g) return -(long)L4Err.NoEnt;
        c.Reply.String(g.Name).U64(g.BackingOffset);
        return 0;
    }

    private long AddRescue(ServerCall c, MsgReader r)
    {
        ulong b = r.U64(), e = r.U64(), pc = r.U64();
        return r.Ok ? Table.AddRescue(b, e, pc) : -(long)L4Err.MsgTooShort;
    }

    private long RemoveRescue(ServerCall c, MsgReader r)
    {
        ulong pc = r.U64();
        return r.Ok ? Table.RemoveRescue(pc) : -(long)L4Err.MsgTooShort;
    }

    /// <summary>page_in (region_mapping_svr:272-290, region_mapping:485-508).</summary>
    private long PageIn(ServerCall c, MsgReader r)
    {
        ulong min = r.U64(), max = r.U64();
        uint rights = r.U16();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if ((min & 0xFFF) != 0 || ((max + 1) & 0xFFF) != 0) return -(long)L4Err.Inval;
        if (Table.Find(min) is not { } g) return -(long)L4Err.NoEnt;
        if ((g.Flags & (RmFlags.Kernel | RmFlags.Reserved)) != 0) return -(long)L4Err.NoDev;
        if ((g.Flags & rights) != rights) return -(long)L4Err.Access;
        if (g.Backing?.Ds is not { } ds) return -(long)L4Err.NoEnt;
        long res = ds.Map(c, g.Offset + (min - g.Start), min, (g.Flags & ~RmFlags.RightsMask & 0xFF) | rights, g.Start, Math.Min(max, g.End));
        if (res < 0) return res;
        c.Reply.U64(0);                                              // no in-thread helper
        return 0;
    }

    /// <summary>Page fault (region_mapping_svr:316-373, moe region.cc:78-104): map from the region's dataspace.</summary>
    private long PageFault(ServerCall c)
    {
        ulong w = c.Utcb.Mr(0), pc = c.Utcb.Mr(1);
        bool needW = (w & 2) != 0, needX = (w & 4) != 0;
        ulong addr = w & ~7UL;
        var g = Table.Find(addr);
        if (g == null)
        {
            _moe.Print($"MOE[rm]: unhandled {(needW ? "write" : needX ? "instruction" : "read")} page fault at 0x{w:x} pc=0x{pc:x}\n");
            return -(long)L4Err.NoMem;
        }
        if (needW && (g.Flags & RmFlags.W) == 0)
        {
            _moe.Print($"MOE[rm]: write page fault in readonly region at 0x{w:x} pc=0x{pc:x}\n");
            return -(long)L4Err.Access;
        }
        if (needX && (g.Flags & RmFlags.X) == 0)
        {
            _moe.Print($"MOE[rm]: instruction page fault in non-exec region at 0x{w:x} pc=0x{pc:x}\n");
            return -(long)L4Err.Access;
        }
        if ((g.Flags & (RmFlags.Kernel | RmFlags.Reserved)) != 0)
        {
            _moe.Print($"MOE[rm]: page fault handling in kernel-memory provided region or reserved region at 0x{w:x} pc=0x{pc:x}\n");
            return -(long)L4Err.NoDev;
        }
        if (g.Backing?.Ds is not { } ds)
        {
            _moe.Print($"MOE[rm]: mapping for page fault failed with error {-(long)L4Err.NoEnt} at 0x{w:x} pc=0x{pc:x}\n");
            return -(long)L4Err.NoMem;
        }
        ulong rights = g.Flags & 0xFF;
        if (!needW) rights &= ~(ulong)RmFlags.W;
        long res = ds.Map(c, g.Offset + (addr - g.Start), addr, rights, g.Start, g.End);
        if (res < 0)
        {
            _moe.Print($"MOE[rm]: mapping for page fault failed with error {res} at 0x{w:x} pc=0x{pc:x}\n");
            return -(long)L4Err.NoMem;
        }
        return 0;
    }

    private long IoPageFault(ServerCall c)
    {
        var f = new Fpage(c.Utcb.Mr(0));
        _moe.Print($"MOE: IO-port-fault: port=0x{f.Address >> 12:x} size={1 << f.Order} pc=0x{c.Utcb.Mr(1):x}\n");
        return -(long)L4Err.NoMem;
    }

    /// <summary>Exceptions: a rescue jump covering the PC redirects it; otherwise no reply (region.cc:203-217).</summary>
    private long Exception(ServerCall c)
    {
        ulong ip = c.Utcb.Mr(Model.Kernel.ExcRegs.Ip);
        ulong rescue = Table.FindRescue(ip);
        if (rescue == 0) return ServerLoop.NoReply;
        for (int i = 0; i < Model.Kernel.ExcRegs.Words; i++) c.Reply.U64(c.Utcb.Mr(i));
        c.Utcb.SetMr(Model.Kernel.ExcRegs.Ip, rescue);
        return 0;
    }

    internal override void OnDelete(MoeServer moe)
    {
        foreach (var g in Table.Regions.ToList())
        {
            if (g.Backing?.Ds is { } ds)
            {
                if ((g.Flags & (RmFlags.Private | RmFlags.Anonymous)) != 0) moe.Destroy(ds);
                else moe.RemoveWeakRef(ds);
            }
        }
    }
}
