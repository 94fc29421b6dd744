using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// The x87 instructions on the model CPU. Expected values come from the host CPU (AMD EPYC; small C programs with
/// inline asm, as in x87/x87_vectors.c), the rules from the SDM where the host cannot show them (#MF timing is both).
/// </summary>
public sealed partial class CpuTests
{
    private const ushort Fcw = X87State.InitialFcw;
    private static Float80 F(ushort se, ulong sig) => new(se, sig);

    private static Machine RunX87(Action<Assembler> body, Action<Machine>? setup = null) => RunToEnd(a => { a.mov(rdi, DataVa); body(a); a.int3(); }, setup: setup);

    private static Float80 St(Machine m, int k) => m.S.X87.R[(m.S.X87.Top + k) & 7];

    private static void PokeF80(Machine m, ulong va, Float80 v) { var b = new byte[10]; v.Write(b); m.Bus.Poke(va, b); }

    [Fact]
    public void X87_starts_as_after_fninit_and_fninit_restores_it()
    {
        var s = new CpuState();
        Assert.Equal(0x037F, s.X87.Fcw);
        Assert.Equal(0, s.X87.Fsw);
        Assert.Equal(0xFF, s.X87.Empty);
        var m = RunX87(a => { a.fld1(); a.fldz(); a.fninit(); a.fnstsw(ax); a.fnstcw(__word_ptr[rdi]); });
        Assert.Equal(0UL, m.S.Rax & 0xFFFF);
        Assert.Equal(0x037F, BitConverter.ToUInt16(m.Bus.Peek(DataVa, 2)));
        Assert.Equal(0xFF, m.S.X87.Empty);
    }

    [Fact]
    public void Loads_push_and_stores_convert()
    {
        var m = RunX87(a =>
        {
            a.fld(__dword_ptr[rdi]);          // 1.5f
            a.fild(__word_ptr[rdi + 4]);      // -3
            a.faddp(st1, st0);                // -1.5
            a.fst(__qword_ptr[rdi + 0x10]);
            a.fistp(__dword_ptr[rdi + 0x18]); // round to nearest even: -2
        }, mm => { mm.Bus.Poke(DataVa, BitConverter.GetBytes(1.5f)); mm.Bus.Poke(DataVa + 4, BitConverter.GetBytes((short)-3)); });
        Assert.Equal(-1.5, BitConverter.ToDouble(m.Bus.Peek(DataVa + 0x10, 8)));
        Assert.Equal(-2, BitConverter.ToInt32(m.Bus.Peek(DataVa + 0x18, 4)));
        Assert.Equal(0xFF, m.S.X87.Empty);
        Assert.Equal(0x0220, m.S.X87.Fsw);  // PE and C1 from the fistp: -1.5 -> -2 grew in magnitude
    }

    [Fact]
    public void Constants_are_rounded_by_the_rounding_control_only()
    {
        // Host: RN pi ...C235, l2e ...F0BC, l2t ...8AFE, lg2 ...F799, ln2 ...79AC; RD/RZ: C234, F0BB, 8AFE, F798, 79AB; RU: C235, F0BC, 8AFF, F799, 79AC.
        ulong[][] want =
        [
            [0xC90FDAA22168C235, 0xB8AA3B295C17F0BC, 0xD49A784BCD1B8AFE, 0x9A209A84FBCFF799, 0xB17217F7D1CF79AC],
            [0xC90FDAA22168C234, 0xB8AA3B295C17F0BB, 0xD49A784BCD1B8AFE, 0x9A209A84FBCFF798, 0xB17217F7D1CF79AB],
            [0xC90FDAA22168C235, 0xB8AA3B295C17F0BC, 0xD49A784BCD1B8AFF, 0x9A209A84FBCFF799, 0xB17217F7D1CF79AC],
            [0xC90FDAA22168C234, 0xB8AA3B295C17F0BB, 0xD49A784BCD1B8AFE, 0x9A209A84FBCFF798, 0xB17217F7D1CF79AB],
        ];
        for (int rc = 0; rc < 4; rc++)
        {
            ushort cw = (ushort)((Fcw & ~0xF00) | rc << 10);   // PC 24 too: it must not apply
            var m = RunX87(a => { a.fldcw(__word_ptr[rdi]); a.fldln2(); a.fldlg2(); a.fldl2t(); a.fldl2e(); a.fldpi(); },
                mm => mm.Bus.Poke(DataVa, BitConverter.GetBytes(cw)));
            for (int k = 0; k < 5; k++) Assert.Equal(want[rc][k], St(m, k).Sig);
            Assert.Equal(0, m.S.X87.Fsw & 0x3F);
        }
    }

