using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// fxtract, fbld/fbstp (packed BCD) and the 16-bit environment images (0x66 fnstenv/fldenv m14, fnsave/frstor m94) on
/// the model CPU. Expected values are the host's (AMD EPYC; C programs with inline asm: fninit, fldcw, fld1 pushes,
/// fldt, the instruction, fnsave), the rules the SDM's ("FXTRACT", "FBLD", "FBSTP", Vol. 1 §8.1.10).
/// </summary>
public sealed partial class CpuTests
{
    /// <summary>fninit; fldcw FCW; <paramref name="ones"/> fld1; fld m80 <paramref name="v"/> (none when null); the body; fnstsw ax.</summary>
    private static Machine RunX87On(ushort fcw, Float80? v, Action<Assembler> body, int ones = 0) => RunX87(a =>
    {
        a.fldcw(__word_ptr[rdi]);
        for (int k = 0; k < ones; k++) a.fld1();
        if (v is not null) a.fld(__tword_ptr[rdi + 0x10]);
        body(a);
        a.fnstsw(ax);
        a.fnclex();
    }, m => { m.Bus.Poke(DataVa, BitConverter.GetBytes(fcw)); if (v is Float80 x) PokeF80(m, DataVa + 0x10, x); });

    private static ushort Fsw(Machine m) => (ushort)m.S.Rax;

    private static readonly Float80 X87Indefinite = Float80.Indefinite;

    // ------------------------------------------------------------------ fxtract

    [Theory]
    [InlineData(0x4000, 0xC000_0000_0000_0000, 0x3000, 0x3FFF, 0xC000_0000_0000_0000, 0x3FFF, 0x8000_0000_0000_0000)] // 3: 1.5 * 2^1
    [InlineData(0xBFFE, 0x8000_0000_0000_0000, 0x3000, 0xBFFF, 0x8000_0000_0000_0000, 0xBFFF, 0x8000_0000_0000_0000)] // -0.5: -1 * 2^-1
    [InlineData(0x7FFE, 0xFFFF_FFFF_FFFF_FFFF, 0x3000, 0x3FFF, 0xFFFF_FFFF_FFFF_FFFF, 0x400C, 0xFFFC_0000_0000_0000)] // the largest: 16383
    [InlineData(0x0001, 0x8000_0000_0000_0000, 0x3000, 0x3FFF, 0x8000_0000_0000_0000, 0xC00C, 0xFFF8_0000_0000_0000)] // the smallest normal: -16382
    [InlineData(0x0000, 0x0000_0000_0000_0001, 0x3002, 0x3FFF, 0x8000_0000_0000_0000, 0xC00D, 0x807A_0000_0000_0000)] // denormal, normalized: DE, -16445
    [InlineData(0x0000, 0x8000_0000_0000_0001, 0x3002, 0x3FFF, 0x8000_0000_0000_0001, 0xC00C, 0xFFF8_0000_0000_0000)] // pseudo-denormal: DE, -16382
    [InlineData(0x8000, 0x4000_0000_0000_0000, 0x3002, 0xBFFF, 0x8000_0000_0000_0000, 0xC00C, 0xFFFC_0000_0000_0000)] // negative denormal: -16383
    [InlineData(0x0000, 0x0000_0000_0000_0000, 0x3004, 0x0000, 0x0000_0000_0000_0000, 0xFFFF, 0x8000_0000_0000_0000)] // +0: ZE, -inf and +0
    [InlineData(0x8000, 0x0000_0000_0000_0000, 0x3004, 0x8000, 0x0000_0000_0000_0000, 0xFFFF, 0x8000_0000_0000_0000)] // -0: ZE, -inf and -0
    [InlineData(0xFFFF, 0x8000_0000_0000_0000, 0x3000, 0xFFFF, 0x8000_0000_0000_0000, 0x7FFF, 0x8000_0000_0000_0000)] // -inf: +inf and -inf
    [InlineData(0x7FFF, 0xC000_0000_0000_0001, 0x3000, 0x7FFF, 0xC000_0000_0000_0001, 0x7FFF, 0xC000_0000_0000_0001)] // QNaN: both, no IE
    [InlineData(0xFFFF, 0x8000_0000_0000_0001, 0x3001, 0xFFFF, 0xC000_0000_0000_0001, 0xFFFF, 0xC000_0000_0000_0001)] // SNaN: IE, both quieted
    [InlineData(0x3FFF, 0x0000_0000_0000_0001, 0x3001, 0xFFFF, 0xC000_0000_0000_0000, 0xFFFF, 0xC000_0000_0000_0000)] // unnormal: IE, indefinite
    [InlineData(0x7FFF, 0x4000_0000_0000_0000, 0x3001, 0xFFFF, 0xC000_0000_0000_0000, 0xFFFF, 0xC000_0000_0000_0000)] // pseudo-NaN: IE
    public void Fxtract_pushes_the_significand_over_the_exponent(int se, ulong sig, int fsw, int se0, ulong sig0, int se1, ulong sig1)
    {
        var m = RunX87On(Fcw, F((ushort)se, sig), a => a.fxtract());
        Assert.Equal((ushort)fsw, Fsw(m));
        Assert.Equal(F((ushort)se0, sig0), St(m, 0));
        Assert.Equal(F((ushort)se1, sig1), St(m, 1));
    }

