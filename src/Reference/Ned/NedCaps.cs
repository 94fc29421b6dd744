using System.Runtime.InteropServices;
using KeraLua;
using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Ned;

/// <summary>
/// Capabilities in Ned's Lua (ned/server/src/lua_cap.{h,cc}; ned notes §3): a full userdata "L4::Cap" holding the
/// slot and the Lua-side rights (R always set), with one user value: a table whose [0] is the cap's class. Classes
/// live in the type registry L4._CAP_TYPES (registry "L4::Ned::TYPES"), keyed by mangled name and protocol.
/// Unknown method names are resolved with an L4::Meta interface(0) query of the object.
/// </summary>
public sealed class NedCaps
{
    public const string CapMeta = "L4::Cap", TypesKey = "L4::Ned::TYPES";
    public const ulong InvalidCap = ~0UL << 11;
    private const int UdSize = 16;
    private readonly NedProgram _ned;
    private readonly Dictionary<ulong, int> _refs = new();

    public NedCaps(NedProgram ned) => _ned = ned;

    // ---- the userdata ------------------------------------------------------------------------------------------

    /// <summary>(selector, rights) of the cap at <paramref name="idx"/> (checked by the caller).</summary>
    public static (ulong Sel, int Rights) Read(IntPtr ud) => ((ulong)Marshal.ReadInt64(ud), Marshal.ReadInt32(ud, 8));

    /// <summary>luaL_checkudata(idx, "L4::Cap"): the standard "bad argument" error for anything else.</summary>
    public static (ulong Sel, int Rights) Check(KeraLua.Lua l, int idx) => Read(LuaFn.CheckUserData(l, idx, CapMeta));

    public static (ulong Sel, int Rights)? Test(KeraLua.Lua l, int idx)
    {
        var p = l.TestUserData(idx, CapMeta);
        return p == IntPtr.Zero ? null : Read(p);
    }

    /// <summary>A new cap userdata for <paramref name="sel"/> with rights; its user value is a new table or the one at <paramref name="shareUv"/>.</summary>
    public void Push(KeraLua.Lua l, ulong sel, int rights, int shareUv = 0, bool takeRef = true)
    {
        int share = shareUv != 0 ? l.AbsIndex(shareUv) : 0;
        var ud = l.NewIndexedUserData(UdSize, 1);
        Marshal.WriteInt64(ud, (long)sel);
        Marshal.WriteInt32(ud, 8, (rights & 0xFF) | 4);
        Marshal.WriteInt32(ud, 12, 0);
        l.SetMetaTable(CapMeta);
        if (share != 0) l.GetIndexedUserValue(share, 1);
        else l.NewTable();
        l.SetIndexedUserValue(-2, 1);
        if (takeRef) AddRef(sel);
    }

    /// <summary>Pushes a typed cap: the class registered under the key at the stack top (popped), or void when none and <paramref name="voidCap"/>.</summary>
    public bool PushNew(KeraLua.Lua l, ulong sel, int rights, bool voidCap)
    {
        l.GetField((int)LuaRegistry.Index, TypesKey);
        l.Rotate(-2, 1);                                  // [types key]
        l.GetTable(-2);                                   // [types class]
        if (l.IsNil(-1) && !voidCap) { l.Pop(2); return false; }
        Push(l, sel, rights);                             // [types class cap]
        if (!l.IsNil(-2))
        {
            l.GetIndexedUserValue(-1, 1);                 // [types class cap uv]
            l.PushCopy(-3);
            l.RawSetInteger(-2, 0);
            l.Pop(1);
        }
        l.Rotate(-3, 1);                                  // [cap types class]
        l.Pop(2);
        return true;
    }

    /// <summary>register_cap (lua_cap.cc:299-307): t[name] = a cap with rights RWS, typed by <paramref name="proto"/> (0 = void).</summary>
    public void Register(KeraLua.Lua l, string name, ulong sel, long proto)
    {
        l.PushInteger(proto);                             // TYPES[0] is nil: an untyped cap learns its class via L4::Meta
        PushNew(l, sel, 7, voidCap: true);
        l.SetField(-2, name);
    }

