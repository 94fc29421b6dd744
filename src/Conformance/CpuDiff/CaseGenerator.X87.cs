using Iced.Intel;
using L4Conf.Model.Machine;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// x87 cases. A case carries no FPU registers, so both sides start from the fninit state (native_cpu.c runs fninit
/// before each case, the model's CpuState starts there) and everything goes through memory: the case sets FCW
/// (fldcw, random precision, rounding and, one time in five, unmasked exceptions), loads two operands (m80, m64, m32 or
/// fild m16/m32/m64; edge values: zeros, denormals, pseudo-denormals, unnormals, infinities, QNaN/SNaN,
/// pseudo-NaN/infinity, integer edges), runs the instruction under test, and stores FSW and FCW (fnstsw, fnstcw) and
/// then ST(0) and ST(1) (fstp m80). The stored bytes are compared; an unmasked exception shows as #MF at the first
/// fstp, which is a waiting instruction.
/// </summary>
public sealed partial class CaseGenerator
{
    /// <summary>x87 codes of supported mnemonics that the table-driven forms leave out, with why (listed in the report).</summary>
    private static readonly Dictionary<Code, string> X87Excluded = new()
    {
        [Code.Fxsave_m512byte] = X87Image, [Code.Fxsave64_m512byte] = X87Image, [Code.Fxrstor_m512byte] = X87Image, [Code.Fxrstor64_m512byte] = X87Image,
    };

    private const string X87Image = "as x87: forms only (a 512-byte image at a fixed aligned place, with the case's XMM0-15 and MXCSR)";

    /// <summary>
    /// KNOWN DIFFERENCE, not generated: fscale with an unmasked overflow or underflow. The SDM wraps the exponent by
    /// 24576; the host (AMD EPYC) gave exponent 0x2040 for 1.0*2^(0x7FF0-16383) scaled by 40 (0x2018 by the SDM) and
    /// 0x5FC0 for an underflow by -40 (0x5FE8), as if it scaled twice. The model follows the SDM.
    /// </summary>
    public const string X87FscaleWrap = "fscale with unmasked OE/UE: the host's wrapped exponent is not the SDM's (scaled twice); cases keep OE/UE masked";

    /// <summary>Where a case's x87 data lives: RSI points here (operands at +0/+0x10, the memory operand at +0x30, FCW at +0x40, results from +0x60).</summary>
    public const ulong X87Base = CaseLayout.Data1 + 0x100;

    /// <summary>Where the case stores FSW (fnstsw), then ST(0) and ST(1) (fstp m80), relative to <see cref="X87Base"/>.</summary>
    public const int X87FswAt = 0x60, X87St0At = 0x70, X87St1At = 0x80;

    /// <summary>
    /// An x87 test; <paramref name="Vector"/>: the case also carries random XMM0-15 and MXCSR (the fxsave image holds them);
    /// <paramref name="Operands"/>: how the operands are drawn when not the usual classes.
    /// </summary>
    private sealed record X87Test(string Name, Code Code, Action<Assembler> Emit, int Loads = 2, bool Vector = false, X87Operands Operands = X87Operands.Usual);

    /// <summary>
    /// Operand draws beyond the usual: a packed BCD memory operand of decimal digits only (<see cref="BcdDigits"/>) or of
    /// any nibbles (<see cref="BcdAnyNibbles"/>: A-F are undefined by the SDM; the model's choice is the host's and QEMU's,
    /// <see cref="X87Math.FromBcd"/>, so such cases compare that choice, not the architecture); an fbstp source near the
    /// BCD range (<see cref="BcdRange"/>: integers and quarters of every digit count, and around 10^18); an ST(0) at the
    /// bottom of the range (<see cref="Tiny"/>: zeros, denormals, pseudo-denormals, the smallest normals); an ST(0) a
    /// transcendental treats apart (<see cref="Transcendental"/>, <see cref="X87Argument"/>); these three load m80.
    /// </summary>
    private enum X87Operands { Usual, BcdDigits, BcdAnyNibbles, BcdRange, Tiny, Transcendental }

    private static AssemblerMemoryOperand X87Mem => __[rsi + 0x30];

