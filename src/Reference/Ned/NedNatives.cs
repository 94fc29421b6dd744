using KeraLua;
using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;
using VargType = L4Conf.Model.Abi.VargType;

namespace L4Conf.Reference.Ned;

/// <summary>
/// The native half of Ned's `L4` package (ned/server/src/lua*.cc; ned notes §2-§4): the package table in
/// package.loaded (not a global), the cap type registry and classes, L4.Env, L4.Info, sleep/msleep, __cast, exec and
/// server_loop. Each behaves, argument checks and error texts included, as the C++ side of real Ned.
/// </summary>
public static class NedNatives
{
    public static void Open(NedProgram ned, KeraLua.Lua l)
    {
        // package.loaded["L4"] = {}
        l.GetGlobal("package");
        l.GetField(-1, "loaded");
        l.NewTable();
        l.PushCopy(-1);
        l.SetField(-3, "L4");
        int pkg = l.GetTop();

        ned.Caps.Init(l);
        l.GetField((int)LuaRegistry.Index, NedCaps.TypesKey);
        l.SetField(pkg, "_CAP_TYPES");
        Fn(l, pkg, "__cast", ned.Caps.Cast);

        // classes, in the order real Ned registers them (P_cap_type)
        ned.Caps.RegisterType(l, "N2L47FactoryE", (long)Protocol.Factory, ("create", lx => Create(ned, lx)));
        ned.Caps.RegisterType(l, "N4L4Re9NamespaceE", 0x4001, ("query", Query), ("q", Query), ("__register", lx => Register(ned, lx)));
        ned.Caps.RegisterType(l, "N4L4Re9Debug_objE", (long)L4ReProtocol.Debug, ("debug", lx => DebugObj(ned, lx)));
        ned.Caps.RegisterType(l, "N2L416Platform_controlE", 0,
            ("system_suspend", lx => PlatformControl(ned, lx, 0)), ("system_shutdown", lx => PlatformControl(ned, lx, 1)));

        // P_env: Env, exec, Info, sleep, server_loop
        Env(ned, l, pkg);
        Fn(l, pkg, "exec", lx => ned.Tasks!.Exec(lx));
        Info(ned, l, pkg);
        Fn(l, pkg, "sleep", lx => Sleep(ned, lx, ms: false));
        Fn(l, pkg, "msleep", lx => Sleep(ned, lx, ms: true));
        Fn(l, pkg, "server_loop", lx => ned.Tasks!.ServerLoopCall(lx));
        l.SetTop(0);
    }

    public static void Fn(KeraLua.Lua l, int table, string name, Func<KeraLua.Lua, int> f)
    {
        LuaFn.Push(l, f);
        l.SetField(table, name);
    }

    /// <summary>L4.Env (lua_env.cc:25-51): parent, mem_alloc (Factory), rm, log, factory (Factory), scheduler, then every initial cap.</summary>
    private static void Env(NedProgram ned, KeraLua.Lua l, int pkg)
    {
        var e = ned.Env;
        l.NewTable();
        ned.Caps.Register(l, "parent", e.Parent, 0);
        ned.Caps.Register(l, "mem_alloc", e.MemAlloc, (long)Protocol.Factory);
        ned.Caps.Register(l, "rm", e.Rm, 0);
        ned.Caps.Register(l, "log", e.Log, 0);
        ned.Caps.Register(l, "factory", e.Factory, (long)Protocol.Factory);
        ned.Caps.Register(l, "scheduler", e.Scheduler, 0);
        foreach (var c in e.Caps) ned.Caps.Register(l, c.Name, c.Cap, 0);
        l.SetField(pkg, "Env");
    }