    [Fact]
    public void Fxtract_rounds_nothing_and_clears_C1()
    {
        // Host: PC 24 leaves all 64 significand bits (4000:ffff... gives 3fff:ffff... and 1.0); after frndint set C1
        // (1.5 -> 2: FSW 0x3A20) fxtract clears it (0x3020).
        var m = RunX87On(0x007F, F(0x4000, ulong.MaxValue), a => a.fxtract());
        Assert.Equal(0x3000, Fsw(m));
        Assert.Equal(F(0x3FFF, ulong.MaxValue), St(m, 0));
        Assert.Equal(Float80.One, St(m, 1));
        m = RunX87On(Fcw, F(0x3FFF, 0xC000_0000_0000_0000), a => { a.frndint(); a.fxtract(); });
        Assert.Equal(0x3020, Fsw(m));
    }

    [Fact]
    public void Fxtract_stack_faults_give_two_indefinites_masked_and_change_nothing_unmasked()
    {
        // Host: empty ST(0): FSW 0x3841 and both indefinite; IE unmasked: 0x80C1, TOP 0, nothing written.
        var m = RunX87On(Fcw, null, a => a.fxtract());
        Assert.Equal(0x3841, Fsw(m));
        Assert.Equal(X87Indefinite, St(m, 0));
        Assert.Equal(X87Indefinite, St(m, 1));
        Assert.Equal(0x7E, m.S.X87.Empty);
        m = RunX87On(0x037E, null, a => a.fxtract());
        Assert.Equal(0x80C1, Fsw(m));
        Assert.Equal(0xFF, m.S.X87.Empty);
        // Full ST(7) (seven fld1 and the operand): overflow, C1; masked both indefinite (0x3A41), unmasked nothing (0x82C1).
        var three = F(0x4000, 0xC000_0000_0000_0000);
        m = RunX87On(Fcw, three, a => a.fxtract(), ones: 7);
        Assert.Equal(0x3A41, Fsw(m));
        Assert.Equal(X87Indefinite, St(m, 0));
        Assert.Equal(X87Indefinite, St(m, 1));
        Assert.Equal(Float80.One, St(m, 2));
        m = RunX87On(0x037E, three, a => a.fxtract(), ones: 7);
        Assert.Equal(0x82C1, Fsw(m));
        Assert.Equal(three, St(m, 0));
        Assert.Equal(0, m.S.X87.Top);
        // Empty ST(0) with ST(7) full: the underflow (C1 = 0), both indefinite (host: 0x3841).
        m = RunX87On(Fcw, null, a => { a.ffree(st0); a.fxtract(); }, ones: 8);
        Assert.Equal(0x3841, Fsw(m));
        Assert.Equal(X87Indefinite, St(m, 0));
        Assert.Equal(X87Indefinite, St(m, 1));
    }

