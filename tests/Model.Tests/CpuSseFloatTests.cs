using System.Globalization;
using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// SSE/SSE2 floating point (CpuSseFloat.cs, SseRounding.cs). Every expected value and MXCSR was taken from the host CPU
/// (an AMD EPYC, gcc inline assembly running the same instruction on the same operands and MXCSR; the operand's upper
/// lanes 0x1111111122222222 show what a scalar form keeps).
/// </summary>
public sealed partial class CpuTests
{
    private static UInt128 X128(string hex) => UInt128.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>op xmm0, xmm1 with xmm0 = a, xmm1 = b and the given MXCSR (all exceptions masked).</summary>
    [Theory]
    [InlineData("nan1", "addss", 0x1f80u, "1111111122222222000000007fc00001", "111111112222222200000000ff800001", "1111111122222222000000007fc00001", 0x1f81u)]
    [InlineData("nan2", "addss", 0x1f80u, "1111111122222222000000007f800001", "111111112222222200000000ffc00002", "1111111122222222000000007fc00001", 0x1f81u)]
    [InlineData("nan3", "addsd", 0x1f80u, "11111111222222223ff0000000000000", "11111111222222227ff0000000000005", "11111111222222227ff8000000000005", 0x1f81u)]
    [InlineData("indef", "subss", 0x1f80u, "1111111122222222000000007f800000", "1111111122222222000000007f800000", "111111112222222200000000ffc00000", 0x1f81u)]
    [InlineData("tie", "addss", 0x1f80u, "1111111122222222000000003f800000", "11111111222222220000000033800000", "1111111122222222000000003f800000", 0x1fa0u)]
    [InlineData("third", "divss", 0x1f80u, "111111112222222200000000bf800000", "11111111222222220000000040400000", "111111112222222200000000beaaaaab", 0x1fa0u)]
    [InlineData("sqrt2", "sqrtsd", 0x1f80u, "11111111222222220000000000000000", "11111111222222224000000000000000", "11111111222222223ff6a09e667f3bcd", 0x1fa0u)]
    [InlineData("tie", "addss", 0x3f80u, "1111111122222222000000003f800000", "11111111222222220000000033800000", "1111111122222222000000003f800000", 0x3fa0u)]
    [InlineData("third", "divss", 0x3f80u, "111111112222222200000000bf800000", "11111111222222220000000040400000", "111111112222222200000000beaaaaab", 0x3fa0u)]
    [InlineData("sqrt2", "sqrtsd", 0x3f80u, "11111111222222220000000000000000", "11111111222222224000000000000000", "11111111222222223ff6a09e667f3bcc", 0x3fa0u)]
    [InlineData("tie", "addss", 0x5f80u, "1111111122222222000000003f800000", "11111111222222220000000033800000", "1111111122222222000000003f800001", 0x5fa0u)]
    [InlineData("third", "divss", 0x5f80u, "111111112222222200000000bf800000", "11111111222222220000000040400000", "111111112222222200000000beaaaaaa", 0x5fa0u)]
    [InlineData("sqrt2", "sqrtsd", 0x5f80u, "11111111222222220000000000000000", "11111111222222224000000000000000", "11111111222222223ff6a09e667f3bcd", 0x5fa0u)]
    [InlineData("tie", "addss", 0x7f80u, "1111111122222222000000003f800000", "11111111222222220000000033800000", "1111111122222222000000003f800000", 0x7fa0u)]
    [InlineData("third", "divss", 0x7f80u, "111111112222222200000000bf800000", "11111111222222220000000040400000", "111111112222222200000000beaaaaaa", 0x7fa0u)]
    [InlineData("sqrt2", "sqrtsd", 0x7f80u, "11111111222222220000000000000000", "11111111222222224000000000000000", "11111111222222223ff6a09e667f3bcc", 0x7fa0u)]
    [InlineData("exact", "divss", 0x1f80u, "1111111122222222000000003f800000", "11111111222222220000000040800000", "1111111122222222000000003e800000", 0x1f80u)]
    [InlineData("tinyRN", "mulsd", 0x1f80u, "11111111222222220010000000000001", "11111111222222223feffffffffffffe", "11111111222222220010000000000000", 0x1fa0u)]
    [InlineData("tinyRZ", "mulsd", 0x7f80u, "11111111222222220010000000000001", "11111111222222223feffffffffffffe", "1111111122222222000fffffffffffff", 0x7fb0u)]
    [InlineData("denorm", "mulss", 0x1f80u, "11111111222222220000000000800001", "1111111122222222000000003f000000", "11111111222222220000000000400000", 0x1fb0u)]
    [InlineData("denormExact", "mulss", 0x1f80u, "11111111222222220000000000800000", "1111111122222222000000003f000000", "11111111222222220000000000400000", 0x1f80u)]
    [InlineData("ftz", "mulss", 0x9f80u, "11111111222222220000000000800001", "1111111122222222000000003f000000", "11111111222222220000000000000000", 0x9fb0u)]
    [InlineData("overflow", "mulss", 0x1f80u, "1111111122222222000000007f7fffff", "11111111222222220000000040000000", "1111111122222222000000007f800000", 0x1fa8u)]
    [InlineData("overflowRZ", "mulss", 0x7f80u, "1111111122222222000000007f7fffff", "11111111222222220000000040000000", "1111111122222222000000007f7fffff", 0x7fa8u)]
    [InlineData("overflowRD", "mulss", 0x3f80u, "1111111122222222000000007f7fffff", "11111111222222220000000040000000", "1111111122222222000000007f7fffff", 0x3fa8u)]
    [InlineData("daz", "addss", 0x1fc0u, "11111111222222220000000000000001", "11111111222222220000000000000000", "11111111222222220000000000000000", 0x1fc0u)]
    [InlineData("nodaz", "addss", 0x1f80u, "11111111222222220000000000000001", "11111111222222220000000000000000", "11111111222222220000000000000001", 0x1f82u)]
    [InlineData("zdiv", "divss", 0x1f80u, "111111112222222200000000bf800000", "11111111222222220000000000000000", "111111112222222200000000ff800000", 0x1f84u)]
    [InlineData("cancel", "addsd", 0x1f80u, "11111111222222223ff0000000000000", "1111111122222222bff0000000000000", "11111111222222220000000000000000", 0x1f80u)]
    [InlineData("cancelRD", "addsd", 0x3f80u, "11111111222222223ff0000000000000", "1111111122222222bff0000000000000", "11111111222222228000000000000000", 0x3f80u)]
    [InlineData("minNaN1", "minss", 0x1f80u, "1111111122222222000000007fc00000", "1111111122222222000000003f800000", "1111111122222222000000003f800000", 0x1f81u)]
    [InlineData("minNaN2", "minss", 0x1f80u, "1111111122222222000000003f800000", "1111111122222222000000007f800001", "1111111122222222000000007f800001", 0x1f81u)]
    [InlineData("minZeros", "minss", 0x1f80u, "11111111222222220000000000000000", "11111111222222220000000080000000", "11111111222222220000000080000000", 0x1f80u)]
    [InlineData("maxZeros", "maxss", 0x1f80u, "11111111222222220000000080000000", "11111111222222220000000000000000", "11111111222222220000000000000000", 0x1f80u)]
    [InlineData("max", "maxss", 0x1f80u, "11111111222222220000000040000000", "1111111122222222000000003f800000", "11111111222222220000000040000000", 0x1f80u)]
    [InlineData("sqrtNeg", "sqrtss", 0x1f80u, "11111111222222220000000000000000", "111111112222222200000000bf800000", "111111112222222200000000ffc00000", 0x1f81u)]
    [InlineData("sqrtNegZero", "sqrtss", 0x1f80u, "11111111222222220000000000000000", "11111111222222220000000080000000", "11111111222222220000000080000000", 0x1f80u)]
    [InlineData("packed", "addps", 0x1f80u, "7f8000003f8000007f7fffff00000001", "ff800000338000007f7fffff00000000", "ffc000003f8000007f80000000000001", 0x1fabu)]
    [InlineData("cmplt", "cmpltps", 0x1f80u, "3f800000400000007fc000003f800000", "40000000400000003f80000040000000", "ffffffff0000000000000000ffffffff", 0x1f81u)]
    [InlineData("cmpeq", "cmpeqps", 0x1f80u, "3f800000400000007fc000003f800000", "40000000400000003f80000040000000", "00000000ffffffff0000000000000000", 0x1f80u)]
    [InlineData("snan", "cvtsd2ss", 0x1f80u, "11111111222222223f8000003f800000", "11111111222222227ff4000000000123", "11111111222222223f8000007fe00000", 0x1f81u)]
    [InlineData("snan", "cvtss2sd", 0x1f80u, "11111111222222220000000000000000", "111111112222222200000000ff800123", "1111111122222222fff8002460000000", 0x1f81u)]
    [InlineData("round", "cvtsd2ss", 0x1f80u, "11111111222222220000000000000000", "11111111222222223fb999999999999a", "1111111122222222000000003dcccccd", 0x1fa0u)]
    [InlineData("big", "cvtsd2ss", 0x1f80u, "11111111222222220000000000000000", "111111112222222247f0000000000000", "1111111122222222000000007f800000", 0x1fa8u)]
    [InlineData("ps2dq", "cvtps2dq", 0x1f80u, "11111111222222220000000000000000", "4f000000cf0000003fc00000bfc00000", "800000008000000000000002fffffffe", 0x1fa1u)]
    [InlineData("pd2dq", "cvttpd2dq", 0x1f80u, "1111111122222222ffffffffffffffff", "c1e0000000200000c00c000000000000", "000000000000000080000000fffffffd", 0x1fa1u)]
    public void Sse_float_results_and_flags_match_the_host(string why, string op, uint mxcsr, string a, string b, string expected, uint mxcsrAfter)
    {
        var method = typeof(Assembler).GetMethod(op, [typeof(AssemblerRegisterXMM), typeof(AssemblerRegisterXMM)])!;
        var m = RunToEnd(asm => { method.Invoke(asm, [xmm0, xmm1]); asm.int3(); }, s => { s.Xmm[0] = X128(a); s.Xmm[1] = X128(b); s.Mxcsr = mxcsr; });
        Assert.True(X128(expected) == m.S.Xmm[0], $"{why}: {op} gave {m.S.Xmm[0]:x32}, the host {expected}");
        Assert.True(mxcsrAfter == m.S.Mxcsr, $"{why}: {op} left MXCSR 0x{m.S.Mxcsr:x}, the host 0x{mxcsrAfter:x}");
    }

