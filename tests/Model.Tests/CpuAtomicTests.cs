using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>xadd, cmpxchg, cmpxchg8b/16b and the lock prefix. Register results checked on the AMD EPYC host.</summary>
public sealed partial class CpuTests
{
    [Fact]
    public void Xadd_register_forms()
    {
        var m = RunToEnd(a =>
        {
            a.xadd(rax, rcx);           // rax = 5+7, rcx = 5
            a.xadd(edx, esi);           // both zero-extended
            a.xadd(rdi, rdi);           // the sum wins
            a.xadd(bh, bl);             // 0x7F + 0x01: OF, SF, AF
            a.int3();
        }, s =>
        {
            s.Rax = 5; s.Rcx = 7; s.Rdx = 0xBBBB_0000_0000_0004; s.Rsi = 0xAAAA_0000_0000_0003; s.Rdi = 5;
            s[Reg.Rbx] = 0x1111_7F01;
        });
        Assert.Equal(12UL, m.S.Rax);
        Assert.Equal(5UL, m.S.Rcx);
        Assert.Equal(7UL, m.S.Rdx);
        Assert.Equal(4UL, m.S.Rsi);
        Assert.Equal(10UL, m.S.Rdi);
        Assert.Equal(0x1111_807FUL, m.S[Reg.Rbx]);
        Assert.Equal(OF | SF | AF, m.Flags);
    }

