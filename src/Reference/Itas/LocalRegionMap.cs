using System.Text;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Itas;

/// <summary>What backs a region of the in-task region map: the runtime's own copy of a dataspace cap (0 = none).</summary>
public sealed record ItasBacking(ulong DsSlot);

/// <summary>
/// The region map inside the task (l4re_itas/server/src/region.{h,cc}, l4re/util region_mapping_svr; itas notes §4):
/// the program's env.rm. Dataspaces must come from the same task; the runtime keeps its own copy of each cap.
/// Shared regions are mirrored into the external (Moe) region map, so that the runtime's own faults and those of
/// anonymous memory resolve there. Page faults of program threads are resolved in the faulting thread
/// (<see cref="Resolve"/>), through the page-fault trampoline.
/// </summary>
public sealed class LocalRegionMap : ServerObject
{
    private readonly ItasState _st;
    private readonly RpcTable _rpc;
    public RegionTable<ItasBacking> Table { get; }
    public override IReadOnlyList<Iface> Interfaces { get; } =
        [new(0x4005, "N4L4Re2RmE"), new((long)Protocol.PageFault, "N2L45PagerE"), new((long)Protocol.IoPageFault, "N2L48Io_pagerE"),
         new((long)Protocol.Exception, "N2L49ExceptionE"), new((long)L4ReProtocol.Debug, "N4L4Re9Debug_objE")];

    public LocalRegionMap(ItasState st, ulong min, ulong max)
    {
        _st = st;
        Table = new RegionTable<ItasBacking>(min, max);
        _rpc = new RpcTable()
            .Add(RmClient.OpAttach, Attach).Add(RmClient.OpDetach, Detach).Add(RmClient.OpFind, Find)
            .Add(RmClient.OpReserveArea, ReserveArea).Add(RmClient.OpFreeArea, (c, r) => Table.RemoveArea(r.U64()) ? 0 : -(long)L4Err.NoEnt)
            .Add(RmClient.OpGetRegions, (c, r) => List(c, r, true)).Add(RmClient.OpGetAreas, (c, r) => List(c, r, false))
            .Add(RmClient.OpGetInfo, GetInfo)
            .Add(RmClient.OpAddRescue, (c, r) => Table.AddRescue(r.U64(), r.U64(), r.U64()))
            .Add(RmClient.OpRemoveRescue, (c, r) => Table.RemoveRescue(r.U64()));
    }

    private Process? _server;
    /// <summary>The ITAS thread's process, which serves this object.</summary>
    public void ServedBy(Process p) => _server = p;

    public override long Dispatch(ServerCall c) => c.Tag.Label switch
    {
        (long)Protocol.PageFault => ClassicPageFault(c),
        (long)Protocol.IoPageFault => IoFault(c),
        (long)Protocol.Exception => Exception(c),
        (long)L4ReProtocol.Debug => Debug(c),
        _ => _rpc.Dispatch(c),
    };

    private const uint KnownAttach = RmFlags.SearchAddr | RmFlags.InArea | RmFlags.EagerMap | RmFlags.NoEagerMap | RmFlags.RWX
        | RmFlags.Kernel | RmFlags.Pager | RmFlags.Reserved | RmFlags.Private | RmFlags.Anonymous | RmFlags.CachingMask;

    private long Attach(ServerCall c, MsgReader r)
    {
        ulong start = r.U64(), size = r.U64();
        uint flags = r.U32();
        ulong offset = r.U64();
        int align = r.U8();
        r.U64();
        string name = r.String();
        ulong backingOffset = r.U64();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if ((flags & ~KnownAttach) != 0) return -(long)L4Err.Inval;
        ulong dsSlot = 0;
        if ((flags & (RmFlags.Reserved | RmFlags.Kernel | RmFlags.Anonymous)) == 0)
        {
            // validate_ds: only a dataspace of the same task, received as its flexpage word (local id)
            if (c.Items == 0 || (c.Item(0).Word & 0x3E) != 0x3E) return -(long)L4Err.NoEnt;
            ulong cap = c.Item(0).Payload & ~0xFFFUL;
            dsSlot = TakeDsRef(c.Sys, cap);
        }
        if (size == 0) return -(long)L4Err.Inval;
        if ((flags & RmFlags.SearchAddr) != 0 && (align < 12 || align > 63)) return -(long)L4Err.Inval;
        size = (size + 0xFFF) & ~0xFFFUL;
        start &= ~0xFFFUL;
        if (Table.Place(start, size, flags, align) is not { } at) { Release(c.Sys, dsSlot); return -(long)L4Err.AddrNotAvail; }
        var region = new Region<ItasBacking>(at, at + size - 1, flags & RmFlags.RegionFlagsMask, new ItasBacking(dsSlot), offset & ~0xFFFUL,
            name.Length > 40 ? name[..40] : name, backingOffset);
        Table.Insert(region);
        if (!Mirror(c.Sys, region)) { Table.Detach(at, size, RmFlags.DetachOverlap); Release(c.Sys, dsSlot); return -(long)L4Err.NoMem; }
        c.Reply.U64(at);
        return 0;
    }