    private static IEnumerable<X87Test> X87Tests()
    {
        foreach (var (n, rr, ri, rp) in new (string, Action<Assembler>, Action<Assembler>, Action<Assembler>)[]
        {
            ("fadd", a => a.fadd(st0, st1), a => a.fadd(st1, st0), a => a.faddp(st1, st0)),
            ("fsub", a => a.fsub(st0, st1), a => a.fsub(st1, st0), a => a.fsubp(st1, st0)),
            ("fsubr", a => a.fsubr(st0, st1), a => a.fsubr(st1, st0), a => a.fsubrp(st1, st0)),
            ("fmul", a => a.fmul(st0, st1), a => a.fmul(st1, st0), a => a.fmulp(st1, st0)),
            ("fdiv", a => a.fdiv(st0, st1), a => a.fdiv(st1, st0), a => a.fdivp(st1, st0)),
            ("fdivr", a => a.fdivr(st0, st1), a => a.fdivr(st1, st0), a => a.fdivrp(st1, st0)),
        })
        {
            yield return new(n + " st0,st1", Enum.Parse<Code>(Cap(n) + "_st0_sti"), rr);
            yield return new(n + " st1,st0", Enum.Parse<Code>(Cap(n) + "_sti_st0"), ri);
            yield return new(n + "p st1,st0", Enum.Parse<Code>(Cap(n) + "p_sti_st0"), rp);
        }
        yield return new("fadd m32", Code.Fadd_m32fp, a => a.fadd(__dword_ptr[X87Mem]));
        yield return new("fmul m64", Code.Fmul_m64fp, a => a.fmul(__qword_ptr[X87Mem]));
        yield return new("fsub m64", Code.Fsub_m64fp, a => a.fsub(__qword_ptr[X87Mem]));
        yield return new("fdivr m32", Code.Fdivr_m32fp, a => a.fdivr(__dword_ptr[X87Mem]));
        yield return new("fiadd m16", Code.Fiadd_m16int, a => a.fiadd(__word_ptr[X87Mem]));
        yield return new("fidiv m32", Code.Fidiv_m32int, a => a.fidiv(__dword_ptr[X87Mem]));
        yield return new("fisubr m32", Code.Fisubr_m32int, a => a.fisubr(__dword_ptr[X87Mem]));
        yield return new("fimul m16", Code.Fimul_m16int, a => a.fimul(__word_ptr[X87Mem]));
        yield return new("fchs", Code.Fchs, a => a.fchs());
        yield return new("fabs", Code.Fabs, a => a.fabs());
        yield return new("fsqrt", Code.Fsqrt, a => a.fsqrt());
        yield return new("frndint", Code.Frndint, a => a.frndint());
        yield return new("fscale", Code.Fscale, a => a.fscale());
        yield return new("fprem", Code.Fprem, a => a.fprem());
        yield return new("fprem1", Code.Fprem1, a => a.fprem1());
        yield return new("fxtract", Code.Fxtract, a => a.fxtract());
        yield return new("fxtract tiny", Code.Fxtract, a => a.fxtract(), Operands: X87Operands.Tiny);
        yield return new("fxtract empty", Code.Fxtract, a => { a.ffree(st0); a.fxtract(); });
        yield return new("fxtract full", Code.Fxtract, a => { for (int k = 0; k < 6; k++) a.fld1(); a.fxtract(); });
        // The transcendentals, on the usual classes and (X87Operands.Transcendental) on each one's own arguments. fxam
        // first sets C0-C3 from ST(0)'s class (no exception, no stack change): which codes each one keeps is compared.
        foreach (var (n, c, e) in new (string, Code, Action<Assembler>)[]
        {
            ("fsin", Code.Fsin, a => { a.fxam(); a.fsin(); }), ("fcos", Code.Fcos, a => { a.fxam(); a.fcos(); }),
            ("fsincos", Code.Fsincos, a => { a.fxam(); a.fsincos(); }), ("fptan", Code.Fptan, a => { a.fxam(); a.fptan(); }),
            ("f2xm1", Code.F2xm1, a => { a.fxam(); a.f2xm1(); }), ("fpatan", Code.Fpatan, a => { a.fxam(); a.fpatan(); }),
            ("fyl2x", Code.Fyl2x, a => { a.fxam(); a.fyl2x(); }), ("fyl2xp1", Code.Fyl2xp1, a => { a.fxam(); a.fyl2xp1(); }),
        })
        {
            yield return new(n, c, e);
            yield return new(n + " range", c, e, Operands: X87Operands.Transcendental);
            yield return new(n + " empty", c, a => { a.ffree(c is Code.Fpatan or Code.Fyl2x or Code.Fyl2xp1 ? st1 : st0); e(a); });
        }
        yield return new("fptan full", Code.Fptan, a => { for (int k = 0; k < 6; k++) a.fld1(); a.fxam(); a.fptan(); });
        yield return new("fsincos full", Code.Fsincos, a => { for (int k = 0; k < 6; k++) a.fld1(); a.fxam(); a.fsincos(); });
        yield return new("fbld", Code.Fbld_m80bcd, a => a.fbld(__tword_ptr[X87Mem]), Operands: X87Operands.BcdDigits);
        yield return new("fbld any nibbles (undefined: the host's value)", Code.Fbld_m80bcd, a => a.fbld(__tword_ptr[X87Mem]), Operands: X87Operands.BcdAnyNibbles);
        yield return new("fbld full", Code.Fbld_m80bcd, a => { for (int k = 0; k < 6; k++) a.fld1(); a.fbld(__tword_ptr[X87Mem]); }, Operands: X87Operands.BcdDigits);
        yield return new("fbstp", Code.Fbstp_m80bcd, a => a.fbstp(__tword_ptr[X87Mem]), Operands: X87Operands.BcdRange);
        yield return new("fbstp any", Code.Fbstp_m80bcd, a => a.fbstp(__tword_ptr[X87Mem]));
        yield return new("fbstp empty", Code.Fbstp_m80bcd, a => { a.ffree(st0); a.fbstp(__tword_ptr[X87Mem]); });
        yield return new("fxam", Code.Fxam, a => a.fxam());
        yield return new("fxam empty", Code.Fxam, a => { a.ffree(st0); a.fxam(); });
        yield return new("ftst", Code.Ftst, a => a.ftst());
        yield return new("fxch", Code.Fxch_st0_sti, a => a.fxch(st0, st1));
        yield return new("fxch empty", Code.Fxch_st0_sti, a => a.fxch(st0, st3));
        yield return new("fld st1", Code.Fld_sti, a => a.fld(st1));
        yield return new("fst st1", Code.Fst_sti, a => a.fst(st1));
        yield return new("fstp st1", Code.Fstp_sti, a => a.fstp(st1));
        yield return new("ffree", Code.Ffree_sti, a => a.ffree(st1));
        yield return new("ffreep", Code.Ffreep_sti, a => a.ffreep(st1));
        yield return new("fincstp", Code.Fincstp, a => a.fincstp());
        yield return new("fdecstp", Code.Fdecstp, a => a.fdecstp());
        yield return new("fnop", Code.Fnop, a => a.fnop());
        yield return new("fwait", Code.Wait, a => a.wait());
        yield return new("fnclex", Code.Fnclex, a => a.fnclex());
        yield return new("fninit", Code.Fninit, a => a.fninit());
        yield return new("fld1", Code.Fld1, a => a.fld1());
        yield return new("fldz", Code.Fldz, a => a.fldz());
        yield return new("fldpi", Code.Fldpi, a => a.fldpi());
        yield return new("fldl2e", Code.Fldl2e, a => a.fldl2e());
        yield return new("fldl2t", Code.Fldl2t, a => a.fldl2t());
        yield return new("fldlg2", Code.Fldlg2, a => a.fldlg2());
        yield return new("fldln2", Code.Fldln2, a => a.fldln2());
        yield return new("fld overflow", Code.Fld1, a => { for (int k = 0; k < 7; k++) a.fld1(); }, Loads: 2);
        yield return new("fcom st1", Code.Fcom_st0_sti, a => a.fcom(st0, st1));
        yield return new("fcomp st1", Code.Fcomp_st0_sti, a => a.fcomp(st0, st1));
        yield return new("fcompp", Code.Fcompp, a => a.fcompp());
        yield return new("fucom st1", Code.Fucom_st0_sti, a => a.fucom(st0, st1));
        yield return new("fucomp st1", Code.Fucomp_st0_sti, a => a.fucomp(st0, st1));
        yield return new("fucompp", Code.Fucompp, a => a.fucompp());
        yield return new("fcom m64", Code.Fcom_m64fp, a => a.fcom(__qword_ptr[X87Mem]));
        yield return new("fcomp m32", Code.Fcomp_m32fp, a => a.fcomp(__dword_ptr[X87Mem]));
        yield return new("ficom m16", Code.Ficom_m16int, a => a.ficom(__word_ptr[X87Mem]));
        yield return new("ficomp m32", Code.Ficomp_m32int, a => a.ficomp(__dword_ptr[X87Mem]));
        yield return new("fcomi", Code.Fcomi_st0_sti, a => a.fcomi(st0, st1));
        yield return new("fcomip", Code.Fcomip_st0_sti, a => a.fcomip(st0, st1));
        yield return new("fucomi", Code.Fucomi_st0_sti, a => a.fucomi(st0, st1));
        yield return new("fucomip", Code.Fucomip_st0_sti, a => a.fucomip(st0, st1));
        foreach (var (n, c, e) in new (string, Code, Action<Assembler>)[]
        {
            ("fcmovb", Code.Fcmovb_st0_sti, a => a.fcmovb(st0, st1)), ("fcmove", Code.Fcmove_st0_sti, a => a.fcmove(st0, st1)),
            ("fcmovbe", Code.Fcmovbe_st0_sti, a => a.fcmovbe(st0, st1)), ("fcmovu", Code.Fcmovu_st0_sti, a => a.fcmovu(st0, st1)),
            ("fcmovnb", Code.Fcmovnb_st0_sti, a => a.fcmovnb(st0, st1)), ("fcmovne", Code.Fcmovne_st0_sti, a => a.fcmovne(st0, st1)),
            ("fcmovnbe", Code.Fcmovnbe_st0_sti, a => a.fcmovnbe(st0, st1)), ("fcmovnu", Code.Fcmovnu_st0_sti, a => a.fcmovnu(st0, st1)),
        })
            yield return new(n, c, e);
        yield return new("fst m32", Code.Fst_m32fp, a => a.fst(__dword_ptr[X87Mem]));
        yield return new("fst m64", Code.Fst_m64fp, a => a.fst(__qword_ptr[X87Mem]));
        yield return new("fstp m32", Code.Fstp_m32fp, a => a.fstp(__dword_ptr[X87Mem]));
        yield return new("fstp m64", Code.Fstp_m64fp, a => a.fstp(__qword_ptr[X87Mem]));
        yield return new("fstp m80", Code.Fstp_m80fp, a => a.fstp(__tword_ptr[X87Mem]));
        yield return new("fist m16", Code.Fist_m16int, a => a.fist(__word_ptr[X87Mem]));
        yield return new("fist m32", Code.Fist_m32int, a => a.fist(__dword_ptr[X87Mem]));
        yield return new("fistp m16", Code.Fistp_m16int, a => a.fistp(__word_ptr[X87Mem]));
        yield return new("fistp m32", Code.Fistp_m32int, a => a.fistp(__dword_ptr[X87Mem]));
        yield return new("fistp m64", Code.Fistp_m64int, a => a.fistp(__qword_ptr[X87Mem]));
        yield return new("fisttp m16", Code.Fisttp_m16int, a => a.fisttp(__word_ptr[X87Mem]));
        yield return new("fisttp m32", Code.Fisttp_m32int, a => a.fisttp(__dword_ptr[X87Mem]));
        yield return new("fisttp m64", Code.Fisttp_m64int, a => a.fisttp(__qword_ptr[X87Mem]));
        yield return new("fnstsw ax", Code.Fnstsw_AX, a => a.fnstsw(ax));
        yield return new("fldcw", Code.Fldcw_m2byte, a => a.fldcw(__word_ptr[X87Mem]));
        yield return new("fnstenv", Code.Fnstenv_m28byte, a => { a.fninit(); a.fnstenv(__[rsi + 0xA0]); });
        yield return new("fldenv", Code.Fldenv_m28byte, a => { a.fnstenv(__[rsi + 0xA0]); X87ClearSelectors(a); a.fldenv(__[rsi + 0xA0]); });
        yield return new("frstor", Code.Frstor_m108byte, a => { a.fnsave(__[rsi + 0xA0]); X87ClearSelectors(a); a.frstor(__[rsi + 0xA0]); });
        // The 16-bit images (0x66, SDM Vol. 1 Figure 8-10) at RSI+0xA0, their FCS/FDS words cleared as above; FIP, FDP (low
        // words) and the rest are compared. "fldenv m14 pointers" stores the 32-bit image after the load: FIP and FDP
        // zero-extended, FOP 0 (the 16-bit image has none).
        yield return new("fnstenv m14", Code.Fnstenv_m14byte, a => { X87Env16(a, Code.Fnstenv_m14byte); X87ClearSelectors16(a); });
        yield return new("fldenv m14", Code.Fldenv_m14byte, a => { X87Env16(a, Code.Fnstenv_m14byte); X87ClearSelectors16(a); X87Env16(a, Code.Fldenv_m14byte); });
        yield return new("fldenv m14 pointers", Code.Fldenv_m14byte, a =>
        {
            X87Env16(a, Code.Fnstenv_m14byte); X87ClearSelectors16(a); X87Env16(a, Code.Fldenv_m14byte);
            a.fnstenv(__[rsi + 0xC0]);
            a.mov(__word_ptr[rsi + 0xD0], 0);      // FCS: the host keeps what fldenv loaded, the model stores Fiasco's
            a.mov(__word_ptr[rsi + 0xD8], 0);
        });
        yield return new("fnsave m94", Code.Fnsave_m94byte, a => { X87Env16(a, Code.Fnsave_m94byte); X87ClearSelectors16(a); });
        yield return new("frstor m94", Code.Frstor_m94byte, a => { X87Env16(a, Code.Fnsave_m94byte); X87ClearSelectors16(a); X87Env16(a, Code.Frstor_m94byte); });
        // fxsave images at RSI+0x200 (16-byte aligned): x87, MXCSR and XMM0-15 from the case; the 32-bit format's FCS/FDS words
        // (the OS's selectors, stored only while ES is set) are cleared as for fnstenv. fxrstor takes back an edited image.
        yield return new("fxsave", Code.Fxsave_m512byte, a => { a.fxsave(__[rsi + 0x200]); X87ClearFxHostWords(a, selectors: true); }, Vector: true);
        yield return new("fxsave64", Code.Fxsave64_m512byte, a => { a.fxsave64(__[rsi + 0x200]); X87ClearFxHostWords(a, selectors: false); }, Vector: true);
        // (the image's host words are cleared at once: a pending #MF may stop the case at the next waiting instruction)
        yield return new("fxrstor", Code.Fxrstor_m512byte, a => { a.fxsave(__[rsi + 0x200]); X87ClearFxHostWords(a, selectors: true); a.fldpi(); a.fxrstor(__[rsi + 0x200]); a.stmxcsr(__dword_ptr[rsi + 0x90]); }, Vector: true);
        yield return new("fxrstor64", Code.Fxrstor64_m512byte, a => { a.fxsave64(__[rsi + 0x200]); X87ClearFxHostWords(a, selectors: false); a.fninit(); a.fxrstor64(__[rsi + 0x200]); a.stmxcsr(__dword_ptr[rsi + 0x90]); }, Vector: true);
    }

