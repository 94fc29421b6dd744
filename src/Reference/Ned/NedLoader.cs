using KeraLua;
using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Ned;

/// <summary>A capability the start table named: selector and the Lua cap's rights.</summary>
public readonly record struct CfgCap(ulong Sel, int Rights)
{
    public bool Valid => (Sel & (1UL << 11)) == 0;
}

/// <summary>
/// What L4.exec takes from its arguments (lua_exec.cc Am::parse_cfg, 279-316; ned notes §5.1): the start table's caps
/// (functions called with the table), integers, the argv and the POSIX environment.
/// </summary>
public sealed class ExecRequest
{
    public CfgCap Log, Mem, Factory, Scheduler, DbgEvents, RmFab;
    public long LdrBase = -1, ItasBase = -1, LdrFlags, L4reDbg;
    public string Loader = "rom/l4re";
    public List<string> Argv { get; } = new();
    public List<string> EnvStrings { get; } = new();
    public int EnvIdx, Argc;

    public static ExecRequest Parse(NedProgram ned, KeraLua.Lua l)
    {
        var r = new ExecRequest { Argc = l.GetTop() };
        if (r.Argc > 2 && l.Type(r.Argc) == LuaType.Table) { r.EnvIdx = r.Argc; r.Argc--; }
        var e = ned.Env;
        ulong inval = NedCaps.InvalidCap;
        r.Mem = new CfgCap(e.MemAlloc, 7);
        r.Log = new CfgCap(e.Log, 7);
        r.Factory = new CfgCap(e.Factory, 7);
        r.Scheduler = new CfgCap(e.Scheduler, 7);
        r.DbgEvents = new CfgCap((e.DbgEvents & (1UL << 11)) == 0 ? e.DbgEvents : inval, 7);
        r.LdrBase = Int(l, "base", -1);
        r.ItasBase = Int(l, "itas_base", r.LdrBase);
        r.LdrFlags = Int(l, "ldr_flags", 0);
        r.L4reDbg = Int(l, "l4re_dbg", 0);
        r.Log = Cap(l, "log") ?? r.Log;
        r.Mem = Cap(l, "mem") ?? r.Mem;
        r.Factory = Cap(l, "factory") ?? r.Factory;
        r.Scheduler = Cap(l, "scheduler") ?? r.Scheduler;
        r.DbgEvents = Cap(l, "dbg_events") ?? r.DbgEvents;
        r.RmFab = Cap(l, "rm_fab") ?? new CfgCap(e.MemAlloc, 7);
        LuaFn.GetField(l, 1, "l4re_loader");
        if (l.IsString(-1)) r.Loader = l.ToString(-1, false) ?? r.Loader;
        l.Pop(1);
        return r;
    }

    private static long Int(KeraLua.Lua l, string key, long dflt)
    {
        LuaFn.GetField(l, 1, key);
        long v = l.IsNumber(-1) ? l.ToIntegerX(-1) ?? 0 : dflt;
        l.Pop(1);
        return v;
    }

    /// <summary>_cfg_cap: functions are called with the table until a value results; nil keeps the default; a non-cap is an error.</summary>
    private static CfgCap? Cap(KeraLua.Lua l, string key)
    {
        LuaFn.GetField(l, 1, key);
        while (l.IsFunction(-1))
        {
            l.PushCopy(1);
            LuaFn.Call(l, 1, 1);
        }
        if (l.IsNil(-1)) { l.Pop(1); return null; }
        if (NedCaps.Test(l, -1) is not { } c)
        {
            l.Pop(1);
            LuaFn.ErrorWhere(l, $"error: capability expected '{key}'\n");
            return null;
        }
        l.Pop(1);
        return new CfgCap(c.Sel, c.Rights);
    }

    /// <summary>The argv (nil arguments skipped, each a string or number) and the environment "key=value" strings.</summary>
    public void ReadArgs(KeraLua.Lua l, NedProgram ned)
    {
        for (int i = 2; i <= Argc; i++)
        {
            if (l.IsNil(i)) continue;
            var b = LuaFn.CheckBuffer(l, i);
            Argv.Add(System.Text.Encoding.Latin1.GetString(b));
        }
        if (EnvIdx == 0) return;
        l.PushNil();
        while (ned.Lua!.Next(l, EnvIdx))
        {
            var k = LuaFn.CheckBuffer(l, -2);
            var v = LuaFn.CheckBuffer(l, -1);
            EnvStrings.Add(System.Text.Encoding.Latin1.GetString(k) + "=" + System.Text.Encoding.Latin1.GetString(v));
            l.Pop(1);
        }
    }
}