    [Fact]
    public void Stack_overflow_pushes_the_indefinite_with_C1_and_underflow_stores_it()
    {
        // Host: nine pushes leave FSW 0x3A41 (IE, SF, C1, TOP 7) and ST(0) = ffff:c000000000000000; fst m32 of an empty ST(0): 0xFFC00000, FSW 0x0041.
        var m = RunX87(a => { for (int k = 0; k < 8; k++) a.fld1(); a.fldpi(); a.fnstsw(ax); });
        Assert.Equal(0x3A41UL, m.S.Rax & 0xFFFF);
        Assert.Equal(Float80.Indefinite, St(m, 0));
        m = RunX87(a => { a.fst(__dword_ptr[rdi]); a.fnstsw(ax); });
        Assert.Equal(0xFFC00000u, BitConverter.ToUInt32(m.Bus.Peek(DataVa, 4)));
        Assert.Equal(0x0041UL, m.S.Rax & 0xFFFF);
        // fadd st, st(1) with ST(1) empty: the indefinite, FSW 0x3841 (host)
        m = RunX87(a => { a.fld1(); a.fadd(st0, st1); a.fnstsw(ax); });
        Assert.Equal(0x3841UL, m.S.Rax & 0xFFFF);
        Assert.Equal(Float80.Indefinite, St(m, 0));
    }

    [Fact]
    public void An_unmasked_exception_faults_at_the_next_waiting_instruction_not_at_its_own()
    {
        var m = Build(a =>
        {
            a.mov(rdi, DataVa);
            a.fldcw(__word_ptr[rdi]);        // ZE unmasked
            a.fld1(); a.fldz();
            a.fdivp(st1, st0);               // 1/0: no result, no pop, ES set
            a.fnstsw(ax);                    // non-waiting: no fault
            a.fnstcw(__word_ptr[rdi + 2]);   // non-waiting
            a.wait();                        // #MF here
            a.int3();
        });
        m.Bus.Poke(DataVa, BitConverter.GetBytes((ushort)(Fcw & ~4)));
        var r = m.Run();
        AssertTrap(r, Vector.FloatingPoint, 0);
        Assert.Equal(0x9B, m.Bus.Peek(m.S.Rip, 1)[0]);            // RIP at the fwait
        Assert.Equal(0xB084UL, m.S.Rax & 0xFFFF);                 // B, TOP 6, ES, ZE (host: no pop with ZE unmasked)
        Assert.Equal(Float80.Zero, St(m, 0));
        Assert.Equal(Float80.One, St(m, 1));
        Assert.Equal(0xB084, m.S.X87.Fsw);                        // still pending for the handler
        r = m.Run();                                              // resumed at the fwait: faults again
        AssertTrap(r, Vector.FloatingPoint, 0);
    }

    [Fact]
    public void Non_waiting_instructions_run_with_an_exception_pending_and_fnclex_clears_it()
    {
        var m = RunX87(a =>
        {
            a.fldcw(__word_ptr[rdi]);
            a.fld1(); a.fldz(); a.fdivp(st1, st0);
            a.fnstsw(ax); a.fnstcw(__word_ptr[rdi + 2]); a.fnstenv(__[rdi + 0x10]);
            a.fnclex();
            a.wait(); a.fld1();
        }, mm => mm.Bus.Poke(DataVa, BitConverter.GetBytes((ushort)(Fcw & ~4))));
        Assert.Equal(0xB084UL, m.S.Rax & 0xFFFF);
        Assert.Equal(0, m.S.X87.Fsw & 0x80FF);
    }

