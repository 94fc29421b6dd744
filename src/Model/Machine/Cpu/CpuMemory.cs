using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace L4Conf.Model.Machine;

/// <summary>
/// Register file, effective addresses and data accesses through the bus. Every access goes through
/// <see cref="IMemoryBus"/>, which either completes or returns the trap and changes nothing; a handler that sees
/// a failed access returns false before changing any register, so the faulting instruction has no effect.
/// </summary>
public sealed partial class Cpu
{
    /// <summary>
    /// Register-file slots past the 16 GPRs: an always-zero slot for absent base/index/segment, the FS/GS bases, and
    /// a second always-zero slot that marks a memory operand in the SS segment (base RSP or RBP, no FS/GS override).
    /// </summary>
    internal const byte ZeroSlot = 16, FsSlot = 17, GsSlot = 18, SsSlot = 19;

    private readonly ulong[] regs = new ulong[23]; // + ES, CS, DS bases (CpuCompatMode.cs)
    private IMemoryBus mem = null!;
    private readonly byte[] io = new byte[8];
    /// <summary>Set by every store: the interpreter then re-checks the current code page's version (self-modifying code).</summary>
    private bool wrote;
    private Trap trap;
    /// <summary>
    /// The next access is a stack reference (an SS-segment operand, push/pop/call/ret): a non-canonical address is then
    /// #SS(0), not #GP(0) (SDM Vol. 3A §6.15). Set by <see cref="Ea"/> and the stack helpers just before the access.
    /// </summary>
    private bool ssRef;

    /// <summary>Register slot <paramref name="i"/> (0..19, from the translator) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref ulong Gpr(int i) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(regs), (nint)(uint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Ea(ref Insn i)
    {
        ssRef = i.Seg == SsSlot;
        lastSeg = i.Seg;
        return ((Gpr(i.Base) + (Gpr(i.Index) << i.Scale) + i.Disp) & i.AMask) + Gpr(i.Seg);
    }

    /// <summary>Read <paramref name="size"/> bytes; the upper bytes of <paramref name="v"/> are garbage: callers mask.</summary>
    private bool Load(ulong ea, int size, out ulong v)
    {
        byte[] b = io;
        if (!mem.Read(ea, new Span<byte>(b, 0, size), AccessKind.Read, out trap)) { v = 0; return StackFault(); }
        v = Unsafe.ReadUnaligned<ulong>(ref MemoryMarshal.GetArrayDataReference(b));
        return true;
    }

    /// <summary>
    /// The read of a read-modify-write operand: hardware accesses it with write intent from the start, so a fault is
    /// reported as a write (#PF W) and a read-only page faults before anything is read, whether or not the value
    /// is then written back (a shift by 0 still faults). Seen on the host CPU by `l4conf cpu diff`.
    /// </summary>
    private bool LoadForWrite(ulong ea, int size, out ulong v)
    {
        byte[] b = io;
        if (!mem.Read(ea, new Span<byte>(b, 0, size), AccessKind.Write, out trap)) { v = 0; return StackFault(); }
        v = Unsafe.ReadUnaligned<ulong>(ref MemoryMarshal.GetArrayDataReference(b));
        return true;
    }

    private bool Store(ulong ea, int size, ulong v)
    {
        byte[] b = io;
        Unsafe.WriteUnaligned(ref MemoryMarshal.GetArrayDataReference(b), v);
        wrote = true;
        return mem.Write(ea, new ReadOnlySpan<byte>(b, 0, size), out trap) || StackFault();
    }

    /// <summary>
    /// A failed access: the bus reports a non-canonical address as #GP(0), since it does not know the segment; for a
    /// stack reference the CPU raises #SS(0) instead. Always false.
    /// </summary>
    private bool StackFault()
    {
        if (ssRef && trap.Vector == Vector.GeneralProtection) trap = new Trap(Vector.StackSegment, 0);
        return false;
    }

    /// <summary>Read a register operand of the given slot, shift and mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong ReadReg(int slot, int sh, ulong m) => (Gpr(slot) >> sh) & m;

    /// <summary>Write with the x86-64 rules: 32/64-bit writes replace (zero-extend), 8/16-bit writes keep the other bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteReg(int slot, int sh, ulong m, ulong v)
    {
        ref ulong d = ref Gpr(slot);
        ulong keep = (m >> 31) != 0 ? 0 : ~(m << sh);
        d = (d & keep) | ((v & m) << sh);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteDst(ref Insn i, ulong v)
    {
        ref ulong d = ref Gpr(i.D);
        d = (d & i.Keep) | ((v & i.Mask) << i.DSh);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong MaskOf(int size) => size >= 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

    /// <summary>
    /// The linear address of stack offset <paramref name="sp"/>: SS's base plus RSP, ESP or SP (the stack width); marks the
    /// access a stack reference (#SS rather than #GP).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong StackAt(ulong sp)
    {
        ssRef = true;
        lastSeg = SsSlot;
        return (sp & stackMask) + Gpr(SsSlot);
    }

    /// <summary>Write the stack pointer at the stack width: RSP, ESP (a 32-bit write: zero-extended), or SP alone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetSp(ulong v) => Gpr((int)Reg.Rsp) = SpWith(v);

    /// <summary>RSP as <see cref="SetSp"/> would leave it for <paramref name="v"/> at the current stack width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong SpWith(ulong v) => stackMask == 0xFFFF ? (Gpr((int)Reg.Rsp) & ~0xFFFFUL) | (v & 0xFFFF) : v & stackMask;

    /// <summary>Push <paramref name="size"/> bytes (8, or 2 with an operand-size prefix; 4 in compatibility mode); the stack pointer changes only if the write succeeds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Push(ulong v, int size)
    {
        ulong nsp = Gpr((int)Reg.Rsp) - (ulong)size;
        if (!Store(StackAt(nsp), size, v)) return false;
        SetSp(nsp);
        return true;
    }

    /// <summary>
    /// Whether a push of <paramref name="size"/> bytes would succeed (its fault in <c>trap</c> if not); writes nothing, but
    /// the walk sets A/D as for a write (hardware's A/D here are not observable through the ABI).
    /// </summary>
    private bool CanPush(int size) => LoadForWrite(StackAt(Gpr((int)Reg.Rsp) - (ulong)size), size, out _);

    /// <summary>Read the top of stack without popping it (the caller commits the stack pointer once nothing else can fault).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool PeekStack(int size, out ulong v)
    {
        if (!Load(StackAt(Gpr((int)Reg.Rsp)), size, out v)) return false;
        v &= MaskOf(size);
        return true;
    }
}
