using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Itas;

/// <summary>
/// The L4Re runtime's main thread (l4re_itas/server/src/main.cc, globals.cc, loader.cc; itas notes §1): it reads
/// the environment its parent built, takes the regions of the external region map into its own, opens the
/// program binary, creates the program thread (with its page-fault trampoline and exception handler) and starts it
/// in the loader, then serves the program's region map and exceptions.
/// </summary>
public static class ItasProgram
{
    /// <summary>Entry names of the runtime's code (markers in the rom/l4re image).</summary>
    public const string Main = "l4re", Loader = "l4re:ldr", PfHandler = "l4re:pf";
    /// <summary>The entries of the rom/l4re image, in the order of its markers.</summary>
    public static readonly string[] Entries = [Main, Loader, PfHandler];
    public const ulong LoaderVma = 0x0000_7FFF_0020_0000, LoaderStackSize = 8 * 1024, MallocArea = 64UL << 20, HeapChunk = 256UL << 10;

    /// <summary>The runtime state of each task it runs in (shared by its threads, as their common memory is).</summary>
    public static readonly Dictionary<Model.Kernel.Task, ItasState> States = new();

    public static void Run(Process p, Func<string, ulong> entryOf)
    {
        var regs = p.Thread.Machine!.Regs;
        var env = L4ReEnv.Read(p, regs.Rsp);
        var st = new ItasState(env, p.Task);
        lock (States) States[p.Task] = st;
        var s = p.Sys;
        ulong factory = env.Factory;

        // Global::init: 1024 slots for the runtime, the local region map, its lock (two semaphores)
        env.FirstFreeCap += ItasState.LocalRmCaps;
        if ((env.MemAlloc & (1UL << 11)) != 0)
        {
            st.Err(p, true, "could not find the base memory allocator\n");
            Exit(p, st, unchecked((ulong)-1L));
        }
        var rm = new LocalRegionMap(st, 0, 0x7FFF_FFFF_FFFF) { Label = ItasState.RmLabel };
        rm.ServedBy(p);
        st.Rm = rm;
        foreach (var name in new[] { "rd lock sem", "wr lock sem" })                // Rw_lock (itas/lock.cc:14-27)
        {
            ulong sem = st.AllocCap();
            s.FactoryCreate(factory, (long)Protocol.Semaphore, sem << 12);
            s.DebuggerSetName(sem << 12, name);
        }
        // the malloc area in the external region map, and the first heap chunk
        var ext = new RmClient(s, env.Rm);
        var (ar, areaAt) = ext.ReserveArea(0xa0100000, MallocArea, RmFlags.SearchAddr, 12);
        if (ar < 0) { st.Out(p, $"l4re_itas: error reserving malloc region: {ar}\n"); Exit(p, st, 1); }
        ext.Attach(areaAt, HeapChunk, RmFlags.RW | RmFlags.Private | RmFlags.Anonymous | RmFlags.InArea, null, CapRights.None, 0, 12, "[itas-heap]", 0);
        // static constructors: the copy-on-write mutex (lock.cc:108-115) and the server's two receive slots
        ulong mutex = st.AllocCap();
        s.FactoryCreate(factory, (long)Protocol.Semaphore, mutex << 12);
        s.DebuggerSetName(mutex << 12, "Mutex");
        ulong rcv0 = st.AllocCap(), rcv1 = st.AllocCap();
        // main.cc:212-218: the runtime's thread "#NAME" and the task "NAME" after the binary (without "rom/"), 13 characters
        {
            int at = st.Binary.IndexOf("rom/", StringComparison.Ordinal);
            string n = at >= 0 ? st.Binary[(at + 4)..] : st.Binary;
            if (n.Length > 13) n = n[..13];
            s.DebuggerSetName(env.MainThread, "#" + n);
            s.DebuggerSetName(0x1000, n);
        }

        st.DbgLevel = env.DbgLevel;
        st.Dbg(p, ItasState.DbgBoot, null, "adding regions from remote region mapper\n");
        InsertRegions(p, st, ext);
        rm.Table.AttachArea(0, 0x1000, RmFlags.Reserved | RmFlags.SearchAddr, 12);     // init_cow: the copy-on-write bounce page

        st.Dbg(p, ItasState.DbgBoot, null, $"load binary '{st.Binary}'\n");
        ulong bin = st.AllocCap();
        long q = OpenFile(p, env, st.Binary, bin);
        if (q < 0)
        {
            Terminate(p, st, "N2L417Element_not_foundE", $"No such object found: {st.Binary}");
            return;
        }
        st.BinarySlot = bin;

        // Loader::start (loader.cc:304-420)
        ulong ldrStack = st.AllocCap();
        st.LoaderStackSlot = ldrStack;
        FactoryClient.Create(s, env.MemAlloc, 0x4000, ldrStack, FactoryClient.Int((long)LoaderStackSize), FactoryClient.Uint(0), FactoryClient.Uint(0));
        ulong? lsAt = rm.Table.Place(LoaderVma, LoaderStackSize, RmFlags.SearchAddr, 12);
        if (lsAt is not { } loaderStack) { st.Err(p, true, "Could not attach loader stack (-99).\n"); Exit(p, st, 1); return; }
        rm.Table.Insert(new Region<ItasBacking>(loaderStack, loaderStack + LoaderStackSize - 1, RmFlags.RW, new ItasBacking(ldrStack), 0, "[loader-stack]", 0));
        st.LoaderStackAddr = loaderStack;

        ulong app = st.AllocCap();
        st.ProgramThreadSlot = app;
        st.RmGate = Gate(p, st, rm, env.MainThread);
        var sigmgr = new SignalManager(st, p, entryOf) { Label = ItasState.SignalManagerLabel };
        st.SignalMgrGate = Gate(p, st, sigmgr, env.MainThread);
        var ra = new RemoteAccess { Label = ItasState.RemoteAccessLabel };
        st.RemoteAccessGate = Gate(p, st, ra, env.MainThread);
        s.FactoryCreate(factory, (long)Protocol.Thread, app << 12);
        int slash = st.Binary.LastIndexOf('/');
        s.DebuggerSetName(app << 12, slash >= 0 ? st.Binary[(slash + 1)..] : st.Binary);   // loader.cc:369-371
        st.AppUtcb = env.FirstFreeUtcb;
        st.TrampAddr = st.AppUtcb + 1024;
        st.FirstFreeUtcbForProgram = st.TrampAddr + 0xE0;
        p.WriteU64(st.TrampAddr, entryOf(PfHandler));                  // handler_ip
        var tsh = new ThreadSignalHandler(st, p, app, st.TrampAddr) { Label = ItasState.FirstHandlerLabel };
        ulong tshGate = Gate(p, st, tsh, env.MainThread);
        s.ThreadControl(app << 12, ThreadCtlFlags.SetPager | ThreadCtlFlags.SetExcHandler | ThreadCtlFlags.BindTask,
            pager: env.Rm, excHandler: tshGate, bindTask: 0x1000, utcb: st.AppUtcb);
        var u = p.Utcb;
        u.SetMr(0, (ulong)ThreadOp.PfTrampControl);                  // PF-tramp::setup (sub-op 0)
        u.SetMr(1, st.TrampAddr);
        s.Call(app << 12, new Model.Abi.MsgTag((long)Protocol.Thread, 2, 0));
        s.RunThread(env.Scheduler, app << 12, 2);
        s.ExRegs(app << 12, entryOf(Loader), loaderStack + LoaderStackSize - 8);
        s.RunThread(env.Scheduler, env.MainThread, 255);

        st.Dbg(p, ItasState.DbgBoot, null, "Start server loop\n");
        var loop = new ServerLoop(s, () => st.AllocCap(), initialSlots: [rcv0, rcv1]);
        loop.Add(rm, rm.Label);
        loop.Add(sigmgr, sigmgr.Label);
        sigmgr.Loop = loop;
        loop.Add(ra, ra.Label);
        loop.Add(tsh, tsh.Label);
        loop.Run();
    }

