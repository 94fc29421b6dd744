using System.Buffers.Binary;

namespace L4Conf.Model.Machine;

/// <summary>
/// MMX (SDM Vol. 1 ch. 9) and the SSE/SSE2 forms with MMX operands: MM0-7 are bits 0-63 of the x87 physical registers
/// R0-R7 (not ST(i)), in <see cref="CpuState.X87"/>. The captured CPU has MMX (CPUID.1:EDX[23]); Fiasco runs user code
/// with CR0.EM = 0 (fpu-ia32.cpp: <c>set_cr0((get_cr0() &amp; ~CR0_EM) | CR0_NE | CR0_MP)</c>) and gives every thread its
/// FPU state eagerly (thread-ia32.cpp <c>alloc_eager_fpu_state</c>), so no #UD or #NM: they execute.
/// </summary>
/// <remarks>
/// <para>x87 state (SDM Vol. 3A table "Effects of MMX Instructions on x87 FPU State"; checked on the host with
/// fnsave): every MMX instruction sets TOP = 0 and all tags valid; writing MMn also sets bits 64-79 of Rn to all
/// ones; reading leaves them; emms sets every tag empty and TOP = 0 (the host). FCW, the rest of FSW, FIP, FDP and
/// FOP stay. With an unmasked x87 exception pending (FSW.ES) an MMX instruction raises #MF before anything else, as a
/// waiting x87 instruction. cvtpi2ps and cvtpi2pd with a memory source touch no MMX register: neither #MF nor the
/// transition (SDM: "does not cause a transition to MMX technology and does not take x87 FPU exceptions"; the host's
/// cvtpi2ps xmm, m64 leaves TOP and the empty tags too).</para>
/// <para>Operations: the integer ones are the SSE2 lane helpers (CpuSseInteger.cs, CpuSse.cs) on the zero-extended
/// 64-bit values, keeping the low quadword: packs take both operands' lanes as one 128-bit value, punpckh* are
/// punpckl* of the high dwords. punpckl* read m32, pinsrw m16, cvtpd2pi/cvttpd2pi m128 (16-byte aligned, else
/// #GP(0)); the others m64 without alignment. Conversions round by MXCSR as cvtdq2ps/cvtps2dq/cvtpd2dq (integer
/// indefinite 0x80000000 for a NaN or out-of-range value, #XM when unmasked; then nothing changes).</para>
/// </remarks>
public sealed partial class Cpu
{
    private ulong Mm(int n) => x87.R[n].Sig;

    private void SetMm(int n, ulong v) => x87.R[n] = new Float80(0xFFFF, v);

    private bool Mmx(ref Insn i, ulong rip)
    {
        var kind = (MmxKind)i.Vec;
        var source = (MmxSource)i.Aux;
        bool touchesMmx = !(kind is MmxKind.Cvtpi2ps or MmxKind.Cvtpi2pd && source == MmxSource.Memory);
        if (touchesMmx && (x87.Fsw & FswEs) != 0)
        {
            trap = new Trap(Vector.FloatingPoint, 0);
            detail = $"#MF: unmasked x87 exception pending (FSW 0x{x87.Fsw:x4}, FCW 0x{x87.Fcw:x4}) at MMX instruction 0x{rip:x}";
            return false;
        }
        if (!MmxExecute(ref i, kind, source)) return false;
        if (touchesMmx)
        {
            SetTop(0);
            x87.Empty = kind == MmxKind.Emms ? (byte)0xFF : (byte)0;
        }
        return true;
    }

    /// <summary>The 64-bit source of a two-operand form: mm, a GPR (masked), or memory (Size bytes, zero-extended).</summary>
    private bool MmxSourceValue(ref Insn i, MmxSource source, out ulong v)
    {
        switch (source)
        {
            case MmxSource.Mm: v = Mm(i.S); return true;
            case MmxSource.Gpr: v = Gpr(i.S) & i.Mask; return true;
            case MmxSource.Xmm: v = (ulong)xmm[i.S]; return true;
        }
        v = 0;
        Span<byte> b = io16.AsSpan(0, i.Size);
        if (!mem.Read(Ea(ref i), b, AccessKind.Read, out trap)) return StackFault();
        v = i.Size switch
        {
            8 => BinaryPrimitives.ReadUInt64LittleEndian(b),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(b),
            _ => BinaryPrimitives.ReadUInt16LittleEndian(b),
        };
        return true;
    }

