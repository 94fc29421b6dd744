using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// The transcendentals' rules one at a time. Expected values are the host's (AMD EPYC) for the same instruction
/// sequence, probed with C and inline asm as in x87/x87_transcendental.c.
/// </summary>
public sealed partial class CpuTests
{
    private static readonly Float80 Half = F(0x3FFE, Float80.IntBit), Two = F(0x4000, Float80.IntBit), TwoTo63 = F(0x403E, Float80.IntBit);
    private static readonly Float80 Den = F(0x0000, 0x1234);

    /// <summary>fninit; fldcw [rdi+0x20]; fld tword [rdi] (ST1 after the second load); fld tword [rdi+0x10]; body; fnstsw ax.</summary>
    private static Machine RunTwo(Float80 st1, Float80 st0, ushort fcw, Action<Assembler> body) => RunX87(a =>
    {
        a.fldcw(__word_ptr[rdi + 0x20]);
        a.fld(__tword_ptr[rdi]);
        a.fld(__tword_ptr[rdi + 0x10]);
        body(a);
        a.fnstsw(ax);
    }, mm => { PokeF80(mm, DataVa, st1); PokeF80(mm, DataVa + 0x10, st0); mm.Bus.Poke(DataVa + 0x20, BitConverter.GetBytes(fcw)); });

    private static ushort Sw(Machine m) => (ushort)m.S.Rax;

    [Fact]
    public void Fsin_reduces_by_the_66_bit_pi_as_the_hardware_does()
    {
        // fldpi is pi rounded up (…C235): less the 66-bit pi (…C234 and binary 11) it is 2^-64, so fsin gives -2^-64 (host);
        // the true sine is -0.925 * 2^-64. Rounded down (…C234) it is 3 * 2^-64 below, so +3 * 2^-64.
        var m = RunX87(a => { a.fldpi(); a.fsin(); a.fnstsw(ax); });
        Assert.Equal(F(0xBFBF, Float80.IntBit), St(m, 0));
        Assert.Equal(0x3A20, Sw(m));                                           // C1 (rounded up), PE
        m = RunTwo(Float80.One, F(0x4000, 0xC90FDAA22168C234), Fcw, a => a.fsin());
        Assert.Equal(F(0x3FC0, 0xC000000000000000), St(m, 0));
    }

    [Fact]
    public void Trig_of_2_to_the_63_or_more_sets_C2_and_leaves_everything_else()
    {
        foreach (Action<Assembler> op in new Action<Assembler>[] { a => a.fsin(), a => a.fcos(), a => a.fptan(), a => a.fsincos() })
        {
            var m = RunTwo(Float80.One, TwoTo63, Fcw, op);
            Assert.Equal(0x3400, Sw(m));                                        // C2, TOP 6: nothing pushed, no exception
            Assert.Equal(TwoTo63, St(m, 0));
            Assert.Equal(Float80.One, St(m, 1));
        }
        var below = RunTwo(Float80.One, F(0x403D, ulong.MaxValue), Fcw, a => a.fsin());    // 2^63 - 1: reduced
        Assert.Equal(F(0x3FFE, 0xE0AB9300DA6D2684), St(below, 0));
        Assert.Equal(0x3020, Sw(below));
    }

    [Fact]
    public void Fptan_pushes_one_and_fsincos_leaves_the_sine_in_st1_with_its_C1()
    {
        var m = RunTwo(Float80.One, Half, Fcw, a => a.fptan());
        Assert.Equal(Float80.One, St(m, 0));
        Assert.Equal(F(0x3FFE, 0x8BDA7ADF9A3A5219), St(m, 1));
        Assert.Equal(0x2A20, Sw(m));                                            // TOP 5, C1, PE
        // fsincos(2): the cosine (…2522) was rounded up, the sine (…2EFD) down: C1 is the sine's.
        m = RunTwo(Float80.One, Two, Fcw, a => a.fsincos());
        Assert.Equal(F(0xBFFD, 0xD51132BA9B902522), St(m, 0));
        Assert.Equal(F(0x3FFE, 0xE8C7B7568DA22EFD), St(m, 1));
        Assert.Equal(Float80.One, St(m, 2));
        Assert.Equal(0x2820, Sw(m));
    }

