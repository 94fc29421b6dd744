using System.Buffers.Binary;

namespace L4Conf.Model.Machine;

/// <summary>
/// The SSE/SSE2 instructions gcc's and glibc's memcpy/memset/strlen use: movd, movq, movdqa, movdqu, movaps,
/// movups, movapd, movupd, pxor, pcmpeqb, pmovmskb, por, pand, pandn, pminub, punpckl{bw,wd,dq,qdq}, pshufd (legacy, non-VEX encodings with XMM registers; the captured
/// CPU has SSE and SSE2, CPUID.1:EDX[25,26], and Fiasco sets CR4.OSFXSR and switches the FPU eagerly, so they run
/// without #UD or #NM). None changes a flag.
/// </summary>
/// <remarks>
/// <para>Alignment (SDM Vol. 1 "Alignment of 128-bit memory operands"): movdqa/movaps/movapd and every other legacy
/// SSE instruction with a 128-bit memory operand (pxor, pcmpeqb, por, ..., pshufd) raise #GP(0) when it is not 16-byte aligned,
/// before any access; movdqu/movups/movupd and the 32/64-bit accesses of movd/movq have no requirement.</para>
/// <para>Widths: movd/movq into an XMM register zero the rest of it (bits 32/64..127); movq xmm, xmm copies the low
/// quadword and zeroes the high one; movd/movq to a GPR write 32 (zero-extended) or 64 bits. pmovmskb writes the
/// 16 byte-sign bits zero-extended into the 32- or 64-bit register. The MMX (mm) forms are in CpuMmx.cs; all VEX/EVEX
/// forms are not modelled: #UD naming the instruction.</para>
/// </remarks>
public sealed partial class Cpu
{
    private UInt128[] xmm = null!;

    /// <summary>The register-only SSE handlers (kept out of the interpreter loop's body).</summary>
    private void SseRegister(ref Insn i)
    {
        switch (i.Op)
        {
            case Op.XmmMovRR: xmm[i.D] = xmm[i.S]; break;
            case Op.XmmMovqRR: xmm[i.D] = (ulong)xmm[i.S]; break;
            case Op.XmmFromGpr: xmm[i.D] = Gpr(i.S) & i.Mask; break;
            case Op.XmmToGpr: WriteDst(ref i, (ulong)xmm[i.S]); break;
            case Op.PxorRR: xmm[i.D] ^= xmm[i.S]; break;
            case Op.PcmpeqbRR: xmm[i.D] = CompareEqualBytes(xmm[i.D], xmm[i.S]); break;
            case Op.XmmAluRR: xmm[i.D] = XmmOp((XmmAlu)i.Cc, xmm[i.D], xmm[i.S]); break;
            case Op.PshufdRR: xmm[i.D] = Pshuf(i.Cc, xmm[i.S], (int)i.Imm); break;
            default: WriteDst(ref i, ByteSignMask(xmm[i.S])); break; // pmovmskb
        }
    }

    /// <summary>The SSE handlers with a memory operand; false with the trap set when an access faults.</summary>
    private bool SseMemory(ref Insn i)
    {
        if (i.Op == Op.XmmStore) return StoreXmm(ref i);
        if (!LoadXmmOperand(ref i, out UInt128 x)) return false;
        switch (i.Op)
        {
            case Op.XmmLoad: xmm[i.D] = x; break;
            case Op.PxorRM: xmm[i.D] ^= x; break;
            case Op.XmmAluRM: xmm[i.D] = XmmOp((XmmAlu)i.Cc, xmm[i.D], x); break;
            case Op.PshufdRM: xmm[i.D] = Pshuf(i.Cc, x, (int)i.Imm); break;
            default: xmm[i.D] = CompareEqualBytes(xmm[i.D], x); break; // pcmpeqb
        }
        return true;
    }

    private bool SseMisaligned(ulong ea)
    {
        if ((ea & 15) == 0) return false;
        trap = new Trap(Vector.GeneralProtection, 0);
        detail = $"misaligned 16-byte SSE operand 0x{ea:x}";
        return true;
    }

