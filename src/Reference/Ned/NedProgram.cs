using System.Text;
using KeraLua;
using L4Conf.Model.Abi;
using L4Conf.Model.Machine;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Ned;

/// <summary>
/// Ned, the Lua script runner (ned/server/src/main.cc, lua.cc, server.cc, foreign_server.cc; ned notes §1): it greets,
/// runs ned.lua and its command line's -e statements and script with the native `L4` package, and then serves its
/// children's exit notifications (or, with --exit, ends). It runs as a modelled program on the task's program
/// thread; its Lua runs in the model's sandbox (<see cref="LuaHost"/>).
/// </summary>
public sealed class NedProgram
{
    public const string Entry = "ned", ServerEntry = "ned:svr";
    /// <summary>The L4Re::Util cap allocator's span (CONFIG_L4RE_CAP_DFL_ALLOCATOR_MAX).</summary>
    public const ulong CapAllocSlots = 0x1000;
    /// <summary>Slots Ned's start-up takes before the script runs (the first Lua cap of a Moe-started Ned is 0x427: 9 after 0x41e).</summary>
    public const int StartupSlots = 9;

    /// <summary>Ned instances by task (its threads share it, as they share the task's memory).</summary>
    public static readonly Dictionary<Model.Kernel.Task, NedProgram> Instances = new();

    private readonly bool[] _capUsed = new bool[CapAllocSlots];
    private int _capHint;
    private readonly List<ulong> _pendingFree = new();
    private Stdio? _out;

    public NedProgram(Process p, LuaLimits limits, Func<string, (string? Text, string? Error)>? hostFile = null)
    {
        Proc = p;
        Limits = limits;
        Env = L4ReEnv.Read(p, p.Thread.Machine!.Regs.Rsp);
        CapBase = Env.FirstFreeCap;
        Caps = new NedCaps(this);
        HostFile = hostFile;
    }

    public Process Proc { get; }
    public L4ReEnv Env { get; }
    public LuaLimits Limits { get; }
    public ulong CapBase { get; }
    public NedCaps Caps { get; }
    public LuaHost? Lua { get; private set; }
    public NedTasks? Tasks { get; private set; }
    /// <summary>A ned.lua to run instead of the model's (--ned-lua): a user's real one must run unchanged.</summary>
    public string? NedLua { get; init; }
    /// <summary>Ned's standard input (the script when none is named, io.read): one line per call, null at its end.</summary>
    public Func<string?> Stdin { get; init; } = () => null;
    public Func<string, (string? Text, string? Error)>? HostFile { get; }
    /// <summary>The foreign server thread's slot (it receives the children's exit signals).</summary>
    public ulong ServerThread { get; private set; }
    public Stdio Out => _out ??= new Stdio(Proc, Env.Log);

    // ---- slots -------------------------------------------------------------------------------------------------

    public bool IsDynamicSlot(ulong sel) => (sel >> 12) >= CapBase && (sel >> 12) < CapBase + CapAllocSlots;

    public ulong AllocSlot()
    {
        for (int i = _capHint; i < _capUsed.Length; i++)
            if (!_capUsed[i]) { _capUsed[i] = true; _capHint = i + 1; return CapBase + (ulong)i; }
        throw new LuaRaise("out of caps");
    }

    public void FreeSlot(ulong slot)
    {
        if (slot < CapBase || slot >= CapBase + CapAllocSlots) return;
        Proc.Sys.TaskUnmap(0x1000, Fpage.Obj(slot << 12, 0, CapRights.RWSD), UnmapMask.AllSpaces);
        int i = (int)(slot - CapBase);
        _capUsed[i] = false;
        if (i < _capHint) _capHint = i;
    }

    /// <summary>Frees a selector's slot from a __gc finalizer (which must not block): done at the next native call.</summary>
    public void FreeSlotDeferred(ulong sel) => _pendingFree.Add(sel >> 12);

    public void FlushFrees()
    {
        foreach (var s in _pendingFree.ToList()) FreeSlot(s);
        _pendingFree.Clear();
    }

    // ---- output ------------------------------------------------------------------------------------------------

    public void Print(string s) => Out.Write(s);
    /// <summary>Dbg(Warn, "lua") output (stdout).</summary>
    public void Warn(string s) { Out.Write(s); }
    /// <summary>stderr: unbuffered, each write at once (it shares the log with stdout).</summary>
    public void Error(string s) { Out.Flush(); Stdio.Send(Proc, Env.Log, Encoding.Latin1.GetBytes(s)); }

    /// <summary>The real Ned's NULL dereference (lua_cap.cc:117): a read of address 0 from inside Ned's code.</summary>
    public void CrashNullRead()
    {
        Out.Flush();
        Lua?.Stop("Ned crashed");
        Proc.Crash(new Trap(Vector.PageFault, (ulong)(PfErr.User), 0));
    }

