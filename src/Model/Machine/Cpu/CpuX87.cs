using System.Buffers.Binary;
using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>
/// The x87 FPU instructions gcc emits for <c>long double</c> (and for float/double with -mfpmath=387), on
/// <see cref="CpuState.X87"/> with the arithmetic of <see cref="X87Math"/>.
/// </summary>
/// <remarks>
/// <para>Loads and stores: fld (m32, m64, m80, st(i)), fild (m16, m32, m64), fst/fstp (m32, m64, m80 for fstp,
/// st(i)), fist/fistp (m16, m32, m64 for fistp), fisttp, the constants fld1, fldz, fldpi, fldl2e, fldl2t, fldlg2,
/// fldln2 (rounded by the rounding control from their 66-bit values; precision control does not apply), fxch,
/// fcmovcc. Arithmetic: fadd, fsub, fsubr, fmul, fdiv, fdivr (m32, m64, st(0),st(i), st(i),st(0), the p forms),
/// fiadd, fisub, fisubr, fimul, fidiv, fidivr (m16, m32), fchs, fabs, fsqrt, frndint, fscale. Compares: fcom, fcomp,
/// fcompp, fucom, fucomp, fucompp, ficom, ficomp, ftst (C0, C2, C3), fcomi, fcomip, fucomi, fucomip (ZF, PF, CF;
/// OF, SF, AF cleared), fxam. Control: fnstsw (ax, m16), fnstcw, fldcw, fninit, fnclex, fwait, ffree, ffreep,
/// fincstp, fdecstp, fnop, fnstenv/fldenv (m28, and m14 with 0x66), fnsave/frstor (m108, and m94 with 0x66),
/// fxsave/fxrstor and fxsave64/fxrstor64 (m512, #GP(0) unless 16-byte aligned), fprem, fprem1, fxtract, fbld and fbstp
/// (m80 packed BCD). Transcendentals (CpuX87Transcendental.cs, <see cref="X87Math.Sin"/>): fsin, fcos, fsincos, fptan,
/// f2xm1, fpatan, fyl2x, fyl2xp1, correctly rounded to 64 bits by RC (PC does not apply), the trigonometric ones reduced
/// with the x87's 66-bit pi as the hardware does (QEMU's TCG, the captured CPU, computes fsin/fcos/fsincos/fptan in
/// double precision instead). The captured CPU has them all: CPUID.1:EDX FPU, CMOV (fcmovcc, fcomi), FXSR; ECX SSE3 (fisttp) (<see cref="CapturedCpuid"/>).</para>
/// <para>Stack faults: pushing onto a full register is IE with SF and C1 = 1, reading an empty one IE with SF and
/// C1 = 0; masked, the operation goes on with the real indefinite (a push pushes it, a store stores the format's
/// indefinite). An unmasked IE, DE or ZE leaves the destination and TOP unchanged (no pop); an unmasked OE/UE
/// stores the wrapped result in a register and nothing in memory.</para>
/// <para>#MF (MACH-MF-1): an unmasked exception only sets ES and B in FSW. The next waiting x87 instruction (every
/// one but fninit, fnclex, fnstsw, fnstcw, fnstenv, fnsave, fxsave, fxrstor) or fwait finds ES set and raises #MF
/// (vector 16, no error code) before doing anything, with RIP at it; ES stays set until fnclex, fninit, fldcw, fldenv or
/// frstor clears it. Fiasco runs with CR0.NE set (fpu-ia32.cpp), so this is the native report.</para>
/// <para>Pointers: FIP, FOP and FDP follow the last non-control instruction (FDP only with a memory operand),
/// stored with the selectors of CS and of the operand's segment register at that instruction (Fiasco: CS 0x2B, or 0x1B
/// in compatibility mode, DS 0x23) by fnstenv/fnsave, and loaded by fldenv/frstor; fxsave stores them only while ES is set,
/// as the AMD host does (zero otherwise; UNCONFIRMED for the captured QEMU CPU). fxsave stores MXCSR and
/// MXCSR_MASK 0xFFFF (the bits ldmxcsr accepts), and fxrstor loads MXCSR.</para>
/// </remarks>
public sealed partial class Cpu
{
    private X87State x87 = null!;
    private readonly X87State x87Undo = new();
    private readonly byte[] fpBuf = new byte[512];

    private const ushort FswC0 = 0x100, FswC1 = 0x200, FswC2 = 0x400, FswC3 = 0x4000, FswEs = 0x80, FswB = 0x8000;
    private const ushort FswCc = FswC0 | FswC1 | FswC2 | FswC3;
    private const X87Exc StackFaultExc = X87Exc.IE | X87Exc.SF;

    private enum FpOp { Add, Mul, Sub, Subr, Div, Divr }

