using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// MMX and the SSE forms with MMX operands (CpuMmx.cs). Expected values from the host CPU (AMD EPYC; gcc inline asm with
/// the same operands: movq mm0/mm1 from memory, the instruction, movq back; the x87 state read with fnsave, #MF seen as
/// SIGFPE at the instruction).
/// </summary>
public sealed partial class CpuTests
{
    private static AssemblerRegisterMM Mm(int n) => new[] { mm0, mm1, mm2, mm3, mm4, mm5, mm6, mm7 }[n];

    /// <summary>mm0 = a, mm1 = b (movq from memory), the instruction, mm0 stored at DataVa + 0x10.</summary>
    private static Machine RunMmx(ulong a, ulong b, Action<Assembler> body, Action<CpuState>? init = null) => RunToEnd(asm =>
    {
        asm.mov(rdi, DataVa);
        asm.movq(mm0, __qword_ptr[rdi]);
        asm.movq(mm1, __qword_ptr[rdi + 8]);
        body(asm);
        asm.movq(__qword_ptr[rdi + 0x10], mm0);
        asm.int3();
    }, init, m => { m.Bus.Poke(DataVa, BitConverter.GetBytes(a)); m.Bus.Poke(DataVa + 8, BitConverter.GetBytes(b)); });

    [Theory]
    [InlineData("paddsb", "807f01ff80007fff", "7f7f0101ff80ff01", "ff7f020080807e00")]
    [InlineData("paddusw", "807f01ff80007fff", "7f7f0101ff80ff01", "fffe0300ffffffff")]
    [InlineData("psubusb", "807f01ff80007fff", "7f7f0101ff80ff01", "010000fe000000fe")]
    [InlineData("psubsw", "807f01ff80007fff", "7f7f0101ff80ff01", "800000fe80807fff")]
    [InlineData("pmulhw", "807f01ff80007fff", "7f7f0101ff80ff01", "c07f00020040ff80")]
    [InlineData("pmulhuw", "807f01ff80007fff", "7f7f0101ff80ff01", "3ffe00027fc07f7f")]
    [InlineData("pmullw", "807f01ff80007fff", "7f7f0101ff80ff01", "c00100ff000080ff")]
    [InlineData("pmuludq", "807f01ff80007fff", "7f7f0101ff80ff01", "7fc0ff3fffff80ff")]
    [InlineData("pmaddwd", "807f01ff80007fff", "7f7f0101ff80ff01", "c081c100ffc080ff")]
    [InlineData("pavgb", "807f01ff80007fff", "7f7f0101ff80ff01", "807f0180c040bf80")]
    [InlineData("pavgw", "807f01ff80007fff", "7f7f0101ff80ff01", "7fff0180bfc0bf80")]
    [InlineData("psadbw", "807f01ff80007fff", "7f7f0101ff80ff01", "000000000000037c")]
    [InlineData("pcmpgtb", "807f01ff80007fff", "7f7f0101ff80ff01", "0000000000ffff00")]
    [InlineData("pcmpeqb", "807f01ff80007fff", "7f7f0101ff80ff01", "00ffff0000000000")]
    [InlineData("pcmpeqw", "807f01ff80007fff", "7f7f0101ff80ff01", "0000000000000000")]
    [InlineData("packsswb", "807f01ff80007fff", "7f7f0101ff80ff01", "7f7f8080807f807f")]
    [InlineData("packuswb", "807f01ff80007fff", "7f7f0101ff80ff01", "ffff000000ff00ff")]
    [InlineData("packssdw", "807f01ff80007fff", "7f7f0101ff80ff01", "7fff800080008000")]
    [InlineData("punpckhbw", "807f01ff80007fff", "7f7f0101ff80ff01", "7f807f7f010101ff")]
    [InlineData("punpcklbw", "807f01ff80007fff", "7f7f0101ff80ff01", "ff808000ff7f01ff")]
    [InlineData("punpckhwd", "807f01ff80007fff", "7f7f0101ff80ff01", "7f7f807f010101ff")]
    [InlineData("punpckldq", "807f01ff80007fff", "7f7f0101ff80ff01", "ff80ff0180007fff")]
    [InlineData("punpckhdq", "807f01ff80007fff", "7f7f0101ff80ff01", "7f7f0101807f01ff")]
    [InlineData("pmaxsw", "807f01ff80007fff", "7f7f0101ff80ff01", "7f7f01ffff807fff")]
    [InlineData("pminub", "807f01ff80007fff", "7f7f0101ff80ff01", "7f7f010180007f01")]
    [InlineData("pminsw", "807f01ff80007fff", "7f7f0101ff80ff01", "807f01018000ff01")]
    [InlineData("pmaxub", "807f01ff80007fff", "7f7f0101ff80ff01", "807f01ffff80ffff")]
    [InlineData("paddq", "807f01ff80007fff", "7f7f0101ff80ff01", "fffe03017f817f00")]
    [InlineData("psubq", "807f01ff80007fff", "7f7f0101ff80ff01", "010000fd807f80fe")]
    [InlineData("pxor", "807f01ff80007fff", "7f7f0101ff80ff01", "ff0000fe7f8080fe")]
    [InlineData("pandn", "807f01ff80007fff", "7f7f0101ff80ff01", "7f0000007f808000")]
    [InlineData("paddd", "807f01ff80007fff", "7f7f0101ff80ff01", "fffe03007f817f00")]
    [InlineData("psubb", "807f01ff80007fff", "7f7f0101ff80ff01", "010000fe818080fe")]
    [InlineData("psraw", "8001000204050607", "0000000000000003", "f0000000008000c0")]
    [InlineData("psrlq", "8001000204050607", "0000000000000003", "100020004080a0c0")]
    [InlineData("pslld", "8001000204050607", "0000000000000003", "0008001020283038")]
    [InlineData("psrad", "8001000204050607", "0000000000000003", "f00020000080a0c0")]
    [InlineData("psllq", "8001000204050607", "0000000000000040", "0000000000000000")]
    [InlineData("psrlw", "8001000204050607", "0000000000000010", "0000000000000000")]
    [InlineData("pshufw", "807f01ff80007fff", "7f7f0101ff80ff01", "ff01ff8001017f7f")]
    [InlineData("psrad_imm", "807f01ff80007fff", "7f7f0101ff80ff01", "ffffffffffffffff")]
    [InlineData("psllw_imm", "807f01ff80007fff", "7f7f0101ff80ff01", "8000800000008000")]
    [InlineData("psrlq_imm", "807f01ff80007fff", "7f7f0101ff80ff01", "0807f01ff80007ff")]
    [InlineData("pinsrw", "807f01ff80007fff", "7f7f0101ff80ff01", "807f01ff56787fff")]
    [InlineData("movd_r32", "807f01ff80007fff", "7f7f0101ff80ff01", "0000000012345678")]
    [InlineData("movq2dq_movdq2q", "807f01ff80007fff", "7f7f0101ff80ff01", "7f7f0101ff80ff01")]
    public void Mmx_results_match_the_host(string op, string a, string b, string expected)
    {
        var m = RunMmx(Convert.ToUInt64(a, 16), Convert.ToUInt64(b, 16), asm =>
        {
            switch (op)
            {
                case "pshufw": asm.pshufw(mm0, mm1, 0x1b); break;
                case "psrad_imm": asm.psrad(mm0, 40); break;
                case "psllw_imm": asm.psllw(mm0, 15); break;
                case "psrlq_imm": asm.psrlq(mm0, 4); break;
                case "pinsrw": asm.mov(eax, 0x12345678); asm.pinsrw(mm0, eax, 5); break;
                case "movd_r32": asm.mov(eax, 0x12345678); asm.movd(mm0, eax); break;
                case "movq2dq_movdq2q": asm.movq2dq(xmm3, mm1); asm.movdq2q(mm0, xmm3); break;
                default: typeof(Assembler).GetMethod(op, [typeof(AssemblerRegisterMM), typeof(AssemblerRegisterMM)])!.Invoke(asm, [mm0, mm1]); break;
            }
        });
        Assert.Equal(Convert.ToUInt64(expected, 16), m.Bus.U64(DataVa + 0x10));
    }

