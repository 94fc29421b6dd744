using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;
using VargType = L4Conf.Model.Abi.VargType;

namespace L4Conf.Reference.Moe;

/// <summary>
/// Moe's memory allocator and object factory (moe/server/src/alloc.{h,cc}; moe notes §3): L4Re::Mem_alloc (info) and
/// L4::Factory create, which needs S on the caller's cap. Objects it makes live in its own heap, charged to its quota,
/// and come back as gates with RWSD; it deletes them when it is deleted.
/// </summary>
public sealed class Allocator : MoeObject
{
    public const long MaxPriority = 255;
    private readonly MoeServer _moe;
    public bool IsRoot { get; }
    public Quota Quota { get; }
    public ObjectHeap OwnHeap { get; }
    /// <summary>What this allocator created (its part of Moe's life list).</summary>
    internal readonly List<MoeObject> Children = new();
    public override IReadOnlyList<Iface> Interfaces { get; } = [new(0x400B, "N4L4Re9Mem_allocE"), new((long)Protocol.Factory, "N2L47FactoryE")];
    public override ulong ObjectSize => 112;

    public Allocator(MoeServer moe, Quota quota, bool root)
    {
        _moe = moe;
        IsRoot = root;
        Quota = quota;
        OwnHeap = new ObjectHeap(moe.Pages, quota);
    }

    public override long Dispatch(ServerCall c)
    {
        if (c.Tag.Label == (long)Protocol.Factory) return Create(c);
        // Mem_alloc: opcode 0 info
        var r = c.Args();
        int op = r.Opcode();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if (op != 0) return -(long)L4Err.NoSys;
        ulong avail = _moe.AvailRam;
        ulong memLimit = Math.Min(Quota.Limit, avail);
        ulong free = Math.Min(Math.Min(memLimit - Math.Min(memLimit, Quota.Committed), Quota.Limit - Quota.Reserved), _moe.Pages.Avail);
        c.Reply.U64(Quota.Limit).U64(Quota.Reserved).U64(memLimit).U64(Quota.Committed).U64(free);
        return 0;
    }

    /// <summary>Factory create (alloc.cc:113-291): MR0 = protocol, then the vargs.</summary>
    private long Create(ServerCall c)
    {
        if (c.Tag.Words < 1) return -(long)L4Err.MsgTooShort;
        if (!c.Has(CapRights.S)) return -(long)L4Err.Perm;
        long type = unchecked((long)c.Utcb.Mr(0));
        var args = new VargReader(c.Utcb, 1, c.Tag.Words);
        MoeObject? obj;
        switch (type)
        {
            case 0x4001:
                obj = Make(new NameSpace(_moe));
                break;
            case 0x4005:
                obj = Make(_moe.NewRegionMap());
                break;
            case (long)Protocol.Factory:
            {
                var q = args.Next();
                if (!q.IsInt || q.Signed <= 0) return -(long)L4Err.Inval;
                if (OwnHeap.Alloc(112) is not { } addr) return -(long)L4Err.NoMem;
                if (!Quota.Reserve((ulong)q.Signed)) { OwnHeap.Free(addr); return -(long)L4Err.NoMem; }
                var a = new Allocator(_moe, new Quota(Quota, (ulong)q.Signed), root: false) { Heap = OwnHeap, Label = addr };
                obj = a;
                break;
            }
            case (long)Protocol.Log:
            {
                var tag = args.Next();
                if (tag.Type != VargType.String) return -(long)L4Err.Inval;
                var col = args.Next();
                int color = col.Type == VargType.String ? MoeLog.ColorValue(col.Text ?? "") : col.IsInt ? (byte)col.Value : 7;
                var t = tag.Text ?? "";
                obj = Make(new MoeLog(_moe, t.Length > 32 ? t[..32] : t, color));
                break;
            }
            case (long)Protocol.Scheduler:
            {
                if (!IsRoot) return -(long)L4Err.NoDev;
                var pmax = args.Next();
                var pbase = args.Next();
                if (!pmax.IsInt || !pbase.IsInt) return -(long)L4Err.Inval;
                if (pmax.Signed > MaxPriority || pbase.Signed > MaxPriority) return -(long)L4Err.Range;
                if (pmax.Signed <= pbase.Signed) return -(long)L4Err.Inval;
                var cpus = new List<ulong>();
                for (var a = args.Next(); a.Type != VargType.Nil; a = args.Next())
                {
                    if (!a.IsInt) return -(long)L4Err.Inval;
                    cpus.Add(a.Value);
                }
                obj = Make(new SchedProxy(_moe, pbase.Signed, pmax.Signed, cpus.Count > 0 ? cpus : null));
                break;
            }
            case 0x4000:
            {
                var size = args.Next();
                var flags = args.Next();
                var align = args.Next();
                var @base = args.Next();
                if (!size.IsInt) return -(long)L4Err.Inval;
                if (@base.Type != VargType.Nil) return -(long)L4Err.Inval;       // MMU: the physical address is not the client's business
                var (ds, err) = AllocDataspace(size.Signed, flags.IsInt ? flags.Value : 0, align.IsInt ? (int)align.Value : 0);
                if (ds == null) return err;
                obj = ds;
                break;
            }
            case 0x4008:
                obj = Make(new DmaSpace());
                break;
            default:
                return -(long)L4Err.NoDev;
        }
        if (obj == null) return -(long)L4Err.NoMem;
        obj.Creator = this;
        Children.Add(obj);
        if (!_moe.Serve(obj, dynamic: true)) { _moe.Destroy(obj); return -(long)L4Err.NoMem; }
        c.ReplyItem(Rpc.CapItem(obj.GateSlot << 12, CapRights.RWSD));
        return 0;
    }