    /// <summary>
    /// SSE3 (the captured CPU has it): horizontal add/sub take the lower element of a pair as the first operand (its NaN
    /// wins), the low half of the result from the destination's pairs; addsub subtracts in the even lanes.
    /// </summary>
    [Theory]
    [InlineData("haddps", "ff8000007fc00001402000003f800000", "4080000000000001ffc0000240400000", "40800000ffc000027fc0000140600000", 0x1fa2u)]
    [InlineData("hsubps", "ff8000007fc00001402000003f800000", "4080000000000001ffc0000240400000", "c0800000ffc000027fc00001bfc00000", 0x1fa2u)]
    [InlineData("addsubps", "ff8000007fc00001402000003f800000", "4080000000000001ffc0000240400000", "ff8000007fc00001ffc00002c0000000", 0x1f80u)]
    [InlineData("movshdup", "ff8000007fc00001402000003f800000", "4080000000000001ffc0000240400000", "4080000040800000ffc00002ffc00002", 0x1f80u)]
    [InlineData("movsldup", "ff8000007fc00001402000003f800000", "4080000000000001ffc0000240400000", "00000001000000014040000040400000", 0x1f80u)]
    [InlineData("movddup", "ff8000007fc00001402000003f800000", "4080000000000001ffc0000240400000", "ffc0000240400000ffc0000240400000", 0x1f80u)]
    [InlineData("haddpd", "fff80000000000027ff8000000000001", "80000000000000003ff8000000000000", "3ff80000000000007ff8000000000001", 0x1f80u)]
    [InlineData("hsubpd", "80000000000000003ff8000000000000", "fff80000000000027ff8000000000001", "7ff80000000000013ff8000000000000", 0x1f80u)]
    [InlineData("addsubpd", "80000000000000003ff8000000000000", "fff80000000000027ff8000000000001", "fff80000000000027ff8000000000001", 0x1f80u)]
    public void Sse3_results_and_flags_match_the_host(string op, string a, string b, string expected, uint mxcsrAfter)
    {
        var method = typeof(Assembler).GetMethod(op, [typeof(AssemblerRegisterXMM), typeof(AssemblerRegisterXMM)])!;
        var m = RunToEnd(asm => { method.Invoke(asm, [xmm0, xmm1]); asm.int3(); }, s => { s.Xmm[0] = X128(a); s.Xmm[1] = X128(b); });
        Assert.True(X128(expected) == m.S.Xmm[0], $"{op} gave {m.S.Xmm[0]:x32}, the host {expected}");
        Assert.Equal(mxcsrAfter, m.S.Mxcsr);
    }