    private void AddRef(ulong sel)
    {
        if (!_ned.IsDynamicSlot(sel)) return;
        _refs[sel] = _refs.GetValueOrDefault(sel) + 1;
    }

    /// <summary>Ref_cap release: the last reference unmaps the slot (L4_FP_ALL_SPACES) and frees it.</summary>
    public void Release(ulong sel)
    {
        if (!_ned.IsDynamicSlot(sel) || !_refs.TryGetValue(sel, out var n)) return;
        if (--n > 0) { _refs[sel] = n; return; }
        _refs.Remove(sel);
        _ned.FreeSlotDeferred(sel);
    }

    // ---- the type registry and the void class ---------------------------------------------------------------

    public void Init(KeraLua.Lua l)
    {
        l.NewTable();
        l.PushCopy(-1);
        l.SetField((int)LuaRegistry.Index, TypesKey);
        // the void class
        l.NewTable();
        Fn(l, "is_valid", IsValid);
        Fn(l, "svr", Svr);
        Fn(l, "rights", SetModeCall);
        Fn(l, "mode", SetModeCall);
        Fn(l, "m", SetModeCall);
        l.PushString("void");
        l.SetField(-2, "_CLASS_NAME");
        l.SetField(-2, "void");
        l.Pop(1);
        // the cap metatable
        l.NewMetaTable(CapMeta);
        Fn(l, "__gc", Gc);
        Fn(l, "__tostring", ToStr);
        Fn(l, "__index", Index);
        l.Pop(1);
    }

    private static void Fn(KeraLua.Lua l, string name, Func<KeraLua.Lua, int> f)
    {
        LuaFn.Push(l, f);
        l.SetField(-2, name);
    }

    /// <summary>register_cap_type: a class with methods and __index = void, under its mangled name and (if not 0) its protocol.</summary>
    public void RegisterType(KeraLua.Lua l, string mangled, long proto, params (string Name, Func<KeraLua.Lua, int> F)[] methods)
    {
        l.GetField((int)LuaRegistry.Index, TypesKey);
        l.NewTable();
        foreach (var (n, f) in methods) Fn(l, n, f);
        l.PushString(mangled);
        l.SetField(-2, "_CLASS_NAME");
        l.NewTable();
        l.GetField(-3, "void");
        l.SetField(-2, "__index");
        l.SetMetaTable(-2);
        l.PushCopy(-1);
        l.SetField(-3, mangled);
        if (proto != 0) { l.PushInteger(proto); l.PushCopy(-2); l.SetTable(-4); }
        l.Pop(2);
    }

    // ---- methods ---------------------------------------------------------------------------------------------

    private int IsValid(KeraLua.Lua l)
    {
        var (sel, _) = Check(l, 1);
        l.PushBoolean((sel & (1UL << 11)) == 0);
        return 1;
    }

    private int Svr(KeraLua.Lua l) => SetRights(l, 0xEF);

    /// <summary>__set_rights (lua_cap.cc:88-104): the same object when the rights are unchanged, else a clone sharing the user value.</summary>
    private int SetRights(KeraLua.Lua l, long r)
    {
        var (sel, rights) = Check(l, 1);
        if (rights == r) { l.PushCopy(1); return 1; }
        Push(l, sel, (int)((ulong)r & 0xFF), shareUv: 1);
        return 1;
    }

