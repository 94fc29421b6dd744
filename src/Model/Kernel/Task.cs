using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// A task: an object space of capabilities (and, later, a memory space). Protocol L4_PROTO_TASK, opcode = full MR0
/// (fiasco src/kern/task.cpp; abi-facts §7.1).
/// </summary>
public class Task : KObject
{
    /// <summary>Observed spacing of Task objects in the real dump (jdb_mapdb_objs.log: ...5700, ...5620, ...5540).</summary>
    public const ulong ObjectSize = 0xE0;

    /// <summary>The page directory (fiasco ia32/mem_space-ia32.cpp:139-151) and the capability directory
    /// (obj_space_phys_util.cpp:157-174): one 4 KiB page each, charged at creation.</summary>
    public const ulong PageDirectorySize = 0x1000, CapDirectorySize = 0x1000;
    /// <summary>sizeof(Space::Ku_mem) on amd64 (a list link, two pointers, a size and a flag: 40 bytes; DERIVED from space.cpp:72-93).</summary>
    public const ulong KuMemRecordSize = 0x28;

    /// <summary>What creating a task charges besides the object: its two directories and, with a UTCB area of
    /// 2^order bytes, a Ku_mem record and the area itself (QUOTA-6).</summary>
    public static ulong CreationExtra(int? utcbOrder) =>
        PageDirectorySize + CapDirectorySize + (utcbOrder is { } o ? KuMemRecordSize + (1UL << o) : 0);

    public Task(Kernel k, RamQuota? quota, Fpage utcbArea) : base(k, ObjectSize)
    {
        Quota = quota;
        UtcbArea = utcbArea;
    }

    public ObjectSpace Space { get; } = new();
    /// <summary>Quota that table pages of this task are charged to (its creating factory's).</summary>
    public RamQuota? Quota { get; }
    /// <summary>Bytes charged at creation besides the object (<see cref="CreationExtra"/>), given back when it is freed.</summary>
    internal ulong ExtraCharged { get; set; }
    /// <summary>Kernel-user memory given at creation or by add_ku_mem (UTCBs live here).</summary>
    public Fpage UtcbArea { get; }
    internal readonly List<Fpage> KuMem = new();
    /// <summary>Memory mappings by virtual start address (the mapping database's view of this task).</summary>
    internal readonly Dictionary<ulong, Mem.MemMapping> MemMappings = new();
    public IEnumerable<Mem.MemMapping> Memory => MemMappings.Values;
    /// <summary>
    /// The 2 MiB slots (va &gt;&gt; 21) whose page-directory entry points to a page table: made by the first 4 KiB page
    /// there and kept when its pages go (Fiasco frees page tables only with the address space).
    /// </summary>
    internal readonly HashSet<ulong> PageTableSlots = new();

    /// <summary>Whether the walk for <paramref name="va"/> reaches a page table (kernel-user memory is mapped in 4 KiB pages too).</summary>
    internal bool HasPageTable(ulong va) =>
        PageTableSlots.Contains(va >> 21)
        || KuMemRegions.Any(f => (f.Address & ~((1UL << 21) - 1)) <= va && va < ((f.Address + (1UL << f.Order) + (1UL << 21) - 1) & ~((1UL << 21) - 1)));
    /// <summary>The hardware address space (page tables), when the machine model is attached.</summary>
    public Mem.IMemSpace? MemSpace { get; set; }
    internal readonly List<Thread> Threads = new();
    /// <summary>The task's reply-capability space: explicit reply caps (selector bit 10) by index.</summary>
    internal readonly Dictionary<ulong, (Thread Caller, CapRights Rights)> ReplyCaps = new();
    /// <summary>The tables behind the explicit reply slots (charged to <see cref="Quota"/>, IPC-REPLY-3).</summary>
    internal readonly Ipc.ReplySpace ReplyTables = new();
    public IReadOnlyDictionary<ulong, (Thread Caller, CapRights Rights)> ReplySlots => ReplyCaps;

    public override string JdbType => "Task";
    public override string JdbAttributes => $"R={Threads.Count(t => t.Alive) + 1}";
    public string Label => Name != null ? $"D:{DbgId:x}({Name})" : $"D:{DbgId:x}";

    public override InvokeResult Invoke(Invocation inv)
    {
        // KOBJ-PROTO-1; written even to a send-only caller (INV-3, task.cpp:972-975)
        if (inv.Tag.Label != (long)Protocol.Task) return InvokeResult.Err(L4Err.BadProto) with { WrittenAlways = true };
        return (TaskOp)inv.Mr(0) switch
        {
            TaskOp.Map => Map(inv),
            TaskOp.Unmap => Unmap(inv),
            TaskOp.CapInfo => CapInfo(inv),
            TaskOp.AddKuMem => AddKuMem(inv),
            _ => InvokeResult.Err(L4Err.NoSys),
        };
    }