    [Fact]
    public void Stack_faults_of_the_transcendentals()
    {
        // fsin of an empty ST(0): IE, SF, C1 0, the indefinite written (host FSW 0x0041).
        var m = RunX87(a => { a.fsin(); a.fnstsw(ax); });
        Assert.Equal(0x0041, Sw(m));
        Assert.Equal(Float80.Indefinite, St(m, 0));
        // fptan with all eight full: IE, SF, C1 1, ST(0) and the pushed register both the indefinite (host 0x3A41).
        m = RunX87(a => { for (int k = 0; k < 8; k++) a.fld1(); a.fptan(); a.fnstsw(ax); });
        Assert.Equal(0x3A41, Sw(m));
        Assert.Equal(Float80.Indefinite, St(m, 0));
        Assert.Equal(Float80.Indefinite, St(m, 1));
        // An empty ST(0) with ST(7) full is the underflow first: C1 0 (host 0x3841).
        m = RunX87(a => { a.fld1(); a.fincstp(); a.fsincos(); a.fnstsw(ax); });
        Assert.Equal(0x3841, Sw(m));
        // Unmasked: nothing pushed or written, #MF pending (host 0x82C1).
        m = RunX87(a => { a.fldcw(__word_ptr[rdi]); for (int k = 0; k < 8; k++) a.fld1(); a.fptan(); a.fnstsw(ax); },
            mm => mm.Bus.Poke(DataVa, BitConverter.GetBytes((ushort)(Fcw & ~1))));
        Assert.Equal(0x82C1, Sw(m));
        Assert.Equal(Float80.One, St(m, 0));
        // fpatan with ST(1) empty, masked: ST(1) = the indefinite, popped (host 0x0041).
        m = RunX87(a => { a.fld1(); a.fpatan(); a.fnstsw(ax); });
        Assert.Equal(0x0041, Sw(m));
        Assert.Equal(Float80.Indefinite, St(m, 0));
    }

    [Fact]
    public void Fyl2x_of_zero_is_ZE_and_of_a_negative_number_IE()
    {
        var m = RunTwo(Float80.One, Float80.Zero, Fcw, a => a.fyl2x());
        Assert.Equal(Float80.Infinity(true), St(m, 0));
        Assert.Equal(0x3804, Sw(m));                                            // ZE, popped
        m = RunTwo(Float80.One, Float80.One.Negate(), Fcw, a => a.fyl2x());
        Assert.Equal(Float80.Indefinite, St(m, 0));
        Assert.Equal(0x3801, Sw(m));
        // ZE unmasked: no result, no pop, and the next waiting instruction raises #MF (host FSW 0xB084).
        var f = Build(a =>
        {
            a.mov(rdi, DataVa); a.fldcw(__word_ptr[rdi]); a.fld1(); a.fldz(); a.fyl2x(); a.fnstsw(ax); a.wait(); a.int3();
        });
        f.Bus.Poke(DataVa, BitConverter.GetBytes((ushort)(Fcw & ~4)));
        AssertTrap(f.Run(), Vector.FloatingPoint, 0);
        Assert.Equal(0xB084UL, f.S.Rax & 0xFFFF);
        Assert.Equal(Float80.Zero, St(f, 0));
    }

    [Fact]
    public void A_denormal_operand_is_DE_and_an_unmasked_DE_or_UE_is_as_for_the_other_arithmetic()
    {
        // fsin of a denormal: itself, rounded up (C1), UE, PE, DE (host 0x3232).
        var m = RunTwo(Float80.One, Den, Fcw, a => a.fsin());
        Assert.Equal(Den, St(m, 0));
        Assert.Equal(0x3232, Sw(m));
        // DE unmasked: nothing written (host 0xB082).
        m = RunTwo(Float80.One, Den, (ushort)(Fcw & ~2), a => a.fsin());
        Assert.Equal(Den, St(m, 0));
        Assert.Equal(0xB082, Sw(m));
        // UE unmasked: the result with its exponent wrapped by 24576 (host 5FCE:91A0000000000000, 0xB2B2).
        m = RunTwo(Float80.One, Den, (ushort)(Fcw & ~0x10), a => a.fsin());
        Assert.Equal(F(0x5FCE, 0x91A0000000000000), St(m, 0));
        Assert.Equal(0xB2B2, Sw(m));
    }

    [Fact]
    public void Precision_control_does_not_apply_and_rounding_control_does()
    {
        // PC 24: fsin(1) keeps all 64 bits (host …7021).
        var m = RunTwo(Float80.One, Float80.One, (ushort)(Fcw & ~0x300), a => a.fsin());
        Assert.Equal(F(0x3FFE, 0xD76AA47848677021), St(m, 0));
        // fpatan(+0, -0) = pi: …C235 with C1 to nearest and up, …C234 down and to zero (host).
        ulong[] pi = [0xC90FDAA22168C235, 0xC90FDAA22168C234, 0xC90FDAA22168C235, 0xC90FDAA22168C234];
        for (int rc = 0; rc < 4; rc++)
        {
            m = RunTwo(Float80.Zero, Float80.Zero.Negate(), (ushort)(Fcw | rc << 10), a => a.fpatan());
            Assert.Equal(F(0x4000, pi[rc]), St(m, 0));
            Assert.Equal(rc % 2 == 0 ? 0x3A20 : 0x3820, Sw(m));
        }
    }