    [Fact]
    public void Fnstenv_masks_everything_so_nothing_is_pending_until_fldenv_brings_the_old_environment_back()
    {
        // Host (cpu diff seed 2, x87:fldenv): after fnstenv the pending exception is gone (fldenv does not fault); the
        // environment fldenv loads has ES and the unmasked flag again, so the next waiting instruction faults.
        var m = Build(a =>
        {
            a.mov(rdi, DataVa);
            a.fldcw(__word_ptr[rdi]);        // ZE unmasked
            a.fld1(); a.fldz(); a.fdivp(st1, st0);
            a.fnstenv(__[rdi + 0x10]);       // stores FSW with ES, then masks all: ES and B clear
            a.fnstsw(ax);
            a.fldenv(__[rdi + 0x10]);        // waiting, but nothing is pending: no #MF
            a.fnstsw(__word_ptr[rdi + 4]);
            a.wait();                        // #MF here
            a.int3();
        });
        m.Bus.Poke(DataVa, BitConverter.GetBytes((ushort)(Fcw & ~4)));
        var r = m.Run();
        AssertTrap(r, Vector.FloatingPoint, 0);
        Assert.Equal(0x9B, m.Bus.Peek(m.S.Rip, 1)[0]);            // at the fwait, not at the fldenv
        Assert.Equal(0x3004UL, m.S.Rax & 0xFFFF);                 // after fnstenv: ZE kept, ES and B clear
        Assert.Equal(0xB084, BitConverter.ToUInt16(m.Bus.Peek(DataVa + 4, 2)));
    }

    [Fact]
    public void Fldcw_that_unmasks_a_raised_flag_makes_the_next_waiting_instruction_fault()
    {
        // Host: fld1; fldz; fdivp (gas fdivrp; masked: ZE, infinity); fldcw 0x37b -> FSW 0xB884.
        var m = Build(a => { a.mov(rdi, DataVa); a.fld1(); a.fldz(); a.fdivp(st1, st0); a.fldcw(__word_ptr[rdi]); a.fnstsw(ax); a.fld1(); a.int3(); });
        m.Bus.Poke(DataVa, BitConverter.GetBytes((ushort)0x37B));
        var r = m.Run();
        AssertTrap(r, Vector.FloatingPoint, 0);
        Assert.Equal(0xB884UL, m.S.Rax & 0xFFFF);
    }

    [Fact]
    public void A_load_completes_with_DE_unmasked_but_not_with_IE_unmasked()
    {
        // Host: fld m32 0x00000001 with DM clear: FSW 0xB882, pushed (TOP 7); fld m32 SNaN with IM clear: FSW 0x8081, nothing pushed.
        var m = RunX87(a => { a.fldcw(__word_ptr[rdi]); a.fld(__dword_ptr[rdi + 4]); a.fnstsw(ax); a.fnclex(); },
            mm => { mm.Bus.Poke(DataVa, BitConverter.GetBytes((ushort)(Fcw & ~2))); mm.Bus.Poke(DataVa + 4, BitConverter.GetBytes(1u)); });
        Assert.Equal(0xB882UL, m.S.Rax & 0xFFFF);
        Assert.Equal(F(0x3F6A, 0x8000_0000_0000_0000), St(m, 0));
        m = RunX87(a => { a.fldcw(__word_ptr[rdi]); a.fld(__dword_ptr[rdi + 4]); a.fnstsw(ax); a.fnclex(); },
            mm => { mm.Bus.Poke(DataVa, BitConverter.GetBytes((ushort)(Fcw & ~1))); mm.Bus.Poke(DataVa + 4, BitConverter.GetBytes(0x7F80_0001u)); });
        Assert.Equal(0x8081UL, m.S.Rax & 0xFFFF);
        Assert.Equal(0xFF, m.S.X87.Empty);
    }

