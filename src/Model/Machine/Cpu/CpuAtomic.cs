using System.Buffers.Binary;

namespace L4Conf.Model.Machine;

/// <summary>
/// xadd, cmpxchg, cmpxchg8b, cmpxchg16b (Intel SDM Vol. 2A/2B). The model runs one thread at a time, so the
/// locked read-modify-write is simply a read then a write; a lock prefix on their memory forms is accepted (Iced
/// decodes a lock prefix anywhere else, including these instructions' register forms, as invalid: #UD).
/// </summary>
/// <remarks>
/// <para>Registers follow the SDM's pseudocode exactly, which matters for 32-bit operands in 64-bit mode:
/// cmpxchg writes the destination only when equal and the accumulator only when not equal, so the register not
/// written keeps its upper half (checked on the AMD EPYC host; QEMU 7.2 TCG, the captured machine, zero-extends
/// RAX in both cases — an emulator bug, not followed). cmpxchg8b/16b write rDX:rAX only on failure (32-bit writes
/// in the 8b form, so zero-extended). A memory destination is always written (the old value back on failure,
/// SDM "the destination operand is written back if the comparison fails"), so a read-only page faults either way;
/// xadd, cmpxchg and cmpxchg8b/16b read it with write intent (a fault is #PF W from the first access, as the AMD EPYC host reports).</para>
/// <para>Flags: xadd as add; cmpxchg as cmp of the accumulator with the destination; cmpxchg8b/16b change only ZF.
/// cmpxchg16b needs a 16-byte-aligned operand: #GP(0) before any access (CPUID.1:ECX.CX16 = 1 on the captured CPU,
/// and CX8 = EDX[8] = 1).</para>
/// </remarks>
public sealed partial class Cpu
{
    private readonly byte[] io16 = new byte[16];

    private void XaddRR(ref Insn i)
    {
        ulong a = ReadReg(i.D, i.DSh, i.Mask), b = ReadReg(i.S, i.SSh, i.Mask);
        ulong r = AddOp.Apply(this, a, b, i.Mask);
        WriteReg(i.S, i.SSh, i.Mask, a);
        WriteDst(ref i, r); // last: xadd r, r leaves the sum
    }

    private bool XaddMR(ref Insn i)
    {
        ulong ea = Ea(ref i);
        if (!LoadForWrite(ea, i.Size, out ulong a)) return false; // a locked read-modify-write: write intent
        a &= i.Mask;
        var saved = SaveFlags();
        ulong r = AddOp.Apply(this, a, ReadReg(i.S, i.SSh, i.Mask), i.Mask);
        if (!Store(ea, i.Size, r)) { RestoreFlags(saved); return false; }
        WriteReg(i.S, i.SSh, i.Mask, a);
        return true;
    }

    private void CmpxchgRR(ref Insn i)
    {
        ulong acc = Gpr((int)Reg.Rax) & i.Mask, dst = ReadReg(i.D, i.DSh, i.Mask);
        CmpOp.Apply(this, acc, dst, i.Mask);
        if (acc == dst) WriteDst(ref i, ReadReg(i.S, i.SSh, i.Mask));
        else WriteReg((int)Reg.Rax, 0, i.Mask, dst);
    }

    private bool CmpxchgMR(ref Insn i)
    {
        ulong ea = Ea(ref i);
        if (!LoadForWrite(ea, i.Size, out ulong dst)) return false; // write intent: #PF W, read-only faults first
        dst &= i.Mask;
        ulong acc = Gpr((int)Reg.Rax) & i.Mask;
        bool eq = acc == dst;
        if (!Store(ea, i.Size, eq ? ReadReg(i.S, i.SSh, i.Mask) : dst)) return false;
        CmpOp.Apply(this, acc, dst, i.Mask);
        if (!eq) WriteReg((int)Reg.Rax, 0, i.Mask, dst);
        return true;
    }

    /// <summary>cmpxchg8b (Size 8) / cmpxchg16b (Size 16) m: compare rDX:rAX, store rCX:rBX if equal.</summary>
    private bool CmpxchgWide(ref Insn i)
    {
        ulong ea = Ea(ref i);
        if (i.Size == 16)
        {
            if ((ea & 15) != 0)
            {
                trap = new Trap(Vector.GeneralProtection, 0);
                detail = $"cmpxchg16b operand 0x{ea:x} is not 16-byte aligned";
                return false;
            }
            Span<byte> b = io16;
            if (!mem.Read(ea, b, AccessKind.Write, out trap)) return StackFault(); // write intent, as the 8-byte form
            ulong lo = BinaryPrimitives.ReadUInt64LittleEndian(b), hi = BinaryPrimitives.ReadUInt64LittleEndian(b[8..]);
            bool eq = lo == Gpr((int)Reg.Rax) && hi == Gpr((int)Reg.Rdx);
            if (eq)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(b, Gpr((int)Reg.Rbx));
                BinaryPrimitives.WriteUInt64LittleEndian(b[8..], Gpr((int)Reg.Rcx));
            }
            wrote = true;
            if (!mem.Write(ea, b, out trap)) return false;
            rflags = (Flags & ~ZF) | (eq ? ZF : 0);
            if (!eq) { Gpr((int)Reg.Rax) = lo; Gpr((int)Reg.Rdx) = hi; }
            return true;
        }
        if (!LoadForWrite(ea, 8, out ulong v)) return false; // write intent: #PF W, read-only faults first
        ulong expect = (Gpr((int)Reg.Rdx) << 32) | (uint)Gpr((int)Reg.Rax);
        bool same = v == expect;
        if (!Store(ea, 8, same ? (Gpr((int)Reg.Rcx) << 32) | (uint)Gpr((int)Reg.Rbx) : v)) return false;
        rflags = (Flags & ~ZF) | (same ? ZF : 0);
        if (!same) { Gpr((int)Reg.Rax) = (uint)v; Gpr((int)Reg.Rdx) = v >> 32; }
        return true;
    }
}