    [Fact]
    public void Xadd_memory_with_lock_and_a_read_only_page_changes_nothing()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.@lock.xadd(__qword_ptr[rbx], rcx); // -1 + 1 = 0: CF, ZF
            a.int3();
        }, s => s.Rcx = 1, mm => mm.Bus.PokeU64(DataVa, ulong.MaxValue));
        Assert.Equal(0UL, m.Bus.U64(DataVa));
        Assert.Equal(ulong.MaxValue, m.S.Rcx);
        Assert.Equal(CF | ZF | PF | AF, m.Flags);

        var f = Build(a => { a.mov(rbx, DataVa); a.xadd(__dword_ptr[rbx], ecx); }, init: s => { s.Rcx = 0xFFFF_0000_0000_0001; s.Rflags = 0x202 | SF; });
        f.Bus.Map(DataVa, 4096, Rights.RO);
        AssertTrap(f.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Present | PfErr.Write), DataVa);
        Assert.Equal(0xFFFF_0000_0000_0001UL, f.S.Rcx);
        Assert.Equal(SF, f.Flags);
    }

    [Fact]
    public void Cmpxchg_32_bit_writes_only_the_register_the_outcome_names()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rax, r8); a.cmpxchg(edx, ecx);  // equal: edx = ecx (zero-extended), rax untouched
            a.mov(r10, rax); a.mov(r11, rdx);
            a.mov(rax, r8); a.cmpxchg(esi, ecx);  // not equal: eax = esi (zero-extended), rsi untouched
            a.setne(r12b);
            a.mov(rdi, rax);
            a.mov(rax, r8); a.cmpxchg(eax, eax);  // equal, destination is eax: zero-extends
            a.int3();
        }, s =>
        {
            s.R8 = 0xAAAA_AAAA_0000_0005; s.Rdx = 0xDDDD_DDDD_0000_0005; s.Rcx = 0x77; s.Rsi = 0xDDDD_DDDD_0000_0006;
        });
        Assert.Equal(0xAAAA_AAAA_0000_0005UL, m.S[Reg.R10]);
        Assert.Equal(0x77UL, m.S.R11);
        Assert.Equal(6UL, m.S.Rdi);
        Assert.Equal(0xDDDD_DDDD_0000_0006UL, m.S.Rsi);
        Assert.Equal(1UL, m.S[Reg.R12]);
        Assert.Equal(5UL, m.S.Rax);
        Assert.Equal(ZF | PF, m.Flags);
    }

    [Fact]
    public void Cmpxchg_flags_are_those_of_cmp_accumulator_destination()
    {
        var m = RunToEnd(a =>
        {
            a.cmpxchg(bl, cl);     // al = 0x80, bl = 0x01: 0x80 - 0x01 = 0x7F: OF, AF; al = 1
            a.int3();
        }, s => { s.Rax = 0xFF80; s[Reg.Rbx] = 0x01; s.Rcx = 0x22; });
        Assert.Equal(OF | AF, m.Flags);
        Assert.Equal(0xFF01UL, m.S.Rax);
        Assert.Equal(0x01UL, m.S[Reg.Rbx]);
        var w = RunToEnd(a => { a.cmpxchg(r9w, r10w); a.int3(); }, s => { s.Rax = 0; s[Reg.R9] = 1; }); // 0 - 1: borrow
        Assert.Equal(CF | SF | PF | AF, w.Flags);
        Assert.Equal(1UL, w.S.Rax);
    }

    [Fact]
    public void Cmpxchg_memory_always_writes_so_a_read_only_page_faults_even_when_unequal()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.@lock.cmpxchg(__qword_ptr[rbx], rcx);     // equal: stores rcx
            a.cmpxchg(__qword_ptr[rbx + 8], rcx);       // unequal: rax = memory, memory unchanged
            a.int3();
        }, s => { s.Rax = 42; s.Rcx = 0x99; }, mm => { mm.Bus.PokeU64(DataVa, 42); mm.Bus.PokeU64(DataVa + 8, 0x1234); });
        Assert.Equal(0x99UL, m.Bus.U64(DataVa));
        Assert.Equal(0x1234UL, m.Bus.U64(DataVa + 8));
        Assert.Equal(0x1234UL, m.S.Rax);

        var f = Build(a => { a.mov(rbx, DataVa); a.cmpxchg(__dword_ptr[rbx], ecx); }, init: s => { s.Rax = 1; s.Rflags = 0x202 | CF; });
        f.Bus.PokeU64(DataVa, 2);
        f.Bus.Map(DataVa, 4096, Rights.RO);
        AssertTrap(f.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Present | PfErr.Write), DataVa);
        Assert.Equal(1UL, f.S.Rax);
        Assert.Equal(CF, f.Flags);
    }

    [Fact]
    public void Cmpxchg8b_success_and_failure_change_only_ZF()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rdi, DataVa);
            a.@lock.cmpxchg8b(__qword_ptr[rdi]);      // equal: memory = ecx:ebx, rdx/rax untouched
            a.mov(r8, rax); a.mov(r9, rdx);
            a.setz(r10b);
            a.cmpxchg8b(__qword_ptr[rdi + 8]);        // unequal: edx:eax = memory, zero-extended
            a.int3();
        }, s =>
        {
            s.Rax = 0xFFFF_FFFF_2222_2222; s.Rdx = 0xFFFF_FFFF_1111_1111;
            s[Reg.Rbx] = 0xEEEE_EEEE_3333_3333; s.Rcx = 0xEEEE_EEEE_4444_4444; s.Rflags = 0x202 | CF | SF | OF;
        }, mm => { mm.Bus.PokeU64(DataVa, 0x1111_1111_2222_2222); mm.Bus.PokeU64(DataVa + 8, 0x5555_5555_6666_6666); });
        Assert.Equal(0x4444_4444_3333_3333UL, m.Bus.U64(DataVa));
        Assert.Equal(0xFFFF_FFFF_2222_2222UL, m.S.R8);
        Assert.Equal(0xFFFF_FFFF_1111_1111UL, m.S[Reg.R9]);
        Assert.Equal(1UL, m.S[Reg.R10]);
        Assert.Equal(0x6666_6666UL, m.S.Rax);
        Assert.Equal(0x5555_5555UL, m.S.Rdx);
        Assert.Equal(0x5555_5555_6666_6666UL, m.Bus.U64(DataVa + 8));
        Assert.Equal(CF | SF | OF, m.Flags);
    }

    [Fact]
    public void Cmpxchg16b_success_failure_alignment_and_read_only()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rdi, DataVa);
            a.@lock.cmpxchg16b(__xmmword_ptr[rdi]);    // equal
            a.setz(r10b);
            a.cmpxchg16b(__xmmword_ptr[rdi + 16]);     // unequal: rdx:rax = memory
            a.int3();
        }, s => { s.Rax = 1; s.Rdx = 2; s[Reg.Rbx] = 3; s.Rcx = 4; s.Rflags = 0x202 | PF; },
        mm => { mm.Bus.PokeU64(DataVa, 1); mm.Bus.PokeU64(DataVa + 8, 2); mm.Bus.PokeU64(DataVa + 16, 5); mm.Bus.PokeU64(DataVa + 24, 6); });
        Assert.Equal(3UL, m.Bus.U64(DataVa));
        Assert.Equal(4UL, m.Bus.U64(DataVa + 8));
        Assert.Equal(1UL, m.S[Reg.R10]);
        Assert.Equal(5UL, m.S.Rax);
        Assert.Equal(6UL, m.S.Rdx);
        Assert.Equal(PF, m.Flags);

        var g = Build(a => { a.mov(rdi, DataVa + 8); a.cmpxchg16b(__xmmword_ptr[rdi]); }, init: s => s.Rflags = 0x202 | ZF);
        AssertTrap(g.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(CodeVa + 10, g.S.Rip);
        Assert.Equal(ZF, g.Flags);
        Assert.Equal(0, g.Bus.Writes);

        var f = Build(a => { a.mov(rdi, DataVa); a.cmpxchg16b(__xmmword_ptr[rdi]); }, init: s => s.Rax = 9);
        f.Bus.Map(DataVa, 4096, Rights.RO);
        AssertTrap(f.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Present | PfErr.Write), DataVa);
        Assert.Equal(9UL, f.S.Rax);
    }

    [Fact]
    public void Lock_prefix_outside_a_lockable_memory_form_is_UD()
    {
        foreach (var bytes in new byte[][]
        {
            [0xF0, 0x0F, 0xC1, 0xC8],       // lock xadd eax, ecx
            [0xF0, 0x0F, 0xB1, 0xC8],       // lock cmpxchg eax, ecx
            [0xF0, 0x01, 0xC8],             // lock add eax, ecx
            [0xF0, 0x89, 0x03],             // lock mov [rbx], eax
            [0xF0, 0x3B, 0x03],             // lock cmp eax, [rbx]
            [0x0F, 0xC7, 0xC8],             // cmpxchg8b eax (register operand)
            [0xF0, 0x90],                   // lock nop
        })
        {
            var r = RunBytes(bytes);
            AssertTrap(r, Vector.InvalidOpcode, 0);
            Assert.Contains("invalid", r.Detail);
        }
    }
}
