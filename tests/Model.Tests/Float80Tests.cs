using L4Conf.Model.Machine;
using Xunit;

namespace L4Conf.Tests;

/// <summary>
/// <see cref="X87Math"/> directly, on edge cases whose results were read from the host CPU (C with inline asm:
/// fninit; fldcw; fld a; fld b; op; fnstsw). The broad comparison is <c>X87_results_match_the_host_cpu</c>.
/// </summary>
public sealed class Float80Tests
{
    private const ushort Cw = X87State.InitialFcw;
    private static Float80 F(ushort se, ulong sig) => new(se, sig);
    private static readonly Float80 One = Float80.One, MinNormal = F(1, 0x8000_0000_0000_0000), Half = F(0x3FFE, 0x8000_0000_0000_0000);

    [Fact]
    public void Fscale_flags_a_denormal_operand_even_when_the_scale_is_infinite()
    {
        // Host (cpu diff seed 1, x87:fscale): ST0 = -pseudo-denormal 0xcead601af234f072, ST1 = -infinity: -0 with DE.
        X87Exc e = 0;
        var r = X87Math.Scale(new Float80(0x8000, 0xCEAD601AF234F072), Float80.Infinity(true), 0x037F, ref e);
        Assert.Equal(X87Exc.DE, e);
        Assert.Equal(Float80.SignedZero(true), r);
        e = 0;
        Assert.Equal(Float80.SignedZero(false), X87Math.Scale(new Float80(0, 0x1234), Float80.Infinity(true), 0x037F, ref e));
        Assert.Equal(X87Exc.DE, e);
    }

    [Fact]
    public void Two_NaNs_the_larger_significand_wins_and_equal_ones_give_the_positive()
    {
        X87Exc e = 0;
        Assert.Equal(F(0xFFFF, 0xC000_0000_0000_0002), X87Math.Add(F(0x7FFF, 0xC000_0000_0000_0001), F(0xFFFF, 0xC000_0000_0000_0002), Cw, ref e));
        Assert.Equal(F(0x7FFF, 0xC000_0000_0000_0001), X87Math.Add(F(0xFFFF, 0xC000_0000_0000_0001), F(0x7FFF, 0xC000_0000_0000_0001), Cw, ref e));
        Assert.Equal(F(0x7FFF, 0xC000_0000_0000_0001), X87Math.Add(F(0x7FFF, 0xC000_0000_0000_0001), F(0xFFFF, 0xC000_0000_0000_0001), Cw, ref e));
        Assert.Equal(X87Exc.None, e);
        // an SNaN with a QNaN: the QNaN, even with the smaller significand; IE
        Assert.Equal(F(0x7FFF, 0xC000_0000_0000_0001), X87Math.Add(F(0x7FFF, 0x8000_0000_0000_0005), F(0x7FFF, 0xC000_0000_0000_0001), Cw, ref e));
        Assert.Equal(X87Exc.IE, e);
    }

    [Fact]
    public void Invalid_operands_and_operations_give_the_real_indefinite()
    {
        X87Exc e = 0;
        Assert.Equal(Float80.Indefinite, X87Math.Add(F(100, 0x4000_0000_0000_0000), One, Cw, ref e));   // unnormal
        Assert.Equal(X87Exc.IE, e);
        e = 0;
        Assert.Equal(Float80.Indefinite, X87Math.Div(Float80.Zero, Float80.Zero, Cw, ref e));
        Assert.Equal(X87Exc.IE, e);
        e = 0;
        Assert.Equal(Float80.Infinity(false), X87Math.Div(One, Float80.Zero, Cw, ref e));
        Assert.Equal(X87Exc.ZE, e);
    }

    [Fact]
    public void Pseudo_denormals_are_valued_with_exponent_1_and_raise_DE()
    {
        X87Exc e = 0;
        Assert.Equal(MinNormal, X87Math.Mul(F(0, 0x8000_0000_0000_0000), One, Cw, ref e));
        Assert.Equal(X87Exc.DE, e);
    }

