using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>The SSE/SSE2 moves and pxor/pcmpeqb/pmovmskb (what gcc's memcpy/memset/strlen use).</summary>
public sealed partial class CpuTests
{
    private static UInt128 U128(ulong hi, ulong lo) => new(hi, lo);

    [Fact]
    public void Movd_movq_between_gprs_and_xmm_zero_extend()
    {
        var m = RunToEnd(a =>
        {
            a.movd(xmm0, eax);              // xmm0 = eax only
            a.movq(xmm1, rbx);              // xmm1 = rbx only
            a.movd(ecx, xmm2);              // low dword, rcx zero-extended
            a.movq(rdx, xmm2);
            a.movq(xmm3, xmm2);             // low quadword, high zeroed
            a.int3();
        }, s =>
        {
            s.Rax = 0xAAAA_BBBB_1234_5678; s[Reg.Rbx] = 0x8000_0000_0000_0001; s.Rcx = ulong.MaxValue;
            s.Xmm[0] = s.Xmm[1] = s.Xmm[3] = UInt128.MaxValue; s.Xmm[2] = U128(0x1111_2222_3333_4444, 0x5555_6666_7777_8888);
        });
        Assert.Equal((UInt128)0x1234_5678UL, m.S.Xmm[0]);
        Assert.Equal((UInt128)0x8000_0000_0000_0001UL, m.S.Xmm[1]);
        Assert.Equal(0x7777_8888UL, m.S.Rcx);
        Assert.Equal(0x5555_6666_7777_8888UL, m.S.Rdx);
        Assert.Equal((UInt128)0x5555_6666_7777_8888UL, m.S.Xmm[3]);
    }

    [Fact]
    public void Movd_movq_memory_forms_move_only_their_width()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.movd(xmm4, __dword_ptr[rbx]);     // zero-extended to 128 bits
            a.movq(xmm5, __qword_ptr[rbx + 3]); // unaligned is fine
            a.movq(__qword_ptr[rbx + 0x41], xmm6);
            a.movd(__dword_ptr[rbx + 0x61], xmm6);
            a.int3();
        }, s => { s.Xmm[4] = s.Xmm[5] = UInt128.MaxValue; s.Xmm[6] = U128(0xDEAD_BEEF_DEAD_BEEF, 0x0807_0605_0403_0201); },
        mm => { mm.Bus.PokeU64(DataVa, 0x8877_6655_4433_2211); mm.Bus.PokeU64(DataVa + 8, 0xFFEE_DDCC_BBAA_9988); mm.Bus.Poke(DataVa + 0x40, Enumerable.Repeat((byte)0xEE, 0x40).ToArray()); });
        Assert.Equal((UInt128)0x4433_2211UL, m.S.Xmm[4]);
        Assert.Equal((UInt128)0xAA99_8888_7766_5544UL, m.S.Xmm[5]);
        Assert.Equal([0xEE, 1, 2, 3, 4, 5, 6, 7, 8, 0xEE], m.Bus.Peek(DataVa + 0x40, 10));
        Assert.Equal([0xEE, 1, 2, 3, 4, 0xEE], m.Bus.Peek(DataVa + 0x60, 6));
    }

    [Fact]
    public void Aligned_and_unaligned_128_bit_moves()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.movdqa(xmm0, __xmmword_ptr[rbx]);
            a.movaps(__xmmword_ptr[rbx + 0x20], xmm0);
            a.movdqu(xmm1, __xmmword_ptr[rbx + 1]);
            a.movups(__xmmword_ptr[rbx + 0x1000 - 8], xmm1);  // unaligned and across a page boundary
            a.movapd(xmm2, xmm1);
            a.movupd(xmm3, __xmmword_ptr[rbx + 0x1000 - 8]);
            a.movdqu(xmm15, xmm3);
            a.int3();
        }, setup: mm => mm.Bus.Poke(DataVa, Enumerable.Range(0, 32).Select(k => (byte)k).ToArray()));
        var lo16 = Enumerable.Range(0, 16).Select(k => (byte)k).ToArray();
        var from1 = Enumerable.Range(1, 16).Select(k => (byte)k).ToArray();
        Assert.Equal(lo16, m.Bus.Peek(DataVa + 0x20, 16));
        Assert.Equal(from1, m.Bus.Peek(DataVa + 0x1000 - 8, 16));
        Assert.Equal(m.S.Xmm[1], m.S.Xmm[2]);
        Assert.Equal(m.S.Xmm[1], m.S.Xmm[15]);
        Assert.Equal(U128(0x100F_0E0D_0C0B_0A09, 0x0807_0605_0403_0201), m.S.Xmm[1]);
    }

    [Theory]
    [InlineData(0)] // movdqa load
    [InlineData(1)] // movaps store
    [InlineData(2)] // movapd load
    [InlineData(3)] // pxor m128
    [InlineData(4)] // pcmpeqb m128
    [InlineData(5)] // movdqa store
    public void Misaligned_16_byte_operands_are_GP0_before_any_access(int which)
    {
        var m = Build(a =>
        {
            a.mov(rbx, DataVa + 8);
            switch (which)
            {
                case 0: a.movdqa(xmm0, __xmmword_ptr[rbx]); break;
                case 1: a.movaps(__xmmword_ptr[rbx], xmm0); break;
                case 2: a.movapd(xmm0, __xmmword_ptr[rbx]); break;
                case 3: a.pxor(xmm0, __xmmword_ptr[rbx]); break;
                case 4: a.pcmpeqb(xmm0, __xmmword_ptr[rbx]); break;
                default: a.movdqa(__xmmword_ptr[rbx], xmm0); break;
            }
        }, init: s => s.Xmm[0] = 42);
        int reads = m.Bus.Reads;
        AssertTrap(m.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(CodeVa + 10, m.S.Rip);
        Assert.Equal((UInt128)42, m.S.Xmm[0]);
        Assert.Equal(0, m.Bus.Writes);
        Assert.Equal(reads + 1, m.Bus.Reads); // the code fetch only
    }

    [Fact]
    public void Vector_accesses_fault_like_any_other_and_change_nothing()
    {
        var l = Build(a => { a.mov(rbx, DataVa + 3 * 4096 - 8); a.movdqu(xmm7, __xmmword_ptr[rbx]); }, init: s => s.Xmm[7] = 7);
        AssertTrap(l.Run(), Vector.PageFault, (ulong)PfErr.User, DataVa + 3 * 4096);
        Assert.Equal((UInt128)7, l.S.Xmm[7]);
        var w = Build(a => { a.mov(rbx, DataVa); a.movq(__qword_ptr[rbx], xmm7); }, init: s => s.Xmm[7] = 7);
        w.Bus.Map(DataVa, 4096, Rights.RO);
        AssertTrap(w.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Present | PfErr.Write), DataVa);
        Assert.Equal(0UL, w.Bus.U64(DataVa));
    }

    [Fact]
    public void Pxor_pcmpeqb_pmovmskb()
    {
        var m = RunToEnd(a =>
        {
            a.pxor(xmm0, xmm0);
            a.pcmpeqb(xmm1, xmm0);      // bytes of xmm1 equal to 0 -> 0xFF
            a.pmovmskb(eax, xmm1);
            a.pmovmskb(rbx, xmm2);      // all sign bits set: 0xFFFF, zero-extended
            a.mov(rcx, DataVa);
            a.pxor(xmm2, __xmmword_ptr[rcx]);
            a.pcmpeqb(xmm3, __xmmword_ptr[rcx]);
            a.int3();
        }, s =>
        {
            s.Rax = s[Reg.Rbx] = ulong.MaxValue;
            s.Xmm[0] = 5; s.Xmm[1] = U128(0xFF00_0000_0000_0080, 0x0000_0100_0000_FF00); s.Xmm[2] = UInt128.MaxValue;
            s.Xmm[3] = U128(0x0F0E_0D0C_0B0A_0908, 0x0706_0504_0302_01FF);
        }, mm => mm.Bus.Poke(DataVa, Enumerable.Range(0, 16).Select(k => (byte)k).ToArray()));
        Assert.Equal((UInt128)0, m.S.Xmm[0]);
        Assert.Equal(U128(0x00FF_FFFF_FFFF_FF00, 0xFFFF_00FF_FFFF_00FF), m.S.Xmm[1]);
        Assert.Equal(0b0111_1110_1101_1101UL, m.S.Rax);
        Assert.Equal(0xFFFFUL, m.S[Reg.Rbx]);
        Assert.Equal(U128(0xF0F1_F2F3_F4F5_F6F7, 0xF8F9_FAFB_FCFD_FEFF), m.S.Xmm[2]);
        Assert.Equal(U128(ulong.MaxValue, 0xFFFF_FFFF_FFFF_FF00), m.S.Xmm[3]);
    }

    [Fact]
    public void Sse2_strlen_as_glibc_writes_it()
    {
        byte[] text = "The quick brown fox jumps over the lazy dog, twice over.\0"u8.ToArray();
        Label loop = default, found = default;
        var m = RunToEnd(a =>
        {
            loop = a.CreateLabel(); found = a.CreateLabel();
            a.mov(rdx, rdi);
            a.and(rdi, -16);                // aligned blocks; the bytes before the string are masked off below
            a.pxor(xmm0, xmm0);
            a.movdqa(xmm1, __xmmword_ptr[rdi]);
            a.pcmpeqb(xmm1, xmm0);
            a.pmovmskb(eax, xmm1);
            a.mov(ecx, edx);
            a.and(ecx, 15);
            a.shr(eax, cl);
            a.shl(eax, cl);
            a.test(eax, eax);
            a.jnz(found);
            a.Label(ref loop);
            a.add(rdi, 16);
            a.movdqa(xmm1, __xmmword_ptr[rdi]);
            a.pcmpeqb(xmm1, xmm0);
            a.pmovmskb(eax, xmm1);
            a.test(eax, eax);
            a.jz(loop);
            a.Label(ref found);
            a.bsf(eax, eax);
            a.add(rax, rdi);
            a.sub(rax, rdx);
            a.int3();
        }, s => s.Rdi = DataVa + 5, mm => mm.Bus.Poke(DataVa, [1, 1, 1, 1, 0, .. text]));
        Assert.Equal((ulong)text.Length - 1, m.S.Rax);
    }

    [Fact]
    public void Ssse3_mmx_and_vex_forms_are_UD_and_xmm_state_survives_runs_and_clone()
    {
        var r = Build(a => a.pshufb(mm0, mm1)).Run(); // SSSE3 (not modelled) on mm; the MMX forms themselves run (CpuMmxTests)
        AssertTrap(r, Vector.InvalidOpcode, 0);
        Assert.Contains("mm0", r.Detail);
        var v = Build(a => a.vmovdqa(xmm0, xmm1)).Run();
        AssertTrap(v, Vector.InvalidOpcode, 0);
        var m = RunToEnd(a => { a.movq(xmm9, rax); a.int3(); }, s => s.Rax = 99);
        var c = m.S.Clone();
        m.S.Xmm[9] = 0;
        Assert.Equal((UInt128)99, c.Xmm[9]);
    }

    [Fact]
    public void Por_pand_pandn_pminub_punpckl_pshufd()
    {
        UInt128 a = U128(0xF0E0_D0C0_B0A0_9080, 0x7060_5040_3020_1000), b = U128(0x0F1E_2D3C_4B5A_6978, 0x8796_A5B4_C3D2_E1FF);
        var m = RunToEnd(x =>
        {
            foreach (var r in new[] { xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8 }) x.movdqa(r, xmm0);
            x.por(xmm1, xmm9);
            x.pand(xmm2, xmm10);
            x.pandn(xmm3, xmm9);
            x.pminub(xmm4, xmm9);
            x.punpcklbw(xmm5, xmm9);
            x.punpcklwd(xmm6, xmm9);
            x.punpckldq(xmm7, xmm9);
            x.punpcklqdq(xmm8, xmm9);
            x.pshufd(xmm11, xmm9, 0x1B);
            x.mov(rbx, DataVa);
            x.pshufd(xmm12, __xmmword_ptr[rbx], 0);
            x.pminub(xmm13, __xmmword_ptr[rbx]);
            x.int3();
        }, s =>
        {
            s.Xmm[0] = a; s.Xmm[9] = b; s.Xmm[10] = U128(0x00FF_00FF_00FF_00FF, 0x00FF_00FF_00FF_00FF); s.Xmm[13] = a;
        }, mm => mm.Bus.Poke(DataVa, [0xFF, 0xE1, 0xD2, 0xC3, 0xB4, 0xA5, 0x96, 0x87, 0x78, 0x69, 0x5A, 0x4B, 0x3C, 0x2D, 0x1E, 0x0F]));
        Assert.Equal(U128(0xFFFE_FDFC_FBFA_F9F8, 0xF7F6_F5F4_F3F2_F1FF), m.S.Xmm[1]);
        Assert.Equal(U128(0x00E0_00C0_00A0_0080, 0x0060_0040_0020_0000), m.S.Xmm[2]);
        Assert.Equal(U128(0x0F1E_2D3C_4B5A_6978, 0x8796_A5B4_C3D2_E1FF), m.S.Xmm[3]);
        Assert.Equal(U128(0x0F1E_2D3C_4B5A_6978, 0x7060_5040_3020_1000), m.S.Xmm[4]);
        Assert.Equal(U128(0x8770_9660_A550_B440, 0xC330_D220_E110_FF00), m.S.Xmm[5]);
        Assert.Equal(U128(0x8796_7060_A5B4_5040, 0xC3D2_3020_E1FF_1000), m.S.Xmm[6]);
        Assert.Equal(U128(0x8796_A5B4_7060_5040, 0xC3D2_E1FF_3020_1000), m.S.Xmm[7]);
        Assert.Equal(U128(0x8796_A5B4_C3D2_E1FF, 0x7060_5040_3020_1000), m.S.Xmm[8]);
        Assert.Equal(U128(0xC3D2_E1FF_8796_A5B4, 0x4B5A_6978_0F1E_2D3C), m.S.Xmm[11]);
        Assert.Equal(U128(0xC3D2_E1FF_C3D2_E1FF, 0xC3D2_E1FF_C3D2_E1FF), m.S.Xmm[12]);
        Assert.Equal(m.S.Xmm[4], m.S.Xmm[13]);
    }

    [Fact]
    public void Memset_broadcast_as_gcc_writes_it_and_aligned_m128_rule()
    {
        var m = RunToEnd(a =>
        {
            a.movd(xmm0, esi);
            a.punpcklbw(xmm0, xmm0);
            a.punpcklwd(xmm0, xmm0);
            a.pshufd(xmm0, xmm0, 0);
            a.mov(rdi, DataVa);
            a.movups(__xmmword_ptr[rdi + 3], xmm0);
            a.int3();
        }, s => s.Rsi = 0x1234_56AB);
        Assert.Equal(Enumerable.Repeat((byte)0xAB, 16).ToArray(), m.Bus.Peek(DataVa + 3, 16));
        var g = Build(a => { a.mov(rbx, DataVa + 4); a.pshufd(xmm0, __xmmword_ptr[rbx], 0); }, init: s => s.Xmm[0] = 1);
        AssertTrap(g.Run(), Vector.GeneralProtection, 0);
        Assert.Equal((UInt128)1, g.S.Xmm[0]);
        var h = Build(a => { a.mov(rbx, DataVa + 4); a.por(xmm0, __xmmword_ptr[rbx]); });
        AssertTrap(h.Run(), Vector.GeneralProtection, 0);
    }
}
