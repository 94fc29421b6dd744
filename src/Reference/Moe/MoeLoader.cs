using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Moe;

/// <summary>
/// How Moe starts the init program (moe/server/src/loader.cc, loader_elf.cc, libloader remote_app_model; moe notes
/// §10): a new task whose first thread runs rom/l4re (the in-task address-space manager), which then loads the
/// init program named as argv[0]. Moe builds the task's region map, stack, environment and capabilities itself.
/// </summary>
public sealed class MoeLoader(MoeServer moe)
{
    public const ulong UtcbArea = 0xB300_0000;
    public const int UtcbOrder = 13;                 // 8 UTCBs of L4_UTCB_OFFSET (1 KiB)
    public const ulong ItasBase = 0xA000_0000;      // proc_default_reloc (remote_app_model:216-222)
    public const int Prio = 2;                       // L4RE_MAIN_THREAD_PRIO

    /// <summary>Base slots of a new L4Re task (libloader remote_app_model:19-37).</summary>
    public const ulong ChildTask = 1, ChildFactory = 2, ChildThread = 3, ChildLog = 5, ChildSched = 7, ChildRm = 0x10,
        ChildAlloc = 0x11, ChildParent = 0x13, ChildKip = 0x14, ChildDbg = 0x15, ChildFirstFree = 0x16, ChildJdb = 0xA;

    private Model.Bindings.L4Sys Sys => moe.Proc.Sys;