    [Fact]
    public void A_denormal_memory_operand_raises_DE_only_when_the_arithmetic_gets_to_it()
    {
        // Host: fldz; fdivr m32 (denormal 3): FSW 0x3804 (ZE alone), +inf; QNaN + m32 denormal: 0x3800; 1 + m32 denormal: 0x3822.
        void Check(Action<Assembler> load, Action<Assembler> op, ushort fsw, Float80 st0)
        {
            var m = RunX87(a => { load(a); op(a); a.fnstsw(ax); }, mm =>
            {
                mm.Bus.Poke(DataVa, BitConverter.GetBytes(3u));
                PokeF80(mm, DataVa + 0x10, F(0x7FFF, 0xC000_0000_0000_0001));
            });
            Assert.Equal(fsw, (ushort)m.S.Rax);
            Assert.Equal(st0, St(m, 0));
        }
        Check(a => a.fldz(), a => a.fdivr(__dword_ptr[rdi]), 0x3804, Float80.Infinity(false));
        Check(a => a.fld(__tword_ptr[rdi + 0x10]), a => a.fadd(__dword_ptr[rdi]), 0x3800, F(0x7FFF, 0xC000_0000_0000_0001));
        Check(a => a.fld1(), a => a.fadd(__dword_ptr[rdi]), 0x3822, Float80.One);
    }

    [Fact]
    public void An_SNaN_memory_operand_competes_as_an_SNaN_with_an_SNaN_on_the_stack()
    {
        // Host (cpu diff seed 14): ST(0) = ffff:a7c79ac63812cb7f (SNaN), fdivr m32 0xff8f7132 (SNaN): both SNaNs, so the larger
        // significand wins: ST(0) quieted, ffff:e7c79ac63812cb7f; IE.
        var m = RunX87(a => { a.fld(__tword_ptr[rdi + 0x10]); a.fdivr(__dword_ptr[rdi]); a.fnstsw(ax); }, mm =>
        {
            mm.Bus.Poke(DataVa, BitConverter.GetBytes(0xFF8F_7132u));
            PokeF80(mm, DataVa + 0x10, F(0xFFFF, 0xA7C7_9AC6_3812_CB7F));
        });
        Assert.Equal(F(0xFFFF, 0xE7C7_9AC6_3812_CB7F), St(m, 0));
        Assert.Equal(0x3801UL, m.S.Rax & 0xFFFF);
    }

    [Fact]
    public void Compares_with_IE_unmasked_still_set_codes_and_flags_but_do_not_pop()
    {
        // Host: SNaN vs 1.0 with IM clear: fucomi and fcomip set ZF PF CF, FSW 0xB081, no pop; fcomp: FSW 0xF581 (C3 C2 C0), no pop.
        void Prep(Machine mm) { mm.Bus.Poke(DataVa, BitConverter.GetBytes((ushort)(Fcw & ~1))); PokeF80(mm, DataVa + 0x10, F(0x7FFF, 0x8000_0000_0000_0001)); }
        var m = RunX87(a => { a.fldcw(__word_ptr[rdi]); a.fld(__tword_ptr[rdi + 0x10]); a.fld1(); a.xor(eax, eax); a.sahf(); a.fcomip(st0, st1); a.fnstsw(ax); a.fnclex(); }, Prep);
        Assert.Equal(ZF | PF | CF, m.Flags & (ZF | PF | CF | OF | SF | AF));
        Assert.Equal(0xB081UL, m.S.Rax & 0xFFFF);
        Assert.Equal(Float80.One, St(m, 0));
        m = RunX87(a => { a.fldcw(__word_ptr[rdi]); a.fld(__tword_ptr[rdi + 0x10]); a.fld1(); a.fcomp(st0, st1); a.fnstsw(ax); a.fnclex(); }, Prep);
        Assert.Equal(0xF581UL, m.S.Rax & 0xFFFF);
    }

    [Fact]
    public void Fcomi_sets_ZF_PF_CF_and_clears_OF_SF_AF()
    {
        foreach (var (x, y, want) in new (float, float, ulong)[] { (1, 2, CF), (2, 1, 0), (2, 2, ZF), (float.NaN, 1, ZF | PF | CF) })
        {
            var m = RunX87(a => { a.fld(__dword_ptr[rdi + 4]); a.fld(__dword_ptr[rdi]); a.mov(eax, 0xFF00); a.sahf(); a.stc(); a.fucomi(st0, st1); },
                mm => { mm.Bus.Poke(DataVa, BitConverter.GetBytes(x)); mm.Bus.Poke(DataVa + 4, BitConverter.GetBytes(y)); });
            Assert.Equal(want, m.Flags & (ZF | PF | CF | OF | SF | AF));
        }
    }