    /// <summary>L4.Info (lua_info.cc): Kip.str, arch, platform, mword_bits.</summary>
    private static void Info(NedProgram ned, KeraLua.Lua l, int pkg)
    {
        l.NewTable();
        l.NewTable();
        Fn(l, l.GetTop(), "str", lx =>
        {
            ulong kip = ned.Env.KipAddr;
            int off = ned.Proc.Read(kip + 8, 1)[0] << 4;
            lx.PushString(ned.Proc.ReadCString(kip + (ulong)off, 0x800));
            return 1;
        });
        l.SetField(-2, "Kip");
        int info = l.GetTop();
        Fn(l, info, "arch", lx => { lx.PushString("amd64"); return 1; });
        Fn(l, info, "platform", lx => { lx.PushString("pc"); return 1; });
        Fn(l, info, "mword_bits", lx => { lx.PushInteger(64); return 1; });
        l.SetField(pkg, "Info");
    }

    /// <summary>sleep/msleep (lua_sleep.cc): a number (or numeric string) prints the message and sleeps; anything else does nothing.</summary>
    private static int Sleep(NedProgram ned, KeraLua.Lua l, bool ms)
    {
        if (l.GetTop() >= 1 && !l.IsNil(1) && l.IsNumber(1))
        {
            int v = (int)(l.ToIntegerX(1) ?? 0);
            ned.Print(ms ? $"Ned: Sleeping {v}ms\n" : $"Ned: Sleeping {v}s\n");
            ned.Out.Flush();
            ned.Proc.Usleep((ulong)(uint)v * (ms ? 1000UL : 1_000_000UL));
        }
        return 0;
    }

    /// <summary>Factory create (lua_factory.cc:43-84): vargs from the Lua arguments; errors raise {msg, code}.</summary>
    private static int Create(NedProgram ned, KeraLua.Lua l)
    {
        ned.FlushFrees();
        int argc = l.GetTop();
        var (factory, _) = NedCaps.Check(l, 1);
        int objt = (int)LuaFn.CheckInteger(l, 2);
        ulong slot = ned.AllocSlot();
        var args = new List<Varg>();
        try
        {
            for (int i = 3; i <= argc; i++)
            {
                if (l.IsNumber(i)) args.Add(new Varg(VargType.Mword, unchecked((ulong)LuaFn.CheckInteger(l, i))));
                else if (l.IsString(i)) { var t = l.ToString(i, false) ?? ""; args.Add(new Varg(VargType.String, (ulong)t.Length + 1, t)); }
                else args.Add(Varg.Nil);
            }
        }
        catch
        {
            // The slot is a unique_cap and Lua errors unwind as C++ exceptions (lua++): it is freed (lua_factory.cc:50, 61).
            ned.FreeSlot(slot);
            throw;
        }
        long r = FactoryClient.Create(ned.Proc.Sys, factory, objt, slot, args.ToArray());
        if (r < 0)
        {
            ned.FreeSlot(slot);
            l.Where(1);
            var where = l.ToString(-1, false);
            l.Pop(1);
            l.NewTable();
            l.PushString($"{where}runtime error {L4Errors.Text(r) ?? "(null)"} ({r})");
            l.SetField(-2, "msg");
            l.PushInteger(r);
            l.SetField(-2, "code");
            throw new LuaRethrow();
        }
        l.PushInteger(objt);
        ned.Caps.PushNew(l, slot << 12, 4, voidCap: true);
        return 1;
    }

    /// <summary>ns:query(name[, rights]) returns a function that performs the lookup (lua_ns.cc:24-82).</summary>
    private static int Query(KeraLua.Lua l)
    {
        if (l.GetTop() < 2) return LuaFn.ErrorWhere(l, "expected at least two arguments in name-space query");
        l.PushCopy(1);
        l.PushCopy(2);
        if (l.GetTop() >= 3 && !l.IsNone(3)) l.PushCopy(3); else l.PushInteger(4);
        var ned = CurrentNed(l);
        LuaFn.Push(l, lx => Lookup(ned, lx), 3);
        return 1;
    }

    private static int Upvalue(int i) => (int)LuaRegistry.Index - i;

