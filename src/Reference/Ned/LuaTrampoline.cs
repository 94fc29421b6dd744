using System.Reflection;
using System.Runtime.InteropServices;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Reference.Ned;

/// <summary>
/// The one C frame between Lua and a native written in C#. A Lua error is a longjmp; one that unwinds a managed
/// frame leaves the .NET runtime's exception state broken and the process aborts at its next exception. So a native
/// never raises itself: it returns -1 with the error value on the stack, and this trampoline (machine code, six
/// instructions assembled with Iced into an executable page) calls lua_error in its own, unmanaged frame. The
/// native's function pointer is the closure's first upvalue (a light userdata).
/// </summary>
internal static unsafe class LuaTrampoline
{
    private const string Lib = "lua54";
    /// <summary>lua_upvalueindex(1) = LUA_REGISTRYINDEX - 1 (Lua 5.4, LUAI_MAXSTACK 1000000).</summary>
    private const int FirstUpvalue = -1001000 - 1;

    [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern void lua_pushcclosure(IntPtr l, IntPtr fn, int n);
    [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern void lua_pushlightuserdata(IntPtr l, IntPtr p);
    [DllImport("libc", SetLastError = true)] private static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, nint offset);
    [DllImport("libc", SetLastError = true)] private static extern int mprotect(IntPtr addr, nuint length, int prot);

    private static readonly Lazy<IntPtr> Code = new(Build);

    /// <summary>Pushes a C closure: the trampoline with <paramref name="native"/> as upvalue 1, then <paramref name="upvalues"/> more from the stack.</summary>
    public static void Push(IntPtr l, IntPtr native, int upvalues)
    {
        lua_pushlightuserdata(l, native);
        if (upvalues > 0) RotateDown(l, upvalues);
        lua_pushcclosure(l, Code.Value, upvalues + 1);
    }

    [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] private static extern void lua_rotate(IntPtr l, int idx, int n);
    /// <summary>Moves the top value below the <paramref name="n"/> values under it (so it becomes upvalue 1).</summary>
    private static void RotateDown(IntPtr l, int n) => lua_rotate(l, -(n + 1), 1);

    private static IntPtr Build()
    {
        var lib = NativeLibrary.Load(Lib, typeof(LuaTrampoline).Assembly, DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories);
        IntPtr toUserdata = NativeLibrary.GetExport(lib, "lua_touserdata"), error = NativeLibrary.GetExport(lib, "lua_error");
        const int ProtRead = 1, ProtWrite = 2, ProtExec = 4, MapPrivate = 2, MapAnonymous = 0x20;
        const int Page = 4096;
        IntPtr page = mmap(IntPtr.Zero, Page, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (page == new IntPtr(-1)) throw new InvalidOperationException($"mmap for the Lua trampoline failed (errno {Marshal.GetLastPInvokeError()})");

        // int trampoline(lua_State *L): f = lua_touserdata(L, upvalue 1); n = f(L); n < 0 ? lua_error(L) : n
        var a = new Assembler(64);
        var raise = a.CreateLabel();
        a.push(rbx);                                   // entry rsp = 8 mod 16: calls below are aligned
        a.mov(rbx, rdi);
        a.mov(esi, FirstUpvalue);
        a.mov(rax, (ulong)toUserdata);
        a.call(rax);
        a.mov(rdi, rbx);
        a.call(rax);
        a.test(eax, eax);
        a.js(raise);
        a.pop(rbx);
        a.ret();
        a.Label(ref raise);
        a.mov(rdi, rbx);
        a.pop(rbx);
        a.mov(rax, (ulong)error);
        a.jmp(rax);                                    // lua_error(L) from this frame: it never returns
        var w = new CodeBuffer();
        a.Assemble(w, (ulong)page);
        var bytes = w.Bytes;
        Marshal.Copy(bytes, 0, page, bytes.Length);
        if (mprotect(page, Page, ProtRead | ProtExec) != 0) throw new InvalidOperationException("mprotect for the Lua trampoline failed");
        return page;
    }

    private sealed class CodeBuffer : CodeWriter
    {
        private readonly List<byte> _b = new();
        public byte[] Bytes => _b.ToArray();
        public override void WriteByte(byte value) => _b.Add(value);
    }
}
