using System.Runtime.InteropServices;
using KeraLua;

namespace L4Conf.Reference.Ned;

/// <summary>The Lua C functions KeraLua does not expose (the library loaders), from the same native library.</summary>
internal static class LuaNative
{
    private const string Lib = "lua54";
    [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] public static extern int luaopen_base(IntPtr l);
    [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] public static extern int luaopen_package(IntPtr l);
    [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] public static extern int luaopen_table(IntPtr l);
    [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] public static extern int luaopen_string(IntPtr l);
    [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] public static extern int luaopen_debug(IntPtr l);
}

/// <summary>A Lua error raised by a native function: the message, raised as a string once the native is left.</summary>
public sealed class LuaRaise(string message) : Exception(message);

/// <summary>A Lua error whose value (any Lua value, e.g. a {msg, code} table) is on the top of the stack.</summary>
public sealed class LuaRethrow() : Exception("Lua error value on the stack");

/// <summary>
/// Host functions for Lua, written in C#. A Lua error is a longjmp, and one that unwinds a managed frame leaves the
/// .NET runtime's exception state broken (the process aborts at its next exception). So no Lua error ever leaves C#:
/// a native's body throws, its wrapper catches and returns -1 with the error value on the stack, and
/// <see cref="LuaTrampoline"/> raises it from an unmanaged frame. Nested Lua calls are protected
/// (<see cref="Call"/>), the argument checks here throw instead of calling luaL_argerror (the messages are those of
/// the Lua auxiliary library), and the instruction limit is a Lua hook, so it raises from Lua.
/// </summary>
public static class LuaFn
{
    /// <summary>Keeps wrapped delegates alive for as long as the process runs (Lua holds raw pointers to them).</summary>
    private static readonly List<LuaFunction> Keep = new();

    /// <summary>A function that needs no wrapper (a Lua library loader), kept alive.</summary>
    public static LuaFunction Raw(Func<IntPtr, int> f)
    {
        LuaFunction d = p => f(p);
        lock (Keep) Keep.Add(d);
        return d;
    }

    /// <summary>Pushes a native (with <paramref name="upvalues"/> values from the stack as its upvalues).</summary>
    public static void Push(KeraLua.Lua l, Func<KeraLua.Lua, int> body, int upvalues = 0) =>
        LuaTrampoline.Push(l.Handle, Marshal.GetFunctionPointerForDelegate(Wrap(body)), upvalues);

    /// <summary>luaL_error: the position of the Lua function that called the native, and the message.</summary>
    public static int ErrorWhere(KeraLua.Lua l, string message) => throw new LuaRaise(Where(l, 1) + message);

    /// <summary>luaL_where: "chunk:line: " of the function at <paramref name="level"/>, or "" for a C function.</summary>
    public static string Where(KeraLua.Lua l, int level)
    {
        l.Where(level);
        var w = l.ToString(-1, false) ?? "";
        l.Pop(1);
        return w;
    }

    private const string GetKey = "l4conf.get";

    /// <summary>Installs the helpers natives need in a new state (a protected t[k]).</summary>
    public static void Install(KeraLua.Lua l)
    {
        if (l.LoadString("local t, k = ... return t[k]", "=l4conf get") != LuaStatus.OK)
            throw new InvalidOperationException("l4conf get: " + l.ToString(-1));
        l.SetField((int)LuaRegistry.Index, GetKey);
    }

    /// <summary>
    /// lua_getfield on a value a script gave: its __index may be Lua code or a native that raises, so the lookup runs
    /// protected (a raise through this C# frame would be a longjmp over it).
    /// </summary>
    public static LuaType GetField(KeraLua.Lua l, int idx, string key)
    {
        int t = l.AbsIndex(idx);
        l.GetField((int)LuaRegistry.Index, GetKey);
        l.PushCopy(t);
        l.PushString(key);
        Call(l, 2, 1);
        return l.Type(-1);
    }

    /// <summary>lua_call, protected: an error in the called function comes back as <see cref="LuaRethrow"/>.</summary>
    public static void Call(KeraLua.Lua l, int args, int results)
    {
        if (l.PCall(args, results, 0) != LuaStatus.OK) throw new LuaRethrow();
    }

