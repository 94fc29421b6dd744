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

/// <summary>A Lua error raised by a native function: the message (a string), or a value the function pushed itself.</summary>
public sealed class LuaRaise(string message) : Exception(message);

/// <summary>
/// Host functions for Lua, written in C#. A C# exception must never cross the Lua C frames (on Linux that is
/// undefined behaviour), so every native runs inside a wrapper that turns exceptions into Lua errors, raised only
/// after the handler has been left. Natives may use the luaL_check* functions, whose errors unwind the native
/// frame directly (as in NLua): they must not hold locks or finally blocks while doing so.
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

    /// <summary>luaL_error: the position of the calling Lua function (luaL_where(1)) and the message, raised.</summary>
    public static int ErrorWhere(KeraLua.Lua l, string message)
    {
        l.Where(1);
        l.PushString(message);
        l.Concat(2);
        return l.Error();
    }

    public static LuaFunction Wrap(Func<KeraLua.Lua, int> body)
    {
        LuaFunction f = p =>
        {
            var l = KeraLua.Lua.FromIntPtr(p);
            string? error = null;
            int n = 0;
            try { n = body(l); }
            catch (LuaRaise e) { error = e.Message; }
            catch (L4Conf.Model.Bindings.ProgramAbortedException) { error = "the program was stopped"; }
            catch (Exception e) { error = $"internal error in the model: {e.GetType().Name}: {e.Message}"; }
            if (error == null) return n;
            l.PushString(error);
            return l.Error();
        };
        lock (Keep) Keep.Add(f);
        return f;
    }
}