    // ---- main --------------------------------------------------------------------------------------------------

    public void Main()
    {
        lock (Instances) Instances[Proc.Task] = this;
        var argv = Env.Argv;
        Print("Ned says: Hi World!\n");
        Tasks = new NedTasks(this);
        Startup();
        int i = 1;
        bool exit = false, waitAndExit = false;
        if (argv.Count > 1 && argv[1] == "--exit") { exit = true; i = 2; }
        else if (argv.Count > 1 && argv[1] == "--wait-and-exit") { waitAndExit = true; i = 2; }
        using var host = new LuaHost(Limits);
        Lua = host;
        host.Write = Print;
        host.ReadFile = ReadRomFile;
        host.ReadLine = Stdin;
        var l = host.L;
        NedNatives.Open(this, l);
        if (RunChunk(NedLua ?? NedLuaText(), "@ned.lua"))
        {
            // getopt "+e:": -e STATEMENT / --execute STATEMENT before the script, options end at the first non-option
            string prog = argv.Count > 0 ? argv[0] : "ned";
            while (i < argv.Count)
            {
                var a = argv[i];
                string? stmt = null;
                if (a == "--") { i++; break; }
                if (a == "-e" || a == "--execute")
                {
                    if (i + 1 >= argv.Count) { Error($"{prog}: option requires an argument -- e\n"); i++; break; }
                    stmt = argv[i + 1];
                    i += 2;
                }
                else if (a.StartsWith("--execute=")) { stmt = a["--execute=".Length..]; i++; }
                else if (a.StartsWith("-e") && a.Length > 2) { stmt = a[2..]; i++; }
                else if (a.StartsWith("--") && a.Length > 2) { Error($"{prog}: unrecognized option `{a}'\n"); i++; continue; }
                else if (a.StartsWith('-') && a.Length > 1) { Error($"{prog}: invalid option -- {a[1]}\n"); i++; continue; }
                else break;
                if (stmt != null && !RunChunk(stmt, stmt)) Error("Error executing cmdline statement\n");
            }
            if (i < argv.Count)
            {
                l.NewTable();
                for (int k = i; k < argv.Count; k++) { l.PushString(argv[k]); l.RawSetInteger(-2, k - i); }
                l.SetGlobal("arg");
            }
            // Printed and loaded whether or not a script was named: argv[optind] is then NULL, "(null)" in printf,
            // and luaL_dofile(NULL) reads standard input (lua.cc:254-255).
            string? script = i < argv.Count ? argv[i] : null;
            Print($"Ned: loading file: '{script ?? "(null)"}'\n");
            RunFile(script);
            l.GarbageCollector(LuaGC.Collect, 0);
            FlushFrees();
        }
        Out.Flush();
        if (host.Stopped is { } why && why != "Ned crashed") Error($"Ned: script stopped: {why}\n");
        if (exit) { Exit(0); return; }
        Tasks.ServerLoop(waitAndExit);
    }

    /// <summary>Runs a command line as Lua (chunk "argument"); the error text as the real Ned prints it.</summary>
    public (bool Ok, string? Error) Execute(string cmd, int results = 0)
    {
        var l = Lua!.L;
        if (l.LoadBuffer(Encoding.Latin1.GetBytes(cmd), "argument") != LuaStatus.OK)
        {
            var e = $"lua couldn't parse '%CMD%': {l.ToString(-1, false)}.\n";
            l.Pop(1);
            return (false, e);
        }
        if (l.PCall(0, results, 0) != LuaStatus.OK)
        {
            var e = $"lua couldn't execute '%CMD%': {ErrorText(l)}.\n";
            l.Pop(1);
            FlushFrees();
            return (false, e);
        }
        FlushFrees();
        return (true, null);
    }

    /// <summary>The objects Ned's start-up makes before Lua runs (stdio semaphore, the foreign server and its thread).</summary>
    private void Startup()
    {
        var s = Proc.Sys;
        s.FactoryCreate(Env.Factory, (long)Protocol.Semaphore, AllocSlot() << 12);      // Std_stream's semaphore
        ulong irq = AllocSlot(), ack = AllocSlot(), resume = AllocSlot();
        s.FactoryCreate(Env.Factory, (long)Protocol.IrqSender, irq << 12);
        s.FactoryCreate(Env.Factory, (long)Protocol.Semaphore, ack << 12);
        s.FactoryCreate(Env.Factory, (long)Protocol.Semaphore, resume << 12);
        ServerThread = AllocSlot();
        s.FactoryCreate(Env.Factory, (long)Protocol.Thread, ServerThread << 12);
        while (_capHint < StartupSlots) AllocSlot();                                     // pthread and server bookkeeping
        ulong utcb = (Env.FirstFreeUtcb + 0x3FF) & ~0x3FFUL;
        s.ThreadControl(ServerThread << 12, ThreadCtlFlags.SetPager | ThreadCtlFlags.SetExcHandler | ThreadCtlFlags.BindTask,
            pager: 0x10000, excHandler: Env.Itas, bindTask: 0x1000, utcb: utcb);
        s.RunThread(Env.Scheduler, ServerThread << 12, 0xF1);
        ulong entry = Proc.Thread.Machine!.Regs.Rip + Programs.ModelledImage.EntryStride;   // the "ned:svr" marker follows "ned"
        s.ExRegs(ServerThread << 12, entry, 0);
    }