    /// <summary>comiss/ucomiss: ZF PF CF from the comparison, OF SF AF cleared (they start set); comiss signals IE on a QNaN, ucomiss does not.</summary>
    [Theory]
    [InlineData(false, 0x7fc00000u, 0x3f800000u, 0x45ul, 0x1f81u)]
    [InlineData(true, 0x7fc00000u, 0x3f800000u, 0x45ul, 0x1f80u)]
    [InlineData(true, 0x3f800000u, 0x40000000u, 0x1ul, 0x1f80u)]
    [InlineData(true, 0x40000000u, 0x3f800000u, 0x0ul, 0x1f80u)]
    [InlineData(true, 0x80000000u, 0x0u, 0x40ul, 0x1f80u)]
    public void Comiss_and_ucomiss_set_ZF_PF_CF_and_clear_the_rest(bool unordered, uint a, uint b, ulong flags, uint mxcsrAfter)
    {
        var m = RunToEnd(asm =>
        {
            if (unordered) asm.ucomiss(xmm0, xmm1); else asm.comiss(xmm0, xmm1);
            asm.int3();
        }, s => { s.Xmm[0] = a; s.Xmm[1] = b; s.Rflags = 0x202 | 0x8d5; });
        Assert.Equal(flags, m.Flags);
        Assert.Equal(mxcsrAfter, m.S.Mxcsr);
    }