/// <summary>
/// Ned's launch of rom/l4re into a new task (libloader remote_app_model + Ned's App_model; ned notes §5.1, itas notes
/// §1.1): the binary through the rom name space, the child's stack filled through Ned's own region map, the task
/// from the child's factory with a one-page UTCB area, the runtime's segments attached in the child's region map,
/// the capabilities mapped, the thread started at priority 2.
/// </summary>
public sealed class NedLoader(NedProgram ned, ExecRequest req, NedApp app)
{
    public const ulong UtcbArea = 0xB300_0000;
    public const int UtcbOrder = 12;
    private Model.Bindings.L4Sys S => ned.Proc.Sys;

    private static NedExecError Fail(string text, string extra, long err) =>
        new($"could not create process: {text} ({extra}: {err})");

    public void Launch(KeraLua.Lua l)
    {
        req.ReadArgs(l, ned);
        var s = S;
        var env = ned.Env;
        // open the loader binary through Ned's name space
        ulong bin = ned.AllocSlot();
        long q = Itas.ItasProgram.OpenFile(ned.Proc, env, req.Loader, bin);
        if (q < 0) { ned.FreeSlot(bin); throw Fail(L4Errors.Text(q) ?? "(null)", req.Loader, q); }
        var (ir, size, _) = DsClient.Info(s, bin << 12);
        var bytes = ReadDs(bin << 12, size);
        var elf = ElfImage.Parse(bytes);
        if (elf == null) { ned.FreeSlot(bin); throw Fail(L4Errors.Text(-22)!, "not an ELF binary", -22); }

        // the stack: a dataspace from the child's allocator, filled through Ned's own region map
        ulong stackDs = ned.AllocSlot();
        long cr = FactoryClient.Create(s, req.Mem.Sel, 0x4000, stackDs, FactoryClient.Int((long)elf.StackSize), FactoryClient.Uint(0), FactoryClient.Uint(0));
        if (cr < 0) throw Fail(L4Errors.Text(cr) ?? "(null)", "", cr);
        var st = new StackBuilder(elf.StackAddr + elf.StackSize);
        var argvPtrs = req.Argv.Select(a => st.PushString(a)).ToList();
        var envPtrs = req.EnvStrings.Select(e => st.PushString(e)).ToList();
        st.Align16();

        // task and thread through the child's factory
        s.CreateTask(req.Factory.Sel, app.TaskSlot << 12, Fpage.Memory(UtcbArea, UtcbOrder, MemRights.None));
        s.FactoryCreate(req.Factory.Sel, (long)Protocol.Thread, app.ThreadSlot << 12);

        // rom/l4re into the child's region map
        var rm = new RmClient(s, app.RmSlot << 12);
        var loads = elf.Segments.Where(x => x.Type == ElfSegment.PtLoad).ToList();
        ulong lo = loads.Min(x => x.VAddr & ~0xFFFUL), hi = loads.Max(x => (x.VAddr + x.MemSize + 0xFFF) & ~0xFFFUL);
        ulong baseAddr = 0;
        uint inArea = 0;
        if (elf.Pie)
        {
            int align = 12;
            ulong maxAlign = loads.Max(x => x.Align);
            while ((1UL << align) < maxAlign) align++;
            ulong want = req.ItasBase >= 0 ? (ulong)req.ItasBase : Moe.MoeLoader.ItasBase;
            var (ra, at) = rm.ReserveArea(want, hi - lo, req.ItasBase >= 0 ? 0 : RmFlags.SearchAddr, align);
            if (ra < 0) throw Fail(L4Errors.Text(ra) ?? "(null)", "", ra);
            baseAddr = at - lo;
            inArea = RmFlags.InArea;
        }
        foreach (var sg in loads)
        {
            ulong start = baseAddr + (sg.VAddr & ~0xFFFUL);
            ulong len = ((sg.VAddr + sg.MemSize + 0xFFF) & ~0xFFFUL) - (sg.VAddr & ~0xFFFUL);
            uint rights = ((sg.Flags & ElfSegment.PfR) != 0 ? RmFlags.R : 0) | ((sg.Flags & ElfSegment.PfW) != 0 ? RmFlags.W : 0) | ((sg.Flags & ElfSegment.PfX) != 0 ? RmFlags.X : 0);
            ulong off = sg.Offset & ~0xFFFUL;
            if ((sg.Flags & ElfSegment.PfW) == 0 && sg.MemSize == sg.FileSize)
                rm.Attach(start, len, rights | inArea, bin << 12, CapRights.RWS, off, 12, req.Loader, off);
            else
            {
                ulong copy = ned.AllocSlot();
                FactoryClient.Create(s, req.Mem.Sel, 0x4000, copy, FactoryClient.Int((long)len), FactoryClient.Uint(0), FactoryClient.Uint(0));
                DsClient.CopyIn(s, copy << 12, sg.VAddr & 0xFFF, bin << 12, sg.Offset, sg.FileSize);
                rm.Attach(start, len, rights | inArea, copy << 12, CapRights.RWS, 0, 12, req.Loader, off);
                ned.FreeSlot(copy);
            }
        }
        rm.Attach(UtcbArea, 1UL << UtcbOrder, RmFlags.RW | RmFlags.Kernel, null, CapRights.None, 0, 12, "[utcb]", 0);
        ulong kipAddr = elf.KipAddr ?? env.KipAddr;
        rm.Attach(kipAddr, 0x1000, RmFlags.RX, env.KipDs, CapRights.RWS, 0, 12, "[kip]", 0);
        rm.Attach(elf.StackAddr, elf.StackSize, RmFlags.RW, stackDs << 12, CapRights.RWS, 0, 12, "[stack]", 0);

        // l4re_aux_t, the named caps, the environment
        st.PushWord(unchecked((ulong)req.LdrBase));
        st.PushWord(unchecked((ulong)req.LdrFlags));
        st.PushWord(unchecked((ulong)req.L4reDbg));
        st.PushWord(Moe.MoeLoader.ChildKip << 12);
        ulong aux = st.PushWord(argvPtrs.Count > 0 ? argvPtrs[0] : 0);
        st.PushCapEntry(NedCaps.InvalidCap, ~0UL, "");
        var named = NamedCaps(l, true, null);
        ulong next = Moe.MoeLoader.ChildFirstFree;
        var slots = new List<(ulong Sel, int Rights, ulong To)>();
        foreach (var (name, sel, rights) in named)
        {
            ulong to = name == "jdb" ? Moe.MoeLoader.ChildJdb : next++;
            slots.Add((sel, rights, to));
            st.PushCapEntry(to << 12, 0, name);
        }
        ulong capsPtr = st.Sp;
        ulong inval = NedCaps.InvalidCap;
        ulong[] envw =
        [
            Moe.MoeLoader.ChildParent << 12, Moe.MoeLoader.ChildRm << 12, Moe.MoeLoader.ChildAlloc << 12,
            req.Log.Valid ? Moe.MoeLoader.ChildLog << 12 : inval, Moe.MoeLoader.ChildThread << 12, Moe.MoeLoader.ChildFactory << 12,
            Moe.MoeLoader.ChildSched << 12, inval, req.DbgEvents.Valid ? Moe.MoeLoader.ChildDbg << 12 : inval, next, 0,
            Fpage.Memory(UtcbArea, UtcbOrder, MemRights.None).Raw, UtcbArea + 1024, capsPtr,
        ];
        for (int i = envw.Length - 1; i >= 0; i--) st.PushWord(envw[i]);
        ulong envPtr = st.Sp;
        st.Align16();
        ulong beforeAuxv = st.Sp;
        Moe.MoeLoader.PushAuxv(st, elf, envPtr, kipAddr, aux, baseAddr);
        st.PushWord(0);
        for (int i = envPtrs.Count - 1; i >= 0; i--) st.PushWord(envPtrs[i]);
        st.PushWord(0);
        for (int i = argvPtrs.Count - 1; i >= 0; i--) st.PushWord(argvPtrs[i]);
        st.PushWord((ulong)argvPtrs.Count);
        st.AdjustSp(beforeAuxv);
        WriteStack(stackDs << 12, elf.StackAddr, elf.StackSize, st);

        // start_prog: the capabilities, the thread, go
        void Map(ulong sel, CapRights r, ulong to, ulong ext = 0) =>
            s.TaskMap(app.TaskSlot << 12, 0x1000, Fpage.Obj(sel, 0, r), (to << 12) | (ulong)ItemBits.Map | ext);
        Map(app.TaskSlot << 12, CapRights.RWS, Moe.MoeLoader.ChildTask);
        Map(req.Factory.Sel, (CapRights)(req.Factory.Rights & 0xF), Moe.MoeLoader.ChildFactory);
        Map(app.ThreadSlot << 12, CapRights.RWS, Moe.MoeLoader.ChildThread);
        Map(req.Scheduler.Sel, (CapRights)(req.Scheduler.Rights & 0xF), Moe.MoeLoader.ChildSched);
        Map(app.ParentGate << 12, CapRights.RWS, Moe.MoeLoader.ChildParent);
        if (req.Log.Valid) Map(req.Log.Sel, (CapRights)(req.Log.Rights & 0xF), Moe.MoeLoader.ChildLog);
        Map(app.RmSlot << 12, CapRights.RWS, Moe.MoeLoader.ChildRm);
        Map(req.Mem.Sel, (CapRights)(req.Mem.Rights & 0xF), Moe.MoeLoader.ChildAlloc);
        if (req.DbgEvents.Valid) Map(req.DbgEvents.Sel, (CapRights)(req.DbgEvents.Rights & 0xF), Moe.MoeLoader.ChildDbg);
        Map(env.KipDs, CapRights.RWS, Moe.MoeLoader.ChildKip);
        foreach (var (sel, rights, to) in slots) Map(sel, (CapRights)(rights & 0xF), to, (ulong)(rights & 0xF0));
        s.ThreadControl(app.ThreadSlot << 12, ThreadCtlFlags.SetPager | ThreadCtlFlags.SetExcHandler | ThreadCtlFlags.BindTask,
            pager: Moe.MoeLoader.ChildRm << 12, excHandler: Moe.MoeLoader.ChildRm << 12, bindTask: app.TaskSlot << 12, utcb: UtcbArea);
        s.RunThread(req.Scheduler.Sel, app.ThreadSlot << 12, Moe.MoeLoader.Prio);
        s.ExRegs(app.ThreadSlot << 12, baseAddr + elf.Entry, st.Sp);
        ned.FreeSlot(stackDs);
        ned.FreeSlot(bin);
    }

