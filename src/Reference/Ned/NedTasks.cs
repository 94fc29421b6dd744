using System.Runtime.InteropServices;
using KeraLua;
using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Ned;

/// <summary>A program Ned started (App_task, ned/server/src/app_task.{h,cc}; ned notes §5.4-5.5).</summary>
public sealed class NedApp
{
    public enum State { Initializing, Running, Zombie }
    public required ulong Label { get; init; }
    public ulong TaskSlot, ThreadSlot, RmSlot, WaitSem, IrqSlot, ParentGate;
    public State St = State.Initializing;
    public ulong ExitCode;
    public bool ExitCodeValid, Signalled;
    public int HandlerRef = -1;
    /// <summary>Lua handles (userdata) that still point here; a zapped handle answers nil.</summary>
    public readonly HashSet<int> Handles = new();
}

/// <summary>
/// Ned's starting of programs and its task objects (ned/server/src/lua_exec.cc, app_model.cc, app_task.cc; ned notes
/// §5): L4.exec reads the start table, creates the task through the child's factory, loads rom/l4re into it with
/// the child's region map (a Moe object), builds its stack and capabilities, and starts it. The child's exit
/// arrives at Ned's second thread (the foreign server), which reaps the task and wakes the main thread.
/// </summary>
public sealed class NedTasks(NedProgram ned)
{
    public const string TaskMeta = "L4_NED_APP_TASK";
    private readonly Dictionary<int, NedApp?> _handles = new();
    private readonly Dictionary<ulong, NedApp> _byLabel = new();
    private int _nextHandle = 1;
    private ulong _nextLabel = 0x32000;
    public int AppsRunning { get; private set; }
    private readonly object _lock = new();

    // ---- exec --------------------------------------------------------------------------------------------------

    /// <summary>L4.exec(cfg, prog, args..., [posix env table]) (lua_exec.cc:518-552).</summary>
    public int Exec(KeraLua.Lua l)
    {
        ned.FlushFrees();
        if (l.GetTop() < 1 || !(l.IsTable(1) || l.IsUserData(1) || l.IsString(1)))
        {
            // parse_cfg indexes argument 1 first; a missing or plain value fails in the VM, with no position
            l.PushString($"attempt to index a {(l.IsNone(1) ? "nil" : l.TypeName(l.Type(1)))} value");
            throw new LuaRethrow();
        }
        var req = ExecRequest.Parse(ned, l);
        var app = new NedApp { Label = NewLabel() };
        CreateApp(app);
        app.St = NedApp.State.Running;
        try
        {
            new NedLoader(ned, req, app).Launch(l);
        }
        catch (NedExecError e)
        {
            return LuaFn.ErrorWhere(l, e.Message);
        }
        PushHandle(l, app);
        return 1;
    }

    private ulong NewLabel()
    {
        ulong a = _nextLabel;
        _nextLabel += 0x130;
        return a;
    }

    /// <summary>App_task: task, thread and region-map slots, the wait semaphore, the child's region map, the IRQ and the parent gate.</summary>
    private void CreateApp(NedApp app)
    {
        var s = ned.Proc.Sys;
        var env = ned.Env;
        app.TaskSlot = ned.AllocSlot();
        app.ThreadSlot = ned.AllocSlot();
        app.RmSlot = ned.AllocSlot();
        app.WaitSem = ned.AllocSlot();
        s.FactoryCreate(env.Factory, (long)Protocol.Semaphore, app.WaitSem << 12);
        lock (_lock) AppsRunning++;
        FactoryClient.Create(s, env.MemAlloc, 0x4005, app.RmSlot);
        app.IrqSlot = ned.AllocSlot();
        s.FactoryCreate(env.Factory, (long)Protocol.IrqSender, app.IrqSlot << 12);
        s.IrqBind(app.IrqSlot << 12, env.MainThread, app.Label);
        app.ParentGate = ned.AllocSlot();
        s.CreateGate(env.Factory, app.ParentGate << 12, ned.ServerThread << 12, app.Label + 0x80);
        lock (_lock) { _byLabel[app.Label] = app; _byLabel[app.Label + 0x80] = app; }
    }

    // ---- the task userdata ------------------------------------------------------------------------------------

