using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>enter, leave, loop/loope/loopne, jrcxz/jecxz, xlat.</summary>
public sealed partial class CpuTests
{
    [Fact]
    public void Enter_level_0_and_leave_round_trip()
    {
        var m = RunToEnd(a =>
        {
            a.enter(32, 0);
            a.mov(rbx, rbp);
            a.mov(rcx, rsp);
            a.leave();
            a.int3();
        }, s => s[Reg.Rbp] = 0x1234_5678, mm => mm.S.Rflags = 0x202 | CF | ZF);
        Assert.Equal(StackTop - 8, m.S[Reg.Rbx]);
        Assert.Equal(StackTop - 8 - 32, m.S.Rcx);
        Assert.Equal(0x1234_5678UL, m.Bus.U64(StackTop - 8));
        Assert.Equal(0x1234_5678UL, m.S[Reg.Rbp]);
        Assert.Equal(StackTop, m.S.Rsp);
        Assert.Equal(CF | ZF, m.Flags);
    }

    [Fact]
    public void Enter_nested_copies_the_outer_frame_pointers_and_the_level_is_mod_32()
    {
        ulong oldRbp = DataVa + 0x100;
        var m = RunToEnd(a =>
        {
            a.enter(16, 3);
            a.mov(rbx, rbp);
            a.mov(rcx, rsp);
            a.mov(rsp, StackTop - 0x800);
            a.enter(8, 32);                 // level 32 & 31 = 0
            a.int3();
        }, s => s[Reg.Rbp] = oldRbp, mm => { mm.Bus.PokeU64(oldRbp - 8, 0xAAAA); mm.Bus.PokeU64(oldRbp - 16, 0xBBBB); });
        ulong frame = StackTop - 8;
        Assert.Equal(frame, m.S[Reg.Rbx]);
        Assert.Equal(oldRbp, m.Bus.U64(StackTop - 8));
        Assert.Equal(0xAAAAUL, m.Bus.U64(StackTop - 16));
        Assert.Equal(0xBBBBUL, m.Bus.U64(StackTop - 24));
        Assert.Equal(frame, m.Bus.U64(StackTop - 32));
        Assert.Equal(StackTop - 32 - 16, m.S.Rcx);
        Assert.Equal(StackTop - 0x808, m.S[Reg.Rbp]);
        Assert.Equal(StackTop - 0x808 - 8, m.S.Rsp);
    }

    [Fact]
    public void Enter_and_leave_16_bit_forms()
    {
        var m = RunToEnd(a =>
        {
            a.db(0x66, 0xC8, 0x08, 0x00, 0x00); // enterw 8, 0: pushes BP as a word, BP = the frame's low word
            a.mov(rbx, rbp);
            a.mov(rcx, rsp);
            a.db(0x66, 0xC9);                   // leavew: RSP = RBP + 2, BP = word
            a.int3();
        }, s => s[Reg.Rbp] = 0x007F_4444);      // upper bits as the stack's, so RBP is the frame after enterw
        Assert.Equal(StackTop - 2, m.S[Reg.Rbx]);
        Assert.Equal(StackTop - 10, m.S.Rcx);
        Assert.Equal([0x44, 0x44], m.Bus.Peek(StackTop - 2, 2));
        Assert.Equal(StackTop, m.S.Rsp);
        Assert.Equal(0x007F_4444UL, m.S[Reg.Rbp]);
        // Only BP changes: RBP's upper bits stay (AMD host; the SDM's 64-bit pseudocode would write all of RBP).
        var u = RunToEnd(a => { a.db(0x66, 0xC8, 0x08, 0x00, 0x00); a.int3(); }, s => s[Reg.Rbp] = 0x1111_2222_3333_4444);
        Assert.Equal(0x1111_2222_3333_0000UL | ((StackTop - 2) & 0xFFFF), u.S[Reg.Rbp]);
    }

