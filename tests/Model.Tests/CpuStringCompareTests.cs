using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>lods, scas, cmps with and without rep/repe/repne.</summary>
public sealed partial class CpuTests
{
    [Fact]
    public void Lods_sizes_direction_and_segment_override()
    {
        var m = RunToEnd(a =>
        {
            a.lodsb();                  // al = 0x11, upper rax kept
            a.mov(rbx, rax);
            a.lodsd();                  // eax = 0x55443322... from DataVa+1, zero-extends
            a.mov(rdx, rax);
            a.std();
            a.lodsw();                  // from DataVa+5 backwards: rsi = DataVa+3
            a.mov(r8, rsi);
            a.cld();
            a.mov(rsi, 0);
            a.db(0x64, 0x48, 0xAD);     // fs lodsq; fs base = DataVa
            a.int3();
        }, s => { s.Rax = 0xAAAA_BBBB_CCCC_DDDD; s.Rsi = DataVa; s.FsBase = DataVa; },
        mm => mm.Bus.PokeU64(DataVa, 0x8877_6655_4433_2211));
        Assert.Equal(0xAAAA_BBBB_CCCC_DD11UL, m.S[Reg.Rbx]);
        Assert.Equal(0x5544_3322UL, m.S.Rdx);
        Assert.Equal(DataVa + 3, m.S.R8);
        Assert.Equal(0x8877_6655_4433_2211UL, m.S.Rax);
        Assert.Equal(8UL, m.S.Rsi);
    }

    [Fact]
    public void Rep_lods_leaves_the_last_element_and_rcx_zero_does_nothing()
    {
        var m = RunToEnd(a =>
        {
            a.rep.lodsb();              // rcx = 3
            a.mov(rbx, rax);
            a.mov(rdx, rsi);
            a.rep.lodsw();              // rcx = 0 now: nothing
            a.int3();
        }, s => { s.Rcx = 3; s.Rsi = DataVa; s.Rax = 0xFF00; }, mm => mm.Bus.PokeU64(DataVa, 0x44_3322_11));
        Assert.Equal(0xFF33UL, m.S[Reg.Rbx]);
        Assert.Equal(DataVa + 3, m.S.Rdx);
        Assert.Equal(DataVa + 3, m.S.Rsi);
        Assert.Equal(0UL, m.S.Rcx);
    }

    [Fact]
    public void Repne_scasb_is_strlen()
    {
        byte[] text = "hello, world\0"u8.ToArray();
        var m = RunToEnd(a =>
        {
            a.xor(eax, eax);
            a.mov(rcx, -1L);
            a.repne.scasb();
            a.int3();
        }, s => s.Rdi = DataVa + 5, mm => mm.Bus.Poke(DataVa + 5, text));
        Assert.Equal(ulong.MaxValue - (ulong)text.Length, m.S.Rcx); // not rcx = -(len+2)
        Assert.Equal(DataVa + 5 + (ulong)text.Length, m.S.Rdi);
        Assert.Equal(ZF | PF, m.Flags);
    }

    [Fact]
    public void Repe_scas_stops_at_the_first_difference_with_its_flags()
    {
        var m = RunToEnd(a =>
        {
            a.mov(eax, 0x0101);
            a.repe.scasw();             // 0x0101, 0x0101, 0x0201: stops at the third, 0x0101 - 0x0201 borrows
            a.int3();
        }, s => { s.Rdi = DataVa; s.Rcx = 10; }, mm => mm.Bus.PokeU64(DataVa, 0x0000_0201_0101_0101));
        Assert.Equal(7UL, m.S.Rcx);
        Assert.Equal(DataVa + 6, m.S.Rdi);
        Assert.Equal(CF | SF | PF, m.Flags);
    }