    /// <summary>
    /// Zeroes the FCS and FDS words of the image at RSI+0xA0 before it is compared: they are the operating system's user
    /// selectors (<see cref="CpuComparer.X87SelectorReason"/>); in 64-bit mode fldenv/frstor ignore them.
    /// </summary>
    private static void X87ClearSelectors(Assembler a)
    {
        a.mov(__word_ptr[rsi + 0xB0], 0);
        a.mov(__word_ptr[rsi + 0xB8], 0);
    }

    /// <summary>A 16-bit environment form (0x66; the assembler picks the 32-bit ones) on the image at RSI+0xA0.</summary>
    private static void X87Env16(Assembler a, Code code) => a.AddInstruction(Instruction.Create(code, new MemoryOperand(Register.RSI, 0xA0)));

    /// <summary>The FCS and FDS words of the 16-bit image at RSI+0xA0 (bytes 8 and 12), zeroed as <see cref="X87ClearSelectors"/>.</summary>
    private static void X87ClearSelectors16(Assembler a)
    {
        a.mov(__word_ptr[rsi + 0xA8], 0);
        a.mov(__word_ptr[rsi + 0xAC], 0);
    }

    /// <summary>
    /// The words of the fxsave image at RSI+0x200 that describe the host, not the case: in the 32-bit format the FCS and
    /// FDS words (bytes 12 and 20, as <see cref="X87ClearSelectors"/>), and in both the high half of MXCSR_MASK (bytes
    /// 30-31): the AMD host sets bit 17 (MisAlignSse), which the captured qemu64 CPU lacks (its fxsave stores 0xffff).
    /// </summary>
    private static void X87ClearFxHostWords(Assembler a, bool selectors)
    {
        if (selectors)
        {
            a.mov(__word_ptr[rsi + 0x20C], 0);
            a.mov(__word_ptr[rsi + 0x214], 0);
        }
        a.mov(__word_ptr[rsi + 0x21E], 0);
    }