    /// <summary>The runtime's copies of the program's dataspace caps: app cap ⇒ (own slot, references).</summary>
    private readonly Dictionary<ulong, (ulong Slot, int Refs)> _dsRefs = new();

    /// <summary>
    /// Ds_cap_references::lookup (itas/ds_cap_ref.cc:42-92): a cap the program attached before (and that still names
    /// the same object) shares the runtime's copy; otherwise the cap is copied into a new slot of the runtime's.
    /// </summary>
    private ulong TakeDsRef(L4Sys s, ulong appCap)
    {
        if (_dsRefs.TryGetValue(appCap, out var e) && s.CapEqual(0x1000, e.Slot << 12, appCap).Label == 1)
        {
            _dsRefs[appCap] = (e.Slot, e.Refs + 1);
            return e.Slot;
        }
        ulong slot = _st.AllocCap();
        s.CapCopy(slot << 12, appCap);                                  // ds_cap_ref.cc:73 (itas_cap.copy(app_cap))
        _dsRefs[appCap] = (slot, 1);
        return slot;
    }

    /// <summary>Ds_cap_references::release (ds_cap_ref.cc:28-40): the last reference frees the copy (unmapped).</summary>
    private void Release(L4Sys s, ulong slot)
    {
        if (slot == 0) return;
        var key = _dsRefs.FirstOrDefault(kv => kv.Value.Slot == slot);
        if (key.Value.Slot != slot) return;                            // not a copy of the runtime's (remote or loader regions)
        if (key.Value.Refs > 1) { _dsRefs[key.Key] = (slot, key.Value.Refs - 1); return; }
        _dsRefs.Remove(key.Key);
        s.TaskUnmap(0x1000, Fpage.Obj(slot << 12, 0, CapRights.RWSD), UnmapMask.AllSpaces);
        _st.FreeCap(slot);
    }

    /// <summary>
    /// Region_handler::attached (itas/region.cc:364-438): a shared dataspace region, or anonymous memory, is attached at
    /// the same address in the external region map too (No_eager_map); Pager, Kernel and Reserved regions are not.
    /// </summary>
    private bool Mirror(L4Sys s, Region<ItasBacking> g)
    {
        if ((g.Flags & (RmFlags.Pager | RmFlags.Kernel | RmFlags.Reserved)) != 0) return true;
        if ((g.Flags & RmFlags.Private) != 0 && (g.Flags & RmFlags.Anonymous) == 0) return true;
        var ext = new RmClient(s, _st.Env.Rm);
        ulong? ds = g.Backing?.DsSlot is { } d && d != 0 ? d << 12 : null;
        var (res, _) = ext.Attach(g.Start, g.Size, (g.Flags & RmFlags.RegionFlagsMask) | RmFlags.NoEagerMap, ds, CapRights.RWS, g.Offset, 12,
            g.Name, g.BackingOffset);
        if (res < 0 && res != -(long)L4Err.NoEnt)
        {
            _st.Err(_server ?? throw new InvalidOperationException(), true,
                $"{_st.Binary}: Could not attach DS [0x{g.Start:x}..0x{g.End:x}] to remote region map ({res}).\n");
            return false;
        }
        return true;
    }