    /// <summary>cvtss2si in the four rounding modes, cvttss2si truncating, and the integer indefinite for NaN and overflow.</summary>
    [Theory]
    [InlineData(false, 0x1f80u, 0x40200000u, 2u, 0x1fa0u)]
    [InlineData(false, 0x1f80u, 0xc0200000u, 0xfffffffeu, 0x1fa0u)]
    [InlineData(false, 0x3f80u, 0x40200000u, 2u, 0x3fa0u)]
    [InlineData(false, 0x3f80u, 0xc0200000u, 0xfffffffdu, 0x3fa0u)]
    [InlineData(false, 0x5f80u, 0x40200000u, 3u, 0x5fa0u)]
    [InlineData(false, 0x5f80u, 0xc0200000u, 0xfffffffeu, 0x5fa0u)]
    [InlineData(false, 0x7f80u, 0x40200000u, 2u, 0x7fa0u)]
    [InlineData(false, 0x7f80u, 0xc0200000u, 0xfffffffeu, 0x7fa0u)]
    [InlineData(true, 0x1f80u, 0xc0200000u, 0xfffffffeu, 0x1fa0u)]
    [InlineData(true, 0x1f80u, 0x4f32d05eu, 0x80000000u, 0x1f81u)]
    [InlineData(false, 0x1f80u, 0x7fc00000u, 0x80000000u, 0x1f81u)]
    [InlineData(true, 0x1f80u, 0xcf000000u, 0x80000000u, 0x1f80u)]
    public void Cvtss2si_rounds_by_mxcsr_and_cvttss2si_truncates(bool truncate, uint mxcsr, uint a, uint expected, uint mxcsrAfter)
    {
        var m = RunToEnd(asm =>
        {
            if (truncate) asm.cvttss2si(ecx, xmm0); else asm.cvtss2si(ecx, xmm0);
            asm.int3();
        }, s => { s.Xmm[0] = a; s.Mxcsr = mxcsr; s.Rcx = ulong.MaxValue; });
        Assert.Equal((ulong)expected, m.S.Rcx);
        Assert.Equal(mxcsrAfter, m.S.Mxcsr);
    }