    /// <summary>make_obj: the object's memory from this allocator's heap; null when the quota or memory is exhausted.</summary>
    private T? Make<T>(T o) where T : MoeObject
    {
        if (OwnHeap.Alloc(o.ObjectSize) is not { } addr) return null;
        o.Heap = OwnHeap;
        o.Label = addr;
        return o;
    }

    /// <summary>Allocator::alloc (alloc.cc:36-76): size 0 ⇒ -ERANGE; Continuous/Pinned ⇒ contiguous, else page by page.</summary>
    private (Dataspace?, long) AllocDataspace(long size, ulong flags, int align)
    {
        if (size == 0) return (null, -(long)L4Err.Range);
        if ((flags & 3) != 0)
        {
            int shift = (flags & 4) != 0 ? Math.Max(align, 21) : Math.Max(align, 12);
            if (size < 0) return (null, -(long)L4Err.NoMem);
            ulong rounded = ((ulong)size + (1UL << shift) - 1) & ~((1UL << shift) - 1);
            if (OwnHeap.Alloc(112) is not { } addr) return (null, -(long)L4Err.NoMem);
            if (_moe.AllocPages(rounded, 1UL << shift, Quota) is not { } mem) { OwnHeap.Free(addr); return (null, -(long)L4Err.NoMem); }
            _moe.Zero(mem, rounded);
            var ds = new DataspaceCont(_moe, mem, (ulong)size, Dataspace.FRwx, shift, isStatic: false, charged: rounded) { Heap = OwnHeap, Label = addr };
            return (ds, 0);
        }
        if (size < 0) return (null, -(long)L4Err.Range);
        if (OwnHeap.Alloc(112) is not { } a2) return (null, -(long)L4Err.NoMem);
        var nc = DataspaceNoncont.Create(_moe, (ulong)size, Dataspace.FRwx | Dataspace.CowEnabled, Quota);
        if (nc == null) { OwnHeap.Free(a2); return (null, -(long)L4Err.NoMem); }
        nc.Heap = OwnHeap;
        nc.Label = a2;
        return (nc, 0);
    }

    internal override void OnDelete(MoeServer moe)
    {
        foreach (var c in Children.ToList()) moe.Destroy(c);
        Children.Clear();
        Quota.Parent?.Unreserve(Quota.Limit);
    }
}