    /// <summary>The x87 handler: Imm = the Iced code, D/S = st(i) numbers, Aux = 1 with a memory operand, SMask = FOP.</summary>
    private bool X87(ref Insn i, ulong rip)
    {
        var code = (Code)i.Imm;
        var x = x87;
        if (!X87NoWait(code) && (x.Fsw & FswEs) != 0)
        {
            trap = new Trap(Vector.FloatingPoint, 0);
            detail = $"#MF: unmasked x87 exception pending (FSW 0x{x.Fsw:x4}, FCW 0x{x.Fcw:x4}) at 0x{rip:x}";
            return false;
        }
        x87Undo.CopyFrom(x);
        ulong ea = i.Aux != 0 ? Ea(ref i) : 0;
        if (!X87Execute(ref i, code, ea))
        {
            x.CopyFrom(x87Undo);
            return false;
        }
        if (!X87Control(code))
        {
            x.Fip = rip; x.Fop = (ushort)i.SMask; x.Fcs = st.Cs;
            if (i.Aux != 0) { x.Fdp = ea; x.Fds = SegReg(SregOfSlot(i.Seg)); }
        }
        return true;
    }

    /// <summary>The instructions that do not check for a pending unmasked exception (SDM Vol. 1 §8.3.11, §8.6).</summary>
    private static bool X87NoWait(Code c) => c is Code.Fninit or Code.Fnclex or Code.Fnstsw_AX or Code.Fnstsw_m2byte or Code.Fnstcw_m2byte
        or Code.Fnstenv_m28byte or Code.Fnsave_m108byte or Code.Fnstenv_m14byte or Code.Fnsave_m94byte
        or Code.Fxsave_m512byte or Code.Fxsave64_m512byte or Code.Fxrstor_m512byte or Code.Fxrstor64_m512byte;

    /// <summary>Control instructions leave FIP/FOP/FDP alone.</summary>
    private static bool X87Control(Code c) => X87NoWait(c) || c is Code.Fldcw_m2byte or Code.Fldenv_m28byte or Code.Frstor_m108byte
        or Code.Fldenv_m14byte or Code.Frstor_m94byte or Code.Wait;

    private ref Float80 St(int k) => ref x87.R[(x87.Top + k) & 7];
    private bool StEmpty(int k) => (x87.Empty & (1 << ((x87.Top + k) & 7))) != 0;
    private void SetTop(int t) => x87.Fsw = (ushort)((x87.Fsw & ~0x3800) | ((t & 7) << 11));

    private void StWrite(int k, Float80 v)
    {
        int r = (x87.Top + k) & 7;
        x87.R[r] = v;
        x87.Empty &= (byte)~(1 << r);
    }

    private void Pop()
    {
        x87.Empty |= (byte)(1 << x87.Top);
        SetTop(x87.Top + 1);
    }

    /// <summary>Records exceptions in FSW; C1 from <see cref="X87Exc.C1"/> (cleared without it); ES and B when one is unmasked.</summary>
    private void Signal(X87Exc e)
    {
        ushort f = (ushort)(x87.Fsw | ((ushort)e & 0x7F));
        f = (ushort)((f & ~FswC1) | ((e & X87Exc.C1) != 0 ? FswC1 : 0));
        x87.Fsw = f;
        UpdateEs();
    }

    private void UpdateEs()
    {
        if ((x87.Fsw & ~x87.Fcw & 0x3F) != 0) x87.Fsw |= FswEs | FswB;
        else x87.Fsw &= unchecked((ushort)~(FswEs | FswB));
    }

    private bool Masked(X87Exc e) => ((ushort)e & ~x87.Fcw & 0x3F) == 0;

    /// <summary>Push: a full ST(7) is a stack overflow (masked: the indefinite is pushed).</summary>
    private void Push(Float80 v, X87Exc e)
    {
        if (!StEmpty(7))
        {
            e |= StackFaultExc | X87Exc.C1;
            Signal(e);
            if (!Masked(X87Exc.IE)) return;
            v = Float80.Indefinite;
        }
        else
        {
            Signal(e);
            if (X87Math.Suppresses(e & ~X87Exc.DE, x87.Fcw)) return;   // a load completes with DE unmasked (host); IE stops it
        }
        SetTop(x87.Top - 1);
        StWrite(0, v);
    }

    // ------------------------------------------------------------------ memory

    private bool FpRead(ulong ea, int n)
    {
        if (!mem.Read(ea, fpBuf.AsSpan(0, n), AccessKind.Read, out trap)) return StackFault();
        return true;
    }

    private bool FpWrite(ulong ea, int n)
    {
        wrote = true;
        return mem.Write(ea, fpBuf.AsSpan(0, n), out trap) || StackFault();
    }