    [Fact]
    public void Cvtsd2si_64_bit_indefinite_and_cvtsi2ss_rounding()
    {
        var m = RunToEnd(asm =>
        {
            asm.cvtsd2si(rax, xmm0);  // NaN: 0x8000000000000000, IE
            asm.cvtsd2si(rbx, xmm1);  // 2^63: out of range
            asm.cvtsi2ss(xmm2, ecx);  // 0x7fffffff rounds to 2^31 (PE); the rest of xmm2 kept
            asm.int3();
        }, s =>
        {
            s.Xmm[0] = 0x7ff8000000000000; s.Xmm[1] = 0x43e0000000000000; s.Rcx = 0x7fffffff;
            s.Xmm[2] = X128("bbbbbbbbbbbbbbbbaaaaaaaaaaaaaaaa");
        });
        Assert.Equal(0x8000000000000000UL, m.S.Rax);
        Assert.Equal(0x8000000000000000UL, m.S[Reg.Rbx]);
        Assert.Equal(X128("bbbbbbbbbbbbbbbbaaaaaaaa4f000000"), m.S.Xmm[2]);
        Assert.Equal(0x1fa1u, m.S.Mxcsr);
        var z = RunToEnd(asm => { asm.cvtsi2ss(xmm2, ecx); asm.int3(); }, s => { s.Rcx = 0x7fffffff; s.Mxcsr = 0x7f80; });
        Assert.Equal(0x4effffffUL, (ulong)z.S.Xmm[2]);
    }

    /// <summary>
    /// An unmasked exception raises #XM (vector 19, no error code) at the instruction: MXCSR gets the flags, the
    /// destination keeps its value (MACH-XM-1: Fiasco sets CR4.OSXMMEXCPT, cpu-ia32.cpp:1312-1313).
    /// </summary>
    [Fact]
    public void Unmasked_precision_exception_is_XM_and_writes_nothing()
    {
        var m = Build(asm => { asm.divss(xmm0, xmm1); asm.int3(); }, init: s => { s.Xmm[0] = 0xbf800000; s.Xmm[1] = 0x40400000; s.Mxcsr = 0x0f80; });
        var r = m.Run();
        AssertTrap(r, Vector.SimdFloatingPoint, 0);
        Assert.Equal(CodeVa, m.S.Rip);
        Assert.Equal((UInt128)0xbf800000, m.S.Xmm[0]);
        Assert.Equal(0x0fa0u, m.S.Mxcsr);
    }

    /// <summary>An unmasked pre-computation exception (IE) in one lane stops before the computation: no PE from another lane.</summary>
    [Fact]
    public void Unmasked_invalid_stops_before_post_computation_flags()
    {
        var m = Build(asm => { asm.addps(xmm0, xmm1); asm.int3(); }, init: s =>
        {
            s.Xmm[0] = X128("3f800000_3f800000_3f800000_7f800001".Replace("_", "")); s.Xmm[1] = X128("33800001_33800001_33800001_3f800000".Replace("_", ""));
            s.Mxcsr = 0x1f00; // IM unmasked
        });
        AssertTrap(m.Run(), Vector.SimdFloatingPoint, 0);
        Assert.Equal(0x1f01u, m.S.Mxcsr);
        Assert.Equal(X128("3f8000003f8000003f8000007f800001"), m.S.Xmm[0]);
    }

    /// <summary>
    /// Rules `l4conf cpu diff` found on the host (values from the host, with a SIGFPE handler reading MXCSR from the signal
    /// frame): a denormal divided by zero raises ZE without DE; an unmasked overflow or underflow sets its flag, and PE
    /// only when the result rounded with an unbounded exponent is inexact.
    /// </summary>
    [Theory]
    [InlineData("denormal / 0", "divss", 0x1f80u, 0x00000001u, 0x0u, false, 0x1f84u)]
    [InlineData("overflow unmasked, exact", "mulss", 0x1b80u, 0x7f7fffffu, 0x40000000u, true, 0x1b88u)]
    [InlineData("overflow unmasked, inexact", "mulss", 0x1b80u, 0x7f7fffffu, 0x3fc00001u, true, 0x1ba8u)]
    [InlineData("underflow unmasked, exact", "mulss", 0x1780u, 0x00800000u, 0x3f000000u, true, 0x1790u)]
    [InlineData("underflow unmasked, exact at 24 bits", "mulss", 0x1780u, 0x00800001u, 0x3f000000u, true, 0x1790u)]
    [InlineData("underflow unmasked, inexact", "mulss", 0x1780u, 0x00800001u, 0x3f000001u, true, 0x17b0u)]
    public void Sse_exception_flags_found_by_cpu_diff(string why, string op, uint mxcsr, uint a, uint b, bool xm, uint mxcsrAfter)
    {
        var method = typeof(Assembler).GetMethod(op, [typeof(AssemblerRegisterXMM), typeof(AssemblerRegisterXMM)])!;
        var m = Build(asm => { method.Invoke(asm, [xmm0, xmm1]); asm.int3(); }, init: s => { s.Xmm[0] = a; s.Xmm[1] = b; s.Mxcsr = mxcsr; });
        var r = m.Run();
        if (xm) { AssertTrap(r, Vector.SimdFloatingPoint, 0); Assert.Equal((UInt128)a, m.S.Xmm[0]); }
        else AssertEnd(r);
        Assert.True(mxcsrAfter == m.S.Mxcsr, $"{why}: MXCSR 0x{m.S.Mxcsr:x}, the host 0x{mxcsrAfter:x}");
    }