    [Fact]
    public void Fxtract_with_IE_ZE_or_DE_unmasked_leaves_the_stack_alone()
    {
        // Host: SNaN, IM clear: 0xB881; zero, ZM clear: 0xB884; denormal, DM clear: 0xB882; all with TOP 7, ST(0) as loaded.
        foreach (var (fcw, v, fsw) in new (ushort, Float80, ushort)[]
        {
            (0x037E, F(0x7FFF, 0x8000_0000_0000_0001), 0xB881), (0x037B, F(0x8000, 0), 0xB884), (0x037D, F(0, 1), 0xB882),
        })
        {
            var m = RunX87On(fcw, v, a => a.fxtract());
            Assert.Equal(fsw, Fsw(m));
            Assert.Equal(v, St(m, 0));
            Assert.Equal(0x7F, m.S.X87.Empty);
        }
        // DM clear but a NaN: no DE (host 0x3001).
        Assert.Equal(0x3001, Fsw(RunX87On(0x037D, F(0x7FFF, 0x8000_0000_0000_0001), a => a.fxtract())));
    }

    // ------------------------------------------------------------------ fbld

    private static Machine Fbld(ushort fcw, ushort top, ulong low, int ones = 0) => RunX87(a =>
    {
        a.fldcw(__word_ptr[rdi]);
        for (int k = 0; k < ones; k++) a.fld1();
        a.fbld(__tword_ptr[rdi + 0x10]);
        a.fnstsw(ax);
        a.fnclex();
    }, m => { m.Bus.Poke(DataVa, BitConverter.GetBytes(fcw)); m.Bus.Poke(DataVa + 0x10, BitConverter.GetBytes(low)); m.Bus.Poke(DataVa + 0x18, BitConverter.GetBytes(top)); });

    [Theory]
    [InlineData(0x0012, 0x3456_7890_1234_5678, 0x4037, 0xDB4D_A5D3_1879_A700)]     // 123456789012345678
    [InlineData(0x8099, 0x9999_9999_9999_9999, 0xC03A, 0xDE0B_6B3A_763F_FFF0)]     // -(10^18 - 1)
    [InlineData(0x8000, 0x0000_0000_0000_0000, 0x8000, 0x0000_0000_0000_0000)]     // -0
    [InlineData(0x7F00, 0x0000_0000_0000_0001, 0x3FFF, 0x8000_0000_0000_0000)]     // bits 72-78 ignored: +1
    [InlineData(0x0000, 0x0000_0000_0000_000A, 0x4002, 0xA000_0000_0000_0000)]     // invalid digit A: 10 (model choice, host)
    [InlineData(0x0000, 0x0000_0000_0000_00A0, 0x4005, 0xC800_0000_0000_0000)]     // A in the tens: 100
    [InlineData(0x00A0, 0x0000_0000_0000_0000, 0x403A, 0xDE0B_6B3A_7640_0000)]     // A as digit 17: 10^18
    [InlineData(0x80FF, 0xFFFF_FFFF_FFFF_FFFF, 0xC03B, 0xB909_8406_0D35_5548)]     // all F: -1666666666666666665
    public void Fbld_loads_packed_BCD_exactly(int top, ulong low, int se, ulong sig)
    {
        var m = Fbld(0x007F, (ushort)top, low);                // PC 24: not applied (host)
        Assert.Equal(0x3800, Fsw(m));
        Assert.Equal(F((ushort)se, sig), St(m, 0));
    }

    [Fact]
    public void Fbld_onto_a_full_stack_pushes_the_indefinite()
    {
        // Host: eight fld1 then fbld: FSW 0x3A41, ST(0) indefinite; IM clear: nothing pushed (0x82C1).
        var m = Fbld(Fcw, 0, 1, ones: 8);
        Assert.Equal(0x3A41, Fsw(m));
        Assert.Equal(X87Indefinite, St(m, 0));
        m = Fbld(0x037E, 0, 1, ones: 8);
        Assert.Equal(0x82C1, Fsw(m));
        Assert.Equal(0, m.S.X87.Top);
    }

    // ------------------------------------------------------------------ fbstp