    [Fact]
    public void Enter_and_leave_faults_change_no_register()
    {
        var e = Build(a => a.enter(16, 2), init: s => { s.Rsp = DataVa; s[Reg.Rbp] = 0x5555; });
        AssertTrap(e.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Write), DataVa - 8);
        Assert.Equal(DataVa, e.S.Rsp);
        Assert.Equal(0x5555UL, e.S[Reg.Rbp]);
        var n = Build(a => a.enter(16, 2), init: s => s[Reg.Rbp] = DataVa + 4); // outer frame pointer at DataVa-4: unmapped
        AssertTrap(n.Run(), Vector.PageFault, (ulong)PfErr.User, DataVa - 4);
        Assert.Equal(StackTop, n.S.Rsp);
        Assert.Equal(DataVa + 4, n.S[Reg.Rbp]);
        var l = Build(a => a.leave(), init: s => s[Reg.Rbp] = DataVa - 16);
        AssertTrap(l.Run(), Vector.PageFault, (ulong)PfErr.User, DataVa - 16);
        Assert.Equal(StackTop, l.S.Rsp);
        Assert.Equal(DataVa - 16, l.S[Reg.Rbp]);
    }

    [Fact]
    public void Enter_probes_the_final_stack_pointer_after_its_pushes()
    {
        // 16 stack pages below StackTop: a frame of 0xF000 + the push reaches below them.
        var m = Build(a => a.enter(0xF000, 0), init: s => { s[Reg.Rbp] = 0x1234; s.Rsp = StackTop - 0x1000; });
        ulong final = StackTop - 0x1000 - 8 - 0xF000;
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Write), final);
        Assert.Equal(StackTop - 0x1000, m.S.Rsp);
        Assert.Equal(0x1234UL, m.S[Reg.Rbp]);
        Assert.Equal(0x1234UL, m.Bus.U64(StackTop - 0x1008)); // the push happened, as on the host
        var ok = RunToEnd(a => { a.enter(0xE000, 0); a.int3(); });
        Assert.Equal(StackTop - 8 - 0xE000, ok.S.Rsp);
    }

    [Fact]
    public void Loop_counts_down_and_keeps_the_flags()
    {
        Label top = default;
        var m = RunToEnd(a =>
        {
            top = a.CreateLabel();
            a.xor(eax, eax);
            a.stc();
            a.Label(ref top);
            a.add(rax, rcx);
            a.loop(top);                    // 5+4+3+2+1
            a.setb(bl);                     // CF from the last add (0 + ... no carry)
            a.mov(ecx, 1);
            a.loop(top);                    // 1 -> 0: falls through; would add once more if taken
            a.int3();
        }, s => s.Rcx = 5);
        Assert.Equal(15UL, m.S.Rax);
        Assert.Equal(0UL, m.S.Rcx);
    }

    [Fact]
    public void Loope_loopne_jrcxz_and_the_ecx_forms()
    {
        Label t1 = default, t2 = default, t3 = default;
        var m = RunToEnd(a =>
        {
            t1 = a.CreateLabel(); t2 = a.CreateLabel(); t3 = a.CreateLabel();
            a.mov(ecx, 3);
            a.cmp(eax, eax);                // ZF = 1
            a.loope(t1);                    // taken, rcx = 2
            a.mov(r8, 1);                   // skipped
            a.Label(ref t1);
            a.loopne(t2);                   // ZF = 1: not taken, rcx = 1
            a.mov(r9, 1);
            a.Label(ref t2);
            a.jrcxz(t3);                    // rcx = 1: not taken
            a.mov(r10, 1);
            a.Label(ref t3);
            a.mov(rcx, 0xFFFF_FFFF_0000_0000);
            a.db(0x67, 0xE3, 0x02);         // jecxz +2: ecx = 0, taken (skips the 2-byte nop)
            a.db(0x66, 0x90);
            a.db(0x67, 0xE2, 0x00);         // loop with ECX: ecx 0 -> 0xFFFFFFFF, zero-extended; taken to the next instruction
            a.mov(r11, rcx);
            a.int3();
        });
        Assert.Equal(0UL, m.S.R8);
        Assert.Equal(1UL, m.S[Reg.R9]);
        Assert.Equal(1UL, m.S[Reg.R10]);
        Assert.Equal(0xFFFF_FFFFUL, m.S.R11);
        Assert.Equal(ZF | PF, m.Flags);
    }

    [Fact]
    public void Loop_to_a_non_canonical_target_is_GP_with_rcx_unchanged()
    {
        const ulong At = 0x7FFF_FFFF_FFF0;
        var m = Build(a => a.db(0xE2, 0x7F), at: At, init: s => s.Rcx = 5); // target 0x8000_0000_0071
        AssertTrap(m.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(At, m.S.Rip);
        Assert.Equal(5UL, m.S.Rcx);
    }

    [Fact]
    public void Xlat_indexes_with_the_unsigned_al_and_honours_overrides()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.xlatb();                      // al = 0xFF: [DataVa + 255]
            a.mov(rdx, rax);
            a.mov(al, 1);
            a.mov(ebx, 0x10);
            a.db(0x64, 0xD7);               // fs xlat: [fs + 0x10 + 1]
            a.mov(rsi, rax);
            a.mov(al, 2);
            a.mov(rbx, 0xFFFF_FFFF_0000_0000 | (DataVa + 0x20));
            a.db(0x67, 0xD7);               // xlat [ebx + al]: the 32-bit address DataVa + 0x22 (64-bit: non-canonical)
            a.int3();
        }, s => { s.Rax = 0xAAAA_BBBB_CCCC_DDFF; s.FsBase = DataVa; },
        mm => { mm.Bus.Poke(DataVa + 255, [0x5A]); mm.Bus.Poke(DataVa + 0x11, [0x77]); mm.Bus.Poke(DataVa + 0x22, [0x99]); });
        Assert.Equal(0xAAAA_BBBB_CCCC_DD5AUL, m.S.Rdx);
        Assert.Equal(0xAAAA_BBBB_CCCC_DD77UL, m.S.Rsi);
        Assert.Equal(0xAAAA_BBBB_CCCC_DD99UL, m.S.Rax);
    }
}