    [Fact]
    public void Ldmxcsr_with_a_reserved_bit_is_GP_and_stmxcsr_stores_mxcsr()
    {
        var bad = Build(asm => { asm.mov(rbx, DataVa); asm.ldmxcsr(__dword_ptr[rbx]); asm.int3(); });
        bad.Bus.PokeU64(DataVa, 0x0002_1f80);
        var r = bad.Run();
        AssertTrap(r, Vector.GeneralProtection, 0);
        Assert.Equal(Mxcsr.Reset, bad.S.Mxcsr);
        var ok = RunToEnd(asm => { asm.mov(rbx, DataVa); asm.ldmxcsr(__dword_ptr[rbx]); asm.stmxcsr(__dword_ptr[rbx + 8]); asm.int3(); },
            setup: mm => mm.Bus.PokeU64(DataVa, 0xffff_ffff_0000_ffc0));
        Assert.Equal(0xffc0u, ok.S.Mxcsr);
        Assert.Equal([0xc0, 0xff, 0, 0, 0], ok.Bus.Peek(DataVa + 8, 5));
        Assert.Equal(0x1f80u, new CpuState().Mxcsr);
        Assert.Equal(0x1234u, new CpuState { Mxcsr = 0x1234 }.Clone().Mxcsr);
    }

    [Fact]
    public void Movss_movsd_movhlps_movlhps_movhps_movmskps_shufps_unpckhps()
    {
        var m = RunToEnd(asm =>
        {
            asm.mov(rbx, DataVa);
            asm.movss(xmm0, xmm1);                  // register form: low dword only
            asm.movsd(xmm2, __qword_ptr[rbx]);      // load form: zero the rest
            asm.movhlps(xmm3, xmm1);                // high of xmm1 -> low of xmm3
            asm.movlhps(xmm4, xmm1);                // low of xmm1 -> high of xmm4
            asm.movhps(xmm5, __qword_ptr[rbx]);     // high half from memory
            asm.movhps(__qword_ptr[rbx + 16], xmm1); // store the high half
            asm.movmskps(eax, xmm1);
            asm.shufps(xmm6, xmm1, 0b00_01_10_11);
            asm.unpckhps(xmm7, xmm1);
            asm.int3();
        }, s =>
        {
            s.Xmm[1] = X128("80000004000000038000000200000001");
            s.Xmm[0] = s.Xmm[2] = s.Xmm[3] = s.Xmm[4] = s.Xmm[5] = s.Xmm[6] = s.Xmm[7] = X128("aaaaaaaabbbbbbbbccccccccdddddddd");
        }, mm => mm.Bus.PokeU64(DataVa, 0x1122334455667788));
        Assert.Equal(X128("aaaaaaaabbbbbbbbcccccccc00000001"), m.S.Xmm[0]);
        Assert.Equal((UInt128)0x1122334455667788, m.S.Xmm[2]);
        Assert.Equal(X128("aaaaaaaabbbbbbbb8000000400000003"), m.S.Xmm[3]);
        Assert.Equal(X128("8000000200000001ccccccccdddddddd"), m.S.Xmm[4]);
        Assert.Equal(X128("1122334455667788ccccccccdddddddd"), m.S.Xmm[5]);
        Assert.Equal(0x8000000400000003UL, m.Bus.U64(DataVa + 16));
        Assert.Equal(0b1010UL, m.S.Rax);
        Assert.Equal(X128("0000000180000002bbbbbbbbaaaaaaaa"), m.S.Xmm[6]);
        Assert.Equal(X128("80000004aaaaaaaa00000003bbbbbbbb"), m.S.Xmm[7]);
    }
}
