using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>SSE2 integer instructions on XMM registers (CpuSseInteger.cs); expected values from the host CPU (gcc inline assembly, same operands).</summary>
public sealed partial class CpuTests
{
    [Theory]
    [InlineData("paddsb", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "0000000085868788ff7f020080807e00")]
    [InlineData("paddusw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "ffffffff85868788fffe0300ffffffff")]
    [InlineData("psubusb", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "0000000000000000010000fe000000fe")]
    [InlineData("psubsw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "010405087fff7fff800000fe80807fff")]
    [InlineData("pmulhw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "fffffff9fd7ffc7fc07f00020040ff80")]
    [InlineData("pmulhuw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "010102fd028503873ffe00027fc07f7f")]
    [InlineData("pmullw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "fdfcebf083008400c00100ff000080ff")]
    [InlineData("pmuludq", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "0285890d0a8784007fc0ff3fffff80ff")]
    [InlineData("pmaddwd", "00010002000300048000800080008000", "ffff0002fffe00048000800080007fff", "000000030000000a8000000000008000")]
    [InlineData("pavgb", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "8080808043434444807f0180c040bf80")]
    [InlineData("psadbw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "00000000000005d2000000000000037c")]
    [InlineData("pcmpgtb", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "ffffffffffffffff0000000000ffff00")]
    [InlineData("psraw", "0102030405060708807f01ff80007fff", "00000000000000000000000000000014", "0000000000000000ffff0000ffff0000")]
    [InlineData("psrlq", "0102030405060708807f01ff80007fff", "00000000000000000000000000000040", "00000000000000000000000000000000")]
    [InlineData("pslld", "0102030405060708807f01ff80007fff", "00000000000010000000000000000003", "081018202830384003f80ff80003fff8")]
    [InlineData("packsswb", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "fe8080807f7f80807f7f7f7f807f807f")]
    [InlineData("packuswb", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "00000000ffff0000ffffffff00ff00ff")]
    [InlineData("packssdw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "800080007fff80007fff7fff80008000")]
    [InlineData("punpckhbw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "ff01fe02fd03fc048005800680078008")]
    [InlineData("pmaxsw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "01020304050607087f7f01ffff807fff")]
    [InlineData("pminsw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "fffefdfc80808080807f01018000ff01")]
    [InlineData("paddq", "0000000000000001ffffffffffffffff", "ffffffffffffffff0000000000000001", "00000000000000000000000000000000")]
    [InlineData("pshuflw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "fffefdfc80808080ff01ff8001017f7f")]
    [InlineData("pshufhw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "80808080fdfcfffe7f7f0101ff80ff01")]
    [InlineData("pslldq", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "0405060708807f01ff80007fff000000")]
    [InlineData("psrldq", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "00000000000000000000000000000000")]
    [InlineData("psrad_imm", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "0000000000000000ffffffffffffffff")]
    [InlineData("psllw_imm", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "00000000000000008000800000008000")]
    [InlineData("pinsrw", "0102030405060708807f01ff80007fff", "fffefdfc808080807f7f0101ff80ff01", "0102030405060708807f01ff56787fff")]
    public void Sse2_integer_results_match_the_host(string op, string a, string b, string expected)
    {
        var m = RunToEnd(asm =>
        {
            switch (op)
            {
                case "pshuflw": asm.pshuflw(xmm0, xmm1, 0x1b); break;
                case "pshufhw": asm.pshufhw(xmm0, xmm1, 0x1b); break;
                case "pslldq": asm.pslldq(xmm0, 3); break;
                case "psrldq": asm.psrldq(xmm0, 17); break;
                case "psrad_imm": asm.psrad(xmm0, 40); break;
                case "psllw_imm": asm.psllw(xmm0, 15); break;
                case "pinsrw": asm.mov(eax, 0x12345678); asm.pinsrw(xmm0, eax, 9); break;
                default: typeof(Assembler).GetMethod(op, [typeof(AssemblerRegisterXMM), typeof(AssemblerRegisterXMM)])!.Invoke(asm, [xmm0, xmm1]); break;
            }
            asm.int3();
        }, s => { s.Xmm[0] = X128(a); s.Xmm[1] = X128(b); });
        Assert.True(X128(expected) == m.S.Xmm[0], $"{op}: {m.S.Xmm[0]:x32}, the host {expected}");
        Assert.Equal(Mxcsr.Reset, m.S.Mxcsr);
    }

    [Fact]
    public void Pextrw_movnti_movntdq_and_fences()
    {
        var m = RunToEnd(asm =>
        {
            asm.mov(rbx, DataVa);
            asm.pextrw(ecx, xmm1, 6);              // word 6, zero-extended
            asm.movnti(__qword_ptr[rbx], rdx);
            asm.movntdq(__xmmword_ptr[rbx + 16], xmm1);
            asm.lfence(); asm.mfence(); asm.sfence();
            asm.int3();
        }, s => { s.Xmm[1] = X128("fffefdfc808080807f7f0101ff80ff01"); s.Rcx = ulong.MaxValue; s.Rdx = 0x0123_4567_89AB_CDEF; });
        Assert.Equal(0xfdfcUL, m.S.Rcx);
        Assert.Equal(0x0123_4567_89AB_CDEFUL, m.Bus.U64(DataVa));
        Assert.Equal(0x7f7f0101ff80ff01UL, m.Bus.U64(DataVa + 16));
        Assert.Equal(0xfffefdfc80808080UL, m.Bus.U64(DataVa + 24));
        var mis = Build(asm => { asm.mov(rbx, DataVa + 8); asm.movntdq(__xmmword_ptr[rbx], xmm1); asm.int3(); });
        AssertTrap(mis.Run(), Vector.GeneralProtection, 0);
    }
    [Fact]
    public void Maskmovdqu_writes_the_selected_bytes_and_touches_only_their_span()
    {
        // Mask bytes 0, 2 and 15 set: those bytes of xmm1 go to [rdi]; the rest of the 16 bytes keep 0xAA.
        var m = RunToEnd(asm =>
        {
            asm.mov(rdi, DataVa);
            asm.mov(rax, 0xAAAA_AAAA_AAAA_AAAAUL); asm.mov(__qword_ptr[rdi], rax); asm.mov(__qword_ptr[rdi + 8], rax);
            asm.maskmovdqu(xmm1, xmm2);
            asm.int3();
        }, s => { s.Xmm[1] = X128("f0e0d0c0b0a090807060504030201000"); s.Xmm[2] = X128("80000000000000000000000000ff0080"); });
        Assert.Equal(0xAAAA_AAAA_AA20_AA00UL, m.Bus.U64(DataVa));
        Assert.Equal(0xF0AA_AAAA_AAAA_AAAAUL, m.Bus.U64(DataVa + 8));
        // Selected bytes in an unmapped page fault (#PF, write); an unselected byte past the canonical boundary does not
        // fault; an empty mask writes nothing but still faults on a target it may not write (the host CPU, cpu diff seed 20261201).
        var pf = Build(asm => { asm.mov(rdi, 0x7FFF_FFFF_FFF1UL); asm.maskmovdqu(xmm1, xmm2); asm.int3(); }, init: s => s.Xmm[2] = X128("7fffffffffffffffffffffffffffffff"));
        var r = pf.Run();
        Assert.Equal(Vector.PageFault, r.Trap.Vector);
        Assert.Equal(0x7FFF_FFFF_FFF1UL, r.Trap.Cr2);
        var none = Build(asm => { asm.mov(rdi, DataVa); asm.maskmovdqu(xmm1, xmm2); asm.int3(); }, init: s => { s.Xmm[1] = ~UInt128.Zero; s.Xmm[2] = 0; });
        Assert.Equal(Vector.Breakpoint, none.Run().Trap.Vector);
        Assert.Equal(0UL, none.Bus.U64(DataVa));
        var ro = Build(asm => { asm.mov(rdi, CodeVa); asm.maskmovdqu(xmm1, xmm2); asm.int3(); }, init: s => s.Xmm[2] = 0);
        Assert.Equal(Vector.PageFault, ro.Run().Trap.Vector);
    }
    [Fact]
    public void Clflush_faults_as_a_byte_read_and_prefetch_never_faults()
    {
        // clflush on read-only code is fine (a read), on an unmapped page it is #PF with W = 0; prefetcht0/nta there are
        // hints and complete (the host CPU agrees: cpu diff).
        var ok = Build(asm => { asm.mov(rbx, CodeVa); asm.clflush(__byte_ptr[rbx]); asm.prefetcht0(__byte_ptr[rbx + 0x10_0000]); asm.prefetchnta(__byte_ptr[rbx + 0x10_0000]); asm.int3(); });
        Assert.Equal(Vector.Breakpoint, ok.Run().Trap.Vector);
        var pf = Build(asm => { asm.mov(rbx, 0x7FFF_FFFF_0000UL); asm.clflush(__byte_ptr[rbx]); asm.int3(); });
        AssertTrap(pf.Run(), Vector.PageFault, (ulong)PfErr.User, 0x7FFF_FFFF_0000UL);
    }
}