    /// <summary>m / mode / rights (lua_cap.cc:106-145): no argument queries; a number sets; letters rwsdnc are OR'd onto R.</summary>
    private int SetModeCall(KeraLua.Lua l)
    {
        if (l.GetTop() >= 2 && !l.IsNil(2))
        {
            long rights = 4;
            if (l.IsNumber(2)) rights = l.ToIntegerX(2) ?? 0;              // lua_tointeger: 0 for a non-integral number
            else if (l.IsString(2))
            {
                foreach (char c in l.ToString(2, false) ?? "")
                    rights |= (long)(char.ToLowerInvariant(c) switch { 'r' => 4u, 'w' => 1u, 's' => 2u, 'd' => 8u, 'n' => 0x10u, 'c' => 0x20u, _ => 0u });
            }
            else
            {
                // lua_tostring returned NULL and the real Ned dereferences it (lua_cap.cc:117): a NULL read
                Check(l, 1);
                _ned.CrashNullRead();
                return 0;
            }
            return SetRights(l, rights);
        }
        var (_, r) = Check(l, 1);
        l.PushInteger(r & 0xF);
        return 1;
    }

    private int Gc(KeraLua.Lua l)
    {
        var (sel, _) = Read(l.ToUserData(1));
        Release(sel);
        return 0;
    }

    private int ToStr(KeraLua.Lua l)
    {
        var (sel, rights) = Check(l, 1);
        string type = "void";
        l.GetIndexedUserValue(1, 1);
        if (l.RawGetInteger(-1, 0) == LuaType.Table)
        {
            l.GetField(-1, "_CLASS_NAME");
            if (l.IsString(-1)) type = l.ToString(-1, false) ?? "void";
            l.Pop(1);
        }
        l.Pop(2);
        l.PushString((sel & (1UL << 11)) != 0 ? $"L4::Cap<{type}>::Invalid" : $"L4::Cap<{type}>[0x{sel:x}] r=0x{rights:x} f=(nil)");
        return 1;
    }

    /// <summary>__index (lua_cap.cc:183-216): void methods first; else the cap's class, learnt through L4::Meta if unknown.</summary>
    private int Index(KeraLua.Lua l)
    {
        var (sel, _) = Check(l, 1);
        l.GetField((int)LuaRegistry.Index, TypesKey);
        l.GetField(-1, "void");
        l.PushCopy(2);
        l.GetTable(-2);
        if (!l.IsNil(-1)) return 1;
        l.Pop(3);
        l.GetIndexedUserValue(1, 1);                      // [uv]
        l.RawGetInteger(-1, 0);                           // [uv class]
        if (l.IsNil(-1))
        {
            l.Pop(1);
            if (!FindDynamicType(l, sel)) { l.Pop(1); return 0; }   // [uv class]
            l.PushCopy(-1);
            l.RawSetInteger(-3, 0);
        }
        l.PushCopy(2);
        l.GetTable(-2);
        return 1;
    }

    /// <summary>find_dynamic_type (lua_cap.cc:156-181): Meta interface(0); the class registered under the name, or a warning.</summary>
    private bool FindDynamicType(KeraLua.Lua l, ulong sel)
    {
        var s = _ned.Proc.Sys;
        var u = s.Self.Utcb;
        long r = Rpc.Call(s, sel, (long)Protocol.Meta, new MsgWriter(u).Opcode(1).U64(0));
        if (r < 0)
        {
            _ned.Warn($"Ned[lua]: Warning: Capability {sel:x} does not support the meta protocol: {r}\n");
            return false;
        }
        var rd = new MsgReader(u, 63);
        rd.I64();
        string name = rd.String();
        if (!rd.Ok) return false;
        l.GetField((int)LuaRegistry.Index, TypesKey);
        l.GetField(-1, name);
        l.Rotate(-2, 1);
        l.Pop(1);
        if (l.IsNil(-1)) { l.Pop(1); return false; }
        return true;
    }

    /// <summary>L4.__cast(type, cap) (lua_cap.cc:309-329).</summary>
    public int Cast(KeraLua.Lua l)
    {
        if (l.GetTop() > 2) { LuaFn.ErrorWhere(l, "too many arguments to L4.cast (expected 2: type and cap)"); return 0; }
        if (l.IsFunction(2)) { l.PushCopy(2); LuaFn.Call(l, 0, 1); l.Replace(2); }
        var (sel, rights) = Check(l, 2);
        l.PushCopy(1);
        if (!PushNew(l, sel, rights, voidCap: false)) l.PushNil();
        return 1;
    }
}