    /// <summary>
    /// push_initial_caps (lua_exec.cc:194-226): the `caps` table in (the model's fixed) iteration order; names longer
    /// than 17 characters are an error; functions are called with the table; only cap userdata count.
    /// </summary>
    private List<(string Name, ulong Sel, int Rights)> NamedCaps(KeraLua.Lua l, bool check, object? _)
    {
        var list = new List<(string, ulong, int)>();
        LuaFn.GetField(l, 1, "caps");
        int tab = l.GetTop();
        if (l.IsNil(tab)) { l.Pop(1); return list; }
        if (!l.IsTable(tab))
        {
            // lua_next on a non-table: the real Ned reads the value as a table pointer and crashes (ned notes §7.8)
            l.Pop(1);
            ned.CrashNullRead();
            return list;
        }
        l.PushNil();
        while (ned.Lua!.Next(l, tab))
        {
            string name = LuaFn.CheckString(l, -2);
            if (name.Length > 17) { LuaFn.ErrorWhere(l, $"Capability name '{name}' too long"); return list; }
            while (l.IsFunction(-1))
            {
                l.PushCopy(tab);
                LuaFn.Call(l, 1, 1);
            }
            if (!l.IsNil(-1) && l.ToUserData(-1) != IntPtr.Zero)
            {
                var (sel, rights) = NedCaps.Check(l, -1);
                list.Add((name.Length > 16 ? name[..16] : name, sel, rights));
            }
            l.Pop(1);
        }
        l.Pop(1);
        return list;
    }