    private static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    private IEnumerable<Form> X87Forms()
    {
        var supported = InstructionSet.Supported.ToHashSet();
        foreach (var t in X87Tests())
        {
            string mn = t.Code.Mnemonic().ToString().ToLowerInvariant();
            if (!supported.Contains(mn)) continue;
            yield return new Form("x87:" + t.Name, mn, t.Code, true, rng => X87Case(t, mn, rng));
        }
    }

    private static GeneratedCase? X87Case(X87Test t, string mn, Random rng)
    {
        var d = NewDraft(rng);
        d.Regs[(int)Reg.Rsi] = X87Base;
        if (t.Vector) VectorState(rng, d);
        var words = new List<(ulong, ulong)>();
        var a = X87Value(rng, null);
        var b = t.Operands switch
        {
            X87Operands.BcdRange => X87BcdSource(rng),
            X87Operands.Tiny => X87Tiny(rng),
            X87Operands.Transcendental => X87Argument(rng, t.Code),
            _ => X87Value(rng, rng.Next(4) == 0 ? a : null),
        };
        int pc = new[] { 0, 2, 3, 3 }[rng.Next(4)];
        ushort fcw = (ushort)(0x40 | pc << 8 | rng.Next(4) << 10 | (rng.Next(5) == 0 ? rng.Next(64) : 0x3F));
        if (t.Code == Code.Fscale) fcw |= 0x18;   // OE/UE masked: X87FscaleWrap
        // The two operands, loaded in one of the memory formats (m80 keeps everything; the others are converted on loading).
        int kind = t.Operands is X87Operands.BcdRange or X87Operands.Tiny or X87Operands.Transcendental ? rng.Next(5) : rng.Next(8);
        ulong memOperand = X87MemValue(rng, t.Code);
        words.Add((X87Base + 0x00, a.Sig)); words.Add((X87Base + 0x08, a.Se));
        words.Add((X87Base + 0x10, b.Sig)); words.Add((X87Base + 0x18, b.Se));
        words.Add((X87Base + 0x30, memOperand));
        if (t.Operands is X87Operands.BcdDigits or X87Operands.BcdAnyNibbles)
        {
            var (low, high) = X87Bcd(rng, t.Operands == X87Operands.BcdAnyNibbles);
            words[^1] = (X87Base + 0x30, low);
            words.Add((X87Base + 0x38, high));
        }
        words.Add((X87Base + 0x40, fcw));
        if (kind >= 5)
        {   // m64/m32/integer forms read the first bytes of each operand slot as their value
            words[0] = (X87Base + 0x00, X87MemValue(rng, kind == 5 ? Code.Fld_m64fp : kind == 6 ? Code.Fld_m32fp : Code.Fild_m64int));
            words[2] = (X87Base + 0x10, X87MemValue(rng, kind == 5 ? Code.Fld_m64fp : kind == 6 ? Code.Fld_m32fp : Code.Fild_m32int));
        }
        var asm = new Assembler(64);
        if (t.Code != Code.Fldcw_m2byte) asm.fldcw(__word_ptr[rsi + 0x40]);
        for (int k = 0; k < t.Loads; k++)
        {
            var m = __[rsi + 0x10 * k];
            switch (kind)
            {
                case 5: asm.fld(__qword_ptr[m]); break;
                case 6: asm.fld(__dword_ptr[m]); break;
                case 7: if (k == 0) asm.fild(__qword_ptr[m]); else asm.fild(__dword_ptr[m]); break;
                default: asm.fld(__tword_ptr[m]); break;
            }
        }
        t.Emit(asm);
        int n = asm.Instructions.Count;
        asm.fnstsw(__word_ptr[rsi + 0x60]);
        asm.fnstcw(__word_ptr[rsi + 0x62]);
        asm.fstp(__tword_ptr[rsi + 0x70]);
        asm.fstp(__tword_ptr[rsi + 0x80]);
        n += 4;
        var ms = new MemoryStream();
        try { asm.Assemble(new StreamCodeWriter(ms), CaseLayout.Rip); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or EncoderException) { return null; }
        d.Words.AddRange(words);
        return Case("x87:" + t.Name, mn, rng, d, ms.ToArray(), 0, instructions: n);
    }