    private long Detach(ServerCall c, MsgReader r)
    {
        ulong addr = r.U64(), size = r.U64();
        uint flags = r.U32();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if ((flags & ~(RmFlags.DetachExact | RmFlags.DetachOverlap)) != 0 || size == 0) return -(long)L4Err.Inval;
        ulong s = addr & ~0xFFFUL, e = (addr + size + 0xFFF) & ~0xFFFUL;
        var (res, rs, re, removed) = Table.Detach(s, e - s, flags);
        if (res < 0) return res;
        // detached ranges leave the external map and the task's address space too (region.cc:38-67, 440-458)
        new RmClient(c.Sys, _st.Env.Rm).Detach(rs, re - rs + 1, RmFlags.DetachOverlap);
        c.Sys.TaskUnmap(0x1000, Fpage.Memory(rs, 12, MemRights.RWX), UnmapMask.AllSpaces);
        for (ulong a = rs; a <= re && a >= rs; a += 0x1000) c.Sys.TaskUnmap(0x1000, Fpage.Memory(a, 12, MemRights.RWX), UnmapMask.AllSpaces);
        ulong memCap = ~0UL << 11;
        if (removed?.Backing?.DsSlot is { } slot && slot != 0)
        {
            memCap = slot << 12;
            Release(c.Sys, slot);                                        // the region handler's reference goes with it
        }
        c.Reply.U64(rs).U64(re - rs + 1).U64(memCap);
        return res | RmFlags.UnmappedRange;
    }

    private long Find(ServerCall c, MsgReader r)
    {
        ulong addr = r.U64(), size = r.U64();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if (Table.Find(addr, addr + Math.Max(size, 1) - 1) is not { } g) return -(long)L4Err.NoEnt;
        c.Reply.U64(g.Start).U64(g.Size).U32(g.Flags).U64(g.Offset);
        if (g.Backing?.DsSlot is { } d && d != 0) c.ReplyItem(Rpc.CapItem(d << 12, CapRights.RWS));
        return 0;
    }

    private long ReserveArea(ServerCall c, MsgReader r)
    {
        ulong start = r.U64(), size = r.U64();
        uint flags = r.U32();
        int align = r.U8();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if ((flags & ~(RmFlags.SearchAddr | RmFlags.Kernel | RmFlags.Reserved)) != 0 || size == 0) return -(long)L4Err.Inval;
        if (Table.AttachArea(start, size, flags, align) is not { } at) return -(long)L4Err.AddrNotAvail;
        c.Reply.U64(at);
        return 0;
    }

    private long List(ServerCall c, MsgReader r, bool regions)
    {
        ulong start = r.U64();
        var items = regions ? Table.Regions.Select(x => (x.Start, x.End, x.Flags)) : Table.Areas.Select(a => (a.Start, a.End, a.Flags));
        int n = 0;
        foreach (var (s, e, f) in items.Where(x => x.Item2 >= start))
        {
            if ((n + 1) * 24 > MsgWriter.MaxBytes) break;
            c.Reply.U64(s).U64(e).U64(f);
            n++;
        }
        return n;
    }

    private long GetInfo(ServerCall c, MsgReader r)
    {
        if (Table.Find(r.U64()) is not { } g) return -(long)L4Err.NoEnt;
        c.Reply.String(g.Name).U64(g.BackingOffset);
        return 0;
    }

    /// <summary>A page fault through the classic path (threads without a trampoline): resolved into the own task, no map item.</summary>
    private long ClassicPageFault(ServerCall c)
    {
        ulong w = c.Utcb.Mr(0), pc = c.Utcb.Mr(1);
        return Resolve(_server!, c.Sys, w, pc);
    }

    private long IoFault(ServerCall c)
    {
        _st.Err(_server!, false, $"IO-port-fault: port=0x{c.Utcb.Mr(0) >> 12:x} size={1 << (int)((c.Utcb.Mr(0) >> 6) & 0x3F)} pc=0x{c.Utcb.Mr(1):x}\n");
        return -(long)L4Err.NoMem;
    }

    private long Exception(ServerCall c)
    {
        ulong ip = c.Utcb.Mr(Model.Kernel.ExcRegs.Ip);
        _st.Dbg(_server!, ItasState.DbgWarn, null,
            $"{_st.Binary}: Unhandled exception: PC=0x{ip:x} PFA=0x{c.Utcb.Mr(Model.Kernel.ExcRegs.Pfa):x} LdrFlgs=0x{_st.Env.LdrFlags:x}\n");
        return ServerLoop.NoReply;
    }

    private long Debug(ServerCall c)
    {
        foreach (var line in Dump()) _st.Out(_server!, line + "\n");
        return 0;
    }