    /// <summary>A gate for an object of the runtime, bound to its thread; managed caps carry 0x10 in the selector (ipc_epiface Stored_cap).</summary>
    private static ulong Gate(Process p, ItasState st, ServerObject o, ulong thread)
    {
        ulong slot = st.AllocCap();
        p.Sys.CreateGate(st.Env.Factory, slot << 12, thread, o.Label);
        o.Cap = slot << 12;
        return (slot << 12) | 0x10;
    }

    /// <summary>insert_regions (main.cc:69-174): the external map's regions (with the Pager flag unless reserved or
    /// kernel) and areas become local, every one backed by the external region map as its pager (main.cc:101-102).</summary>
    private static void InsertRegions(Process p, ItasState st, RmClient ext)
    {
        var rm = st.Rm!;
        foreach (var (s0, e0, f0) in ext.List(RmClient.OpGetRegions, 0))
        {
            var (_, name, bo) = ext.GetInfo(s0);
            uint f = f0;
            if ((f & (RmFlags.Reserved | RmFlags.Kernel)) == 0) f |= RmFlags.Pager;
            rm.Table.Insert(new Region<ItasBacking>(s0, e0, f, new ItasBacking(st.Env.Rm >> 12), 0, name, bo));
        }
        foreach (var (s0, e0, f0) in ext.List(RmClient.OpGetAreas, 0)) rm.Table.AddArea(s0, e0, f0);
    }

    /// <summary>Env_ns query: "x/y" looks up env cap x and queries y in it; a name without '/' is the env cap itself.</summary>
    public static long OpenFile(Process p, L4ReEnv env, string path, ulong slot)
    {
        int slash = path.IndexOf('/');
        string first = slash < 0 ? path : path[..slash];
        if (env.GetCap(first) is not { } ns) return -(long)L4Err.NoEnt;
        if (slash < 0)
        {
            p.Sys.CapCopy(slot << 12, ns);
            return 0;
        }
        return NsClient.Query(p.Sys, ns, path[(slash + 1)..], slot);
    }

    /// <summary>
    /// The C++ terminate handler of the runtime (libsupc++ __l4_terminate_handler.cc:41-119): the mangled type and
    /// `what` on stderr (the log), then _Exit(70).
    /// </summary>
    public static void Terminate(Process p, ItasState st, string type, string what)
    {
        st.Out(p, $"terminate called from 0xa001da46 after throwing an instance of '{type}'\n");
        st.Out(p, $"  what: {what}\n");
        Exit(p, st, 70);
    }

    /// <summary>_exit(code): parent signal(0, code), then sleeping for ever (libc/common/_exit.cc).</summary>
    public static void Exit(Process p, ItasState st, ulong code)
    {
        ParentClient.Signal(p.Sys, st.Env.Parent, 0, code);
        p.SleepForever();
    }
}