    private void EnsureMeta(KeraLua.Lua l)
    {
        if (!l.NewMetaTable(TaskMeta)) { l.Pop(1); return; }
        int mt = l.GetTop();
        l.NewTable();
        NedNatives.Fn(l, l.GetTop(), "state", StateFn);
        NedNatives.Fn(l, l.GetTop(), "exit_code", ExitCodeFn);
        NedNatives.Fn(l, l.GetTop(), "wait", WaitFn);
        NedNatives.Fn(l, l.GetTop(), "kill", KillFn);
        NedNatives.Fn(l, l.GetTop(), "exit_handler", ExitHandlerFn);
        l.SetField(mt, "__index");
        NedNatives.Fn(l, mt, "__gc", lx => { _handles.Remove(Id(lx, 1)); return 0; });
        NedNatives.Fn(l, mt, "__eq", lx => { lx.PushBoolean(Get(lx, 1) == Get(lx, 2)); return 1; });
        NedNatives.Fn(l, mt, "__lt", lx => { lx.PushBoolean((Get(lx, 1)?.Label ?? 0) < (Get(lx, 2)?.Label ?? 0)); return 1; });
        NedNatives.Fn(l, mt, "__le", lx => { lx.PushBoolean((Get(lx, 1)?.Label ?? 0) <= (Get(lx, 2)?.Label ?? 0)); return 1; });
        l.Pop(1);
    }

    private void PushHandle(KeraLua.Lua l, NedApp app)
    {
        EnsureMeta(l);
        int id = _nextHandle++;
        var ud = l.NewUserData(8);
        Marshal.WriteInt32(ud, id);
        l.SetMetaTable(TaskMeta);
        _handles[id] = app;
    }

    private static int Id(KeraLua.Lua l, int i) => Marshal.ReadInt32(LuaFn.CheckUserData(l, i, TaskMeta));
    private NedApp? Get(KeraLua.Lua l, int i) => _handles.GetValueOrDefault(Id(l, i));
    private void Zap(KeraLua.Lua l, int i) => _handles[Id(l, i)] = null;

    private int StateFn(KeraLua.Lua l)
    {
        var a = Get(l, 1);
        if (a == null) { l.PushNil(); return 1; }
        l.PushString(a.St switch { NedApp.State.Initializing => "initializing", NedApp.State.Running => "running", _ => "zombie" });
        return 1;
    }

    private int ExitCodeFn(KeraLua.Lua l)
    {
        var a = Get(l, 1);
        if (a == null || !a.ExitCodeValid) { l.PushNil(); return 1; }
        l.PushInteger(unchecked((long)a.ExitCode));
        return 1;
    }

    /// <summary>wait(): block on the exit semaphore, handle the exit (state, handler), return the code; the handle is zapped.</summary>
    private int WaitFn(KeraLua.Lua l)
    {
        var a = Get(l, 1);
        if (a == null) { l.PushNil(); return 1; }
        if (a.St == NedApp.State.Running)
        {
            ned.Out.Flush();
            while (!a.Signalled) ned.Proc.Sys.SemDown(a.WaitSem << 12, 0);
            HandleExit(l, a);
        }
        l.PushInteger(a.ExitCodeValid ? unchecked((long)a.ExitCode) : 0);
        Zap(l, 1);
        return 1;
    }

    /// <summary>kill(): a zombie answers its code; a running task is terminated ("killed"); either way the handle is zapped.</summary>
    private int KillFn(KeraLua.Lua l)
    {
        var a = Get(l, 1);
        if (a == null) { l.PushNil(); return 1; }
        if (a.St == NedApp.State.Zombie)
        {
            l.PushInteger(unchecked((long)a.ExitCode));
            Zap(l, 1);
            return 1;
        }
        Terminate(l, a);
        Zap(l, 1);
        l.PushString("killed");
        return 1;
    }

    private int ExitHandlerFn(KeraLua.Lua l)
    {
        var a = Get(l, 1);
        if (a == null)
        {
            l.PushCopy(2);
            l.PushNil();
            LuaFn.Call(l, 1, 0);
            l.PushBoolean(false);
            return 1;
        }
        LuaFn.CheckType(l, 2, LuaType.Function);
        if (a.HandlerRef != -1) return LuaFn.ErrorWhere(l, "exit_handler callback already registered");
        if (a.St == NedApp.State.Zombie)
        {
            l.PushCopy(2);
            if (a.ExitCodeValid) l.PushInteger(unchecked((long)a.ExitCode)); else l.PushNil();
            LuaFn.Call(l, 1, 0);
            l.PushBoolean(false);
            return 1;
        }
        l.PushCopy(2);
        a.HandlerRef = l.Ref(LuaRegistry.Index);
        l.PushBoolean(true);
        return 1;
    }