    [Fact]
    public void Fnstenv_stores_the_environment_and_masks_every_exception()
    {
        // Host image after fld1; fldpi; faddp: 7f03ffff 2038ffff ff3fffff FIP (FCS | FOP 0x6C1 << 16) FDP (FDS | ffff0000).
        var m = Build(a => { a.mov(rdi, DataVa); a.fld1(); a.fldpi(); a.faddp(st1, st0); a.fnstenv(__[rdi]); a.fnstcw(__word_ptr[rdi + 0x40]); a.int3(); });
        AssertEnd(m.Run());
        var b = m.Bus.Peek(DataVa, 28);
        Assert.Equal(0xFFFF037Fu, BitConverter.ToUInt32(b, 0));
        Assert.Equal(0xFFFF3820u, BitConverter.ToUInt32(b, 4));
        Assert.Equal(0xFFFF3FFFu, BitConverter.ToUInt32(b, 8));
        int at = m.Code.AsSpan().IndexOf(new byte[] { 0xDE, 0xC1 });          // the faddp
        Assert.Equal((uint)CodeVa + (uint)at, BitConverter.ToUInt32(b, 12));
        Assert.Equal(0x06C1_002Bu, BitConverter.ToUInt32(b, 16));                   // FOP, FCS = Fiasco's user CS
        Assert.Equal(0u, BitConverter.ToUInt32(b, 20));
        Assert.Equal(0xFFFF0000u, BitConverter.ToUInt32(b, 24));
        Assert.Equal(0x037F, BitConverter.ToUInt16(m.Bus.Peek(DataVa + 0x40, 2)));   // already all masked
    }

    [Fact]
    public void Fnsave_stores_and_reinitializes_and_frstor_brings_it_back()
    {
        // Host fnsave after fld1; fldz: tag word 0x1FFF, ST(0) = 0, ST(1) = 1.0 at bytes 28 and 38.
        var m = RunX87(a => { a.fld1(); a.fldz(); a.fnsave(__[rdi]); a.fnstsw(ax); a.mov(ebx, eax); a.frstor(__[rdi]); a.fnstsw(ax); });
        var b = m.Bus.Peek(DataVa, 108);
        Assert.Equal(0xFFFF1FFFu, BitConverter.ToUInt32(b, 8));
        Assert.Equal(Float80.Zero, Float80.Read(b.AsSpan(28)));
        Assert.Equal(Float80.One, Float80.Read(b.AsSpan(38)));
        Assert.Equal(0UL, m.S[Reg.Rbx] & 0xFFFF);            // fnsave reinitialized
        Assert.Equal(0x3000UL, m.S.Rax & 0xFFFF);            // TOP 6 again
        Assert.Equal(Float80.One, St(m, 1));
        Assert.Equal(0x3F, m.S.X87.Empty);
    }

