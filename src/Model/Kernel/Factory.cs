using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The kernel factory: creates objects into the caller's receive slot and charges them to its quota
/// (fiasco src/kern/factory.cpp, src/kern/ram_quota.cpp; abi-facts §7.3; results checked against ned_t_factory.log).
/// </summary>
public sealed class Factory : KObject
{
    /// <summary>sizeof(Factory) charged to the parent besides the limit (UNCONFIRMED model value).</summary>
    public const ulong ObjectSize = 0x60;

    public Factory(Kernel k, RamQuota quota) : base(k, ObjectSize) => Quota = quota;

    public RamQuota Quota { get; }
    public override string JdbType => "Factory";
    public override string JdbAttributes => $"c={Quota.Used} l={Quota.Limit}";

    public override InvokeResult Invoke(Invocation inv)
    {
        // FAC-1/FAC-2: label, then S, then at least one word (kobject_rpc.h:56-75).
        if (inv.Tag.Label != (long)Protocol.Factory) return InvokeResult.Err(L4Err.BadProto);
        if (!inv.Has(CapRights.S)) return InvokeResult.Err(L4Err.Perm);
        if (inv.Tag.Words < 1) return InvokeResult.Err(L4Err.MsgTooShort);
        if (!inv.HasRecv) return InvokeResult.Ok();                                            // FAC-3: nothing created
        if (ReceiveSlot(inv) is not { } slot) return InvokeResult.Ipc(IpcErr.ReMsgCut);        // FAC-4

        var (obj, words, err) = Create(inv);
        if (err != null) return InvokeResult.Err(err.Value);
        var st = Kernel.Insert(inv.Space, slot, obj!, CapRights.Full, "create");
        if (st != Kernel.InsertStatus.Ok)
        {
            Kernel.Destroy(obj!, "create-failed");
            return st == Kernel.InsertStatus.OutOfRange ? InvokeResult.Err(L4Err.NoMem) : InvokeResult.Err(L4Err.NoMem);
        }
        inv.Utcb.SetMr(words, (ulong)ItemBits.Map | ((ulong)FpageType.Obj << 4));   // returned map item: L4_ITEM_MAP | L4_FPAGE_OBJ << L4_FPAGE_TYPE_SHIFT, order 0 (FAC-5)
        return InvokeResult.Ok(words, 1);
    }

    /// <summary>
    /// The object slot named by the caller's first object receive item (BR[BDR.obj]): small or fpage form. The
    /// forward bit only adds the task word, which the factory ignores; an item that does not fit in the BRs is void
    /// (FAC-4, l4_buf_iter.cpp:69-111).
    /// </summary>
    private static ulong? ReceiveSlot(Invocation inv)
    {
        int idx = BufDescFields.ObjIndex(inv.Utcb.Bdr);
        ulong item = inv.Utcb.Br(idx);
        if ((item & (ulong)ItemBits.Map) == 0) return null;
        bool small = (item & 0x2) != 0;                               // L4_RCV_ITEM_SINGLE_CAP: selector in the item word
        int len = (small ? 1 : 2) + ((item & (ulong)ItemBits.RcvForward) != 0 ? 1 : 0);
        if (idx + len > Utcb.BrCount) return null;
        if (small) return item >> 12;
        var window = new Fpage(inv.Utcb.Br(idx + 1));
        return window.Type == FpageType.Obj ? window.CapIndex : null;
    }

    private (KObject? Obj, int Words, L4Err? Err) Create(Invocation inv)
    {
        long proto = inv.SMr(0);
        switch (proto)
        {
            case 0 or (long)Protocol.Kobject: return CreateGate(inv);
            case (long)Protocol.IrqSender: return Charge(new IrqSender(Kernel), 0);
            case (long)Protocol.Semaphore: return Charge(new Semaphore(Kernel), 0);
            case (long)Protocol.Thread: return Charge(new Thread(Kernel), 0);
            case (long)Protocol.Task: return CreateTask(inv);
            // A VM needs no UTCB area: Ned's kf:create(P.Vm) without arguments succeeded (ned_t_factory.log:135).
            case (long)Protocol.Vm when Kernel.Config.HasVm: return Charge(new Vm(Kernel, Quota, Fpage.Invalid), 0);
            case (long)Protocol.Factory: return CreateFactory(inv);
            // The captured kernel answers DMA-space creation without an IOMMU with -ENOMEM (ned_t_factory.log:136).
            case (long)Protocol.DmaSpace: return (null, 0, L4Err.NoMem);
            default: return (null, 0, L4Err.NoDev);                                              // FAC-6
        }
    }

    /// <summary>Allocates from this factory's quota (FAC-QUOTA-1); the object is registered only on success.</summary>
    private (KObject?, int, L4Err?) Charge(KObject obj, int words, ulong extra = 0)
    {
        if (!Quota.TryAlloc(obj.Size + extra)) return (null, 0, L4Err.NoMem);
        obj.ChargedTo = Quota;
        Kernel.Register(obj, this);
        return (obj, words, null);
    }