    /// <summary>An 80-bit operand from the classes the x87 treats apart (as x87/x87_vectors.c draws them).</summary>
    private static Float80 X87Value(Random rng, Float80? near)
    {
        ulong m = (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63);
        bool s = rng.Next(2) == 0;
        int e;
        switch (rng.Next(16))
        {
            case 0: m = 0; e = 0; break;
            case 1: m >>= 1 + rng.Next(63); e = 0; break;                                   // denormal
            case 2: m |= 1UL << 63; e = 0; break;                                           // pseudo-denormal
            case 3: m = 1UL << 63; e = 0x7FFF; break;                                       // infinity
            case 4: m |= 3UL << 62; e = 0x7FFF; break;                                      // QNaN
            case 5: m = (m | 1UL << 63 | 1) & ~(1UL << 62); e = 0x7FFF; break;              // SNaN
            case 6: m &= ~(1UL << 63); e = rng.Next(3) == 0 ? 0x7FFF : 1 + rng.Next(0x7FFE); break; // unnormal, pseudo-NaN/infinity
            case 7: m |= 1UL << 63; e = 1 + rng.Next(64); break;
            case 8: m |= 1UL << 63; e = 0x7FFE - rng.Next(64); break;
            case 9 when near is Float80 o: m = o.Sig ^ (1UL << rng.Next(8)); e = o.Exp; s = rng.Next(4) == 0 ? s : o.Sign; break;
            case 11: m = (1UL << 63) | ((ulong)rng.Next(256) << 55); e = 16383 + rng.Next(6) - 2; break;
            case 12: m |= 1UL << 63; e = 16383 + 62 + rng.Next(4); break;
            default: m |= 1UL << 63; e = 16383 + rng.Next(140) - 70; break;
        }
        return new Float80((ushort)((s ? 0x8000 : 0) | e), m);
    }