    /// <summary>Runs fbstp on <paramref name="v"/> (or an empty ST(0)) into DataVa+0x30 (filled with 0xAA first); the 10 bytes stored.</summary>
    private static (Machine M, byte[] Bcd) Fbstp(ushort fcw, Float80? v)
    {
        var m = RunX87(a =>
        {
            a.fldcw(__word_ptr[rdi]);
            if (v is not null) a.fld(__tword_ptr[rdi + 0x10]);
            a.fbstp(__tword_ptr[rdi + 0x30]);
            a.fnstsw(ax);
            a.fnclex();
        }, mm =>
        {
            mm.Bus.Poke(DataVa, BitConverter.GetBytes(fcw));
            if (v is Float80 x) PokeF80(mm, DataVa + 0x10, x);
            mm.Bus.Poke(DataVa + 0x30, Enumerable.Repeat((byte)0xAA, 10).ToArray());
        });
        return (m, m.Bus.Peek(DataVa + 0x30, 10));
    }

    private static byte[] Bcd(string hex79to0) => Convert.FromHexString(hex79to0).Reverse().ToArray();

    private static readonly Float80 E18 = F(0x403A, 0xDE0B_6B3A_7640_0000), E18Less1 = F(0x403A, 0xDE0B_6B3A_763F_FFF0), E18LessHalf = F(0x403A, 0xDE0B_6B3A_763F_FFF8);
    private const string BcdIndefinite = "FFFFC000000000000000";

    [Theory]
    [InlineData(0x037F, 0x4037, 0xDB4D_A5D3_1879_A700, "00123456789012345678", 0x0000)]
    [InlineData(0x037F, 0x3FFF, 0xC000_0000_0000_0000, "00000000000000000002", 0x0220)]   // 1.5 -> 2: PE, C1
    [InlineData(0x037F, 0x4000, 0xA000_0000_0000_0000, "00000000000000000002", 0x0020)]   // 2.5 -> 2 (even): PE
    [InlineData(0x037F, 0xC000, 0xA000_0000_0000_0000, "80000000000000000002", 0x0020)]   // -2.5 -> -2
    [InlineData(0x037F, 0x8000, 0x0000_0000_0000_0000, "80000000000000000000", 0x0000)]   // -0 keeps its sign
    [InlineData(0x0B7F, 0xBFFE, 0x8000_0000_0000_0000, "80000000000000000000", 0x0020)]   // -0.5 up: -0
    [InlineData(0x0B7F, 0x3FFE, 0x8000_0000_0000_0000, "00000000000000000001", 0x0220)]   // 0.5 up: 1, C1
    [InlineData(0x077F, 0xBFFE, 0x8000_0000_0000_0000, "80000000000000000001", 0x0220)]   // -0.5 down: -1, C1
    [InlineData(0x037F, 0x403A, 0xDE0B_6B3A_763F_FFF0, "00999999999999999999", 0x0000)]   // 10^18 - 1
    [InlineData(0x037F, 0xC03A, 0xDE0B_6B3A_763F_FFF0, "80999999999999999999", 0x0000)]
    [InlineData(0x0F7F, 0x403A, 0xDE0B_6B3A_763F_FFF8, "00999999999999999999", 0x0020)]   // 10^18 - 0.5 truncated
    [InlineData(0x037F, 0x403A, 0xDE0B_6B3A_763F_FFF8, BcdIndefinite, 0x0001)]           // ... to nearest: 10^18, IE alone
    [InlineData(0x0B7F, 0x403A, 0xDE0B_6B3A_763F_FFF8, BcdIndefinite, 0x0001)]           // ... up: 10^18
    [InlineData(0x037F, 0x403A, 0xDE0B_6B3A_7640_0000, BcdIndefinite, 0x0001)]           // 10^18
    [InlineData(0x037F, 0x403E, 0x8000_0000_0000_0000, BcdIndefinite, 0x0001)]           // 2^63
    [InlineData(0x037F, 0x7FFF, 0x8000_0000_0000_0000, BcdIndefinite, 0x0001)]           // +inf
    [InlineData(0x037F, 0xFFFF, 0xC000_0000_0000_0001, BcdIndefinite, 0x0001)]           // QNaN
    [InlineData(0x037F, 0x3FFF, 0x0000_0000_0000_0001, BcdIndefinite, 0x0001)]           // unnormal
    [InlineData(0x037D, 0x0000, 0x0000_0000_0000_0001, "00000000000000000000", 0x0020)]   // denormal, DM clear: no DE, PE
    [InlineData(0x07DF, 0x3FFE, 0x8000_0000_0000_0000, "00000000000000000000", 0x80A0)]   // PM clear: stored and popped all the same
    public void Fbstp_rounds_by_RC_and_stores_18_digits_or_the_BCD_indefinite(int fcw, int se, ulong sig, string bcd, int fsw)
    {
        var (m, b) = Fbstp((ushort)fcw, F((ushort)se, sig));
        Assert.Equal(Bcd(bcd), b);
        Assert.Equal((ushort)fsw, Fsw(m));
        Assert.Equal(0xFF, m.S.X87.Empty);
    }