    /// <summary>L4_TASK_MAP_OP: MR1 = control word, MR2 = send fpage in the source task, item = source task cap.</summary>
    private InvokeResult Map(Invocation inv)
    {
        if (!inv.Has(CapRights.W)) return InvokeResult.Err(L4Err.Perm);                      // TASK-MAP-1
        var item = inv.Item(0);
        if (item is not { IsVoid: false } it) return InvokeResult.Err(L4Err.Inval);           // TASK-MAP-2
        if (it.Fpage.Type != FpageType.Obj) return InvokeResult.Ipc(IpcErr.SeMsgCut);         // TASK-MAP-3
        var srcCap = inv.Space.Space[it.Fpage.CapIndex];
        if (srcCap?.Object is not Task src || !src.Alive) return InvokeResult.Err(L4Err.Inval);
        // S survives only if both task caps carry S (CAP-MAP-3, Task::map variant).
        var mask = Kernel.Config.TaskMapMask(srcCap.UserRights, inv.Rights);
        ulong ctl = inv.Mr(1);
        var fp = new Fpage(inv.Mr(2));
        bool grant = (ctl & (ulong)ItemBits.Grant) != 0;
        if (fp.Type == FpageType.Memory)
            return Kernel.MapMemory(src, fp, this, ctl & ~0xFFFUL, grant, (byte)(ctl & 0xF0)).MapFailed
                ? InvokeResult.Ipc(IpcErr.SeMapFailed) : InvokeResult.Ok();                   // MEM-MAP-1
        // The receive window is all_spaces(): order 63 from index 0 (task.cpp:754-756).
        var r = Kernel.MapObjects(src, fp, this, ctl >> 12, (byte)(ctl & 0xF0), grant, mask, rcvBase: 0, rcvOrder: 63);
        return r.MapFailed ? InvokeResult.Ipc(IpcErr.SeMapFailed) : InvokeResult.Ok();       // TASK-MAP-4
    }

    /// <summary>L4_TASK_UNMAP_OP: MR1 = mask, MR2.. = fpages; needs no rights on the task cap (TASK-UNMAP-1).</summary>
    private InvokeResult Unmap(Invocation inv)
    {
        var mask = (UnmapMask)inv.Mr(1);
        int words = inv.Tag.Words;
        for (int i = 2; i < words; i++)
        {
            var fp = new Fpage(inv.Mr(i));
            Kernel.UnmapObjects(this, fp, mask);
            // The low 4 bits come back as the accessed (1) / dirty (2) bits collected; 0 for objects (CAP-UNMAP-8, MEM-UNMAP-3).
            ulong flags = Kernel.UnmapMemory(this, fp, mask);
            inv.Utcb.SetMr(i, (fp.Raw & ~0xFUL) | flags);
        }
        return InvokeResult.Ok(words);
    }

    /// <summary>L4_TASK_CAP_INFO_OP: 2 words = cap_valid, 3 words = cap_equal (TASK-CAP-1..3).</summary>
    private InvokeResult CapInfo(Invocation inv)
    {
        switch (inv.Tag.Words)
        {
            case 2:
            {
                var s = new CapSelector(inv.Mr(1));
                return InvokeResult.Value(!s.Special && Space[s.Index] != null ? 1 : 0);
            }
            case 3:
            {
                var a = new CapSelector(inv.Mr(1));
                var b = new CapSelector(inv.Mr(2));
                if (a.Raw == b.Raw) return InvokeResult.Value(1);
                // A special selector is compared on all bits from bit 10 up, the index too (task.cpp:842-843).
                if (a.Special || b.Special) return InvokeResult.Value(a.SpecialCap == b.SpecialCap ? 1 : 0);
                var ea = Space[a.Index];
                var eb = Space[b.Index];
                return InvokeResult.Value(SameSlotWord(ea, eb) ? 1 : 0);
            }
            default:
                return InvokeResult.Err(L4Err.Inval);
        }
    }

    /// <summary>The raw slot word: object pointer (interface part included) and the W/S bits; D and the weak flag are not in it.</summary>
    private static bool SameSlotWord(CapEntry? a, CapEntry? b) =>
        a == null || b == null ? a == b
        : ReferenceEquals(a.Object, b.Object) && a.ControlInterface == b.ControlInterface && a.UserRights == b.UserRights;

    /// <summary>L4_TASK_ADD_KU_MEM_OP: memory fpages become kernel-user memory (UTCB space).</summary>
    private InvokeResult AddKuMem(Invocation inv)
    {
        for (int i = 1; i < inv.Tag.Words; i++)
        {
            var fp = new Fpage(inv.Mr(i));
            if (fp.Type != FpageType.Memory || fp.Order < 12) return InvokeResult.Err(L4Err.Inval);
            KuMem.Add(fp);
            if (MemSpace is Machine.MachineSpace ms) Kernel.BackKuMem(ms, fp);
        }
        return InvokeResult.Ok(inv.Tag.Words);
    }

    /// <summary>True if [addr, addr+len) lies inside the creation UTCB area or added kernel-user memory.</summary>
    public bool InKuMem(ulong addr, ulong len) =>
        KuMemRegions.Any(f => addr >= f.Address && addr + len <= f.Address + (1UL << f.Order));

    /// <summary>The task's kernel-user memory regions: the UTCB area and add_ku_mem's, those that are memory of a page or more.</summary>
    private IEnumerable<Fpage> KuMemRegions =>
        KuMem.Append(UtcbArea).Where(f => f.Type == FpageType.Memory && f.Order >= 12 && f.Order < 64);

    /// <summary>
    /// A deleted task empties its space with the full mask (delete semantics for D slots). Its threads are not
    /// stopped: they run on in an empty space until they die or fault (CAP-LIFE-3, task.cpp:681-696).
    /// </summary>
    protected internal override void OnDestroy()
    {
        Kernel.UnmapObjects(this, new Fpage(Fpage.All.Raw | 0xF), UnmapMask.KernelFull);   // all-spaces with FULL rights
        Kernel.UnmapMemory(this, Fpage.Memory(0, 47, MemRights.RWX), UnmapMask.AllSpaces);
        Quota?.Free((ulong)Space.Pages.Count * (ulong)ObjectSpace.PageSize);
        Quota?.Free(ReplyTables.Pages * Ipc.ReplySpace.TableSize);
    }

    /// <summary>The object, its directories and its UTCB area go back together (task.cpp:529-535, 595-608).</summary>
    protected internal override void Release() => ChargedTo?.Free(Size + ExtraCharged);
}