    public AppTask Start(string prog, string args)
    {
        var root = moe.RootAllocator!;
        // App_task: its region map from the root allocator, then the parent object's own gate
        ulong appAddr = moe.GlobalHeap.Alloc(104) ?? throw new InvalidOperationException("Moe heap exhausted");
        var rm = moe.NewRegionMap();
        rm.Heap = root.OwnHeap;
        rm.Label = root.OwnHeap.Alloc(rm.ObjectSize) ?? throw new InvalidOperationException("Moe heap exhausted");
        rm.Creator = root;
        moe.Serve(rm);
        var app = new AppTask(moe, rm) { Label = appAddr, Heap = moe.GlobalHeap };
        moe.Serve(app);
        moe.Print($"MOE: Starting: {prog} {args}\n");

        // rom/l4re, found in Moe's own rom name space
        var l4re = moe.RomNs!.Find("l4re")?.Object as DataspaceCont
            ?? throw new InvalidOperationException("MOE: FATAL exception: No such object found: rom/l4re");
        var bytes = moe.Proc.Read(l4re.Start, (int)l4re.Size);
        var elf = ElfImage.Parse(bytes) ?? throw new InvalidOperationException("MOE: FATAL exception: Invalid argument: not an ELF binary");
        ulong kipAddr = elf.KipAddr ?? moe.KipDs!.Start;

        // the stack: a 2 MiB dataspace of the root allocator; Moe writes its top itself
        var stackDs = DataspaceNoncont.Create(moe, elf.StackSize, Dataspace.FRwx | Dataspace.CowEnabled, root.Quota)
            ?? throw new InvalidOperationException("Moe: no memory for the init stack");
        stackDs.Heap = root.OwnHeap;
        stackDs.Label = root.OwnHeap.Alloc(112) ?? 0;
        var st = new StackBuilder(elf.StackAddr + elf.StackSize);
        var argv = new List<string> { prog };
        argv.AddRange(MoeArgs.Tokens(args).Select(t => t.Tok));
        var argvPtrs = argv.Select(a => st.PushString(a)).ToList();
        moe.Print($"MOE: loading '{prog}'\n");
        st.Align16();

        // the task and its thread
        ulong task = moe.AllocSlot(), thread = moe.AllocSlot();
        app.TaskSlot = task;
        app.ThreadSlot = thread;
        Sys.CreateTask(MoeServer.FactoryCap, task << 12, Fpage.Memory(UtcbArea, UtcbOrder, MemRights.None));
        Sys.FactoryCreate(MoeServer.FactoryCap, (long)Model.Abi.Protocol.Thread, thread << 12);

        // the ELF image: an area from 0xa0000000 and one region per LOAD segment
        ulong entry = LoadImage(rm, elf, l4re, root);
        Attach(rm, UtcbArea, 1UL << UtcbOrder, RmFlags.RW | RmFlags.Kernel, null, 0, "[utcb]");
        Attach(rm, kipAddr, 0x1000, RmFlags.RX, moe.KipDs, 0, "[kip]");
        Attach(rm, elf.StackAddr, elf.StackSize, RmFlags.RW, stackDs, 0, "[stack]");

        // l4re_aux_t {binary, kip_ds, dbg_lvl, ldr_flags, ldr_base}, pushed top down
        st.PushWord(~0UL);
        st.PushWord(moe.LdrFlags);
        st.PushWord(moe.L4reDbg);
        st.PushWord(ChildKip << 12);
        ulong aux = st.PushWord(argvPtrs[0]);

        // the initial capabilities: the root name space in its order, jdb at its fixed slot
        var caps = new List<(string Name, ulong From, ulong To)>();
        st.PushCapEntry(~0UL << 11, ~0UL, "");
        ulong next = ChildFirstFree;
        foreach (var e in moe.RootNs!.Entries)
        {
            ulong to = e.Name == "jdb" ? ChildJdb : next++;
            caps.Add((e.Name, e.CapSlot, to));
            st.PushCapEntry(to << 12, 0, e.Name);
        }
        ulong capsPtr = st.Sp;
        // l4re_env_t: parent, rm, mem_alloc, log, main_thread, factory, scheduler, itas, dbg_events,
        // first_free_cap, first_free_reply_cap, utcb_area, first_free_utcb, caps
        ulong invalid = ~0UL << 11;
        ulong[] env = [ChildParent << 12, ChildRm << 12, ChildAlloc << 12, ChildLog << 12, ChildThread << 12, ChildFactory << 12,
            ChildSched << 12, invalid, invalid, next, 0, Fpage.Memory(UtcbArea, UtcbOrder, MemRights.None).Raw, UtcbArea + 1024, capsPtr];
        for (int i = env.Length - 1; i >= 0; i--) st.PushWord(env[i]);
        ulong envPtr = st.Sp;
        st.Align16();
        ulong beforeAuxv = st.Sp;
        PushAuxv(st, elf, envPtr, kipAddr, aux, 0);
        st.PushWord(0);                                              // envp
        st.PushWord(0);                                              // argv terminator
        for (int i = argvPtrs.Count - 1; i >= 0; i--) st.PushWord(argvPtrs[i]);
        st.PushWord((ulong)argvPtrs.Count);
        st.AdjustSp(beforeAuxv);
        var (imgAt, img) = st.Image();
        for (int off = 0; off < img.Length; off += 0x1000)
        {
            ulong target = imgAt + (ulong)off;
            if (stackDs.BytesAt(target - elf.StackAddr, true) is { } local)
                moe.Proc.Write(local, img.AsSpan(off, Math.Min(0x1000, img.Length - off)));
        }

        // start_prog: the capabilities, the thread's pager and exception handler, priority, start
        void Map(ulong fromSlot, ulong to, CapRights r = CapRights.RWS) =>
            Sys.TaskMap(task << 12, MoeServer.TaskCap, Fpage.Obj(fromSlot << 12, 0, r), (to << 12) | (ulong)ItemBits.Map);
        Map(task, ChildTask);
        Map(MoeServer.FactoryCap >> 12, ChildFactory);
        Map(thread, ChildThread);
        Map(MoeServer.SchedCap >> 12, ChildSched);
        Map(app.GateSlot, ChildParent);
        Map(MoeServer.LogCap >> 12, ChildLog);
        Map(rm.GateSlot, ChildRm);
        Map(root.GateSlot, ChildAlloc);
        Map(moe.KipDs!.GateSlot, ChildKip);
        foreach (var (_, from, to) in caps) Map(from, to);
        Sys.ThreadControl(thread << 12, Model.Abi.ThreadCtlFlags.SetPager | Model.Abi.ThreadCtlFlags.SetExcHandler | Model.Abi.ThreadCtlFlags.BindTask,
            pager: ChildRm << 12, excHandler: ChildRm << 12, bindTask: task << 12, utcb: UtcbArea);
        Sys.RunThread(MoeServer.SchedCap, thread << 12, Prio);
        Sys.ExRegs(thread << 12, entry, st.Sp);
        return app;
    }