    /// <summary>luaL_argerror: "bad argument #n to 'f' (msg)", self not counted for methods.</summary>
    public static Exception ArgError(KeraLua.Lua l, int arg, string extra)
    {
        if (CallName(l) is not var (name, nameWhat)) return new LuaRaise(Where(l, 1) + $"bad argument #{arg} ({extra})");
        if (nameWhat == "method")
        {
            arg--;
            if (arg == 0) return new LuaRaise(Where(l, 1) + $"calling '{name}' on bad self ({extra})");
        }
        return new LuaRaise(Where(l, 1) + $"bad argument #{arg} to '{name ?? "?"}' ({extra})");
    }

    [DllImport("lua54", CallingConvention = CallingConvention.Cdecl)] private static extern int lua_getstack(IntPtr l, int level, IntPtr ar);
    [DllImport("lua54", CallingConvention = CallingConvention.Cdecl)] private static extern int lua_getinfo(IntPtr l, string what, IntPtr ar);

    /// <summary>lua_getinfo "n" of the running native: its name and namewhat (read from lua_Debug's layout in Lua 5.4:
    /// int event, then the name and namewhat pointers; KeraLua's struct does not deliver namewhat).</summary>
    private static (string? Name, string NameWhat)? CallName(KeraLua.Lua l)
    {
        IntPtr ar = Marshal.AllocHGlobal(256);
        try
        {
            if (lua_getstack(l.Handle, 0, ar) == 0) return null;
            lua_getinfo(l.Handle, "n", ar);
            return (Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(ar, 8)), Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(ar, 16)) ?? "");
        }
        finally { Marshal.FreeHGlobal(ar); }
    }

    /// <summary>luaL_typeerror: "T expected, got U" (U from __name when the value has one).</summary>
    public static Exception TypeError(KeraLua.Lua l, int arg, string expected)
    {
        string got;
        if (l.GetMetaField(arg, "__name") == LuaType.String) { got = l.ToString(-1, false) ?? "?"; l.Pop(1); }
        else if (l.Type(arg) == LuaType.LightUserData) got = "light userdata";
        else got = l.TypeName(arg);
        return ArgError(l, arg, $"{expected} expected, got {got}");
    }

    public static long CheckInteger(KeraLua.Lua l, int arg)
    {
        if (l.ToIntegerX(arg) is { } v) return v;
        if (l.IsNumber(arg)) throw ArgError(l, arg, "number has no integer representation");
        throw TypeError(l, arg, "number");
    }

    public static byte[] CheckBuffer(KeraLua.Lua l, int arg)
    {
        if (!l.IsStringOrNumber(arg)) throw TypeError(l, arg, "string");
        return l.ToBuffer(arg, false);
    }

    public static string CheckString(KeraLua.Lua l, int arg) => System.Text.Encoding.Latin1.GetString(CheckBuffer(l, arg));

    public static void CheckType(KeraLua.Lua l, int arg, LuaType t)
    {
        if (l.Type(arg) != t) throw TypeError(l, arg, l.TypeName(t));
    }

    public static IntPtr CheckUserData(KeraLua.Lua l, int arg, string meta)
    {
        var p = l.TestUserData(arg, meta);
        if (p == IntPtr.Zero) throw TypeError(l, arg, meta);
        return p;
    }

    /// <summary>The C function of a native: its results, or a Lua error raised after the C# body has been left.</summary>
    private static LuaFunction Wrap(Func<KeraLua.Lua, int> body)
    {
        LuaFunction f = p =>
        {
            var l = KeraLua.Lua.FromIntPtr(p);
            string? error = null;
            bool rethrow = false;
            int n = 0;
            try { n = body(l); }
            catch (LuaRethrow) { rethrow = true; }
            catch (LuaRaise e) { error = e.Message; }
            catch (L4Conf.Model.Bindings.ProgramAbortedException) { error = "the program was stopped"; }
            catch (Exception e) { error = $"internal error in the model: {e.GetType().Name}: {e.Message}"; }
            if (error == null && !rethrow) return n;
            if (error != null) l.PushString(error);
            return -1;                                  // the trampoline raises the value on the top

        };
        lock (Keep) Keep.Add(f);
        return f;
    }
}