    /// <summary>
    /// An fbld operand: the low 16 digits (8 bytes) and the high word (digits 17-16, then the sign byte: bit 7 the sign,
    /// bits 0-6 junk one time in four, which fbld ignores). Few, some or all 18 digits, all nines one time in six; with
    /// <paramref name="anyNibbles"/> a third of the digits are A-F.
    /// </summary>
    private static (ulong Low, ulong High) X87Bcd(Random rng, bool anyNibbles)
    {
        int n = rng.Next(5) switch { 0 => 0, 1 => 1 + rng.Next(3), 2 => 18, _ => rng.Next(19) };
        bool nines = !anyNibbles && rng.Next(6) == 0;
        UInt128 v = 0;
        for (int k = 0; k < n; k++)
        {
            int digit = nines ? 9 : anyNibbles && rng.Next(3) == 0 ? 10 + rng.Next(6) : rng.Next(10);
            v |= (UInt128)(uint)digit << (4 * k);
        }
        ulong sign = (rng.Next(2) == 0 ? 0x80UL : 0) | (rng.Next(4) == 0 ? (ulong)rng.Next(0x80) : 0);
        return ((ulong)v, (ulong)(v >> 64) | sign << 8);
    }

    /// <summary>
    /// An fbstp source (ST(0)): an integer of 0-18 digits or (one time in three) within 1 of 10^18, plus 0, 1/4, 1/2
    /// or 3/4 (every rounding decision), either sign; one time in four one of the usual classes instead.
    /// </summary>
    private static Float80 X87BcdSource(Random rng)
    {
        if (rng.Next(4) == 0) return X87Value(rng, null);
        const long E18 = 1_000_000_000_000_000_000;
        int digits = rng.Next(19);
        long whole = rng.Next(3) == 0 ? E18 + rng.Next(-1, 2) : digits == 0 ? 0 : rng.NextInt64(Pow10(digits - 1), Pow10(digits));
        long quarters = whole * 4 + rng.Next(4);
        var v = X87Math.FromInt64(rng.Next(2) == 0 ? quarters : -quarters);
        return v.Class == Float80Class.Zero ? v : new Float80((ushort)(v.Se - 2), v.Sig);   // divided by 4, exactly
    }

