using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>bt/bts/btr/btc, bsf/bsr (tzcnt/lzcnt decode as them on the captured CPU), popcnt, bswap.</summary>
public sealed partial class CpuTests
{
    private const ulong Undef = OF | SF | ZF | AF | PF; // flags bt must leave alone (all set going in)

    [Fact]
    public void Bt_register_forms_take_the_offset_modulo_the_width_and_set_only_CF()
    {
        var m = RunToEnd(a =>
        {
            a.bt(rax, rcx);             // rcx = 65 -> bit 1 of rax (set)
            a.setb(r8b);
            a.bts(edx, 31);             // 32-bit write zero-extends
            a.btr(si, 17);              // imm 17 & 15 = bit 1; upper 48 bits kept
            a.btc(r9, 63);              // width-1
            a.setb(r10b);
            a.btc(r11d, 32);            // width: bit 0
            a.bt(r14d, 0);              // bt writes nothing: no zero-extension of r14
            a.bt(r12, r13);             // bit 0 of 0: CF = 0
            a.int3();
        }, s =>
        {
            s.Rax = 0b10; s.Rcx = 65; s.Rdx = 0xFFFF_FFFF_0000_0000; s.Rsi = 0xAAAA_BBBB_CCCC_FFFF;
            s[Reg.R9] = 0x8000_0000_0000_0001; s.R11 = 0x1234_5678_9ABC_DEF0; s[Reg.R12] = 0; s[Reg.R13] = 0; s[Reg.R14] = 0xFFFF_0000_FFFF_0000;
            s.Rflags = 0x202 | Undef | CF;
        });
        Assert.Equal(1UL, m.S.R8);                       // bt rax, 65: CF = 1
        Assert.Equal(0x8000_0000UL, m.S.Rdx);
        Assert.Equal(0xAAAA_BBBB_CCCC_FFFDUL, m.S.Rsi);
        Assert.Equal(1UL, m.S[Reg.R9]);
        Assert.Equal(1UL, m.S[Reg.R10]);                 // btc r9, 63: old bit was 1
        Assert.Equal(0x9ABC_DEF1UL, m.S.R11);
        Assert.Equal(0xFFFF_0000_FFFF_0000UL, m.S[Reg.R14]);
        Assert.Equal(Undef, m.Flags);                     // last bt: CF = 0, everything else untouched
    }

    [Fact]
    public void Bt_memory_register_offset_is_signed_and_moves_the_address()
    {
        const ulong Mid = DataVa + 0x1000;
        var m = RunToEnd(a =>
        {
            a.mov(rbx, Mid);
            a.bts(__qword_ptr[rbx], rcx);   // rcx = -1: qword at Mid-8, bit 63
            a.btr(__dword_ptr[rbx], edx);   // edx = 33: dword at Mid+4, bit 1
            a.setb(r8b);
            a.btc(__word_ptr[rbx + 16], si); // si = 0x7FFF (max positive): word at Mid+16+4094, bit 15
            a.bt(__qword_ptr[rbx], rdi);    // rdi = 64*3+7: qword at Mid+24, bit 7
            a.setb(r9b);
            a.int3();
        }, s => { s.Rcx = ulong.MaxValue; s.Rdx = 33; s.Rsi = 0x7FFF; s.Rdi = 64 * 3 + 7; },
        mm => { mm.Bus.PokeU64(Mid + 4, 0b10); mm.Bus.PokeU64(Mid + 24, 0x80); });
        Assert.Equal(0x8000_0000_0000_0000UL, m.Bus.U64(Mid - 8));
        Assert.Equal(0UL, m.Bus.U64(Mid + 4));
        Assert.Equal(1UL, m.S.R8);
        Assert.Equal(0x80, m.Bus.Peek(Mid + 16 + 4094 + 1, 1)[0]);
        Assert.Equal(1UL, m.S[Reg.R9]);
    }

    [Fact]
    public void Bt_memory_register_offset_with_32_bit_absolute_addressing_wraps_the_moved_address()
    {
        // 67 48 0F BB 3C 25 disp32: btc qword [disp32], rdi with 32-bit addressing. The offset's move is part of the
        // effective address, which wraps at 2^32: rdi = 2^35 + 3 moves by 2^32 bytes, back onto the same qword.
        // (Found by `l4conf cpu diff`: the model faulted at the unwrapped address; the host flipped the bit.)
        const ulong At = DataVa + 8;
        var m = RunToEnd(a => { a.db(0x67, 0x48, 0x0F, 0xBB, 0x3C, 0x25); a.dd((uint)At); a.int3(); },
            s => s.Rdi = (1UL << 35) + 3);
        Assert.Equal(8UL, m.Bus.U64(At));
    }