    /// <summary>Reads a dataspace through Ned's own region map (attach, touch, detach).</summary>
    private byte[] ReadDs(ulong ds, ulong size)
    {
        var rm = new RmClient(S, ned.Env.Rm);
        ulong len = Math.Max((size + 0xFFF) & ~0xFFFUL, 0x1000);
        var (r, at) = rm.Attach(0, len, RmFlags.R | RmFlags.SearchAddr, ds, CapRights.R, 0, 12, "", 0);
        if (r < 0) return [];
        var b = ned.Proc.Read(at, (int)size);
        rm.Detach(at, len, 0);
        return b;
    }

    /// <summary>The child's stack pages, written through Ned's own region map (Remote_stack over a local mapping).</summary>
    private void WriteStack(ulong ds, ulong stackAddr, ulong stackSize, StackBuilder st)
    {
        var (imgAt, img) = st.Image();
        ulong from = imgAt - stackAddr;
        ulong len = (ulong)img.Length;
        var rm = new RmClient(S, ned.Env.Rm);
        var (r, at) = rm.Attach(0, len, RmFlags.RW | RmFlags.SearchAddr, ds, CapRights.RWS, from, 12, "", 0);
        if (r < 0) throw Fail(L4Errors.Text(r) ?? "(null)", "", r);
        ned.Proc.Write(at, img);
        rm.Detach(at, len, 0);
    }
}