    [Fact]
    public void Fxsave_stores_the_legacy_image_and_requires_16_byte_alignment()
    {
        // Host (fxsave after fld1; fldz): 7f03 0030 c0 00 0000 ..., MXCSR 0x1f80 at 24, ST(0) at 32, ST(1) at 48 with zero padding; bytes from 416 untouched.
        var m = RunX87(a => { a.fld1(); a.fldz(); a.fxsave(__[rdi]); },
            mm => { mm.Bus.Poke(DataVa, Enumerable.Repeat((byte)0xAA, 512).ToArray()); mm.S.Xmm[15] = new UInt128(1, 2); });
        var b = m.Bus.Peek(DataVa, 512);
        Assert.Equal(0x3000_037Fu, BitConverter.ToUInt32(b, 0));
        Assert.Equal(0xC0, b[4]);
        Assert.Equal(0UL, BitConverter.ToUInt64(b, 8));       // no pointers without ES (as the AMD host)
        Assert.Equal(0x1F80u, BitConverter.ToUInt32(b, 24));
        Assert.Equal(Float80.Zero, Float80.Read(b.AsSpan(32)));
        Assert.Equal(Float80.One, Float80.Read(b.AsSpan(48)));
        Assert.Equal(0u, BitConverter.ToUInt32(b, 58));
        Assert.Equal(new UInt128(1, 2), System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(b.AsSpan(160 + 15 * 16)));
        Assert.All(b[416..], x => Assert.Equal(0xAA, x));
        var g = Build(a => { a.mov(rdi, DataVa + 8); a.fxsave(__[rdi]); a.int3(); });
        AssertTrap(g.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(new byte[8], g.Bus.Peek(DataVa + 8, 8));
        g = Build(a => { a.mov(rdi, DataVa + 4); a.fxrstor(__[rdi]); a.int3(); });
        AssertTrap(g.Run(), Vector.GeneralProtection, 0);
    }

    [Fact]
    public void Fxrstor_restores_what_fxsave_stored()
    {
        var m = RunX87(a => { a.fldpi(); a.fld1(); a.fxsave(__[rdi]); a.fninit(); a.fxrstor(__[rdi]); a.fnstsw(ax); });
        Assert.Equal(0x3000UL, m.S.Rax & 0xFFFF);
        Assert.Equal(Float80.One, St(m, 0));
        Assert.Equal(0xC90FDAA22168C235UL, St(m, 1).Sig);
    }

    [Fact]
    public void Fxsave_stores_and_fxrstor_loads_the_threads_MXCSR()
    {
        // fxsave's bytes 24..27 are MXCSR as it stands (round down, DAZ: 0x3fc0 after the ldmxcsr), 28..31 MXCSR_MASK
        // 0xffff; fxrstor takes MXCSR back from the image (SDM Vol. 1 §10.5.1).
        var m = RunX87(a => { a.ldmxcsr(__dword_ptr[rdi + 512]); a.fxsave(__[rdi]); a.fxsave(__[rdi + 1024]); a.mov(__dword_ptr[rdi + 1024 + 24], 0x7f80); a.fxrstor(__[rdi + 1024]); },
            mm => mm.Bus.Poke(DataVa + 512, BitConverter.GetBytes(0x3FC0u)));
        var b = m.Bus.Peek(DataVa, 32);
        Assert.Equal(0x3FC0u, BitConverter.ToUInt32(b, 24));
        Assert.Equal(0xFFFFu, BitConverter.ToUInt32(b, 28));
        Assert.Equal(0x7F80u, m.S.Mxcsr);
    }

    [Fact]
    public void A_faulting_x87_store_leaves_the_x87_state_as_it_was()
    {
        var m = Build(a => { a.fld1(); a.fldpi(); a.mov(rdi, CodeVa); a.fstp(__tword_ptr[rdi]); a.int3(); });
        var r = m.Run();
        AssertTrap(r, Vector.PageFault, (ulong)(PfErr.Present | PfErr.Write | PfErr.User), CodeVa);
        Assert.Equal(6, m.S.X87.Top);                          // not popped
        Assert.Equal(0xC90FDAA22168C235UL, St(m, 0).Sig);
        Assert.Equal(0x3000, m.S.X87.Fsw);
    }

    [Fact]
    public void Fxch_fcmov_and_fisttp()
    {
        var m = RunX87(a =>
        {
            a.fld1(); a.fldpi(); a.fxch(st0, st1);             // st0 = 1, st1 = pi
            a.stc(); a.fcmovb(st0, st1);                       // CF: st0 = pi
            a.fisttp(__dword_ptr[rdi]);                        // truncates: 3
            a.fchs(); a.fistp(__word_ptr[rdi + 4]);            // the pi left: -3
        });
        Assert.Equal(3, BitConverter.ToInt32(m.Bus.Peek(DataVa, 4)));
        Assert.Equal((short)-3, BitConverter.ToInt16(m.Bus.Peek(DataVa + 4, 2)));
    }

    [Fact]
    public void Transcendentals_are_in_the_instruction_set()
    {
        foreach (var t in new[] { "fsin", "fcos", "fsincos", "fptan", "fpatan", "f2xm1", "fyl2x", "fyl2xp1", "fxtract", "fbld", "fbstp" })
            Assert.Contains(t, InstructionSet.Supported);
    }
}
