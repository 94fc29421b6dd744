using System.Runtime.InteropServices;
using KeraLua;

namespace L4Conf.Reference.Ned;

/// <summary>Bounds of one Lua state: instructions executed and bytes allocated.</summary>
public sealed record LuaLimits(long Instructions = 200_000_000, long MemoryBytes = 64L << 20)
{
    public static LuaLimits Default { get; } = new();
}

/// <summary>
/// A Lua state for Ned scripts: the libraries real Ned opens (base, package, table, io, string, debug; no os, math,
/// utf8, coroutine), made deterministic and confined to the boot modules by the model's sandbox (sandbox.lua), with
/// an instruction limit (a count hook) and a memory limit (the state's allocator). Once a limit is hit, or the
/// program is stopped, every further instruction raises the same error, so no pcall can keep the script alive.
/// </summary>
public sealed unsafe partial class LuaHost : IDisposable
{
    private const int HookEvery = 1000;
    private readonly LuaAlloc _alloc;
    private readonly GCHandle _self;
    private long _used, _instructions, _collectAt = GcGrowth;
    /// <summary>Heap growth (bytes) after which the model collects garbage.</summary>
    public const long GcGrowth = 4 << 20;
    private string? _stop;

    public KeraLua.Lua L { get; }
    public LuaLimits Limits { get; }
    /// <summary>Why the script was stopped (a limit or the program's end), or null while it may run.</summary>
    public string? Stopped => _stop;
    public long MemoryUsed => _used;
    public long Instructions => _instructions;

    public Func<string, (string? Text, string? Error)> ReadFile { get; set; } = _ => (null, "No such file or directory");
    public Action<string> Write { get; set; } = _ => { };
    public Func<string?> ReadLine { get; set; } = () => null;

    private int _nextRef = -1, _tostringRef = -1;

    public LuaHost(LuaLimits? limits = null)
    {
        Limits = limits ?? LuaLimits.Default;
        _self = GCHandle.Alloc(this);
        _alloc = Allocate;
        L = new KeraLua.Lua(_alloc, GCHandle.ToIntPtr(_self)) { Encoding = global::System.Text.Encoding.Latin1 };
        // No automatic collection: the hook collects after each GcGrowth bytes of growth, Ned at its own points
        // (lua.cc:267, lua_ns.cc:39,92). Real Ned's small scripts free no cap slot before their end (every capture
        // allocates slots in order), which Lua 5.4's pace would not reproduce. At the memory limit Lua itself
        // collects before it fails.
        L.GarbageCollector(LuaGC.Stop, 0);
        Open("_G", LuaNative.luaopen_base);
        Open("package", LuaNative.luaopen_package);
        Open("table", LuaNative.luaopen_table);
        Open("string", LuaNative.luaopen_string);
        Open("debug", LuaNative.luaopen_debug);
        LuaFn.Install(L);
        RunSandbox();
    }

    private void Open(string name, Func<IntPtr, int> open)
    {
        L.RequireF(name, LuaFn.Raw(p => open(p)), true);
        L.Pop(1);
    }

    /// <summary>The state's allocator: plain native memory, refused beyond the memory limit (Lua reports "not enough memory").</summary>
    private IntPtr Allocate(IntPtr ud, IntPtr ptr, UIntPtr osize, UIntPtr nsize)
    {
        long o = ptr == IntPtr.Zero ? 0 : (long)(ulong)osize, n = (long)(ulong)nsize;
        if (n == 0)
        {
            if (ptr != IntPtr.Zero) { NativeMemory.Free((void*)ptr); _used -= o; }
            return IntPtr.Zero;
        }
        if (n > o && _used - o + n > Limits.MemoryBytes) return IntPtr.Zero;
        var p = NativeMemory.Realloc((void*)ptr, (nuint)n);
        if (p == null) return IntPtr.Zero;
        _used += n - o;
        return (IntPtr)p;
    }

    /// <summary>
    /// The sandbox's count hook (a Lua function, so that its error is raised by Lua) calls this every HookEvery
    /// instructions: it counts, collects garbage after GcGrowth bytes of growth, and answers why the script must stop.
    /// </summary>
    private int Tick(KeraLua.Lua l)
    {
        _instructions += HookEvery;
        if (_stop == null && _used > _collectAt)
        {
            l.GarbageCollector(LuaGC.Collect, 0);
            _collectAt = _used + GcGrowth;
        }
        if (_stop == null && _instructions > Limits.Instructions)
            _stop = $"instruction limit of {Limits.Instructions} exceeded (the model stops scripts that run this long)";
        if (_stop == null) return 0;
        l.PushString(_stop);
        return 1;
    }