    [Fact]
    public void Repe_cmpsb_is_memcmp_forwards_and_backwards()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rsi, DataVa);
            a.mov(rdi, DataVa + 0x100);
            a.mov(ecx, 8);
            a.repe.cmpsb();                 // equal throughout: rcx = 0, ZF
            a.setz(r8b);
            a.mov(r9, rsi);
            a.mov(rsi, DataVa + 7);
            a.mov(rdi, DataVa + 0x107 + 0x100);
            a.mov(ecx, 8);
            a.std();
            a.repe.cmpsb();                 // first (last) bytes differ: 'h' - 'x'
            a.cld();
            a.int3();
        }, setup: mm =>
        {
            mm.Bus.Poke(DataVa, "abcdefgh"u8);
            mm.Bus.Poke(DataVa + 0x100, "abcdefgh"u8);
            mm.Bus.Poke(DataVa + 0x200, "abcdefgx"u8);
        });
        Assert.Equal(1UL, m.S.R8);
        Assert.Equal(DataVa + 8, m.S[Reg.R9]);
        Assert.Equal(7UL, m.S.Rcx);
        Assert.Equal(DataVa + 6, m.S.Rsi);
        Assert.Equal(DataVa + 0x206, m.S.Rdi);
        Assert.Equal(CF | SF | PF, m.Flags); // 0x68 - 0x78 = 0xF0, no nibble borrow
    }

    [Fact]
    public void Cmpsq_without_rep_and_repne_cmps_and_fs_source()
    {
        var m = RunToEnd(a =>
        {
            a.cmpsq();                      // 0x8000..0 - 1: OF
            a.setb(r10b);
            a.mov(rsi, 16);
            a.db(0xF2, 0x64, 0xA7);         // repne cmpsd fs:[rsi], es:[rdi]: fs:16.. vs DataVa+0x108..: differ, differ, equal: stops after 3
            a.int3();
        }, s => { s.Rsi = DataVa; s.Rdi = DataVa + 0x100; s.Rcx = 9; s.FsBase = DataVa; },
        mm =>
        {
            mm.Bus.PokeU64(DataVa, 0x8000_0000_0000_0000); mm.Bus.PokeU64(DataVa + 0x100, 1);
            mm.Bus.Poke(DataVa + 16, [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
            mm.Bus.Poke(DataVa + 0x108, [9, 0, 0, 0, 9, 0, 0, 0, 3, 0, 0, 0]);
        });
        Assert.Equal(0UL, m.S[Reg.R10]);
        Assert.Equal(6UL, m.S.Rcx);
        Assert.Equal(28UL, m.S.Rsi);
        Assert.Equal(DataVa + 0x114, m.S.Rdi);
        Assert.Equal(ZF | PF, m.Flags);
    }

    [Fact]
    public void Rep_compare_with_rcx_zero_changes_nothing()
    {
        var m = RunToEnd(a => { a.repe.cmpsb(); a.repne.scasq(); a.int3(); },
            s => { s.Rcx = 0; s.Rsi = 0x1234; s.Rdi = 0x5678; s.Rflags = 0x202 | OF | CF; });
        Assert.Equal(0x1234UL, m.S.Rsi);
        Assert.Equal(0x5678UL, m.S.Rdi);
        Assert.Equal(OF | CF, m.Flags);
    }

    [Fact]
    public void Fault_in_the_middle_of_repne_scasb_resumes_after_the_completed_iterations()
    {
        ulong start = DataVa + 3 * 4096 - 4; // last 4 bytes of the data pages, then unmapped
        var m = Build(a => { a.repne.scasb(); a.int3(); }, init: s => { s.Rdi = start; s.Rcx = 100; s.Rax = 0x7F; });
        m.Bus.Poke(start, [1, 2, 3, 4]);
        var r = m.Run();
        AssertTrap(r, Vector.PageFault, (ulong)PfErr.User, DataVa + 3 * 4096);
        Assert.Equal(CodeVa, m.S.Rip);
        Assert.Equal(96UL, m.S.Rcx);
        Assert.Equal(DataVa + 3 * 4096, m.S.Rdi);
        Assert.Equal(PF, m.Flags);          // from 0x7F - 4 = 0x7B, the last completed iteration
        m.Bus.Map(DataVa + 3 * 4096, 4096, Rights.RW);
        m.Bus.Poke(DataVa + 3 * 4096, [5, 0x7F]);
        AssertEnd(m.Run());
        Assert.Equal(94UL, m.S.Rcx);
        Assert.Equal(DataVa + 3 * 4096 + 2, m.S.Rdi);
        Assert.Equal(ZF | PF, m.Flags);
    }

    [Fact]
    public void A_0x67_prefix_makes_edi_ecx_the_pointer_and_count_written_as_32_bit_registers()
    {
        // repne scasb with ES:EDI: RDI's and RCX's upper halves play no part and are cleared by the 32-bit updates.
        var m = Build(a => { a.db([0xF2, 0x67, 0xAE]); a.int3(); },
            init: s => { s.Rdi = 0xFFFF_0000_0000_0000 | DataVa; s.Rcx = 0xAAAA_0000_0000_0010; s.Rax = 0x7F; });
        m.Bus.Poke(DataVa, [1, 2, 0x7F, 4]);
        AssertEnd(m.Run());
        Assert.Equal(DataVa + 3, m.S.Rdi);
        Assert.Equal(0x0DUL, m.S.Rcx);
        Assert.Equal(ZF | PF, m.Flags);
    }
}