    /// <summary>The exit of Ned itself: L4Re's _exit, a parent signal, then sleeping for ever.</summary>
    public void Exit(long code)
    {
        Out.Flush();
        ParentClient.Signal(Proc.Sys, Env.Parent, 0, unchecked((ulong)code));
        Proc.SleepForever();
    }

    private static string NedLuaText()
    {
        using var st = typeof(NedProgram).Assembly.GetManifestResourceStream("ned/ned.lua")
            ?? throw new InvalidOperationException("ned.lua is missing from the build");
        using var r = new StreamReader(st);
        return r.ReadToEnd();
    }

    /// <summary>execute_lua_buf (lua.cc:76-96): load and run, "lua error: %s." on stderr on failure.</summary>
    private bool RunChunk(string text, string chunkName)
    {
        var l = Lua!.L;
        int top = l.GetTop();
        var status = l.LoadBuffer(Encoding.Latin1.GetBytes(text), chunkName, "t");
        if (status == LuaStatus.OK) status = l.PCall(0, 1, 0);
        bool ok = status == LuaStatus.OK;
        if (!ok) Error($"lua error: {ErrorText(l)}.\n");
        l.SetTop(top);
        FlushFrees();
        return ok;
    }

    /// <summary>luaL_dofile of the script (lua.cc:255-265): a table error prints its msg field; no path reads standard input.</summary>
    private void RunFile(string? path)
    {
        var l = Lua!.L;
        int top = l.GetTop();
        var (text, err) = path == null ? (ReadStdin(), null) : ReadRomFile(path);
        LuaStatus status;
        if (text == null)
        {
            l.PushString($"cannot open {path}: {err}");
            status = LuaStatus.ErrRun;
        }
        else
        {
            status = l.LoadBuffer(Encoding.Latin1.GetBytes(text), path == null ? "=stdin" : "@" + path, "t");
            if (status == LuaStatus.OK) status = l.PCall(0, -1, 0);
        }
        if (status != LuaStatus.OK && Lua.Stopped != "Ned crashed") Error($"lua error: {ErrorText(l)}.\n");
        l.SetTop(top);
    }

    /// <summary>Standard input to its end, as luaL_loadfilex(NULL) reads it (what Ned's stdin gives on the real system is UNCONFIRMED).</summary>
    private string ReadStdin()
    {
        var sb = new StringBuilder();
        while (Stdin() is { } line) sb.Append(line).Append('\n');
        return sb.ToString();
    }

    private static string ErrorText(KeraLua.Lua l)
    {
        if (l.IsTable(-1))
        {
            l.GetField(-1, "msg");
            var s = l.IsStringOrNumber(-1) ? l.ToString(-1, false) : "(null)";
            l.Pop(1);
            return s ?? "(null)";
        }
        return l.IsStringOrNumber(-1) ? LuaHost.Dialect(l.ToString(-1, false) ?? "(null)") : "(null)";
    }

    /// <summary>A file through L4Re's file system: "rom/NAME" is the boot module NAME, read from its dataspace.</summary>
    public (string? Text, string? Error) ReadRomFile(string path)
    {
        if (HostFile?.Invoke(path) is { Text: not null } h) return h;
        if (!path.StartsWith("rom/", StringComparison.Ordinal) || path.Length == 4) return (null, "No such file or directory");
        if (Env.GetCap("rom") is not { } rom) return (null, "No such file or directory");
        var s = Proc.Sys;
        ulong slot = AllocSlot();
        try
        {
            if (NsClient.Query(s, rom, path[4..], slot) < 0) return (null, "No such file or directory");
            var (r, size, _) = DsClient.Info(s, slot << 12);
            if (r < 0) return (null, "No such file or directory");
            var rm = new RmClient(s, Env.Rm);
            ulong len = (size + 0xFFF) & ~0xFFFUL;
            var (ar, at) = rm.Attach(0, Math.Max(len, 0x1000), RmFlags.R | RmFlags.SearchAddr, slot << 12, CapRights.R, 0, 12, path, 0);
            if (ar < 0) return (null, "Cannot allocate memory");
            var bytes = Proc.Read(at, (int)size);
            rm.Detach(at, Math.Max(len, 0x1000), 0);
            return (Encoding.Latin1.GetString(bytes), null);
        }
        finally { FreeSlot(slot); }
    }
}