    /// <summary>
    /// op_page_fault (region_mapping_svr:316-373, itas/region.cc:232-279): the page-fault word carries the access bits;
    /// no region, wrong rights, or kernel/reserved memory give the runtime's messages and an error; otherwise the
    /// faulting thread itself maps the page: from its dataspace, or through the external region map for anonymous
    /// and Pager regions (a page-fault message with pc = -3).
    /// </summary>
    public long Resolve(Process printer, L4Sys s, ulong w, ulong pc)
    {
        bool needW = (w & 2) != 0, needX = (w & 4) != 0;
        _st.Dbg(printer, ItasState.DbgServer, null, $"page fault: {w:x} pc={pc:x}\n");
        var g = Table.Find(w);
        if (g == null)
        {
            _st.Dbg(printer, ItasState.DbgWarn, "rm", $"unhandled {(needW ? "write" : needX ? "instruction" : "read")} page fault at 0x{w:x} pc=0x{pc:x}\n");
            return -(long)L4Err.NoMem;
        }
        if (needW && (g.Flags & RmFlags.W) == 0)
        {
            _st.Dbg(printer, ItasState.DbgWarn, "rm", $"write page fault in readonly region at 0x{w:x} pc=0x{pc:x}\n");
            return -(long)L4Err.Access;
        }
        if (needX && (g.Flags & RmFlags.X) == 0)
        {
            _st.Dbg(printer, ItasState.DbgWarn, "rm", $"instruction page fault in non-exec region at 0x{w:x} pc=0x{pc:x}\n");
            return -(long)L4Err.Access;
        }
        if ((g.Flags & (RmFlags.Kernel | RmFlags.Reserved)) != 0)
        {
            _st.Dbg(printer, ItasState.DbgWarn, "rm", $"page fault handling in kernel-memory provided region or reserved region at 0x{w:x} pc=0x{pc:x}\n");
            return -(long)L4Err.NoDev;
        }
        long res = MapPage(s, w, g, needW);
        if (res != 0)
        {
            _st.Dbg(printer, ItasState.DbgWarn, "rm", $"mapping for page fault failed with error {res} at 0x{w:x} pc=0x{pc:x}\n");
            return -(long)L4Err.NoMem;
        }
        return 0;
    }

    private long MapPage(L4Sys s, ulong addr, Region<ItasBacking> g, bool writable)
    {
        uint flags = g.Flags;
        if (!writable) flags &= ~RmFlags.W;
        if ((flags & (RmFlags.Pager | RmFlags.Anonymous)) != 0)
        {
            var u = s.Self.Utcb;
            u.SetMr(0, addr);
            u.SetMr(1, unchecked((ulong)-3L));
            u.Bdr = 0;
            u.SetBr(0, (ulong)ItemBits.Map);
            u.SetBr(1, Fpage.Memory(0, 63, MemRights.RWX).Raw);
            var tag = s.Call(_st.Env.Rm, new MsgTag((long)Protocol.PageFault, 2, 0));
            return tag.HasError ? -((long)IpcErrorRange.Lo + (long)u.Error) : Math.Min(0, tag.Label);
        }
        if (g.Backing is not { DsSlot: not 0 } b) return -(long)L4Err.NoEnt;
        addr &= ~0xFUL;
        ulong mapFlags = (flags & 0xFF & RmFlags.RightsMask) | (flags & RmFlags.CachingMask);
        long r = DsClient.MapAt(s, b.DsSlot << 12, addr - g.Start + g.Offset, mapFlags, addr, g.Start, g.End);
        return Math.Min(0, r);
    }

    /// <summary>Region_map::debug_dump (itas/region.cc:460-489).</summary>
    public IEnumerable<string> Dump()
    {
        yield return $"Region mapping: limits [{Table.Min:x}-{Table.Max:x}]";
        yield return " Area map:";
        foreach (var a in Table.Areas) yield return $"  [{a.Start,10:x}-{a.End,10:x}] -> flags={a.Flags:x}";
        yield return " Region map:";
        foreach (var g in Table.Regions)
        {
            ulong ds = g.Backing?.DsSlot is { } d && d != 0 ? d : ~0UL >> 12;
            yield return $"  {g.Start:x10}-{g.End:x10} ds={ds:x4}@{g.Offset:x7} {RmFlags.Letters(g.Flags)}/{g.Flags:x4} {g.BackingOffset:x7}: {g.Name} ";
        }
    }
}