    private bool MmxExecute(ref Insn i, MmxKind kind, MmxSource source)
    {
        ulong v;
        switch (kind)
        {
            case MmxKind.Emms: return true;
            case MmxKind.ShiftImm: SetMm(i.D, (ulong)XmmIntOp((XmmInt)i.Cc, Mm(i.D), i.Imm)); return true;
            case MmxKind.Pextrw: WriteDst(ref i, (Mm(i.S) >> (16 * (int)(i.Imm & 3))) & 0xFFFF); return true;
            case MmxKind.Pmovmskb: WriteDst(ref i, SignBits(Mm(i.S))); return true;
            case MmxKind.Movq2dq: xmm[i.D] = Mm(i.S); return true;
            case MmxKind.Maskmovq: return MaskedStore(ref i, Mm(i.D), SignBits(Mm(i.S)));
            case MmxKind.Store:
                v = Mm(i.S);
                if (source == MmxSource.Mm) { SetMm(i.D, v); return true; }
                if (source == MmxSource.Gpr) { WriteDst(ref i, v); return true; }
                return Store(Ea(ref i), i.Size, v);
            case MmxKind.Cvtpd2pi:
            {
                UInt128 x;
                if (source == MmxSource.Xmm) x = xmm[i.S];
                else
                {
                    ulong ea = Ea(ref i);
                    if (SseMisaligned(ea)) return false;
                    Span<byte> b = io16.AsSpan(0, 16);
                    if (!mem.Read(ea, b, AccessKind.Read, out trap)) return StackFault();
                    x = BinaryPrimitives.ReadUInt128LittleEndian(b);
                }
                return MmxConvert(ref i, kind, x);
            }
        }
        if (!MmxSourceValue(ref i, source, out v)) return false;
        switch (kind)
        {
            case MmxKind.Int: SetMm(i.D, MmxInt((XmmInt)i.Cc, Mm(i.D), v)); return true;
            case MmxKind.Alu:
            {
                var op = (XmmAlu)i.Cc;
                ulong a = Mm(i.D), b = v;
                if (op is >= XmmAlu.Punpckhbw and <= XmmAlu.Punpckhdq) { op -= XmmAlu.Punpckhbw - XmmAlu.Punpcklbw; a >>= 32; b >>= 32; }
                SetMm(i.D, (ulong)XmmOp(op, a, b));
                return true;
            }
            case MmxKind.Pxor: SetMm(i.D, Mm(i.D) ^ v); return true;
            case MmxKind.Pcmpeqb: SetMm(i.D, EqualBytes(Mm(i.D) ^ v)); return true;
            case MmxKind.Pshufw: SetMm(i.D, (ulong)Pshuf(1, v, (int)i.Imm)); return true;
            case MmxKind.Pinsrw: SetMm(i.D, (ulong)InsertWord(Mm(i.D), v, (int)(i.Imm & 3))); return true;
            case MmxKind.Load: SetMm(i.D, v); return true;
            case MmxKind.Movdq2q: SetMm(i.D, v); return true;
            default: return MmxConvert(ref i, kind, v);
        }
    }

    /// <summary>An XMM integer operation on two quadwords: packs saturate a's lanes into the low half and b's into the high half.</summary>
    private static ulong MmxInt(XmmInt op, ulong a, ulong b) => op is XmmInt.Packsswb or XmmInt.Packssdw or XmmInt.Packuswb
        ? (ulong)XmmIntOp(op, a | ((UInt128)b << 64), 0)
        : (ulong)XmmIntOp(op, a, b);

    /// <summary>cvtpi2ps, cvtpi2pd, cvt(t)ps2pi, cvt(t)pd2pi: two lanes under MXCSR; #XM (nothing written) when unmasked.</summary>
    private bool MmxConvert(ref Insn i, MmxKind kind, UInt128 src)
    {
        var env = SseEnv.From(mxcsr);
        UInt128 r = kind == MmxKind.Cvtpi2ps ? xmm[i.D] : 0;
        bool truncate = i.Imm == 1;
        for (int k = 0; k < 2; k++)
        {
            r = kind switch
            {
                MmxKind.Cvtpi2ps => WithLane(r, k, false, SoftFloat.FromInt((int)Lane(src, k, false), false, ref env)),
                MmxKind.Cvtpi2pd => WithLane(r, k, true, SoftFloat.FromInt((int)Lane(src, k, false), true, ref env)),
                MmxKind.Cvtps2pi => WithLane(r, k, false, SoftFloat.ToInt(Lane(src, k, false), false, is64: false, truncate, ref env)),
                _ => WithLane(r, k, false, SoftFloat.ToInt(Lane(src, k, true), true, is64: false, truncate, ref env)),
            };
        }
        if (!RaiseSimd(env)) return false;
        if (kind is MmxKind.Cvtpi2ps or MmxKind.Cvtpi2pd) xmm[i.D] = r;
        else SetMm(i.D, (ulong)r);
        return true;
    }
}
