using System.Text;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Reference.L4Re;
using L4Conf.Reference.Sigma0;

namespace L4Conf.Reference.Moe;

/// <summary>A boot module as Moe finds it in the multiboot info: its command line and its memory [Start, End).</summary>
public sealed record MoeModule(string CmdLine, ulong Start, ulong End);

/// <summary>What Moe learns from the boot loader and the KIP: its own command line, the modules, the KIP.</summary>
public sealed record MoeBootInfo(string CmdLine, IReadOnlyList<MoeModule> Modules, ulong KipAddress, IReadOnlyList<MemDesc> Kip);

/// <summary>
/// Moe, the root task (moe/server/src/main.cc and friends; moe notes): it takes all memory from sigma0, builds the
/// rom name space from the boot modules and the root name space, starts the init program through rom/l4re, and
/// then serves dataspaces, region maps, allocators, name spaces, logs and the init task's parent object. It runs
/// as a modelled program on the root task's boot thread; everything it does is a real system call.
/// </summary>
public sealed class MoeServer
{
    /// <summary>Base capability selectors of the root task (l4sys consts.h, abi-facts §1.2).</summary>
    public const ulong TaskCap = 0x1000, FactoryCap = 0x2000, ThreadCap = 0x3000, PagerCap = 0x4000, LogCap = 0x5000,
        IcuCap = 0x6000, SchedCap = 0x7000, IommuCap = 0x8000, JdbCap = 0xA000;
    /// <summary>Labels of Moe's static objects: addresses in the real Moe binary, as the captured dumps show them.</summary>
    public const ulong ObjectPoolLabel = 0x67768, CpuHotplugLabel = 0x680e0, DmaMgrLabel = 0x671e0;
    /// <summary>Bytes of the start-up memory Moe's own start-up code uses before it looks for RAM (derived from the captures, moe notes §1.1).</summary>
    public const ulong EarlyHeapUse = 8192;
    /// <summary>Moe's two receive slots (obj_reg.h:38-43).</summary>
    public const ulong RcvCap0 = 0x100, RcvCap1 = 0x101;

    private readonly MoeBootInfo _boot;
    private readonly StringBuilder _logBuf = new();
    private readonly CapSlots _slots = new(0x102, 8192);

    public MoeServer(Process proc, MoeBootInfo boot)
    {
        Proc = proc;
        _boot = boot;
        Pages = new PageAllocator();
        GlobalQuota = new Quota(null, 0);
        GlobalHeap = new ObjectHeap(Pages, null);
        // Receive buffers: small buffers for cap slots 0x100 and 0x101 with L4_RCV_ITEM_LOCAL_ID (main.cc:292-300)
        Loop = new ServerLoop(proc.Sys, () => 0, initialSlots: [RcvCap0, RcvCap1]);
    }

    public Process Proc { get; }
    public PageAllocator Pages { get; }
    public Quota GlobalQuota { get; }
    public ObjectHeap GlobalHeap { get; }
    public ServerLoop Loop { get; private set; }
    public Allocator? RootAllocator { get; private set; }
    public NameSpace? RootNs { get; private set; }
    public NameSpace? RomNs { get; private set; }
    public DataspaceCont? KipDs { get; private set; }
    public ulong AvailRam { get; private set; }
    public ulong Sigma0ClientSlot { get; private set; }
    /// <summary>The log that wrote last without finishing its line (log.cc last_log).</summary>
    internal MoeLog? LastLog { get; set; }
    public uint DebugLevel { get; private set; } = 1 | 2;
    public ulong L4reDbg { get; private set; } = 2;
    public ulong LdrFlags { get; private set; }
    public string InitProg { get; private set; } = "rom/ned";
    public string InitArgs { get; private set; } = "";
    public (ulong Min, ulong Max) VirtLimits { get; private set; } = (0, 0x7FFF_FFFF_FFFF);
    public AppTask? Init { get; private set; }
    private ulong _minPage, _maxPage;