    [Fact]
    public void Mmx_memory_sources_gpr_results_and_stores()
    {
        var m = RunMmx(0x807f01ff80007fff, 0x7f7f0101ff80ff01, asm =>
        {
            asm.mov(rcx, -1L); asm.mov(rdx, -1L);
            asm.pextrw(ecx, mm1, 6);                       // word 6 & 3 = 2
            asm.pmovmskb(edx, mm1);
            asm.movq(mm2, mm1);
            asm.punpcklbw(mm2, __dword_ptr[rdi]);          // m32: the low 4 bytes of a
            asm.movq(__qword_ptr[rdi + 0x18], mm2);
            asm.movd(__dword_ptr[rdi + 0x20], mm1);
            asm.movntq(__qword_ptr[rdi + 0x28], mm1);
            asm.movq(r8, mm1);
            asm.movd(r9d, mm0);
        }, s => { s.R[8] = 1; s.R[9] = ulong.MaxValue; });
        Assert.Equal(0x101UL, m.S.Rcx);
        Assert.Equal(0xeUL, m.S.Rdx);
        Assert.Equal(0x80ff00807fffff01UL, m.Bus.U64(DataVa + 0x18)); // the host's punpcklbw row with the operands swapped
        Assert.Equal(0xff80ff01U, BitConverter.ToUInt32(m.Bus.Peek(DataVa + 0x20, 4)));
        Assert.Equal(0x7f7f0101ff80ff01UL, m.Bus.U64(DataVa + 0x28));
        Assert.Equal(0x7f7f0101ff80ff01UL, m.S.R[8]);
        Assert.Equal(0x80007fffUL, m.S.R[9]);
    }