    /// <summary>Load Size (4, 8, 16) bytes into a value zero-extended to 128 bits; Aux = 1 requires 16-byte alignment.</summary>
    private bool LoadXmmOperand(ref Insn i, out UInt128 v)
    {
        ulong ea = Ea(ref i);
        v = 0;
        if (i.Aux != 0 && SseMisaligned(ea)) return false;
        Span<byte> b = io16.AsSpan(0, i.Size);
        if (!mem.Read(ea, b, AccessKind.Read, out trap)) return StackFault(); // [RSP]/[RBP]: #SS, as Load
        v = i.Size switch
        {
            16 => BinaryPrimitives.ReadUInt128LittleEndian(b),
            8 => BinaryPrimitives.ReadUInt64LittleEndian(b),
            2 => BinaryPrimitives.ReadUInt16LittleEndian(b),
            _ => BinaryPrimitives.ReadUInt32LittleEndian(b),
        };
        return true;
    }

    /// <summary>Store the low Size bytes of XMM[S]; Aux = 1 requires 16-byte alignment.</summary>
    private bool StoreXmm(ref Insn i)
    {
        ulong ea = Ea(ref i);
        if (i.Aux != 0 && SseMisaligned(ea)) return false;
        Span<byte> b = io16.AsSpan(0, 16);
        BinaryPrimitives.WriteUInt128LittleEndian(b, xmm[i.S]);
        wrote = true;
        return mem.Write(ea, b[..i.Size], out trap) || StackFault();
    }

    /// <summary>pcmpeqb: 0xFF in each byte lane where a and b agree, else 0 (SWAR on the two halves).</summary>
    private static UInt128 CompareEqualBytes(UInt128 a, UInt128 b) =>
        new(EqualBytes((ulong)(a >> 64) ^ (ulong)(b >> 64)), EqualBytes((ulong)a ^ (ulong)b));

    private static ulong EqualBytes(ulong x)
    {
        const ulong Low7 = 0x7F7F_7F7F_7F7F_7F7F, High = 0x8080_8080_8080_8080;
        ulong nonZero = ((x & Low7) + Low7) | x;      // bit 7 of a byte set iff the byte is not 0
        return ((~nonZero & High) >> 7) * 0xFF;
    }

    /// <summary>por, pand, pandn (~a &amp; b), pminub (per unsigned byte), punpckl* (interleave the low halves, a first).</summary>
    private static UInt128 XmmOp(XmmAlu op, UInt128 a, UInt128 b)
    {
        switch (op)
        {
            case XmmAlu.Por: return a | b;
            case XmmAlu.Pand: return a & b;
            case XmmAlu.Pandn: return ~a & b;
            case XmmAlu.Pminub:
            {
                UInt128 r = 0;
                for (int k = 0; k < 128; k += 8)
                {
                    uint x = (uint)(a >> k) & 0xFF, y = (uint)(b >> k) & 0xFF;
                    r |= (UInt128)Math.Min(x, y) << k;
                }
                return r;
            }
            case XmmAlu.Punpcklqdq: return (UInt128)(ulong)a | ((UInt128)(ulong)b << 64);
            case >= XmmAlu.Punpckhbw: return XmmMerge(op, a, b); // CpuSseFloat.cs
            default:
            {
                int w = op switch { XmmAlu.Punpcklbw => 8, XmmAlu.Punpcklwd => 16, _ => 32 };
                UInt128 m = (UInt128.One << w) - 1, r = 0;
                for (int k = 0; k < 64 / w; k++)
                    r |= ((a >> (k * w)) & m) << (2 * k * w) | ((b >> (k * w)) & m) << ((2 * k + 1) * w);
                return r;
            }
        }
    }

    /// <summary>pshufd: dword k of the result is dword (order >> 2k) &amp; 3 of the source.</summary>
    private static UInt128 Pshufd(UInt128 v, int order)
    {
        UInt128 r = 0;
        for (int k = 0; k < 4; k++) r |= ((v >> (32 * ((order >> (2 * k)) & 3))) & uint.MaxValue) << (32 * k);
        return r;
    }

    /// <summary>pmovmskb: bit k = the top bit of byte k.</summary>
    private static uint ByteSignMask(UInt128 v) => SignBits((ulong)v) | (SignBits((ulong)(v >> 64)) << 8);

    private static uint SignBits(ulong x) => (uint)(((x & 0x8080_8080_8080_8080) * 0x0002_0408_1020_4081) >> 56);
}