    /// <summary>
    /// An error message in the wording of real Ned's Lua 5.5: call errors read "attempt to call a nil value (method
    /// 'full')" there (ned_t_caps.log:31), "method 'full' is not callable (a nil value)" in the model's Lua 5.4.
    /// </summary>
    public static string Dialect(string message) =>
        NotCallable().Replace(message, "attempt to call a $2 value ($1)");

    [global::System.Text.RegularExpressions.GeneratedRegex(@"(\w+ '[^']*') is not callable \(a (\w+) value\)")]
    private static partial global::System.Text.RegularExpressions.Regex NotCallable();

    /// <summary>Stops the script: from now on every instruction raises <paramref name="why"/>.</summary>
    public void Stop(string why)
    {
        _stop ??= why;
    }

    private void RunSandbox()
    {
        using var s = typeof(LuaHost).Assembly.GetManifestResourceStream("ned/sandbox.lua")
            ?? throw new InvalidOperationException("sandbox.lua is missing from the build");
        using var r = new StreamReader(s);
        var text = r.ReadToEnd();
        if (L.LoadString(text, "=l4conf sandbox") != LuaStatus.OK) throw new InvalidOperationException("sandbox.lua: " + L.ToString(-1));
        L.NewTable();
        SetFn("read_file", l =>
        {
            var path = LuaFn.CheckString(l, 1);
            var (text2, err) = ReadFile(path);
            if (text2 == null) { l.PushNil(); l.PushString(err ?? "No such file or directory"); return 2; }
            l.PushBuffer(global::System.Text.Encoding.Latin1.GetBytes(text2));
            return 1;
        });
        SetFn("tick", Tick);
        L.PushInteger(HookEvery);
        L.SetField(-2, "hook_every");
        SetFn("write", l => { Write(LuaFn.CheckString(l, 1)); return 0; });
        SetFn("read_line", l => { var line = ReadLine(); if (line == null) l.PushNil(); else l.PushString(line); return 1; });
        SetFn("set_next", l => { l.PushCopy(1); _nextRef = l.Ref(LuaRegistry.Index); return 0; });
        SetFn("dialect", l => { if (l.Type(1) == LuaType.String) l.PushString(Dialect(l.ToString(1, false) ?? "")); else l.PushCopy(1); return 1; });
        SetFn("set_tostring", l => { l.PushCopy(1); _tostringRef = l.Ref(LuaRegistry.Index); return 0; });
        if (L.PCall(1, 0, 0) != LuaStatus.OK) throw new InvalidOperationException("sandbox.lua: " + L.ToString(-1));
    }

    private void SetFn(string name, Func<KeraLua.Lua, int> f)
    {
        LuaFn.Push(L, f);
        L.SetField(-2, name);
    }

    /// <summary>The deterministic keys of the table at <paramref name="index"/>, pushed one pair at a time as lua_next does.</summary>
    public bool Next(KeraLua.Lua l, int index)
    {
        int t = l.AbsIndex(index);
        l.RawGetInteger((int)LuaRegistry.Index, _nextRef);   // ... key next
        l.Insert(-2);                                         // ... next key
        l.PushCopy(t);
        l.Insert(-2);                                         // ... next t key
        LuaFn.Call(l, 2, 2);                                         // ... k v
        if (l.IsNil(-2)) { l.Pop(2); return false; }
        return true;
    }

    /// <summary>The model's tostring of the value at <paramref name="index"/> (deterministic addresses).</summary>
    public string ToDisplay(KeraLua.Lua l, int index)
    {
        int i = l.AbsIndex(index);
        l.RawGetInteger((int)LuaRegistry.Index, _tostringRef);
        l.PushCopy(i);
        LuaFn.Call(l, 1, 1);
        var s = l.ToString(-1) ?? "";
        l.Pop(1);
        return s;
    }

    public void Dispose()
    {
        L.Dispose();
        if (_self.IsAllocated) _self.Free();
    }
}