    /// <summary>App_task::handle_irq (app_task.cc:96-110): Zombie with its code, the caps go, the exit handler runs.</summary>
    private void HandleExit(KeraLua.Lua l, NedApp a)
    {
        if (a.St != NedApp.State.Running) return;
        a.St = NedApp.State.Zombie;
        a.ExitCodeValid = true;
        Reset(a);
        Dispatch(l, a, a.ExitCode, true);
        lock (_lock) AppsRunning--;
    }

    private void Terminate(KeraLua.Lua l, NedApp a)
    {
        if (a.St != NedApp.State.Running) return;
        a.St = NedApp.State.Zombie;
        Reset(a);
        Dispatch(l, a, 0, false);
        lock (_lock) AppsRunning--;
    }

    /// <summary>reset(): unregister, and drop the task's capabilities (deleting the task kills it).</summary>
    private void Reset(NedApp a)
    {
        var s = ned.Proc.Sys;
        s.TaskUnmapBatch(0x1000, [Fpage.Obj(a.TaskSlot << 12, 0, CapRights.RWSD), Fpage.Obj(a.ThreadSlot << 12, 0, CapRights.RWSD),
            Fpage.Obj(a.RmSlot << 12, 0, CapRights.RWSD)], UnmapMask.AllSpaces | UnmapMask.DeleteObj);
        s.TaskUnmap(0x1000, Fpage.Obj(a.ParentGate << 12, 0, CapRights.RWSD), UnmapMask.DeleteObj);
        s.TaskUnmap(0x1000, Fpage.Obj(a.IrqSlot << 12, 0, CapRights.RWSD), UnmapMask.DeleteObj);
        lock (_lock) { _byLabel.Remove(a.Label); _byLabel.Remove(a.Label + 0x80); }
        foreach (var slot in new[] { a.TaskSlot, a.ThreadSlot, a.RmSlot, a.ParentGate, a.IrqSlot, a.WaitSem }) ned.FreeSlot(slot);
    }

    /// <summary>dispatch_exit_signal (lua_exec.cc:45-60): the handler with the code (or nil), errors printed as "Ned: ERROR: lua error: %s.".</summary>
    private void Dispatch(KeraLua.Lua l, NedApp a, ulong code, bool valid)
    {
        if (a.HandlerRef == -1) return;
        l.RawGetInteger((int)LuaRegistry.Index, a.HandlerRef);
        if (valid) l.PushInteger(unchecked((long)code)); else l.PushNil();
        if (l.PCall(1, 0, 0) != LuaStatus.OK)
        {
            ned.Print($"Ned: ERROR: lua error: {l.ToString(-1, false)}.\n");
            l.Pop(1);
        }
        l.Unref(LuaRegistry.Index, a.HandlerRef);
        a.HandlerRef = -1;
    }

    // ---- Ned's server loops ---------------------------------------------------------------------------------

    /// <summary>Label of Ned's command dispatcher on its gate (the real one's is the object's address).</summary>
    public const ulong CmdLabel = 0xC0DE0;

    /// <summary>
    /// The main thread's loop after the script (server.cc): the App_task IRQs (exit notifications: the exit handlers
    /// run here); with --wait-and-exit Ned ends once no started task runs any more. With a command gate (L4.server_loop,
    /// the seed's -c) it also answers L4Re::Ned::Cmd_control::execute (lua.cc:98-187).
    /// </summary>
    public void ServerLoop(bool waitAndExit, ulong? cmdGate = null)
    {
        var s = ned.Proc.Sys;
        var l = ned.Lua!.L;
        if (cmdGate is { } g && s.Error(s.GateBind(g, ned.Env.MainThread, CmdLabel)) < 0)
            throw new LuaRaise("Register command dispatcher endpoint.");
        long reply = L4Re.ServerLoop.NoReply;
        MsgTag replyTag = default;
        while (true)
        {
            ned.Out.Flush();
            if (waitAndExit && AppsRunning == 0) { ned.Exit(0); return; }
            var tag = reply == L4Re.ServerLoop.NoReply ? s.Wait() : s.ReplyAndWait(replyTag);
            reply = L4Re.ServerLoop.NoReply;
            if (tag.HasError) continue;
            ulong label = ned.Proc.Thread.ResultLabel & ~3UL;
            if (cmdGate != null && label == CmdLabel)
            {
                var call = new L4Re.ServerCall(s, tag, ned.Proc.Thread.ResultLabel);
                reply = tag.Label == 0 ? Execute(call) : -(long)L4Err.BadProto;
                replyTag = L4Re.ServerLoop.ReplyTag(call, reply);
                continue;
            }
            NedApp? a;
            lock (_lock) a = _byLabel.GetValueOrDefault(label);
            if (a != null && a.Signalled) HandleExit(l, a);
        }
    }