    [Fact]
    public void Underflow_masked_needs_an_inexact_result_unmasked_wraps_the_exponent()
    {
        X87Exc e = 0;
        Assert.Equal(F(0, 0x4000_0000_0000_0000), X87Math.Mul(MinNormal, Half, Cw, ref e));     // exact denormal: no UE
        Assert.Equal(X87Exc.None, e);
        Assert.Equal(F(0x6000, 0x8000_0000_0000_0000), X87Math.Mul(MinNormal, Half, Cw & ~0x10, ref e));
        Assert.Equal(X87Exc.UE, e);
        e = 0;
        Assert.Equal(MinNormal, X87Math.Mul(F(1, 0xFFFF_FFFF_FFFF_FFFF), Half, Cw, ref e));      // rounds up to the smallest normal
        Assert.Equal(X87Exc.UE | X87Exc.PE | X87Exc.C1, e);                                     // host 0x3A30: tiny even after rounding
        e = 0;
        // (1 - 2^-66) * 2^-16382 is tiny before rounding but not after (64 bits, unbounded exponent: 2^-16382): the host
        // reports PE and C1 without UE (FSW 0x3A20), so tininess is detected after rounding.
        Assert.Equal(MinNormal, X87Math.Mul(F(1, 0xFFFF_FFFF_8000_0000), F(0x3FFE, 0x8000_0000_4000_0000), Cw, ref e));
        Assert.Equal(X87Exc.PE | X87Exc.C1, e);
        e = 0;
        // The same for a store: fstp m64 of (1 - 2^-60) * 2^-1022 gives 2^-1022 with FSW 0x0220 (host).
        Assert.Equal(0x0010_0000_0000_0000UL, X87Math.ToBinary(F(0x3FFF - 1023, 0xFFFF_FFFF_FFFF_FFF0), X87Math.Format.Double, Cw, ref e, out _));
        Assert.Equal(X87Exc.PE | X87Exc.C1, e);
    }

    [Fact]
    public void Precision_control_rounds_denormals_at_the_same_place_as_normals()
    {
        var third = F(0x3FFD, 0xAAAA_AAAA_AAAA_AAAB);
        X87Exc e = 0;
        Assert.Equal(F(0, 0x2AAA_AB00_0000_0000), X87Math.Mul(MinNormal, third, (ushort)(Cw & ~0x300), ref e));
        Assert.Equal(F(0, 0x2AAA_AAAA_AAAA_A800), X87Math.Mul(MinNormal, third, (ushort)(Cw & ~0x100), ref e));
        Assert.Equal(F(0, 0x2AAA_AAAA_AAAA_AAAB), X87Math.Mul(MinNormal, third, Cw, ref e));
    }

    [Fact]
    public void Overflow_by_rounding_mode_and_unmasked()
    {
        var max = F(0x7FFE, 0xFFFF_FFFF_FFFF_FFFF);
        X87Exc e = 0;
        Assert.Equal(Float80.Infinity(false), X87Math.Add(max, max, Cw, ref e));
        Assert.Equal(X87Exc.OE | X87Exc.PE | X87Exc.C1, e);
        e = 0;
        Assert.Equal(max, X87Math.Add(max, max, Cw | 0xC00, ref e));
        Assert.Equal(X87Exc.OE | X87Exc.PE, e);
        Assert.Equal(F(0x7FFE, 0xFFFF_FF00_0000_0000), X87Math.Add(max, max, (ushort)((Cw & ~0x300) | 0xC00), ref e));
        e = 0;
        Assert.Equal(F(0x1FFF, 0xFFFF_FFFF_FFFF_FFFF), X87Math.Add(max, max, Cw & ~0x8, ref e));
        Assert.Equal(X87Exc.OE, e);
    }

    [Fact]
    public void Exact_zero_sums_are_positive_except_rounding_down()
    {
        X87Exc e = 0;
        Assert.Equal(Float80.Zero, X87Math.Add(One, One.Negate(), Cw, ref e));
        Assert.Equal(Float80.SignedZero(true), X87Math.Add(One, One.Negate(), Cw | 0x400, ref e));
        Assert.Equal(Float80.Zero, X87Math.Add(Float80.Zero, Float80.SignedZero(true), Cw, ref e));
    }