    private Model.Bindings.L4Sys Sys => Proc.Sys;

    // ---------------------------------------------------------------------------------------------------------
    // console

    /// <summary>Moe's own output: line-buffered stdout on the kernel log (cap 5).</summary>
    public void Print(string s)
    {
        foreach (var line in SplitLines(s)) Stdio.Send(Proc, LogCap, Encoding.Latin1.GetBytes(line));
    }

    private static IEnumerable<string> SplitLines(string s)
    {
        int i = 0;
        while (i < s.Length)
        {
            int nl = s.IndexOf('\n', i);
            int end = nl < 0 ? s.Length : nl + 1;
            for (int k = i; k < end; k += Stdio.VconWriteSize) yield return s[k..Math.Min(end, k + Stdio.VconWriteSize)];
            i = end;
        }
    }

    /// <summary>The log servers' shared output buffer (log.cc Pbuf): written up to and including each newline.</summary>
    internal void LogOut(string s)
    {
        _logBuf.Append(s);
        while (true)
        {
            var text = _logBuf.ToString();
            int nl = text.IndexOf('\n');
            if (nl < 0 && _logBuf.Length < 1024) break;
            int n = nl < 0 ? _logBuf.Length : nl + 1;
            Print(text[..n]);
            _logBuf.Remove(0, n);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // memory

    public ulong? AllocPages(ulong size, ulong align, Quota? quota)
    {
        if (quota != null && !quota.Alloc(size)) return null;
        var a = Pages.Alloc(size, align);
        if (a == null) quota?.Free(size);
        return a;
    }

    public void FreePages(ulong addr, ulong size, Quota? quota, bool memory = true)
    {
        if (memory && addr != 0) Pages.Free(addr, size);
        quota?.Free(size);
    }

    /// <summary>Zero-fills memory through Moe's own (1:1) mapping.</summary>
    public void Zero(ulong addr, ulong size)
    {
        var z = new byte[Math.Min(size, 0x10000UL)];
        for (ulong done = 0; done < size; done += (ulong)z.Length)
            Proc.Write(addr + done, z.AsSpan(0, (int)Math.Min((ulong)z.Length, size - done)));
    }

    /// <summary>Revokes a page of Moe's from every task it was mapped to (the mapping database's children only).</summary>
    public void UnmapFromClients(ulong addr) => Sys.TaskUnmap(TaskCap, Fpage.Memory(addr, 12, MemRights.RWX), UnmapMask.OtherSpaces);

    // ---------------------------------------------------------------------------------------------------------
    // capabilities and objects

    public ulong AllocSlot() => _slots.Alloc() ?? throw new InvalidOperationException("Moe ran out of capability slots");

    /// <summary>Frees a slot: unmaps it from Moe's space with L4_FP_ALL_SPACES (and deletes the object when asked).</summary>
    public void FreeSlot(ulong slot, bool deleteObject = false)
    {
        if (slot == 0) return;
        Sys.TaskUnmap(TaskCap, Fpage.Obj(slot << 12, 0, CapRights.RWSD), UnmapMask.AllSpaces | (deleteObject ? UnmapMask.DeleteObj : 0));
        _slots.Free(slot);
    }

    /// <summary>A capability a client sent was mapped into receive slot <paramref name="i"/>: Moe moves it to a slot of its own.</summary>
    public ulong TakeReceived(int i)
    {
        ulong from = i == 0 ? RcvCap0 : RcvCap1;
        ulong slot = AllocSlot();
        Sys.CapMove(slot << 12, from << 12);                           // name_space.cc:83 (nc.move(cap))
        return slot;
    }

    /// <summary>Drops a capability a client sent that Moe does not keep.</summary>
    public void DropReceived(int i) => Sys.TaskUnmap(TaskCap, Fpage.Obj((i == 0 ? RcvCap0 : RcvCap1) << 12, 0, CapRights.RWSD), UnmapMask.AllSpaces);

    public bool CapValid(ulong slot) => slot != 0 && Sys.Error(Sys.CapValid(TaskCap, slot << 12)) > 0;

    /// <summary>
    /// Cap_alloc::alloc(object): a slot and an IPC gate bound to Moe's thread with the object's label; registered
    /// with the server loop. A dynamic object's gate gives up the reference of Moe's own slot (dec_refcnt).
    /// </summary>
    public bool Serve(MoeObject o, bool dynamic = false)
    {
        if (_slots.Alloc() is not { } slot) return false;
        if (Sys.Error(Sys.CreateGate(FactoryCap, slot << 12, ThreadCap, o.Label)) < 0) { _slots.Free(slot); return false; }
        o.GateSlot = slot;
        o.Cap = slot << 12;
        Loop.Add(o, o.Label);
        if (dynamic) DecRefcnt(slot);
        return true;
    }

    private void DecRefcnt(ulong slot)
    {
        Proc.Utcb.SetMr(0, (ulong)IpcGateOp.DecRefcnt);
        Proc.Utcb.SetMr(1, 1);
        Sys.Call(slot << 12, new MsgTag((long)Protocol.Kobject, 2, 0));
    }

    /// <summary>The first weak reference to a served object takes a counted copy of its gate (server_obj.cc add_weak_ref).</summary>
    public void AddWeakRef(MoeObject o)
    {
        if (o.WeakRefs++ == 0 && o.GateSlot != 0 && o.WeakSlot == 0)
        {
            ulong slot = AllocSlot();
            Sys.CapCopy(slot << 12, o.GateSlot << 12);                // server_obj.cc:33 (_weak_cap.copy(obj_cap()))
            o.WeakSlot = slot;
        }
    }

    public void RemoveWeakRef(MoeObject o)
    {
        if (o.WeakRefs > 0 && --o.WeakRefs == 0 && o.WeakSlot != 0)
        {
            FreeSlot(o.WeakSlot);
            o.WeakSlot = 0;
        }
    }

    /// <summary>Destroys an object (server_obj.cc ~Server_object): its weak copy and gate go (the gate deleted), its memory is freed.</summary>
    public void Destroy(MoeObject o)
    {
        if (o.Deleted) return;
        o.Deleted = true;
        o.OnDelete(this);
        o.Creator?.Children.Remove(o);
        if (o.WeakSlot != 0) { FreeSlot(o.WeakSlot); o.WeakSlot = 0; }
        if (o.GateSlot != 0)
        {
            Loop.Remove(o);
            FreeSlot(o.GateSlot, deleteObject: true);
            o.GateSlot = 0;
        }
        if (o.Heap != null && o.Label != 0) o.Heap.Free(o.Label);
    }

    /// <summary>
    /// The deletion IRQ fired (a gate bound to Moe's thread was deleted): every dynamic object whose gate no longer
    /// validates goes, with what its allocator made (obj_reg.h:90-100).
    /// </summary>
    private void CollectDeleted()
    {
        if (RootAllocator == null) return;
        var dead = new List<MoeObject>();
        void Walk(Allocator a)
        {
            foreach (var c in a.Children.ToList())
            {
                if (c.GateSlot != 0 && !CapValid(c.GateSlot)) dead.Add(c);
                else if (c is Allocator sub) Walk(sub);
            }
        }
        Walk(RootAllocator);
        foreach (var d in dead) Destroy(d);
    }

    public long RunThread(ulong threadSlot, long prio) => Sys.Error(Sys.RunThread(SchedCap, threadSlot << 12, prio));

    public RegionMap NewRegionMap() =>
        new(this, VirtLimits.Min, VirtLimits.Max, _boot.Kip.Where(d => d.Virtual && d.Type == MemDescType.Reserved).Select(d => (d.Start, d.End - 1)));

    /// <summary>The init task exited: its region map, thread and task go (app_task.cc:65-72), then the parent object.</summary>
    internal void InitExited(AppTask t)
    {
        Destroy(t.Rm);
        FreeSlot(t.ThreadSlot, deleteObject: true);
        FreeSlot(t.TaskSlot, deleteObject: true);
        Destroy(t);
    }

    // ---------------------------------------------------------------------------------------------------------
    // sigma0

    /// <summary>l4sigma0_map_anypage into a receive window over the whole address space (1:1): the block's address, or null.</summary>
    private ulong? Sigma0Any(int order)
    {
        var u = Proc.Utcb;
        u.SetMr(0, (ulong)Sigma0Request.FpageAny);
        u.SetMr(1, Fpage.Memory(0, order, MemRights.None).Raw);
        u.Bdr = 0;
        u.SetBr(0, (ulong)ItemBits.Map);
        u.SetBr(1, Fpage.Memory(0, 63, MemRights.RWX).Raw);
        var tag = Sys.Call(PagerCap, new MsgTag((long)Protocol.Sigma0, 2, 0));
        if (tag.HasError || tag.Label < 0 || tag.Items == 0) return null;
        return u.Mr(0) & ~0xFFFUL;
    }

    private void Sigma0Kip()
    {
        var u = Proc.Utcb;
        u.SetMr(0, (ulong)Sigma0Request.Kip);
        u.Bdr = 0;
        u.SetBr(0, (ulong)ItemBits.Map);
        u.SetBr(1, Fpage.Memory(0, 63, MemRights.RWX).Raw);
        Sys.Call(PagerCap, new MsgTag((long)Protocol.Sigma0, 1, 0));
    }

    /// <summary>s0_request_ram (boot_fs.cc): SIGMA0_REQ_FPAGE_RAM of one naturally aligned piece, mapped 1:1.</summary>
    private void Sigma0Ram(ulong start, int order)
    {
        var u = Proc.Utcb;
        u.SetMr(0, (ulong)Sigma0Request.FpageRam);
        u.SetMr(1, Fpage.Memory(start, order, MemRights.RWX).Raw);
        u.Bdr = 0;
        u.SetBr(0, (ulong)ItemBits.Map);
        u.SetBr(1, Fpage.Memory(start, order, MemRights.RWX).Raw);
        Sys.Call(PagerCap, new MsgTag((long)Protocol.Sigma0, 2, 0));
    }

    /// <summary>l4util_splitlog2_hdl: [lo, hi] (inclusive) in naturally aligned power-of-two pieces.</summary>
    private void SplitLog2(ulong lo, ulong hi, Action<ulong, int> piece)
    {
        ulong end = hi + 1;
        while (lo < end)
        {
            int order = lo == 0 ? 63 : global::System.Numerics.BitOperations.TrailingZeroCount(lo);
            while (order > 12 && (order >= 64 || lo + (1UL << order) > end)) order--;
            piece(lo, order);
            lo += 1UL << order;
        }
    }

    /// <summary>new_sigma0_cap (main.cc:274-284): a new client gate of sigma0's, through the factory protocol on the pager gate.</summary>
    private ulong NewSigma0Cap()
    {
        ulong slot = AllocSlot();
        var u = Proc.Utcb;
        u.SetMr(0, unchecked((ulong)(long)Protocol.Sigma0));
        u.Bdr = 0;
        u.SetBr(0, (slot << 12) | (ulong)ItemBits.RcvSingleCap);
        Sys.Call(PagerCap, new MsgTag((long)Protocol.Factory, 1, 0));
        return slot;
    }

    // ---------------------------------------------------------------------------------------------------------
    // boot

    public void Main()
    {
        // .preinit: the emergency memory (16 KiB from sigma0), of which Moe's start-up code uses a part.
        if (Sigma0Any(14) is { } em)
        {
            Pages.Free(em, 1UL << 14);
            Pages.Alloc(EarlyHeapUse, 0x1000);
        }
        // static objects: the deletion IRQ (0x102) and the CPU-hotplug IRQ (0x103), both bound to Moe's thread
        ulong delIrq = AllocSlot();
        Sys.FactoryCreate(FactoryCap, (long)Protocol.IrqSender, delIrq << 12);
        Sys.IrqBind(delIrq << 12, ThreadCap, ObjectPoolLabel);
        RegisterDeleteIrq(delIrq);
        ulong hotplug = AllocSlot();
        Sys.SchedInfo(SchedCap);
        Sys.FactoryCreate(FactoryCap, (long)Protocol.IrqSender, hotplug << 12);
        Sys.IrqBind(hotplug << 12, ThreadCap, CpuHotplugLabel);
        BindIcu(SchedCap, 0, hotplug);

        Print("MOE: Hello world\n");
        if (Sys.Error(Sys.RunThread(SchedCap, ThreadCap, 0xFF)) < 0) Print("MOE: could not set scheduling priority\n");
        Sigma0Kip();
        FindMemory();
        VirtLimits = _boot.Kip.Where(d => d.Virtual && d.Type == MemDescType.Conventional).Select(d => (d.Start, d.End - 1)).LastOrDefault((0UL, 0x7FFF_FFFF_FFFFUL));
        Print($"MOE: virtual user address space [{VirtLimits.Min:x}-{VirtLimits.Max:x}]\n");
        Print($"MOE: cmdline: {_boot.CmdLine}\n");
        ParseCmdLine(_boot.CmdLine);
        BootFs();
        var rootNs = RootNs!;
        if (!Serve(rootNs)) throw new InvalidOperationException("Moe: no gate for the root name space");
        KipDs = new DataspaceCont(this, _boot.KipAddress, 0x1000, Dataspace.FRx) { Label = GlobalHeap.Alloc(112)!.Value, Heap = GlobalHeap };
        Serve(KipDs);
        RootAllocator = new Allocator(this, new Quota(GlobalQuota, ~0UL), root: true) { Label = GlobalHeap.Alloc(112)!.Value, Heap = GlobalHeap };
        Serve(RootAllocator);
        rootNs.AddStatic("log", NsEntry.FRw, null, LogCap >> 12);
        rootNs.AddStatic("icu", NsEntry.FRw, null, IcuCap >> 12);
        var dmaMgr = new DmaSpaceMgr { Label = DmaMgrLabel };
        Serve(dmaMgr);
        rootNs.AddStatic("dma_mgr", NsEntry.FRw, dmaMgr);
        if (CapValid(IommuCap >> 12)) rootNs.AddStatic("iommu", NsEntry.FRw, null, IommuCap >> 12);
        Sigma0ClientSlot = NewSigma0Cap();
        rootNs.AddStatic("sigma0", NsEntry.FTrusted | NsEntry.FRw, null, Sigma0ClientSlot);
        rootNs.AddStatic("mem", NsEntry.FTrusted | NsEntry.FRw, RootAllocator);
        if (CapValid(JdbCap >> 12)) rootNs.AddStatic("jdb", NsEntry.FTrusted | NsEntry.FRw, null, JdbCap >> 12);
        rootNs.AddStatic("kip", NsEntry.FRw, null, KipDs.GateSlot);

        Init = new MoeLoader(this).Start(InitProg, InitArgs);
        Loop.Run(Fallback);
    }

    /// <summary>Requests that reach no object: the deletion IRQ (label of the object pool) and the CPU-hotplug IRQ.</summary>
    private long Fallback(ServerCall c)
    {
        if ((c.Label & ~3UL) == ObjectPoolLabel) { CollectDeleted(); return ServerLoop.NoReply; }
        if ((c.Label & ~3UL) == CpuHotplugLabel) return ServerLoop.NoReply;
        return -(long)L4Err.BadProto;
    }

    private void RegisterDeleteIrq(ulong irqSlot)
    {
        var u = Proc.Utcb;
        u.SetMr(0, (ulong)ThreadOp.RegisterDeleteIrq);
        u.SetMr(1, (ulong)ItemBits.Map);
        u.SetMr(2, Fpage.Obj(irqSlot << 12, 0, CapRights.RWS).Raw);
        Sys.Call(ThreadCap, new MsgTag((long)Protocol.Thread, 1, 1));
    }

    /// <summary>L4::Icu::bind(pin, irq) on the scheduler (the CPU-hotplug event source).</summary>
    private void BindIcu(ulong icu, ulong pin, ulong irqSlot)
    {
        var u = Proc.Utcb;
        u.SetMr(0, 0);                                   // L4_ICU_OP_BIND
        u.SetMr(1, pin);
        u.SetMr(2, (ulong)ItemBits.Map);
        u.SetMr(3, Fpage.Obj(irqSlot << 12, 0, CapRights.RWS).Raw);
        Sys.Call(icu, new MsgTag((long)Protocol.Irq, 2, 1));
    }

    /// <summary>find_memory (main.cc:137-229): all RAM from sigma0, largest blocks first; then the page array.</summary>
    private void FindMemory()
    {
        ulong min = ~0UL, max = 0;
        for (int order = 30; order >= 12; order--)
        {
            while (Sigma0Any(order) is { } addr)
            {
                ulong size = 1UL << order;
                if (addr == 0)
                {
                    addr = 0x1000;
                    size -= 0x1000;
                    if (size == 0) continue;
                }
                min = Math.Min(min, addr);
                max = Math.Max(max, addr + size);
                Pages.Free(addr, size);
            }
        }
        AvailRam = Pages.Avail;
        Print($"MOE: found {HumanSize.Format(Pages.Avail)} RAM in the area {min:x8}..{max:x8}\n");
        foreach (var d in _boot.Kip.Where(d => !d.Virtual && d.Type == MemDescType.Bootloader))
        {
            min = Math.Min(min, d.Start & ~0xFFFUL);
            max = Math.Max(max, (d.End + 0xFFF) & ~0xFFFUL);
        }
        ulong total = (max - min) >> 12;
        ulong bytes = 4 * total;
        ulong pages = Pages.Alloc(bytes, 0) ?? throw new InvalidOperationException("MOE: could not allocate page array");
        Zero(pages, bytes);
        _minPage = min;
        _maxPage = max;
        Print($"MOE: allocated {HumanSize.Format(bytes)} for the page array @0x{pages:x}\n");
    }

    /// <summary>The command line (main.cc:573-601, args.h): options until the first word that is not one; it and the rest are the init program's arguments.</summary>
    private void ParseCmdLine(string cmd)
    {
        var toks = MoeArgs.Tokens(cmd).ToList();
        for (int i = 1; i < toks.Count; i++)
        {
            var (tok, at) = toks[i];
            if (tok == "--") { InitArgs = i + 1 < toks.Count ? cmd[toks[i + 1].At..] : ""; return; }
            if (!tok.StartsWith('-')) { InitArgs = cmd[at..]; return; }
            if (tok.Length < 2) { Print($"MOE: empty command-line option '{tok}'\n"); continue; }
            if (tok[1] != '-')
            {
                foreach (var ch in tok[1..]) Print($"MOE: unknown command-line option '{ch}'\n");
                continue;
            }
            if (tok.StartsWith("--debug=")) DebugLevel = (uint)MoeArgs.Flags(tok["--debug=".Length..], MoeArgs.DebugWords, "--debug", Print);
            else if (tok.StartsWith("--init=")) InitProg = tok["--init=".Length..];
            else if (tok.StartsWith("--l4re-dbg=")) L4reDbg = MoeArgs.Flags(tok["--l4re-dbg=".Length..], MoeArgs.DebugWords, "--l4re-dbg", Print);
            else if (tok.StartsWith("--ldr-flags=")) LdrFlags = MoeArgs.Flags(tok["--ldr-flags=".Length..], MoeArgs.LdrWords, "--ldr-flags", Print);
            else Print($"MOE: unknown command-line option '{tok}'\n");
        }
    }

    /// <summary>Boot_fs::init_stage2 (boot_fs.cc:155-248): the rom and rwfs name spaces, one dataspace per module, `.dirinfo`.</summary>
    private void BootFs()
    {
        var (dirRo, dirRw) = (new StringBuilder(), new StringBuilder());
        RomNs = NewNs();
        Serve(RomNs);
        Print($"MOE: rom name space cap -> [C:{RomNs.GateSlot << 12:x}]\n");
        RootNs = NewNs();
        RootNs.AddStatic("rom", 0, RomNs);
        var rwfs = NewNs();
        Serve(rwfs);
        Print($"MOE: rwfs name space cap -> [C:{rwfs.GateSlot << 12:x}]\n");
        RootNs.AddStatic("rwfs", 0, rwfs);
        // the two Dirinfo buffers (boot_fs.cc:150-152, 173): a page each, after the name spaces
        ulong dirRoBuf = Pages.Alloc(0x1000, 0x1000) ?? 0, dirRwBuf = Pages.Alloc(0x1000, 0x1000) ?? 0;
        ulong lo = ~0UL, hi = 0;
        foreach (var m in _boot.Modules)
        {
            if (m.Start != hi + 1 && lo != ~0UL) { SplitLog2(lo, hi, Sigma0Ram); lo = ~0UL; hi = 0; }
            lo = Math.Min(lo, m.Start);
            hi = Math.Max(hi, ((m.End + 0xFFF) & ~0xFFFUL) - 1);
            var (name, opts) = MoeArgs.ModuleName(m.CmdLine);
            bool rw = opts.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(":rw");
            ulong flags = rw ? Dataspace.FRwx : Dataspace.FRx | Dataspace.CowEnabled;
            var ds = new DataspaceCont(this, m.Start, m.End - m.Start, flags) { Label = GlobalHeap.Alloc(112)!.Value, Heap = GlobalHeap };
            Serve(ds);
            if (rw)
            {
                rwfs.AddStatic(name, NsEntry.FRw, ds);
                dirRw.Append($"{name.Length}:{name}\n");
                Print($"   RWFS: [{m.Start:x}-{m.End:x}] [C:{ds.GateSlot << 12:x}] {name}\n");
            }
            else
            {
                RomNs.AddStatic(name, 0, ds);
                dirRo.Append($"{name.Length}:{name}\n");
                Print($"  ROMFS: [{m.Start:x}-{m.End:x}] [C:{ds.GateSlot << 12:x}] {name}\n");
            }
        }
        if (lo != ~0UL) SplitLog2(lo, hi, Sigma0Ram);
        Dirinfo(RomNs, dirRo, dirRoBuf);
        Dirinfo(rwfs, dirRw, dirRwBuf);
    }

    private void Dirinfo(NameSpace ns, StringBuilder text, ulong buf)
    {
        if (text.Length == 0) return;
        var b = Encoding.Latin1.GetBytes(text.ToString());
        Proc.Write(buf, b.AsSpan(0, Math.Min(b.Length, 0x1000)));
        var ds = new DataspaceCont(this, buf, (ulong)Math.Min(b.Length, 0x1000), Dataspace.FR) { Label = GlobalHeap.Alloc(112)!.Value, Heap = GlobalHeap };
        Serve(ds);
        ns.AddStatic(".dirinfo", NsEntry.FAllocated, ds);
    }

    private NameSpace NewNs() => new(this) { Label = GlobalHeap.Alloc(64)!.Value, Heap = GlobalHeap };
}