    /// <summary>Cmd_control::execute(String cmd, Array&lt;char&gt; &amp;result) (lua.cc:104-146): -22 for a parse error, -5
    /// for a runtime error (both also on stderr), else 0 with tostring of the first result.</summary>
    private long Execute(L4Re.ServerCall c)
    {
        var r = c.Args();
        int op = r.Opcode();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if (op != 0) return -(long)L4Err.NoSys;
        r.AlignWord();
        string cmd = r.String();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        var l = ned.Lua!.L;
        int top = l.GetTop();
        var (ok, err) = ned.Execute(cmd, 1);
        if (!ok)
        {
            ned.Error(err!.Replace("%CMD%", cmd));
            l.SetTop(top);
            return err.StartsWith("lua couldn't parse") ? -(long)L4Err.Inval : -(long)L4Err.Io;
        }
        var text = System.Text.Encoding.Latin1.GetBytes(ned.Lua.ToDisplay(l, -1));
        l.SetTop(top);
        c.Reply.Array(text.AsSpan(0, Math.Min(text.Length, L4Re.MsgWriter.MaxBytes - 2)));
        return 0;
    }

    /// <summary>L4.server_loop(cap): serves the command interface on the gate, with the exit notifications.</summary>
    public int ServerLoopCall(KeraLua.Lua l)
    {
        var (sel, _) = NedCaps.Check(l, 1);
        ServerLoop(false, sel);
        return 0;
    }

    /// <summary>
    /// The foreign server thread ("ned-svr", foreign_server.cc): receives each child's parent signal; an exit stores
    /// the code, reaps the task's capabilities, ups the wait semaphore and triggers the task's IRQ (app_task.cc:51-86).
    /// </summary>
    public static void ForeignServer(Process p)
    {
        NedProgram n;
        while (true)
        {
            lock (NedProgram.Instances) if (NedProgram.Instances.TryGetValue(p.Task, out n!)) break;
            p.Sys.Sleep(0x400 | 10);
        }
        n.Tasks!.RunForeign(p);
    }

    private void RunForeign(Process p)
    {
        var s = p.Sys;
        long reply = L4Re.ServerLoop.NoReply;
        while (true)
        {
            var tag = reply == L4Re.ServerLoop.NoReply ? s.Wait() : s.ReplyAndWait(new MsgTag(reply, 0, 0));
            reply = L4Re.ServerLoop.NoReply;
            if (tag.HasError) continue;
            NedApp? a;
            lock (_lock) a = _byLabel.GetValueOrDefault(p.Thread.ResultLabel & ~3UL);
            if (a == null || tag.Label != 0x4002) { reply = -(long)L4Err.BadProto; continue; }
            var r = new MsgReader(p.Utcb, tag.Words);
            r.Opcode();
            ulong sig = r.U64(), val = r.U64();
            if (sig == 0 && !a.Signalled)
            {
                a.ExitCode = val;
                a.Signalled = true;
                s.TaskUnmapBatch(0x1000, [Fpage.Obj(a.TaskSlot << 12, 0, CapRights.RWSD), Fpage.Obj(a.ThreadSlot << 12, 0, CapRights.RWSD),
                    Fpage.Obj(a.RmSlot << 12, 0, CapRights.RWSD)], UnmapMask.AllSpaces | UnmapMask.DeleteObj);
                s.IrqTrigger(a.WaitSem << 12);                         // the semaphore's up (an IRQ trigger)
                s.IrqTrigger(a.IrqSlot << 12);
            }
            reply = 0;
        }
    }
}

/// <summary>An error of exec that Lua sees as "could not create process: ..." or another luaL_error text.</summary>
public sealed class NedExecError(string message) : Exception(message);