    /// <summary>pi/2 of the x87 (its 66-bit pi, SDM Vol. 1 §8.3.8) times 2^67.</summary>
    private static readonly System.Numerics.BigInteger X87HalfPi = System.Numerics.BigInteger.Parse("0C90FDAA22168C234C", System.Globalization.NumberStyles.HexNumber);

    /// <summary>
    /// An ST(0) for a transcendental, either sign: for the trigonometric ones a value within a few ulps of a multiple
    /// of the x87's pi/2 (small or near 2^62), around 2^63 (the end of their range), tiny (near 2^-100, where the
    /// model's sin x = x - δ begins) or moderate; for f2xm1 one in [-1, 1] (±1 itself, and just past it); for fyl2x a
    /// positive one near 1 or a power of two; for fyl2xp1 one within 1 - sqrt(2)/2, near -1, or past the range.
    /// </summary>
    private static Float80 X87Argument(Random rng, Code c)
    {
        ulong m = (ulong)rng.NextInt64() | 1UL << 63;
        int e;
        bool neg = rng.Next(2) == 0;
        switch (c)
        {
            case Code.Fsin or Code.Fcos or Code.Fsincos or Code.Fptan:
                switch (rng.Next(4))
                {
                    case 0:
                    {
                        var k = rng.Next(2) == 0 ? new System.Numerics.BigInteger(rng.Next(1, 9)) : new System.Numerics.BigInteger(rng.NextInt64(1, long.MaxValue / 2));
                        var v = k * X87HalfPi;
                        int len = (int)v.GetBitLength();
                        m = (ulong)(v >> (len - 64)) + (ulong)rng.Next(-3, 4);
                        if ((m & 1UL << 63) == 0) m = 1UL << 63;
                        e = Float80.Bias + len - 1 - 67;
                        break;
                    }
                    case 1: e = Float80.Bias + 62 + rng.Next(2); if (rng.Next(3) == 0) m = rng.Next(2) == 0 ? 1UL << 63 : ulong.MaxValue; break;
                    case 2: e = Float80.Bias - 110 + rng.Next(20); break;
                    default: e = Float80.Bias + rng.Next(-8, 4); break;
                }
                break;
            case Code.F2xm1:
                e = Float80.Bias - 1 - rng.Next(rng.Next(2) == 0 ? 4 : 70);
                if (rng.Next(6) == 0) { e = Float80.Bias; m = 1UL << 63 | (rng.Next(2) == 0 ? 0U : (uint)rng.Next(1, 4)); }
                break;
            case Code.Fyl2x:
                neg = rng.Next(10) == 0;
                e = rng.Next(3) switch { 0 => Float80.Bias + rng.Next(-1, 1), 1 => Float80.Bias + rng.Next(-100, 100), _ => 1 + rng.Next(0x7FFE) };
                if (rng.Next(4) == 0) m = 1UL << 63;                                              // a power of two
                else if (rng.Next(3) == 0) m = e >= Float80.Bias ? 1UL << 63 | (uint)rng.Next(8) : ulong.MaxValue - (uint)rng.Next(8); // near 1
                break;
            case Code.Fyl2xp1:
                e = rng.Next(3) switch { 0 => Float80.Bias - 2 - rng.Next(70), 1 => Float80.Bias - 1, _ => Float80.Bias + rng.Next(-1, 3) };
                if (e == Float80.Bias && rng.Next(2) == 0) m = 1UL << 63 | (uint)rng.Next(3);          // -1 and just past it
                break;
            default:                                                                             // fpatan: any finite magnitude
                e = rng.Next(2) == 0 ? Float80.Bias + rng.Next(-80, 80) : 1 + rng.Next(0x7FFE);
                break;
        }
        return new Float80((ushort)((neg ? 0x8000 : 0) | e), m);
    }