    [Fact]
    public void Mmx_conversions_match_the_host()
    {
        var m = RunToEnd(asm =>
        {
            asm.mov(rdi, DataVa);
            asm.movups(xmm0, __xmmword_ptr[rdi + 0x40]);
            asm.cvtpi2ps(xmm0, __qword_ptr[rdi]);          // 7, -3 into the low singles; the high ones stay
            asm.cvtpi2pd(xmm1, __qword_ptr[rdi]);
            asm.movq(mm3, __qword_ptr[rdi]);
            asm.cvtpi2ps(xmm2, mm3);
            asm.cvtps2pi(mm4, __qword_ptr[rdi + 0x10]);    // 2.5f, -1e10f (IE): round to even
            asm.cvttps2pi(mm5, __qword_ptr[rdi + 0x10]);
            asm.cvtpd2pi(mm6, __xmmword_ptr[rdi + 0x20]);  // -2.5, 3.7
            asm.int3();
        }, null, mm =>
        {
            mm.Bus.Poke(DataVa, BitConverter.GetBytes(0xfffffffd00000007UL));
            mm.Bus.Poke(DataVa + 0x10, BitConverter.GetBytes(2.5f)); mm.Bus.Poke(DataVa + 0x14, BitConverter.GetBytes(-1e10f));
            mm.Bus.Poke(DataVa + 0x20, BitConverter.GetBytes(-2.5)); mm.Bus.Poke(DataVa + 0x28, BitConverter.GetBytes(3.7));
            mm.Bus.Poke(DataVa + 0x40, [0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0x33, 0x33, 0x33, 0x33, 0x44, 0x44, 0x44, 0x44]);
        });
        Assert.True(X128("4444444433333333c040000040e00000") == m.S.Xmm[0], $"{m.S.Xmm[0]:x32}");
        Assert.True(X128("c008000000000000401c000000000000") == m.S.Xmm[1], $"{m.S.Xmm[1]:x32}");
        Assert.True(X128("0000000000000000c040000040e00000") == m.S.Xmm[2], $"{m.S.Xmm[2]:x32}");
        Assert.Equal(0x8000000000000002UL, m.S.X87.R[4].Sig);
        Assert.Equal(0x8000000000000002UL, m.S.X87.R[5].Sig);
        Assert.Equal(0x00000004fffffffeUL, m.S.X87.R[6].Sig);
        Assert.Equal(0x1fa1u, m.S.Mxcsr);                  // IE and PE, as the host
        var mis = Build(asm => { asm.mov(rdi, DataVa + 8); asm.cvtpd2pi(mm0, __xmmword_ptr[rdi]); asm.int3(); });
        AssertTrap(mis.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(0xFF, mis.S.X87.Empty);               // a fault changes nothing
    }

    [Fact]
    public void Mmx_registers_are_the_x87_physical_registers()
    {
        // Host (fnsave): fninit; fdecstp; movq mm1, m64 -> FSW 0 (TOP 0), tags 0x5559 (R1 special, the zero ones zero),
        // R1 = ffff:1122334455667788; FIP/FOP still the fdecstp's. fld1; movd eax, mm7 -> R7 keeps 3fff (a read).
        var m = RunToEnd(asm =>
        {
            asm.mov(rdi, DataVa);
            asm.fdecstp();
            asm.movq(mm1, __qword_ptr[rdi]);
            asm.fnstenv(__[rdi + 0x40]);
            asm.int3();
        }, null, mm => mm.Bus.Poke(DataVa, BitConverter.GetBytes(0x1122334455667788UL)));
        Assert.Equal(0, m.S.X87.Top);
        Assert.Equal(0, m.S.X87.Empty);
        Assert.Equal(new Float80(0xFFFF, 0x1122334455667788), m.S.X87.R[1]);
        Assert.Equal(0x0000, BitConverter.ToUInt16(m.Bus.Peek(DataVa + 0x44, 2)));   // FSW
        Assert.Equal(0x5559, BitConverter.ToUInt16(m.Bus.Peek(DataVa + 0x48, 2)));   // tag word
        Assert.Equal(0x1f6, BitConverter.ToUInt16(m.Bus.Peek(DataVa + 0x52, 2)) & 0x7FF); // FOP: fdecstp's (D9 F6)

        var r = RunToEnd(asm => { asm.fld1(); asm.movd(eax, mm7); asm.int3(); });
        Assert.Equal(0, r.S.X87.Top);
        Assert.Equal(0, r.S.X87.Empty);
        Assert.Equal(Float80.One, r.S.X87.R[7]);                                     // a read keeps the exponent
        Assert.Equal(0UL, r.S.Rax);

        // Host: fninit; fld1; fld1 (TOP 6); emms -> FSW 0 (TOP 0), tags 0xffff.
        var e = RunToEnd(asm => { asm.fld1(); asm.fld1(); asm.emms(); asm.int3(); });
        Assert.Equal(0, e.S.X87.Top);
        Assert.Equal(0xFF, e.S.X87.Empty);
        Assert.Equal(Float80.One, e.S.X87.R[7]);
    }

    [Fact]
    public void Cvtpi2ps_and_cvtpi2pd_from_memory_leave_the_x87_alone()
    {
        // Host: fninit; fdecstp; cvtpi2ps xmm0, m64 -> FSW 0x3800 (TOP 7), tags 0xffff; the same for cvtpi2pd; with mm
        // sources TOP 0 and tags valid. With ES pending the memory forms run and the mm forms raise #MF.
        foreach (bool pd in new[] { false, true })
        {
            var m = RunToEnd(asm =>
            {
                asm.mov(rdi, DataVa);
                asm.fdecstp();
                if (pd) asm.cvtpi2pd(xmm0, __qword_ptr[rdi]); else asm.cvtpi2ps(xmm0, __qword_ptr[rdi]);
                asm.int3();
            });
            Assert.Equal(7, m.S.X87.Top);
            Assert.Equal(0xFF, m.S.X87.Empty);
            var r = RunToEnd(asm => { asm.fdecstp(); if (pd) asm.cvtpi2pd(xmm0, mm2); else asm.cvtpi2ps(xmm0, mm2); asm.int3(); });
            Assert.Equal(0, r.S.X87.Top);
            Assert.Equal(0, r.S.X87.Empty);
        }
    }

    [Theory]
    [InlineData("movq")]
    [InlineData("emms")]
    [InlineData("pxor")]
    [InlineData("cvtpi2ps mm")]
    [InlineData("cvtpi2ps m64")]
    [InlineData("cvtpi2pd m64")]
    public void Mmx_instructions_raise_mf_with_an_x87_exception_pending(string form)
    {
        // Host: fldcw 0x37e (IE unmasked); fld st(0) on an empty register (ES); then the form: SIGFPE (#MF) at it, except
        // cvtpi2ps/cvtpi2pd xmm, m64, which run.
        var m = Build(asm =>
        {
            asm.mov(rdi, DataVa);
            asm.mov(__word_ptr[rdi + 0x40], 0x37e);
            asm.fldcw(__word_ptr[rdi + 0x40]);
            asm.fld(st0);
            var l = asm.CreateLabel(); asm.Label(ref l);
            switch (form)
            {
                case "movq": asm.movq(mm0, __qword_ptr[rdi]); break;
                case "emms": asm.emms(); break;
                case "pxor": asm.pxor(mm1, mm1); break;
                case "cvtpi2ps mm": asm.cvtpi2ps(xmm0, mm1); break;
                case "cvtpi2ps m64": asm.cvtpi2ps(xmm0, __qword_ptr[rdi]); break;
                default: asm.cvtpi2pd(xmm0, __qword_ptr[rdi]); break;
            }
            asm.int3();
        });
        var r = m.Run();
        bool runs = form.EndsWith("m64", StringComparison.Ordinal);
        Assert.Equal(runs ? Vector.Breakpoint : Vector.FloatingPoint, r.Trap.Vector);
        if (!runs)
        {
            var d = Iced.Intel.Decoder.Create(64, m.Bus.Peek(m.S.Rip, 15), m.S.Rip).Decode();
            Assert.Equal(form.Split(' ')[0], d.Mnemonic.ToString().ToLowerInvariant());   // RIP at the MMX instruction
            Assert.Equal(0xFF, m.S.X87.Empty);                                            // and no transition
        }
        Assert.NotEqual(0, m.S.X87.Fsw & 0x80);                                           // ES stays set
    }

    [Fact]
    public void Maskmovq_stores_the_selected_bytes_and_an_empty_mask_still_checks_the_first()
    {
        var m = RunMmx(0x1122334455667788, 0x0080_0000_0000_8000, asm => { asm.mov(rdi, DataVa + 0x20); asm.maskmovq(mm0, mm1); });
        Assert.Equal(0x0022_0000_0000_7700UL, m.Bus.U64(DataVa + 0x20));   // bytes 1 and 6; the rest stays zero
        // An empty mask at the (read-only) code page: a write fault at RDI, as maskmovdqu on the host.
        var e = Build(asm => { asm.mov(rdi, CodeVa); asm.pxor(mm1, mm1); asm.maskmovq(mm0, mm1); asm.int3(); });
        AssertTrap(e.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Present | PfErr.Write), CodeVa);
    }
}