    [Fact]
    public void F2xm1_of_plus_and_minus_one_and_outside_its_range_as_the_host()
    {
        // 2^1 - 1 comes out of the host as 1 - δ: 1 with C1 to nearest, 1 - 2^-64 to zero; 2^-1 - 1 is -0.5 with PE.
        var m = RunTwo(Float80.One, Float80.One, Fcw, a => a.f2xm1());
        Assert.Equal(Float80.One, St(m, 0));
        Assert.Equal(0x3220, Sw(m));
        m = RunTwo(Float80.One, Float80.One, (ushort)(Fcw | 0xC00), a => a.f2xm1());
        Assert.Equal(F(0x3FFE, ulong.MaxValue), St(m, 0));
        Assert.Equal(0x3020, Sw(m));
        m = RunTwo(Float80.One, Float80.One.Negate(), Fcw, a => a.f2xm1());
        Assert.Equal(Half.Negate(), St(m, 0));
        Assert.Equal(0x3020, Sw(m));
        // |x| > 1 is undefined by the SDM: the host returns x with PE.
        m = RunTwo(Float80.One, Two, Fcw, a => a.f2xm1());
        Assert.Equal(Two, St(m, 0));
        Assert.Equal(0x3020, Sw(m));
    }

    [Fact]
    public void Fyl2x_and_fyl2xp1_report_exact_results_inexact_and_fyl2xp1_of_minus_one_or_less_returns_x()
    {
        // log2 2 = 1, exactly: PE, C1 clear, in every rounding mode (host 0x3820).
        for (int rc = 0; rc < 4; rc++)
        {
            var m = RunTwo(Float80.One, Two, (ushort)(Fcw | rc << 10), a => a.fyl2x());
            Assert.Equal(Float80.One, St(m, 0));
            Assert.Equal(0x3820, Sw(m));
        }
        var p = RunTwo(Float80.One, Float80.One, Fcw, a => a.fyl2xp1());        // log2(1 + 1) = 1
        Assert.Equal(Float80.One, St(p, 0));
        Assert.Equal(0x3820, Sw(p));
        p = RunTwo(F(0x4000, 0xC000000000000000), Two.Negate(), Fcw, a => a.fyl2xp1());   // x = -2: x itself, PE
        Assert.Equal(Two.Negate(), St(p, 0));
        Assert.Equal(0x3820, Sw(p));
    }

    [Fact]
    public void C0_and_C3_stay_and_only_the_trigonometric_ones_clear_C2()
    {
        // FSW's C3, C2 and C0 set through fnstenv/fldenv before the instruction (host: fsin 0x7320, f2xm1 0x7520, fpatan 0x7D20).
        Machine Run(Action<Assembler> op) => RunX87(a =>
        {
            a.fld1(); a.fld(__tword_ptr[rdi]);
            a.fnstenv(__[rdi + 0x20]); a.or(__word_ptr[rdi + 0x24], 0x4500); a.fldenv(__[rdi + 0x20]);
            op(a); a.fnstsw(ax);
        }, mm => PokeF80(mm, DataVa, Half));
        Assert.Equal(0x7320, Sw(Run(a => a.fsin())));
        Assert.Equal(0x6B20, Sw(Run(a => a.fptan())));
        Assert.Equal(0x7520, Sw(Run(a => a.f2xm1())));
        Assert.Equal(0x7D20, Sw(Run(a => a.fpatan())));
    }

    [Fact]
    public void The_transcendentals_set_FIP_and_FOP()
    {
        Label at = default;
        var m = Build(a =>
        {
            a.mov(rdi, DataVa); a.fld1(); a.fld1();
            at = a.CreateLabel(); a.Label(ref at); a.fyl2x();
            a.fnstenv(__[rdi]); a.int3();
        });
        AssertEnd(m.Run());
        Assert.Equal((uint)m.L(at), BitConverter.ToUInt32(m.Bus.Peek(DataVa + 12, 4)));          // FIP
        Assert.Equal(0x1F1u, BitConverter.ToUInt32(m.Bus.Peek(DataVa + 16, 4)) >> 16);           // FOP: D9 F1
    }

    [Fact]
    public void Both_engines_run_the_transcendentals_alike()
    {
        // A loop the block compiler takes (eagerly) around the x87 handler, which it leaves to the interpreter.
        void Body(Assembler a)
        {
            var loop = a.CreateLabel();
            a.mov(rdi, DataVa); a.mov(ecx, 40); a.fld1();
            a.Label(ref loop);
            a.fld(st0); a.fsin(); a.fld(st1); a.fcos(); a.faddp(st1, st0); a.fld1(); a.fpatan();
            a.fsincos(); a.fyl2x(); a.fld1(); a.fyl2xp1(); a.fptan(); a.fstp(st0); a.f2xm1();
            a.dec(ecx); a.jne(loop);
            a.fstp(__tword_ptr[rdi]); a.fnstsw(__word_ptr[rdi + 16]); a.int3();
        }
        byte[] Result(CpuEngine engine, int threshold)
        {
            var m = Build(Body);
            var r = new Cpu(engine, threshold).Run(m.S, m.Bus, 1_000_000);
            AssertEnd(r);
            return m.Bus.Peek(DataVa, 18);
        }
        Assert.Equal(Result(CpuEngine.Interpreter, 0), Result(CpuEngine.Compiler, 0));
    }
}