    /// <summary>A zero, denormal, pseudo-denormal or one of the smallest normals (exponent 1), either sign.</summary>
    private static Float80 X87Tiny(Random rng)
    {
        ulong m = (ulong)rng.NextInt64() | (ulong)rng.Next(2) << 63;
        ushort sign = (ushort)(rng.Next(2) << 15);
        return rng.Next(4) switch
        {
            0 => new Float80(sign, 0),
            1 => new Float80(sign, (m & ~Float80.IntBit) >> rng.Next(63)),                 // denormal (nonzero but for a zero draw)
            2 => new Float80(sign, m | Float80.IntBit),                                      // pseudo-denormal
            _ => new Float80((ushort)(sign | 1), m | Float80.IntBit),
        };
    }

    private static long Pow10(int n)
    {
        long p = 1;
        while (n-- > 0) p *= 10;
        return p;
    }

    /// <summary>A memory operand for <paramref name="c"/>: m32/m64 reals with edges, integers with edges, an FCW for fldcw.</summary>
    private static ulong X87MemValue(Random rng, Code c)
    {
        string name = c.ToString();
        if (c == Code.Fldcw_m2byte) return (ulong)(rng.Next(0x10000) & 0x1F3F | 0x40);
        if (name.EndsWith("int", StringComparison.Ordinal))
            return rng.Next(4) switch { 0 => 0, 1 => (ulong)(long)rng.Next(-3, 4), 2 => Edges[rng.Next(Edges.Length)], _ => Value(rng) };
        bool single = name.EndsWith("m32fp", StringComparison.Ordinal);
        int fracBits = single ? 23 : 52, expBits = single ? 8 : 11;
        ulong frac = (ulong)rng.NextInt64() & ((1UL << fracBits) - 1), sign = (ulong)rng.Next(2) << (fracBits + expBits);
        ulong expMax = (1UL << expBits) - 1;
        ulong exp = rng.Next(8) switch
        {
            0 => 0,                                                             // zero or denormal
            1 => expMax,                                                        // infinity or NaN
            2 => 1,
            3 => expMax - 1,
            _ => (expMax >> 1) + (ulong)rng.Next(-40, 41),
        };
        if (rng.Next(6) == 0) frac = 0;
        return sign | exp << fracBits | frac;
    }
}