    [Fact]
    public void Fbstp_with_IE_unmasked_stores_nothing_and_pops_nothing()
    {
        // Host: 10^18 with IM clear: FSW 0xB881, memory untouched, ST(0) kept; empty ST(0) with IM clear: 0x80C1; masked: 0x0841, the indefinite.
        var (m, b) = Fbstp(0x037E, E18);
        Assert.Equal(0xB881, Fsw(m));
        Assert.All(b, x => Assert.Equal(0xAA, x));
        Assert.Equal(E18, St(m, 0));
        (m, b) = Fbstp(0x037E, null);
        Assert.Equal(0x80C1, Fsw(m));
        Assert.All(b, x => Assert.Equal(0xAA, x));
        (m, b) = Fbstp(Fcw, null);
        Assert.Equal(0x0841, Fsw(m));
        Assert.Equal(Bcd(BcdIndefinite), b);
        Assert.Equal(0, Fsw(Fbstp(Fcw, E18Less1).M) & 0x3F);
        Assert.Equal(0x0001, Fsw(Fbstp(Fcw, E18LessHalf).M));
    }

    // ------------------------------------------------------------------ the 16-bit environment images

    private static void Env16(Assembler a, Code code, int disp) => a.AddInstruction(Instruction.Create(code, new MemoryOperand(Register.RDI, disp)));

    [Fact]
    public void Fnstenv_m14_stores_words_without_FOP_and_masks_every_exception()
    {
        // Host (66 D9 /6 after fld1; fld m64; faddp): 7f03 0038 ff3f, FIP's low word, FCS (0x33 under Linux), FDP's low word, FDS.
        var m = Build(a =>
        {
            a.mov(rdi, DataVa);
            a.fld1(); a.fld(__qword_ptr[rdi + 0x40]); a.faddp(st1, st0);
            Env16(a, Code.Fnstenv_m14byte, 0);
            a.int3();
        });
        m.Bus.Poke(DataVa, Enumerable.Repeat((byte)0xAA, 16).ToArray());
        AssertEnd(m.Run());
        var b = m.Bus.Peek(DataVa, 16);
        int at = m.Code.AsSpan().IndexOf(new byte[] { 0xDE, 0xC1 });          // the faddp
        Assert.Equal(new byte[] { 0x7F, 0x03, 0x00, 0x38, 0xFF, 0x3F }, b[..6]);
        Assert.Equal((ushort)(CodeVa + (uint)at), BitConverter.ToUInt16(b, 6));
        Assert.Equal(0x2B, BitConverter.ToUInt16(b, 8));                        // FCS: Fiasco's user CS, as the m28 image
        Assert.Equal((ushort)((DataVa + 0x40) & 0xFFFF), BitConverter.ToUInt16(b, 10));   // FDP of the fld m64
        Assert.Equal(0x23, BitConverter.ToUInt16(b, 12));
        Assert.Equal(new byte[] { 0xAA, 0xAA }, b[14..]);                      // 14 bytes, no more
        // ZE unmasked and pending: the image keeps ES and B (0xB084), then FCW is 0x037F and nothing is pending (host FSW 0x3004).
        m = RunX87(a =>
        {
            a.fldcw(__word_ptr[rdi]); a.fld1(); a.fldz(); a.fdivp(st1, st0);
            Env16(a, Code.Fnstenv_m14byte, 0x10);
            a.fnstcw(__word_ptr[rdi + 0x20]); a.fnstsw(ax); a.fld1();
        }, mm => mm.Bus.Poke(DataVa, BitConverter.GetBytes((ushort)0x037B)));
        Assert.Equal(0x037B, BitConverter.ToUInt16(m.Bus.Peek(DataVa + 0x10, 2)));
        Assert.Equal(0xB084, BitConverter.ToUInt16(m.Bus.Peek(DataVa + 0x12, 2)));
        Assert.Equal(0x037F, BitConverter.ToUInt16(m.Bus.Peek(DataVa + 0x20, 2)));
        Assert.Equal(0x3004UL, m.S.Rax & 0xFFFF);
    }