    [Fact]
    public void Fprem_reduces_by_at_most_63_bits_a_step_and_fprem1_rounds_the_quotient_to_nearest()
    {
        // Host: a = ffff..ff * 2^(200-63), b = 1.5: fprem -> 409d:fffffc0000000000 with C2 (N = 32 + 200 mod 32);
        // 7 / 2: fprem 1 (q = 3), fprem1 -1 (q = 4).
        X87Exc e = 0;
        var b = F(0x3FFF, 0xC000_0000_0000_0000);
        Assert.Equal(F(0x409D, 0xFFFF_FC00_0000_0000), X87Math.Remainder(F(0x3FFF + 200, ulong.MaxValue), b, false, Cw, ref e, out _, out bool partial));
        Assert.True(partial);
        Assert.Equal(F(0x401D, 0xFFFF_FFFC_0000_0000), X87Math.Remainder(F(0x3FFF + 64, ulong.MaxValue), b, false, Cw, ref e, out _, out partial));
        Assert.True(partial);
        Assert.Equal(F(0x3FFD, 0xC000_0000_0000_0000), X87Math.Remainder(F(0x3FFF + 60, ulong.MaxValue), b, false, Cw, ref e, out _, out partial));
        Assert.False(partial);
        var seven = F(0x4001, 0xE000_0000_0000_0000); var two = F(0x4000, 0x8000_0000_0000_0000);
        Assert.Equal(One, X87Math.Remainder(seven, two, false, Cw, ref e, out ulong q, out _));
        Assert.Equal(3UL, q);
        Assert.Equal(One.Negate(), X87Math.Remainder(seven, two, true, Cw, ref e, out q, out _));
        Assert.Equal(4UL, q);
        Assert.Equal(X87Exc.None, e);
        // Host (cpu diff seed 18): fprem1 of a pseudo-denormal by infinity gives it back with exponent 1, and DE.
        Assert.Equal(F(0x8001, 0xA97A_49F6_BB52_8CE4), X87Math.Remainder(F(0x8000, 0xA97A_49F6_BB52_8CE4), Float80.Infinity(false), true, Cw, ref e, out _, out _));
        Assert.Equal(X87Exc.DE, e);
    }

    [Fact]
    public void Conversions_to_and_from_memory_formats()
    {
        X87Exc e = 0;
        Assert.Equal(F(0x7FFF, 0xC000_0100_0000_0000), X87Math.FromBinary(0x7F80_0001, X87Math.Format.Single, ref e));   // SNaN quieted
        Assert.Equal(X87Exc.IE, e);
        e = 0;
        Assert.Equal(F(0x3F6A, 0x8000_0000_0000_0000), X87Math.FromBinary(1, X87Math.Format.Single, ref e));              // 2^-149
        Assert.Equal(X87Exc.DE, e);
        e = 0;
        var third = X87Math.Div(One, F(0x4000, 0xC000_0000_0000_0000), Cw, ref e);
        Assert.Equal(0x3EAA_AAABUL, X87Math.ToBinary(third, X87Math.Format.Single, Cw, ref e, out bool store));
        Assert.True(store);
        Assert.Equal(0x3FD5_5555_5555_5555UL, X87Math.ToBinary(third, X87Math.Format.Double, Cw, ref e, out _));
        e = 0;
        Assert.Equal(short.MinValue, X87Math.ToInteger(F(0x400F, 0x8000_0000_0000_0000), 16, false, Cw, ref e, out store)); // 65536
        Assert.Equal(X87Exc.IE, e);
        Assert.True(store);
        e = 0;
        Assert.Equal(3, X87Math.ToInteger(F(0x4000, 0xD000_0000_0000_0000), 32, true, Cw, ref e, out _));                   // fisttp 3.25: 3
    }
}