    /// <summary>
    /// IPC gate: with a thread item the order is item type/thread (-EINVAL), thread S (-EPERM), at least 3 words
    /// (-EMSGTOOSHORT), label bits 0..1 (-EINVAL); without an item the label is 0 (FAC-GATE-1).
    /// </summary>
    private (KObject?, int, L4Err?) CreateGate(Invocation inv)
    {
        ulong label = 0;
        Thread? bound = null;
        if (inv.Tag.Items > 0)
        {
            if (inv.CapArg(0) is not { } arg || arg.Entry.Object is not Thread t) return (null, 0, L4Err.Inval);
            if ((arg.Rights & CapRights.S) == 0) return (null, 0, L4Err.Perm);
            if (inv.Tag.Words < 3) return (null, 0, L4Err.MsgTooShort);
            label = inv.Mr(2);
            if ((label & 3) != 0) return (null, 0, L4Err.Inval);
            bound = t;
        }
        var r = Charge(new IpcGate(Kernel, label), 0);
        if (r.Item1 is IpcGate g && bound != null) g.BindThread(bound);
        return r;
    }

    /// <summary>
    /// Task: MR1 = fpage varg header, MR2 = UTCB-area word; fewer than 3 words is -EINVAL. The task and its two
    /// directories are allocated first (-ENOMEM), then a non-zero MR2 is checked (FAC-TASK-2), its record and area
    /// allocated (-ENOMEM, QUOTA-6) and answered as one word (FAC-TASK-1).
    /// </summary>
    private (KObject?, int, L4Err?) CreateTask(Invocation inv)
    {
        if (inv.Tag.Words < 3) return (null, 0, L4Err.Inval);
        if (!Quota.Fits(Task.ObjectSize + Task.CreationExtra(null))) return (null, 0, L4Err.NoMem);
        ulong raw = inv.Mr(2);
        var utcbArea = Fpage.Invalid;
        if (raw != 0)
        {
            if (UtcbAreaFpage(raw) is not { } area) return (null, 0, L4Err.Inval);
            utcbArea = area;
        }
        ulong extra = Task.CreationExtra(raw != 0 ? utcbArea.Order : null);
        var r = Charge(new Task(Kernel, Quota, utcbArea) { ExtraCharged = extra }, raw != 0 ? 1 : 0, extra);
        if (r.Item1 != null && raw != 0) inv.Utcb.SetMr(0, utcbArea.Raw);
        return r;
    }

    /// <summary>User space on amd64 ends at 0x7fff_ffff_ffff (fiasco ia32/64/mem_layout-ia32-64.cpp:29).</summary>
    private const ulong UserMax = 0x7FFF_FFFF_FFFF;

    /// <summary>
    /// Task::alloc_ku_mem's checks (task.cpp:288-294, 353-354): order 12..17 and the area inside user space; the
    /// type is not looked at. The area is L4_fpage::mem(address, order), rights 0 (task.cpp:319-320).
    /// </summary>
    private static Fpage? UtcbAreaFpage(ulong raw)
    {
        var fp = new Fpage(raw);
        if (fp.Order > 17 || fp.Order < 12) return null;
        ulong addr = raw & ~0xFFFUL;
        if (addr > UserMax - (1UL << fp.Order) + 1) return null;
        return Fpage.Memory(addr, fp.Order, MemRights.None);
    }

    /// <summary>Factory: exactly 3 words (MR2 = limit); limit 0 or ≥ 2^63-1 is -ENOMEM; charges sizeof + limit (FAC-FAC-1..3).</summary>
    private (KObject?, int, L4Err?) CreateFactory(Invocation inv)
    {
        if (inv.Tag.Words < 3) return (null, 0, L4Err.MsgTooShort);
        if (inv.Tag.Words > 3 || inv.Tag.Items > 0) return (null, 0, L4Err.MsgTooLong);
        ulong limit = inv.Mr(2);
        if (limit == 0 || limit >= long.MaxValue) return (null, 0, L4Err.NoMem);
        var q = new RamQuota(Quota, limit);
        var r = Charge(new Factory(Kernel, q), 0, limit);
        if (r.Item1 is Factory f) f.ChargedLimit = limit;
        return r;
    }

    /// <summary>Limit charged to the parent besides the object itself; returned when the factory's quota drains.</summary>
    internal ulong ChargedLimit { get; private set; }

    /// <summary>A deleted factory's quota takes no more charges (Factory::destroy, take_and_invalidate: QUOTA-5).</summary>
    protected internal override void OnDestroy() => Quota.Invalidate();

    /// <summary>A deleted factory stays charged (object and limit) until nothing is charged to it any more (QUOTA-3).</summary>
    protected internal override void Release()
    {
        if (Quota.Used == 0) ChargedTo?.Free(Size + ChargedLimit);
        else Quota.OnDrained = () => ChargedTo?.Free(Size + ChargedLimit);
    }
}