    [Fact]
    public void Fldenv_m14_loads_16_bit_pointers_and_no_FOP()
    {
        // Host: fldenv m14 {037f, 0000, ffff, FIP 1234, FCS 5678, FDP 9abc, FDS def0} after a faddp (FOP 0x6C1), then
        // fnstenv m28: FIP 0x00001234, FOP 0, FDP 0x00009abc, all registers empty (the host keeps the loaded FCS/FDS).
        var m = RunX87(a =>
        {
            a.fld1(); a.fld1(); a.faddp(st1, st0);
            Env16(a, Code.Fldenv_m14byte, 0x10);
            a.fnstenv(__[rdi + 0x20]);
        }, mm => mm.Bus.Poke(DataVa + 0x10, Convert.FromHexString("7F030000FFFF34127856BC9AF0DE")));
        var b = m.Bus.Peek(DataVa + 0x20, 28);
        Assert.Equal(0xFFFF037Fu, BitConverter.ToUInt32(b, 0));
        Assert.Equal(0xFFFF0000u, BitConverter.ToUInt32(b, 4));
        Assert.Equal(0xFFFFFFFFu, BitConverter.ToUInt32(b, 8));
        Assert.Equal(0x1234u, BitConverter.ToUInt32(b, 12));
        Assert.Equal(0, BitConverter.ToUInt16(b, 18));                          // FOP
        Assert.Equal(0x9ABCu, BitConverter.ToUInt32(b, 20));
        Assert.Equal(0xFF, m.S.X87.Empty);
    }

    [Fact]
    public void Fnsave_m94_stores_the_registers_after_14_bytes_and_frstor_m94_brings_them_back()
    {
        // Host (fldpi; fld1; 66 DD /6): 7f03 0030 ff0f FIP(lo) 3300 0000 0000, then ST(0) = 1.0 at 14 and ST(1) = pi at 24;
        // FSW 0 after it (reinitialized); 66 DD /4 gives TOP 6, ST(0) = 1.0, ST(1) = pi back.
        var m = RunX87(a =>
        {
            a.fldpi(); a.fld1();
            Env16(a, Code.Fnsave_m94byte, 0);
            a.fnstsw(ax); a.mov(ebx, eax);
            Env16(a, Code.Frstor_m94byte, 0);
            a.fnstsw(ax);
        }, mm => mm.Bus.Poke(DataVa, Enumerable.Repeat((byte)0xAA, 96).ToArray()));
        var b = m.Bus.Peek(DataVa, 96);
        Assert.Equal(new byte[] { 0x7F, 0x03, 0x00, 0x30, 0xFF, 0x0F }, b[..6]);
        Assert.Equal(Float80.One, Float80.Read(b.AsSpan(14)));
        Assert.Equal(F(0x4000, 0xC90F_DAA2_2168_C235), Float80.Read(b.AsSpan(24)));
        Assert.Equal(new byte[] { 0xAA, 0xAA }, b[94..]);
        Assert.Equal(0UL, m.S[Reg.Rbx] & 0xFFFF);
        Assert.Equal(0x3000UL, m.S.Rax & 0xFFFF);
        Assert.Equal(Float80.One, St(m, 0));
        Assert.Equal(F(0x4000, 0xC90F_DAA2_2168_C235), St(m, 1));
        Assert.Equal(0x3F, m.S.X87.Empty);
    }
}