    [Fact]
    public void Bt_memory_negative_16_bit_offset_faults_at_the_moved_address()
    {
        // cx = 0x8000 = -32768 bits = -4096 bytes: the word at DataVa - 0x1000 + ..., an unmapped page.
        var m = Build(a => { a.mov(rbx, DataVa); a.btc(__word_ptr[rbx], cx); a.int3(); }, init: s => s.Rcx = 0x8000);
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Write), DataVa - 0x1000); // btc: write intent
        Assert.Equal(CodeVa + 10, m.S.Rip);
    }

    [Fact]
    public void Bt_memory_offset_wraps_with_32_bit_addressing_of_an_absolute_operand()
    {
        // bts qword [dword DataVa+0x3c], r13 with 0x67 and r13 = 2^63-1: the move 0x0FFF_FFFF_FFFF_FFF8 wraps at 2^32
        // to DataVa+0x34, bit 63 (found by `l4conf cpu diff` against the AMD host; 64-bit it would be non-canonical).
        uint disp = (uint)(DataVa + 0x3C);
        var m = RunToEnd(a => { a.db([0x67, 0x4C, 0x0F, 0xAB, 0x2C, 0x25, .. BitConverter.GetBytes(disp)]); a.int3(); },
            s => s[Reg.R13] = 0x7FFF_FFFF_FFFF_FFFF);
        Assert.Equal(0x80, m.Bus.Peek(DataVa + 0x3B, 1)[0]);
    }

    [Fact]
    public void Bt_memory_immediate_offset_is_masked_and_does_not_move_the_address()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.bts(__qword_ptr[rbx], 64 + 5);
            a.bts(__dword_ptr[rbx + 8], 255); // 255 & 31 = 31
            a.int3();
        });
        Assert.Equal(0x20UL, m.Bus.U64(DataVa));
        Assert.Equal(0x8000_0000UL, m.Bus.U64(DataVa + 8));
        Assert.Equal(0UL, m.Bus.U64(DataVa + 16));
    }

    [Fact]
    public void Bt_on_a_read_only_page_reads_but_bts_faults_with_nothing_changed()
    {
        var m = Build(a =>
        {
            a.mov(rbx, DataVa);
            a.bt(__dword_ptr[rbx], 0);
            a.setb(cl);
            a.bts(__dword_ptr[rbx], 1);
            a.int3();
        }, init: s => s.Rflags = 0x202);
        m.Bus.PokeU64(DataVa, 1);
        m.Bus.Map(DataVa, 4096, Rights.RO);
        var r = m.Run();
        AssertTrap(r, Vector.PageFault, (ulong)(PfErr.User | PfErr.Present | PfErr.Write), DataVa);
        Assert.Equal(1UL, m.S.Rcx);
        Assert.Equal(CF, m.Flags); // from bt; the faulting bts changed nothing
        Assert.Equal(1UL, m.Bus.U64(DataVa));
    }

    [Fact]
    public void Lock_is_accepted_on_memory_bts_btr_btc_and_UD_on_bt_and_registers()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.@lock.bts(__qword_ptr[rbx], 3);
            a.@lock.btr(__qword_ptr[rbx], rcx);
            a.@lock.btc(__dword_ptr[rbx + 8], 0);
            a.int3();
        }, s => s.Rcx = 0);
        Assert.Equal(8UL, m.Bus.U64(DataVa));
        Assert.Equal(1UL, m.Bus.U64(DataVa + 8));
        foreach (var bytes in new byte[][]
        {
            [0xF0, 0x0F, 0xA3, 0x03],       // lock bt [rbx], eax
            [0xF0, 0x0F, 0xBA, 0x23, 0x01], // lock bt [rbx], 1
            [0xF0, 0x0F, 0xAB, 0xC3],       // lock bts ebx, eax
        })
        {
            var u = RunBytes(bytes);
            Assert.Equal(Vector.InvalidOpcode, u.Trap.Vector);
            Assert.Contains("invalid", u.Detail);
        }
    }

    /// <summary>Run raw bytes at CodeVa (followed by int3) with RBX = DataVa.</summary>
    private static StopReason RunBytes(byte[] bytes, Action<CpuState>? init = null)
    {
        var m = Build(a => { a.db(bytes); a.int3(); }, init: s => { s[Reg.Rbx] = DataVa; init?.Invoke(s); });
        return m.Run();
    }

    [Theory]
    [InlineData(0UL, 0x1111_2222_3333_4444UL, 0x1111_2222_3333_4444UL, ZF | PF)]       // zero: dest unchanged
    [InlineData(1UL, 0UL, 0UL, 0UL)]                                                  // SF/PF from the source: 0x01 odd
    [InlineData(0x8000_0000_0000_0000UL, 63UL, 63UL, SF | PF)]                       // top bit: SF set, low byte 0: PF
    [InlineData(0xFF00UL, 8UL, 15UL, PF)]
    [InlineData(0x10UL, 4UL, 4UL, 0UL)]
    public void Bsf_bsr_64(ulong src, ulong bsf, ulong bsr, ulong flags)
    {
        var m = RunToEnd(a => { a.bsf(rax, rcx); a.bsr(rdx, rcx); a.int3(); },
            s => { s.Rcx = src; s.Rax = s.Rdx = 0x1111_2222_3333_4444; s.Rflags = 0x202 | CF | OF | AF; });
        Assert.Equal(bsf, m.S.Rax);
        Assert.Equal(bsr, m.S.Rdx);
        Assert.Equal(flags, m.Flags);
    }

    [Fact]
    public void Bsf_bsr_narrow_widths_memory_and_zero_source_leaves_the_whole_register()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.bsf(eax, ecx);                // ecx = 0x8000_0000 -> 31, zero-extended
            a.sets(r10b);                   // SF = bit 31 of the 32-bit source
            a.bsr(si, dx);                  // dx = 0 (upper rdx ignored): si unchanged
            a.bsr(r8d, __dword_ptr[rbx]);   // 0: r8 unchanged, upper half too
            a.bsr(r9w, __word_ptr[rbx + 8]);// 0x7FFF -> 14, upper bits kept
            a.int3();
        }, s =>
        {
            s.Rax = ulong.MaxValue; s.Rcx = 0xFFFF_FFFF_8000_0000; s.Rdx = 0xFFFF_0000; s.Rsi = 0xAAAA_BBBB_CCCC_DDDD;
            s.R8 = 0x5555_6666_7777_8888; s[Reg.R9] = 0x9999_0000_0000_0000;
        }, mm => mm.Bus.PokeU64(DataVa + 8, 0x7FFF));
        Assert.Equal(31UL, m.S.Rax);
        Assert.Equal(1UL, m.S[Reg.R10]);
        Assert.Equal(0xAAAA_BBBB_CCCC_DDDDUL, m.S.Rsi);
        Assert.Equal(0x5555_6666_7777_8888UL, m.S.R8);
        Assert.Equal(0x9999_0000_0000_000EUL, m.S[Reg.R9]);
        Assert.Equal(PF, m.Flags); // logic flags of 0x7FFF as a word: SF clear, low byte 0xFF has even parity
    }

    [Fact]
    public void Tzcnt_lzcnt_run_as_bsf_bsr_and_popcnt_is_UD_on_the_captured_cpu()
    {
        // No ABM/BMI1 in the captured CPUID: F3 0F BC/BD are bsf/bsr (tzcnt would give 64, lzcnt 63 - 4 = 59).
        var m = RunToEnd(a => { a.tzcnt(rax, rcx); a.lzcnt(rdx, rbx); a.tzcnt(rsi, rdi); a.int3(); },
            s => { s.Rcx = 0x10; s[Reg.Rbx] = 0x10; s.Rdi = 0; s.Rsi = 77; });
        Assert.Equal(4UL, m.S.Rax);
        Assert.Equal(4UL, m.S.Rdx);
        Assert.Equal(77UL, m.S.Rsi);             // zero source: bsf leaves it, tzcnt would write 64
        Assert.Equal(ZF | PF, m.Flags);          // tzcnt would set CF for a zero source
        var p = Build(a => { a.popcnt(rax, rcx); });
        var r = p.Run();
        AssertTrap(r, Vector.InvalidOpcode, 0);
        Assert.Contains("popcnt", r.Detail);
        Assert.Equal(CodeVa, p.S.Rip);
        foreach (var name in new[] { "popcnt", "movbe", "rdtscp" }) Assert.Contains(name, InstructionSet.AbsentOnCapturedCpu);
        var mb = Build(a => { a.movbe(eax, __dword_ptr[rbx]); }, init: s => s[Reg.Rbx] = DataVa); // no MOVBE: #UD, no access
        AssertTrap(mb.Run(), Vector.InvalidOpcode, 0);
        Assert.Equal(0, mb.Bus.Reads - 1); // only the code fetch
    }

    [Fact]
    public void Bswap_32_64_and_16_bit()
    {
        var m = RunToEnd(a =>
        {
            a.bswap(rax);
            a.bswap(ecx);
            a.bswap(r10);
            a.db(0x66, 0x0F, 0xCA); // bswap dx: undefined by the SDM, clears the low word on silicon
            a.int3();
        }, s =>
        {
            s.Rax = 0x0102_0304_0506_0708; s.Rcx = 0xFFFF_FFFF_1122_3344; s[Reg.R10] = 0x8000_0000_0000_00FF;
            s.Rdx = 0x1122_3344_5566_7788; s.Rflags = 0x202 | CF | ZF;
        });
        Assert.Equal(0x0807_0605_0403_0201UL, m.S.Rax);
        Assert.Equal(0x4433_2211UL, m.S.Rcx);
        Assert.Equal(0xFF00_0000_0000_0080UL, m.S[Reg.R10]);
        Assert.Equal(0x1122_3344_5566_0000UL, m.S.Rdx);
        Assert.Equal(CF | ZF, m.Flags); // no flags
    }
}