    private static int Lookup(NedProgram ned, KeraLua.Lua l)
    {
        string name = l.IsStringOrNumber(Upvalue(2)) ? l.ToString(Upvalue(2), false) ?? "" : "";
        var (ns, _) = NedCaps.Check(l, Upvalue(1));
        long rights = l.ToIntegerX(Upvalue(3)) ?? 0;
        ulong slot = ned.AllocSlot();
        l.GarbageCollector(LuaGC.Collect, 0);
        ned.FlushFrees();
        long r = NsClient.Query(ned.Proc.Sys, ns, name, slot);
        if (r == -(long)L4Err.NoEnt) { ned.FreeSlot(slot); l.PushNil(); return 1; }
        if (r < 0) { ned.FreeSlot(slot); return LuaFn.ErrorWhere(l, $"runtime error {L4Errors.Text(r) ?? "(null)"} ({r})\n"); }
        ned.Caps.Push(l, slot << 12, (int)rights);
        return 1;
    }

    /// <summary>ns:__register(key, value) (lua_ns.cc:84-128).</summary>
    private static int Register(NedProgram ned, KeraLua.Lua l)
    {
        var (ns, _) = NedCaps.Check(l, 1);
        string key = LuaFn.CheckString(l, 2);
        l.GarbageCollector(LuaGC.Collect, 0);
        ned.FlushFrees();
        var s = ned.Proc.Sys;
        switch (l.Type(3))
        {
            case LuaType.Nil:
            {
                long r = NsClient.Unlink(s, ns, key);
                if (r < 0 && r != -(long)L4Err.NoEnt) return LuaFn.ErrorWhere(l, $"runtime error {L4Errors.Text(r) ?? "(null)"} ({r})");
                return 0;
            }
            case LuaType.String:
            {
                long r = NsClient.Register(s, ns, key, null, CapRights.R, 0x200 | 4);
                if (r < 0) return LuaFn.ErrorWhere(l, $"runtime error {L4Errors.Text(r) ?? "(null)"} ({r})");
                l.PushCopy(3);
                return 1;
            }
            case LuaType.UserData:
            {
                var (cap, rights) = NedCaps.Check(l, 3);
                long r = NsClient.Register(s, ns, key, cap, (CapRights)(rights & 0xF), 0x200 | (uint)(rights & 0xF));
                if (r < 0) return LuaFn.ErrorWhere(l, $"runtime error {L4Errors.Text(r) ?? "(null)"} ({r})");
                l.PushCopy(3);
                return 1;
            }
            default:
                // the real code passes the index 3 as a type code: the text always says "number"
                return LuaFn.ErrorWhere(l, "unexpected value to register in namespace (number)");
        }
    }

    private static int DebugObj(NedProgram ned, KeraLua.Lua l)
    {
        var (cap, _) = NedCaps.Check(l, 1);
        long n = LuaFn.CheckInteger(l, 2);
        long r = Rpc.Call(ned.Proc.Sys, cap, (long)L4ReProtocol.Debug, new MsgWriter(ned.Proc.Utcb).Opcode(0).U64(unchecked((ulong)n)));
        l.PushInteger(r);
        return 1;
    }

    private static int PlatformControl(NedProgram ned, KeraLua.Lua l, int op)
    {
        var (cap, _) = NedCaps.Check(l, 1);
        long v = LuaFn.CheckInteger(l, 2);
        long r = Rpc.Call(ned.Proc.Sys, cap, 0, new MsgWriter(ned.Proc.Utcb).Opcode(op).U64(unchecked((ulong)v)));
        if (r < 0) return LuaFn.ErrorWhere(l, $"runtime error {L4Errors.Text(r) ?? "(null)"} ({r})");
        return 0;
    }

    /// <summary>The Ned whose Lua state this is (one per task; natives reach it through the state's owner).</summary>
    private static NedProgram CurrentNed(KeraLua.Lua l)
    {
        lock (NedProgram.Instances)
            foreach (var n in NedProgram.Instances.Values)
                if (n.Lua != null && n.Lua.L.Handle == l.MainThread.Handle) return n;
        throw new InvalidOperationException("Lua state without Ned");
    }
}