    /// <summary>AT_NULL, AT_L4_ENV, AT_L4_KIP, AT_L4_AUX, AT_PAGESZ, AT_UID/EUID/GID/EGID, and AT_PHDR/PHNUM/PHENT with a PT_PHDR (loader:256-305).</summary>
    public static void PushAuxv(StackBuilder st, ElfImage elf, ulong env, ulong kip, ulong aux, ulong phdrAt)
    {
        void Pair(ulong type, ulong value) { st.PushWord(value); st.PushWord(type); }
        Pair(0, 0);
        Pair(0xF1, env);
        Pair(0xF2, kip);
        Pair(0xF0, aux);
        Pair(6, 0x1000);
        Pair(11, 0);
        Pair(12, 0);
        Pair(13, 0);
        Pair(14, 0);
        if (elf.HasPhdr)
        {
            var ph = elf.Segments.First(s => s.Type == ElfSegment.PtPhdr);
            Pair(3, ph.VAddr + phdrAt);
            Pair(5, (ulong)elf.Segments.Count);
            Pair(4, 0x38);
        }
    }

    /// <summary>The ELF segments: read-only ones map the module directly, writable ones get a copy (elf:332-396).</summary>
    private ulong LoadImage(RegionMap rm, ElfImage elf, DataspaceCont file, Allocator root)
    {
        var loads = elf.Segments.Where(s => s.Type == ElfSegment.PtLoad).ToList();
        ulong lo = loads.Min(s => s.VAddr & ~0xFFFUL), hi = loads.Max(s => (s.VAddr + s.MemSize + 0xFFF) & ~0xFFFUL);
        ulong baseAddr = 0;
        if (elf.Pie)
        {
            int align = 12;
            ulong maxAlign = loads.Max(s => s.Align);
            while ((1UL << align) < maxAlign) align++;
            ulong at = rm.Table.AttachArea(ItasBase, hi - lo, RmFlags.SearchAddr, align) ?? throw new InvalidOperationException("Moe: no room for rom/l4re");
            baseAddr = at - lo;
        }
        foreach (var s in loads)
        {
            ulong start = baseAddr + (s.VAddr & ~0xFFFUL);
            ulong size = ((s.VAddr + s.MemSize + 0xFFF) & ~0xFFFUL) - (s.VAddr & ~0xFFFUL);
            uint rights = ((s.Flags & ElfSegment.PfR) != 0 ? RmFlags.R : 0) | ((s.Flags & ElfSegment.PfW) != 0 ? RmFlags.W : 0) | ((s.Flags & ElfSegment.PfX) != 0 ? RmFlags.X : 0);
            uint flags = rights | (elf.Pie ? RmFlags.InArea : 0);
            if ((s.Flags & ElfSegment.PfW) == 0 && s.MemSize == s.FileSize)
                Attach(rm, start, size, flags, file, s.Offset & ~0xFFFUL, "rom/l4re");
            else
            {
                var copy = DataspaceNoncont.Create(moe, size, Dataspace.FRwx | Dataspace.CowEnabled, root.Quota)
                    ?? throw new InvalidOperationException("Moe: no memory for rom/l4re");
                copy.Heap = root.OwnHeap;
                copy.Label = root.OwnHeap.Alloc(112) ?? 0;
                copy.CopyFrom(file, s.VAddr & 0xFFF, s.Offset, s.FileSize);
                Attach(rm, start, size, flags, copy, 0, "rom/l4re");
            }
        }
        return baseAddr + elf.Entry;
    }

    private void Attach(RegionMap rm, ulong start, ulong size, uint flags, Dataspace? ds, ulong offset, string name)
    {
        ulong at = rm.Table.Place(start, size, flags, 12) ?? throw new InvalidOperationException($"Moe: cannot attach {name} at 0x{start:x}");
        rm.Table.Insert(new Region<MoeBacking>(at, at + size - 1, flags & RmFlags.RegionFlagsMask, new MoeBacking(ds), offset, name, 0));
        if (ds != null) moe.AddWeakRef(ds);
    }
}