    /// <summary>
    /// A memory source operand as an extended value (m32/m64 real, m16/m32/m64 integer); an arithmetic or compare
    /// operand (<paramref name="operand"/>) keeps an SNaN signalling for the operation's NaN rules (host: two SNaNs, the
    /// larger significand wins even when it is the register's).
    /// </summary>
    private bool MemOperand(ulong ea, int size, bool integer, out Float80 v, ref X87Exc e, bool operand = false)
    {
        v = default;
        if (!FpRead(ea, size)) return false;
        var b = fpBuf.AsSpan(0, size);
        if (integer)
            v = X87Math.FromInt64(size switch { 2 => BinaryPrimitives.ReadInt16LittleEndian(b), 4 => BinaryPrimitives.ReadInt32LittleEndian(b), _ => BinaryPrimitives.ReadInt64LittleEndian(b) });
        else if (size == 10) v = Float80.Read(b);
        else v = X87Math.FromBinary(size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b),
            size == 4 ? X87Math.Format.Single : X87Math.Format.Double, ref e, quiet: !operand);
        return true;
    }

    // ------------------------------------------------------------------ dispatch

    private bool X87Execute(ref Insn i, Code c, ulong ea)
    {
        int s = i.S;
        X87Exc e = 0;
        Float80 v;
        switch (c)
        {
            case Code.Wait: case Code.Fnop: return true;

            // ---- loads
            case Code.Fld_m32fp: case Code.Fld_m64fp: case Code.Fld_m80fp:
                if (!MemOperand(ea, i.Size, false, out v, ref e)) return false;
                Push(v, e); return true;
            case Code.Fild_m16int: case Code.Fild_m32int: case Code.Fild_m64int:
                if (!MemOperand(ea, i.Size, true, out v, ref e)) return false;
                Push(v, e); return true;
            case Code.Fbld_m80bcd:
                if (!FpRead(ea, 10)) return false;
                Push(X87Math.FromBcd(fpBuf), 0); return true;
            case Code.Fld_sti:
                if (StEmpty(s)) { e |= StackFaultExc; v = Float80.Indefinite; if (!Masked(X87Exc.IE)) { Signal(e); return true; } }
                else v = St(s);
                Push(v, e); return true;
            case Code.Fld1: Push(Float80.One, 0); return true;
            case Code.Fldz: Push(Float80.Zero, 0); return true;
            case Code.Fldpi: Push(Constant(0x4000, 0xC90F_DAA2_2168_C234, 3), 0); return true;      // bits past: 0xC4C6...: 11
            case Code.Fldl2e: Push(Constant(0x3FFF, 0xB8AA_3B29_5C17_F0BB, 3), 0); return true;     // 0xBE87...: 11
            case Code.Fldl2t: Push(Constant(0x4000, 0xD49A_784B_CD1B_8AFE, 1), 0); return true;     // 0x492B...: 01
            case Code.Fldlg2: Push(Constant(0x3FFD, 0x9A20_9A84_FBCF_F798, 2), 0); return true;     // 0x8F89...: 10
            case Code.Fldln2: Push(Constant(0x3FFE, 0xB172_17F7_D1CF_79AB, 3), 0); return true;     // 0xC9E3...: 11

            // ---- stores
            case Code.Fst_m32fp: case Code.Fstp_m32fp: case Code.Fst_m64fp: case Code.Fstp_m64fp:
            {
                bool pop = c is Code.Fstp_m32fp or Code.Fstp_m64fp;
                var f = i.Size == 4 ? X87Math.Format.Single : X87Math.Format.Double;
                ulong bits; bool store;
                if (StEmpty(0)) { e = StackFaultExc; store = Masked(X87Exc.IE); bits = X87Math.ToBinary(Float80.Indefinite, f, x87.Fcw, ref e, out _); }
                else bits = X87Math.ToBinary(St(0), f, x87.Fcw, ref e, out store);
                if (store)
                {
                    if (i.Size == 4) BinaryPrimitives.WriteUInt32LittleEndian(fpBuf, (uint)bits); else BinaryPrimitives.WriteUInt64LittleEndian(fpBuf, bits);
                    if (!FpWrite(ea, i.Size)) return false;
                    if (pop) Pop();
                }
                Signal(e);
                return true;
            }
            case Code.Fstp_m80fp:
            {
                bool store = true;
                if (StEmpty(0)) { e = StackFaultExc; store = Masked(X87Exc.IE); Float80.Indefinite.Write(fpBuf); }
                else St(0).Write(fpBuf);
                if (store) { if (!FpWrite(ea, 10)) return false; Pop(); }
                Signal(e);
                return true;
            }
            case Code.Fbstp_m80bcd:
            {
                bool store;
                if (StEmpty(0)) { e = StackFaultExc; X87Math.ToBcd(Float80.Indefinite, x87.Fcw, ref e, fpBuf, out store); }
                else X87Math.ToBcd(St(0), x87.Fcw, ref e, fpBuf, out store);
                if (store) { if (!FpWrite(ea, 10)) return false; Pop(); }   // an unmasked PE still stores and pops (host)
                Signal(e);
                return true;
            }
            case Code.Fst_sti: case Code.Fstp_sti: case Code.Fstp_sti_DFD0: case Code.Fstp_sti_DFD8:
            {
                bool pop = c != Code.Fst_sti;
                if (StEmpty(0)) { e = StackFaultExc; if (!Masked(X87Exc.IE)) { Signal(e); return true; } v = Float80.Indefinite; }
                else v = St(0);
                StWrite(s, v);
                if (pop) Pop();
                Signal(e);
                return true;
            }
            case Code.Fist_m16int: case Code.Fist_m32int: case Code.Fistp_m16int: case Code.Fistp_m32int: case Code.Fistp_m64int:
            case Code.Fisttp_m16int: case Code.Fisttp_m32int: case Code.Fisttp_m64int:
            {
                bool pop = c is not (Code.Fist_m16int or Code.Fist_m32int);
                bool trunc = c is Code.Fisttp_m16int or Code.Fisttp_m32int or Code.Fisttp_m64int;
                long r; bool store;
                if (StEmpty(0)) { e = StackFaultExc; store = Masked(X87Exc.IE); r = X87Math.ToInteger(Float80.Indefinite, i.Size * 8, trunc, x87.Fcw, ref e, out _); }
                else r = X87Math.ToInteger(St(0), i.Size * 8, trunc, x87.Fcw, ref e, out store);
                if (store)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(fpBuf, r);
                    if (!FpWrite(ea, i.Size)) return false;
                    if (pop) Pop();
                }
                Signal(e);
                return true;
            }

            // ---- arithmetic
            case Code.Fadd_m32fp: case Code.Fadd_m64fp: return ArithMem(ea, i.Size, false, FpOp.Add);
            case Code.Fmul_m32fp: case Code.Fmul_m64fp: return ArithMem(ea, i.Size, false, FpOp.Mul);
            case Code.Fsub_m32fp: case Code.Fsub_m64fp: return ArithMem(ea, i.Size, false, FpOp.Sub);
            case Code.Fsubr_m32fp: case Code.Fsubr_m64fp: return ArithMem(ea, i.Size, false, FpOp.Subr);
            case Code.Fdiv_m32fp: case Code.Fdiv_m64fp: return ArithMem(ea, i.Size, false, FpOp.Div);
            case Code.Fdivr_m32fp: case Code.Fdivr_m64fp: return ArithMem(ea, i.Size, false, FpOp.Divr);
            case Code.Fiadd_m16int: case Code.Fiadd_m32int: return ArithMem(ea, i.Size, true, FpOp.Add);
            case Code.Fimul_m16int: case Code.Fimul_m32int: return ArithMem(ea, i.Size, true, FpOp.Mul);
            case Code.Fisub_m16int: case Code.Fisub_m32int: return ArithMem(ea, i.Size, true, FpOp.Sub);
            case Code.Fisubr_m16int: case Code.Fisubr_m32int: return ArithMem(ea, i.Size, true, FpOp.Subr);
            case Code.Fidiv_m16int: case Code.Fidiv_m32int: return ArithMem(ea, i.Size, true, FpOp.Div);
            case Code.Fidivr_m16int: case Code.Fidivr_m32int: return ArithMem(ea, i.Size, true, FpOp.Divr);
            case Code.Fadd_st0_sti: ArithReg(FpOp.Add, 0, s, false); return true;
            case Code.Fmul_st0_sti: ArithReg(FpOp.Mul, 0, s, false); return true;
            case Code.Fsub_st0_sti: ArithReg(FpOp.Sub, 0, s, false); return true;
            case Code.Fsubr_st0_sti: ArithReg(FpOp.Subr, 0, s, false); return true;
            case Code.Fdiv_st0_sti: ArithReg(FpOp.Div, 0, s, false); return true;
            case Code.Fdivr_st0_sti: ArithReg(FpOp.Divr, 0, s, false); return true;
            case Code.Fadd_sti_st0: ArithReg(FpOp.Add, i.D, 0, false); return true;
            case Code.Fmul_sti_st0: ArithReg(FpOp.Mul, i.D, 0, false); return true;
            case Code.Fsub_sti_st0: ArithReg(FpOp.Sub, i.D, 0, false); return true;
            case Code.Fsubr_sti_st0: ArithReg(FpOp.Subr, i.D, 0, false); return true;
            case Code.Fdiv_sti_st0: ArithReg(FpOp.Div, i.D, 0, false); return true;
            case Code.Fdivr_sti_st0: ArithReg(FpOp.Divr, i.D, 0, false); return true;
            case Code.Faddp_sti_st0: ArithReg(FpOp.Add, i.D, 0, true); return true;
            case Code.Fmulp_sti_st0: ArithReg(FpOp.Mul, i.D, 0, true); return true;
            case Code.Fsubp_sti_st0: ArithReg(FpOp.Sub, i.D, 0, true); return true;
            case Code.Fsubrp_sti_st0: ArithReg(FpOp.Subr, i.D, 0, true); return true;
            case Code.Fdivp_sti_st0: ArithReg(FpOp.Div, i.D, 0, true); return true;
            case Code.Fdivrp_sti_st0: ArithReg(FpOp.Divr, i.D, 0, true); return true;
            case Code.Fchs: case Code.Fabs:
                if (StEmpty(0)) { Unary(StackFaultExc, Float80.Indefinite); return true; }
                StWrite(0, c == Code.Fchs ? St(0).Negate() : St(0).Abs());
                Signal(0);
                return true;
            case Code.Fsqrt: case Code.Frndint:
                if (StEmpty(0)) { Unary(StackFaultExc, Float80.Indefinite); return true; }
                v = c == Code.Fsqrt ? X87Math.Sqrt(St(0), x87.Fcw, ref e) : X87Math.RoundToInt(St(0), x87.Fcw, ref e);
                Unary(e, v);
                return true;
            case Code.Fscale:
                if (StEmpty(0) || StEmpty(1)) { Unary(StackFaultExc, Float80.Indefinite); return true; }
                v = X87Math.Scale(St(0), St(1), x87.Fcw, ref e);
                Unary(e, v);
                return true;

            case Code.Fxtract: Fxtract(); return true;

            // ---- transcendentals (CpuX87Transcendental.cs)
            case Code.Fsin: case Code.Fcos: case Code.F2xm1: X87Unary(c); return true;
            case Code.Fptan: case Code.Fsincos: X87Push2(c); return true;
            case Code.Fpatan: case Code.Fyl2x: case Code.Fyl2xp1: X87Binary(c); return true;

            case Code.Fprem: case Code.Fprem1:
            {
                if (StEmpty(0) || StEmpty(1)) { Unary(StackFaultExc, Float80.Indefinite); return true; }
                v = X87Math.Remainder(St(0), St(1), c == Code.Fprem1, x87.Fcw, ref e, out ulong q, out bool partial);
                Signal(e & ~X87Exc.C1);
                if (X87Math.Suppresses(e, x87.Fcw)) return true;
                StWrite(0, v);
                // C2: incomplete; complete: C0, C3, C1 = quotient bits 2, 1, 0; incomplete: all three 0 (host)
                ushort cc = (ushort)((partial ? FswC2 : 0) | ((q & 4) != 0 ? FswC0 : 0) | ((q & 2) != 0 ? FswC3 : 0) | ((q & 1) != 0 ? FswC1 : 0));
                x87.Fsw = (ushort)((x87.Fsw & ~FswCc) | cc);
                return true;
            }

            // ---- compares
            case Code.Fcom_m32fp: case Code.Fcom_m64fp: case Code.Fcomp_m32fp: case Code.Fcomp_m64fp:
            case Code.Ficom_m16int: case Code.Ficom_m32int: case Code.Ficomp_m16int: case Code.Ficomp_m32int:
            {
                bool integer = c is Code.Ficom_m16int or Code.Ficom_m32int or Code.Ficomp_m16int or Code.Ficomp_m32int;
                if (!MemOperand(ea, i.Size, integer, out v, ref e, operand: true)) return false;
                e = MemDenormal(e);
                bool pops = c is Code.Fcomp_m32fp or Code.Fcomp_m64fp or Code.Ficomp_m16int or Code.Ficomp_m32int;
                CompareSt(v, false, e, pops ? 1 : 0, eflags: false, valid: !StEmpty(0));
                return true;
            }
            case Code.Fcom_st0_sti: case Code.Fcom_st0_sti_DCD0: CompareReg(s, false, 0, false); return true;
            case Code.Fcomp_st0_sti: case Code.Fcomp_st0_sti_DCD8: case Code.Fcomp_st0_sti_DED0: CompareReg(s, false, 1, false); return true;
            case Code.Fcompp: CompareReg(1, false, 2, false); return true;
            case Code.Fucom_st0_sti: CompareReg(s, true, 0, false); return true;
            case Code.Fucomp_st0_sti: CompareReg(s, true, 1, false); return true;
            case Code.Fucompp: CompareReg(1, true, 2, false); return true;
            case Code.Fcomi_st0_sti: CompareReg(s, false, 0, true); return true;
            case Code.Fcomip_st0_sti: CompareReg(s, false, 1, true); return true;
            case Code.Fucomi_st0_sti: CompareReg(s, true, 0, true); return true;
            case Code.Fucomip_st0_sti: CompareReg(s, true, 1, true); return true;
            case Code.Ftst:
                if (StEmpty(0)) { CompareSt(default, false, 0, 0, false, false); return true; }
                CompareSt(Float80.Zero, false, 0, 0, false, true);
                return true;
            case Code.Fxam: Fxam(); return true;

            // ---- register moves
            case Code.Fxch_st0_sti: case Code.Fxch_st0_sti_DDC8: case Code.Fxch_st0_sti_DFC8:
            {
                if (StEmpty(0) || StEmpty(s))
                {
                    e = StackFaultExc;
                    if (!Masked(X87Exc.IE)) { Signal(e); return true; }
                }
                Float80 a = StEmpty(0) ? Float80.Indefinite : St(0), b = StEmpty(s) ? Float80.Indefinite : St(s);
                StWrite(0, b); StWrite(s, a);
                Signal(e);
                return true;
            }
            case Code.Fcmovb_st0_sti: case Code.Fcmove_st0_sti: case Code.Fcmovbe_st0_sti: case Code.Fcmovu_st0_sti:
            case Code.Fcmovnb_st0_sti: case Code.Fcmovne_st0_sti: case Code.Fcmovnbe_st0_sti: case Code.Fcmovnu_st0_sti:
            {
                if (StEmpty(0) || StEmpty(s))
                {
                    e = StackFaultExc;
                    Signal(e);
                    if (Masked(X87Exc.IE) && Cond(i.Cc)) StWrite(0, Float80.Indefinite);
                    return true;
                }
                if (Cond(i.Cc)) StWrite(0, St(s));
                Signal(0);
                return true;
            }
            case Code.Ffree_sti: x87.Empty |= (byte)(1 << ((x87.Top + s) & 7)); return true;
            case Code.Ffreep_sti: x87.Empty |= (byte)(1 << ((x87.Top + s) & 7)); Pop(); return true;
            case Code.Fincstp: SetTop(x87.Top + 1); x87.Fsw &= unchecked((ushort)~FswC1); return true;
            case Code.Fdecstp: SetTop(x87.Top - 1); x87.Fsw &= unchecked((ushort)~FswC1); return true;

            // ---- control
            case Code.Fninit: x87.Reset(); return true;
            case Code.Fnclex: x87.Fsw &= 0x7F00; return true;
            case Code.Fnstsw_AX: WriteReg((int)Reg.Rax, 0, 0xFFFF, x87.Fsw); return true;
            case Code.Fnstsw_m2byte: BinaryPrimitives.WriteUInt16LittleEndian(fpBuf, x87.Fsw); return FpWrite(ea, 2);
            case Code.Fnstcw_m2byte: BinaryPrimitives.WriteUInt16LittleEndian(fpBuf, x87.Fcw); return FpWrite(ea, 2);
            case Code.Fldcw_m2byte:
                if (!FpRead(ea, 2)) return false;
                x87.Fcw = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(fpBuf) | 0x40); // bit 6 reads as 1
                UpdateEs();
                return true;
            case Code.Fnstenv_m28byte: case Code.Fnstenv_m14byte:
            {
                int n = WriteEnv(fpBuf, c == Code.Fnstenv_m28byte);
                if (!FpWrite(ea, n)) return false;
                x87.Fcw |= 0x3F;                                     // fnstenv then masks every exception,
                UpdateEs();                                          // so nothing is pending (the host: cpu diff seed 2)
                return true;
            }
            case Code.Fldenv_m28byte: case Code.Fldenv_m14byte:
            {
                bool wide = c == Code.Fldenv_m28byte;
                if (!FpRead(ea, EnvSize(wide))) return false;
                ReadEnv(fpBuf, wide);
                return true;
            }
            case Code.Fnsave_m108byte: case Code.Fnsave_m94byte:
            {
                int n = WriteEnv(fpBuf, c == Code.Fnsave_m108byte);
                for (int k = 0; k < 8; k++) St(k).Write(fpBuf.AsSpan(n + 10 * k));
                if (!FpWrite(ea, n + 80)) return false;
                x87.Reset();
                return true;
            }
            case Code.Frstor_m108byte: case Code.Frstor_m94byte:
            {
                bool wide = c == Code.Frstor_m108byte;
                int n = EnvSize(wide);
                if (!FpRead(ea, n + 80)) return false;
                ReadEnv(fpBuf, wide);
                for (int k = 0; k < 8; k++) St(k) = Float80.Read(fpBuf.AsSpan(n + 10 * k));
                return true;
            }
            case Code.Fxsave_m512byte: case Code.Fxsave64_m512byte:
                if (SseMisaligned(ea)) return false;
                WriteFxsave(fpBuf, c == Code.Fxsave64_m512byte);
                return FpWrite(ea, 416);
            case Code.Fxrstor_m512byte: case Code.Fxrstor64_m512byte:
                if (SseMisaligned(ea)) return false;
                if (!FpRead(ea, 416)) return false;
                if (BinaryPrimitives.ReadUInt32LittleEndian(fpBuf.AsSpan(24)) > 0xFFFF)
                {
                    trap = new Trap(Vector.GeneralProtection, 0);
                    detail = "fxrstor: reserved MXCSR bits set";
                    return false;
                }
                ReadFxsave(fpBuf, c == Code.Fxrstor64_m512byte);
                return true;
        }
        throw new InvalidOperationException($"no x87 handler for {c}");
    }

    /// <summary>A 66-bit constant: its top 64 bits and the two bits after, rounded by RC (SDM §8.3.8: not by PC).</summary>
    private Float80 Constant(ushort se, ulong sig, int next)
    {
        bool up = X87Math.Rounding(x87.Fcw) switch { X87Math.RoundNearest => next >= 2, X87Math.RoundUp => next != 0, _ => false };
        return new Float80(se, up ? sig + 1 : sig);
    }

    /// <summary>
    /// DE for a denormal m32/m64 operand counts only when ST(0) is a valid number: next to an empty register, a NaN or an
    /// unsupported encoding the host reports no DE (NaN and invalid handling come first), nor when it divides by zero.
    /// </summary>
    private X87Exc MemDenormal(X87Exc e, FpOp op = FpOp.Add)
    {
        if ((e & X87Exc.DE) == 0) return e;
        if (StEmpty(0) || St(0).IsNaN || St(0).Class == Float80Class.Unsupported) return e & ~X87Exc.DE;
        if (op == FpOp.Divr && St(0).Class == Float80Class.Zero) return e & ~X87Exc.DE;   // m / 0: ZE alone (host)
        return e;
    }

    private bool ArithMem(ulong ea, int size, bool integer, FpOp op)
    {
        X87Exc e = 0;
        if (!MemOperand(ea, size, integer, out Float80 m, ref e, operand: true)) return false;
        e = MemDenormal(e, op);
        if (StEmpty(0)) { Arith(op, 0, Float80.Indefinite, m, e | StackFaultExc, true, false); return true; }
        Arith(op, 0, St(0), m, e, false, false);
        return true;
    }

    private void ArithReg(FpOp op, int dst, int src, bool pop)
    {
        if (StEmpty(dst) || StEmpty(src)) { Arith(op, dst, default, default, StackFaultExc, true, pop); return; }
        Arith(op, dst, St(dst), St(src), 0, false, pop);
    }

    /// <summary>ST(dst) = a op b (fsubr/fdivr: b op a), then pop when asked; a stack underflow gives the indefinite.</summary>
    private void Arith(FpOp op, int dst, Float80 a, Float80 b, X87Exc e, bool underflow, bool pop)
    {
        ushort fcw = x87.Fcw;
        Float80 r;
        if (underflow)
        {
            Signal(e);
            if (!Masked(X87Exc.IE)) return;
            r = Float80.Indefinite;
        }
        else
        {
            r = op switch
            {
                FpOp.Add => X87Math.Add(a, b, fcw, ref e),
                FpOp.Sub => X87Math.Sub(a, b, fcw, ref e),
                FpOp.Subr => X87Math.Sub(b, a, fcw, ref e),
                FpOp.Mul => X87Math.Mul(a, b, fcw, ref e),
                FpOp.Div => X87Math.Div(a, b, fcw, ref e),
                _ => X87Math.Div(b, a, fcw, ref e),
            };
            Signal(e);
            if (X87Math.Suppresses(e, fcw)) return;
        }
        StWrite(dst, r);
        if (pop) Pop();
    }

    /// <summary>ST(0) = v after a one-operand instruction, unless an unmasked IE/DE/ZE forbids it.</summary>
    private void Unary(X87Exc e, Float80 v)
    {
        Signal(e);
        if (X87Math.Suppresses(e, x87.Fcw)) return;
        StWrite(0, v);
    }

    private void CompareReg(int s, bool quiet, int pops, bool eflags)
    {
        if (StEmpty(0) || StEmpty(s)) { CompareSt(default, quiet, 0, pops, eflags, false); return; }
        CompareSt(St(s), quiet, 0, pops, eflags, true);
    }

    /// <summary>
    /// Compares ST(0) with <paramref name="b"/> (or, when <paramref name="valid"/> is false, raises the stack underflow):
    /// C3/C2/C0 or ZF/PF/CF = 000 greater, 001 less, 100 equal, 111 unordered; C1 = 0; then <paramref name="pops"/> pops.
    /// An unmasked IE or DE still sets C3/C2/C0 or the flags (host) but pops nothing.
    /// </summary>
    private void CompareSt(Float80 b, bool quiet, X87Exc e, int pops, bool eflags, bool valid)
    {
        X87Math.Order o;
        if (!valid) { e |= StackFaultExc; o = X87Math.Order.Unordered; }
        else o = X87Math.Compare(St(0), b, quiet, ref e);
        Signal(e);
        bool suppressed = X87Math.Suppresses(e, x87.Fcw);     // the codes and flags are set all the same (host)
        int bits = o switch { X87Math.Order.Greater => 0, X87Math.Order.Less => 1, X87Math.Order.Equal => 4, _ => 7 };
        if (eflags)
        {
            ulong f = Flags & ~(ZF | PF | CF | OF | SF | AF);
            if ((bits & 1) != 0) f |= CF;
            if ((bits & 2) != 0) f |= PF;
            if ((bits & 4) != 0) f |= ZF;
            rflags = f;
            if (suppressed) return;
        }
        else
        {
            ushort cc = (ushort)(((bits & 1) != 0 ? FswC0 : 0) | ((bits & 2) != 0 ? FswC2 : 0) | ((bits & 4) != 0 ? FswC3 : 0));
            x87.Fsw = (ushort)((x87.Fsw & ~FswCc) | cc);   // set even when the exception is unmasked (host)
            if (suppressed) return;
        }
        for (int k = 0; k < pops; k++) Pop();
    }

    /// <summary>fxam: C3 C2 C0 = the class of ST(0) (000 unsupported, 001 NaN, 010 normal, 011 infinity, 100 zero, 101 empty, 110 denormal); C1 = its sign.</summary>
    private void Fxam()
    {
        Float80 v = St(0);
        int cls = StEmpty(0) ? 5 : v.Class switch
        {
            Float80Class.Unsupported => 0, Float80Class.QNaN or Float80Class.SNaN => 1, Float80Class.Normal => 2,
            Float80Class.Infinity => 3, Float80Class.Zero => 4, _ => 6,
        };
        ushort cc = (ushort)(((cls & 1) != 0 ? FswC0 : 0) | ((cls & 2) != 0 ? FswC2 : 0) | ((cls & 4) != 0 ? FswC3 : 0) | (v.Sign ? FswC1 : 0));
        x87.Fsw = (ushort)((x87.Fsw & ~FswCc) | cc);
    }

    /// <summary>
    /// fxtract: ST(0) becomes the exponent and the significand is pushed (<see cref="X87Math.Extract"/>). An empty ST(0)
    /// is the stack underflow (C1 = 0), checked before a full ST(7), the overflow (C1 = 1); masked, both registers get the
    /// real indefinite (host, also when ST(7) was full). An unmasked IE, DE or ZE changes neither register nor TOP (host).
    /// </summary>
    private void Fxtract()
    {
        X87Exc e = 0;
        Float80 exponent, significand;
        if (StEmpty(0) || !StEmpty(7))
        {
            e = StEmpty(0) ? StackFaultExc : StackFaultExc | X87Exc.C1;
            exponent = significand = Float80.Indefinite;
        }
        else exponent = X87Math.Extract(St(0), ref e, out significand);
        Signal(e);
        if (X87Math.Suppresses(e, x87.Fcw)) return;
        StWrite(0, exponent);
        SetTop(x87.Top - 1);
        StWrite(0, significand);
    }

    // ------------------------------------------------------------------ environment images

    /// <summary>The protected-mode environment's size: 28 bytes with the 32-bit operand size, 14 with 0x66 (SDM Vol. 1 §8.1.10).</summary>
    private static int EnvSize(bool wide) => wide ? 28 : 14;

    /// <summary>
    /// The protected-mode environment image, its size returned. <paramref name="wide"/> (32-bit operand size, SDM Vol. 1
    /// Figure 8-9): 28 bytes, reserved halves stored as 0xFFFF, as the host does. Otherwise (0x66, Figure 8-10): 14 bytes
    /// of words FCW, FSW, FTW, FIP's low 16 bits, FCS, FDP's low 16 bits, FDS, no FOP (host: the same words, FCS 0x33 under
    /// Linux); the selectors are the 32-bit form's.
    /// </summary>
    private int WriteEnv(byte[] b, bool wide)
    {
        var x = x87;
        if (!wide)
        {
            void H(int off, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(off), v);
            H(0, x.Fcw); H(2, x.Fsw); H(4, x.FullTag());
            H(6, (ushort)x.Fip); H(8, x.Fcs);
            H(10, (ushort)x.Fdp); H(12, x.Fds);
            return 14;
        }
        void W(int off, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(off), v);
        W(0, 0xFFFF_0000u | x.Fcw);
        W(4, 0xFFFF_0000u | x.Fsw);
        W(8, 0xFFFF_0000u | x.FullTag());
        W(12, (uint)x.Fip);
        W(16, ((uint)(x.Fop & 0x7FF) << 16) | x.Fcs);
        W(20, (uint)x.Fdp);
        W(24, 0xFFFF_0000u | x.Fds);
        return 28;
    }

    /// <summary>
    /// fldenv/frstor: the image <see cref="WriteEnv"/> describes. The 16-bit image loads FIP and FDP as their low 16 bits
    /// (zero-extended) and has no FOP, so FOP becomes 0 (host: fnstenv after fldenv m14 gives FIP 0x1234, FOP 0).
    /// </summary>
    private void ReadEnv(byte[] b, bool wide)
    {
        var x = x87;
        if (!wide)
        {
            ushort H(int off) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(off));
            x.Fcw = (ushort)(H(0) | 0x40);
            x.Fsw = H(2);
            x.SetFullTag(H(4));
            x.Fip = H(6); x.Fcs = H(8); x.Fop = 0; x.Fdp = H(10); x.Fds = H(12);
            UpdateEs();
            return;
        }
        x.Fcw = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(b) | 0x40);
        x.Fsw = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(4));
        x.SetFullTag(BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(8)));
        x.Fip = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(12));
        x.Fcs = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(16));
        x.Fop = (ushort)((BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(16)) >> 16) & 0x7FF);
        x.Fdp = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(20));
        x.Fds = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(24));
        UpdateEs();
    }

    /// <summary>The legacy region of the fxsave image (bytes 0..415): x87, MXCSR, XMM0-15 (64-bit pointers with REX.W).</summary>
    private void WriteFxsave(byte[] b, bool wide)
    {
        var x = x87;
        Array.Clear(b, 0, 416);
        var s = b.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s, x.Fcw);
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], x.Fsw);
        b[4] = (byte)~x.Empty;
        if ((x.Fsw & FswEs) != 0)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s[6..], x.Fop);
            if (wide) { BinaryPrimitives.WriteUInt64LittleEndian(s[8..], x.Fip); BinaryPrimitives.WriteUInt64LittleEndian(s[16..], x.Fdp); }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(s[8..], (uint)x.Fip); BinaryPrimitives.WriteUInt16LittleEndian(s[12..], x.Fcs);
                BinaryPrimitives.WriteUInt32LittleEndian(s[16..], (uint)x.Fdp); BinaryPrimitives.WriteUInt16LittleEndian(s[20..], x.Fds);
            }
        }
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], mxcsr);
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], 0xFFFF);   // MXCSR_MASK: bits 0-15 writable (DAZ too), as ldmxcsr accepts
        for (int k = 0; k < 8; k++) St(k).Write(s[(32 + 16 * k)..]);
        for (int k = 0; k < 16; k++) BinaryPrimitives.WriteUInt128LittleEndian(s[(160 + 16 * k)..], xmm[k]);
    }

    private void ReadFxsave(byte[] b, bool wide)
    {
        var x = x87;
        var s = b.AsSpan();
        x.Fcw = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(s) | 0x40);
        x.Fsw = BinaryPrimitives.ReadUInt16LittleEndian(s[2..]);
        x.Empty = (byte)~b[4];
        x.Fop = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(s[6..]) & 0x7FF);
        x.Fip = wide ? BinaryPrimitives.ReadUInt64LittleEndian(s[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
        x.Fdp = wide ? BinaryPrimitives.ReadUInt64LittleEndian(s[16..]) : BinaryPrimitives.ReadUInt32LittleEndian(s[16..]);
        x.Fcs = wide ? (ushort)0 : BinaryPrimitives.ReadUInt16LittleEndian(s[12..]);
        x.Fds = wide ? (ushort)0 : BinaryPrimitives.ReadUInt16LittleEndian(s[20..]);
        for (int k = 0; k < 8; k++) St(k) = Float80.Read(s[(32 + 16 * k)..]);
        for (int k = 0; k < 16; k++) xmm[k] = BinaryPrimitives.ReadUInt128LittleEndian(s[(160 + 16 * k)..]);
        mxcsr = BinaryPrimitives.ReadUInt32LittleEndian(s[24..]);   // reserved bits were refused (#GP) before
        UpdateEs();
    }
}
