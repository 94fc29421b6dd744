using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// The compatibility-mode rules one at a time, at their boundaries (CpuCompat.cs, CpuCompatMode.cs, SegmentedBus.cs,
/// CpuStringNarrow.cs): the decimal adjustments by the SDM's pseudo-code, bound's signed limits, pusha's eight slots,
/// arpl's RPL, string instructions with 32- and 16-bit pointers, segment bases and limits at their ends.
/// </summary>
public sealed partial class CpuTests
{
    private const ulong Cf = 0x1, Pf = 0x4, Af = 0x10, Zf = 0x40, Sf = 0x80, Of = 0x800;

    [Theory]
    // op, AL in, flags in (CF/AF), AL out, flags out (CF AF ZF SF PF: the defined ones)
    [InlineData("daa", 0x9AUL, 0UL, 0x00UL, Cf | Af | Zf | Pf)]            // 0xA > 9: +6 = 0xA0; old 0x9A > 0x99: +0x60
    [InlineData("daa", 0x09UL, Af, 0x0FUL, Af | Pf)]                      // low digit 9 (not > 9), but AF: +6
    [InlineData("daa", 0x09UL, Cf, 0x69UL, Cf | Pf)]                      // CF alone: +0x60
    [InlineData("daa", 0x99UL, 0UL, 0x99UL, Sf | Pf)]                     // 0x99 is not > 0x99, 9 is not > 9
    [InlineData("das", 0x05UL, Af, 0xFFUL, Cf | Af | Sf | Pf)]            // AF: -6 borrows (AL < 6): CF
    [InlineData("das", 0x10UL, Cf, 0xB0UL, Cf | Sf)]                      // CF: -0x60
    [InlineData("das", 0x1AUL, 0UL, 0x14UL, Af | Pf)]                     // 0xA > 9: -6, no borrow (AL >= 6)
    [InlineData("das", 0x06UL, Af, 0x00UL, Af | Zf | Pf)]                 // AL = 6: -6 does not borrow
    public void Daa_and_das_follow_the_sdm_at_each_boundary(string op, ulong al, ulong flagsIn, ulong alOut, ulong flagsOut)
    {
        var m = Run32(a => { if (op == "daa") a.daa(); else a.das(); a.int3(); }, s => { s.Rax = 0x1234_5600 | al; s.Rflags = 0x202 | flagsIn; });
        Assert.Equal(0x1234_5600 | alOut, m.S.Rax);
        Assert.Equal(flagsOut, m.S.Rflags & (Cf | Af | Zf | Sf | Pf));
        Assert.Equal(0UL, m.S.Rflags & Of);                                          // OF undefined: cleared, as QEMU's TCG
    }

    [Theory]
    // op, AX in, AF in, AX out, CF/AF out
    [InlineData("aaa", 0x0003UL, true, 0x0109UL, true)]     // AF: AX + 0x106
    [InlineData("aaa", 0x0039UL, false, 0x0009UL, false)]   // 9 is not > 9: AL &= 0xF, AH kept
    [InlineData("aaa", 0x00FAUL, false, 0x0200UL, true)]    // 0xA > 9: AL + 6 carries into AH (AX + 0x106)
    [InlineData("aas", 0x0502UL, true, 0x030CUL, true)]     // AF: AX - 6, AH - 1 (with the borrow of AL - 6)
    [InlineData("aas", 0x050BUL, false, 0x0405UL, true)]    // 0xB > 9
    [InlineData("aas", 0x0519UL, false, 0x0509UL, false)]
    public void Aaa_and_aas_adjust_ax_and_keep_of_sf_zf_pf(string op, ulong ax, bool af, ulong axOut, bool carry)
    {
        foreach (ulong kept in new[] { Of | Sf | Zf | Pf, 0UL })
        {
            // CF in without AF: no adjustment, and CF is cleared.
            var m = Run32(a => { if (op == "aaa") a.aaa(); else a.aas(); a.int3(); }, s => { s.Rax = 0xABCD_0000 | ax; s.Rflags = 0x202 | kept | Cf | (af ? Af : 0); });
            Assert.Equal(0xABCD_0000 | axOut, m.S.Rax);
            Assert.Equal(kept | (carry ? Cf | Af : 0), m.S.Rflags & (Of | Sf | Zf | Pf | Cf | Af));
        }
    }

    [Theory]
    [InlineData(true, 0x00FFUL, 16, 0x0F0FUL, Pf)]          // aam 16: 255 = 15 * 16 + 15
    [InlineData(true, 0x0000UL, 10, 0x0000UL, Zf | Pf)]
    [InlineData(false, 0x0F0FUL, 10, 0x00A5UL, Sf | Pf)]    // aad 10: 15 * 10 + 15 = 0xA5, AH 0
    public void Aam_and_aad_set_sf_zf_pf_from_al(bool aam, ulong ax, int imm, ulong axOut, ulong flags)
    {
        var m = Run32(a => { if (aam) a.aam((sbyte)imm); else a.aad((sbyte)imm); a.int3(); }, s => { s.Rax = ax; s.Rflags = 0x202 | Cf | Af | Of | Sf | Zf; });
        Assert.Equal(axOut, m.S.Rax);
        Assert.Equal(flags, m.S.Rflags & (Cf | Af | Of | Sf | Zf | Pf));          // CF AF OF cleared, as QEMU's TCG
    }

    [Theory]
    [InlineData(4, -5, 10, -5, true)]
    [InlineData(4, -5, 10, 10, true)]
    [InlineData(4, -5, 10, -6, false)]
    [InlineData(4, -5, 10, 11, false)]
    [InlineData(2, -5, 10, 0xFFFA, false)]      // 16-bit: 0xFFFA is -6, below -5
    [InlineData(2, -5, 10, 0x1_0003, true)]     // 16-bit: only BX counts
    [InlineData(4, 0x1_0000, 0x2_0000, 0x1_8000, true)]   // 32-bit bounds beyond 16 bits
    [InlineData(4, 0x1_0000, 0x2_0000, 0x8000, false)]
    public void Bound_compares_signed_at_the_operand_size(int size, int lo, int hi, long index, bool inside)
    {
        var m = Build32(a => { if (size == 4) a.bound(ebx, __qword_ptr[DataVa]); else a.bound(bx, __dword_ptr[DataVa]); a.int3(); },
            s => s[Reg.Rbx] = (ulong)index);
        m.Bus.Poke(DataVa, size == 4 ? [.. BitConverter.GetBytes(lo), .. BitConverter.GetBytes(hi)]
                                     : [.. BitConverter.GetBytes((short)lo), .. BitConverter.GetBytes((short)hi)]);
        var r = m.Run();
        if (inside) AssertEnd(r); else AssertTrap(r, Vector.BoundRange, 0);
    }

    [Fact]
    public void Pushaw_and_popaw_move_16_bit_words_and_pusha_writes_nothing_below_its_eight()
    {
        var m = Run32(a =>
        {
            a.pusha();
            a.mov(ecx, __dword_ptr[esp + 6]);      // SP's slot (word 4 of 8, from the top: DI SI BP SP)
            a.mov(__dword_ptr[DataVa], ecx);
            a.popa();
            a.pushad();
            a.popad();
            a.int3();
        }, s => { s.Rax = 0xAAAA_1111; s.Rdi = 0xDDDD_4444; s.R8 = 0x5555_5555; });
        Assert.Equal(BitConverter.GetBytes((ushort)(StackTop & 0xFFFF)), m.Bus.Peek(DataVa, 2));
        Assert.Equal(0xAAAA_1111UL, m.S.Rax);                                       // popaw wrote AX only
        Assert.Equal(StackTop, m.S.Rsp);
        Assert.Equal(new byte[4], m.Bus.Peek(StackTop - 36, 4));                    // nothing below pushad's 32 bytes
    }

    [Fact]
    public void Arpl_keeps_a_higher_rpl()
    {
        var m = Run32(a => { a.arpl(ax, cx); a.int3(); }, s => { s.Rax = 0x5553; s.Rcx = 0x0001; s.Rflags = 0x202 | Zf; });
        Assert.Equal(0x5553UL, m.S.Rax);
        Assert.Equal(0UL, m.S.Rflags & Zf);
    }

    [Fact]
    public void Near_jmp_and_call_through_registers_and_memory_mask_the_target_to_the_operand_size()
    {
        // 32-bit: jmp eax with garbage in RAX's upper half; call dword [mem]; 16-bit operand size: jmp ax keeps 16 bits.
        var m = Build32(a =>
        {
            a.jmp(eax);
            a.int3();
        }, s => s.Rax = 0xFFFF_FFFF_0000_0000 | (CodeVa + 0x10));
        m.Bus.Poke(CodeVa + 0x10, [0xFF, 0x15, .. BitConverter.GetBytes((uint)DataVa), 0xCC]);   // call dword [DataVa]
        m.Bus.Poke(DataVa, BitConverter.GetBytes((uint)CodeVa + 0x20));
        m.Bus.Poke(CodeVa + 0x20, [0xCC]);
        AssertEnd(m.Run());
        Assert.Equal(CodeVa + 0x21, m.S.Rip);
        Assert.Equal(BitConverter.GetBytes((uint)CodeVa + 0x16), m.Bus.Peek(StackTop - 4, 4));

        // jmp ax (0x66 FF E0): EIP = AX, the rest of EAX ignored; CS based at CodeVa so IP 0x30 is CodeVa + 0x30.
        var w = Build32(a => { a.int3(); }, s =>
        {
            UserEntries(Descriptor((uint)CodeVa, 0xFFFF, 0xB))(s);
            s.Cs = 0x5B; s.Rip = 0x40; s.Rax = 0x1234_0030;
        });
        w.Bus.Poke(CodeVa + 0x40, [0x66, 0xFF, 0xE0]);
        w.Bus.Poke(CodeVa + 0x30, [0xCC]);
        AssertEnd(w.Run());
        Assert.Equal(0x31UL, w.S.Rip);
    }

    [Fact]
    public void A_branch_to_the_last_byte_of_the_cs_limit_runs()
    {
        var m = Build32(a => { a.int3(); }, s => { UserEntries(Descriptor((uint)CodeVa, 0x1F, 0xB))(s); s.Cs = 0x5B; s.Rip = 0; });
        m.Bus.Poke(CodeVa, [0xEB, 0x1D]);                                           // jmp short 0x1F
        m.Bus.Poke(CodeVa + 0x1F, [0xCC]);
        AssertEnd(m.Run());
        Assert.Equal(0x20UL, m.S.Rip);
    }

    [Fact]
    public void Ip_wraps_at_64_kib_in_16_bit_code()
    {
        // 16-bit code based at CodeVa - 0xF000, limit 0xFFFF: a nop at IP 0xFFFF, then IP 0 (int3) at CodeVa - 0xF000.
        ulong b = CodeVa - 0xF000;
        var m = Build32(a => { a.int3(); }, s => { UserEntries(Descriptor((uint)b, 0xFFFF, 0xB, big: false))(s); s.Cs = 0x5B; s.Rip = 0xFFFF; });
        m.Bus.Map(b, 0x1000, Rights.RWX);
        m.Bus.Map(b + 0xF000, 0x1000, Rights.RWX);
        m.Bus.Poke(b + 0xFFFF, [0x90]);
        m.Bus.Poke(b, [0xCC]);
        AssertEnd(m.Run());
        Assert.Equal(1UL, m.S.Rip);
    }

    [Fact]
    public void An_access_across_4_gib_is_two_accesses_and_an_expand_down_16_bit_segment_ends_at_64_kib()
    {
        // FS based at 0xFFFFFFFE (user entry 1): fs:[0] reads 0xFFFFFFFE, 0xFFFFFFFF, then 0 and 1.
        var m = Build32(a => { a.mov(eax, User1); a.mov(fs, ax); a.mov(ecx, __dword_ptr.fs[0]); a.int3(); },
            UserEntries(Descriptor(0xFFFF_FFFE, 0xFFFFF, 3, granular: true)));
        m.Bus.Map(0xFFFF_F000, 0x1000, Rights.RW);
        m.Bus.Map(0, 0x1000, Rights.RW);
        m.Bus.Poke(0xFFFF_FFFE, [0x11, 0x22]);
        m.Bus.Poke(0, [0x33, 0x44]);
        AssertEnd(m.Run());
        Assert.Equal(0x4433_2211UL, m.S.Rcx);

        // ES: expand-down, 16-bit (B clear), limit 0x0FFF: offsets 0x1000..0xFFFF; a byte at 0xFFFF is in, a word is not.
        ulong down16 = Descriptor((uint)DataVa - 0xF000, 0x0FFF, 3 | 4, big: false);
        var ok = Build32(a => { a.mov(eax, User1); a.mov(es, ax); a.mov(cl, __byte_ptr.es[0xFFFF]); a.int3(); }, UserEntries(down16));
        AssertEnd(ok.Run());
        var past = Build32(a => { a.mov(eax, User1); a.mov(es, ax); a.mov(cx, __word_ptr.es[0xFFFF]); a.int3(); }, UserEntries(down16));
        AssertTrap(past.Run(), Vector.GeneralProtection, 0);
    }

    [Fact]
    public void String_instructions_with_32_bit_pointers_use_es_for_the_destination_and_step_by_df()
    {
        // ES based at DataVa (user entry 1); DS flat. rep movsb copies DS:[ESI] to ES:[EDI]; ECX's upper half is ignored.
        var m = Build32(a =>
        {
            a.mov(eax, User1);
            a.mov(es, ax);
            a.xor(eax, eax);
            a.rep.movsb();
            a.std();
            a.lodsw();                      // DF: ESI steps back by 2
            a.stosd();                      // ES:[EDI], then EDI - 4
            a.mov(__dword_ptr[DataVa + 0x200], esi);
            a.mov(__dword_ptr[DataVa + 0x204], edi);
            a.cld();
            a.mov(esi, (uint)DataVa + 0x100);
            a.mov(edi, 0x100);
            a.mov(ecx, 3);
            a.repe.cmpsb();                 // equal bytes: runs all three
            a.int3();
        }, s =>
        {
            UserEntries(Descriptor((uint)DataVa, 0xFFFFF, 3, granular: true))(s);
            s.Rsi = 0xFFFF_0000_0000_0000 | (DataVa + 0x10); s.Rdi = 0x40; s.Rcx = 0xAAAA_0000_0000_0003;
        });
        m.Bus.Poke(DataVa + 0x10, [0x99, 0xAA, 0xBB, 0xCC, 0xDD]);
        AssertEnd(m.Run());
        // movsb: 99 AA BB at ES:0x40; lodsw at ESI 0x13 (DDCC), ESI back by 2; stosd at ES:0x43, EDI back by 4.
        Assert.Equal([0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0x00, 0x00], m.Bus.Peek(DataVa + 0x40, 7));
        Assert.Equal([.. BitConverter.GetBytes((uint)DataVa + 0x11), .. BitConverter.GetBytes(0x3Fu)], m.Bus.Peek(DataVa + 0x200, 8));
        Assert.Equal(0UL, m.S.Rcx);
        Assert.Equal(DataVa + 0x103, m.S.Rsi);
        Assert.Equal(0x103UL, m.S.Rdi);
        Assert.Equal(Zf, m.S.Rflags & Zf);
    }

    [Fact]
    public void A16_string_pointers_wrap_at_64_kib()
    {
        // 16-bit code, DS/ES based at DataVa (user entry 2, 64 KiB): rep stosb with DI 0xFFFF stores at 0xFFFF, then 0.
        var a16 = new Assembler(16);
        a16.rep.stosb();
        a16.int3();
        var ms = new MemoryStream();
        a16.Assemble(new StreamCodeWriter(ms), 0);
        var m = Build32(a => a.int3(), s =>
        {
            UserEntries(Descriptor((uint)CodeVa, 0xFFFF, 0xB, big: false), Descriptor((uint)DataVa - 0xF000, 0xFFFF, 3))(s);
            s.Cs = 0x5B; s.Es = 0x63; s.Rip = 0; s.Rdi = 0xABCD_FFFF; s.Rcx = 2; s.Rax = 0x77;
        });
        m.Bus.Map(DataVa - 0xF000, 0x1000, Rights.RW);
        m.Bus.Poke(CodeVa, ms.ToArray());
        AssertEnd(m.Run());
        Assert.Equal([0x77], m.Bus.Peek(DataVa + 0xFFF, 1));
        Assert.Equal([0x77], m.Bus.Peek(DataVa - 0xF000, 1));
        Assert.Equal(0xABCD_0001UL, m.S.Rdi);                                       // DI wrapped, the rest of EDI kept
    }

    [Fact]
    public void A_call_to_the_last_byte_of_the_cs_limit_runs_and_string_sources_use_their_segment()
    {
        var c = Build32(a => { a.int3(); }, s => { UserEntries(Descriptor((uint)CodeVa, 0x1F, 0xB))(s); s.Cs = 0x5B; s.Rip = 0; });
        c.Bus.Poke(CodeVa, [0xE8, 0x1A, 0x00, 0x00, 0x00]);                         // call 0x1F
        c.Bus.Poke(CodeVa + 0x1F, [0xCC]);
        AssertEnd(c.Run());
        Assert.Equal(0x20UL, c.S.Rip);
        var r = Build32(a => { a.int3(); }, s => { UserEntries(Descriptor((uint)CodeVa, 0x1F, 0xB))(s); s.Cs = 0x5B; s.Rip = 0; s.Rsp = StackTop - 4; });
        r.Bus.Poke(CodeVa, [0xC3]);                                                  // ret to 0x1F
        r.Bus.Poke(CodeVa + 0x1F, [0xCC]);
        r.Bus.Poke(StackTop - 4, BitConverter.GetBytes(0x1Fu));
        AssertEnd(r.Run());
        Assert.Equal(0x20UL, r.S.Rip);

        // DS based at DataVa + 0x100 (user entry 1, limit 0xFF): movsb reads DS:[ESI]; an ESI past the limit is #GP(0), not #SS.
        var m = Build32(a =>
        {
            a.mov(eax, User1);
            a.mov(ds, ax);
            a.movsb();
            a.mov(esi, 0x100);
            a.movsb();
            a.int3();
        }, s => { UserEntries(Descriptor((uint)DataVa + 0x100, 0xFF, 3))(s); s.Rsi = 4; s.Rdi = (uint)DataVa + 0x40; });
        m.Bus.Poke(DataVa + 0x104, [0x5A]);
        AssertTrap(m.Run(), Vector.GeneralProtection, 0);
        Assert.Equal([0x5A], m.Bus.Peek(DataVa + 0x40, 1));

        // A write across 4 GiB: FS based at 0xFFFFFFFE, mov fs:[0], ecx writes two bytes at the top and two at 0.
        var w = Build32(a => { a.mov(eax, User1); a.mov(fs, ax); a.mov(__dword_ptr.fs[0], ecx); a.int3(); },
            s => { UserEntries(Descriptor(0xFFFF_FFFE, 0xFFFFF, 3, granular: true))(s); s.Rcx = 0x4433_2211; });
        w.Bus.Map(0xFFFF_F000, 0x1000, Rights.RW);
        w.Bus.Map(0, 0x1000, Rights.RW);
        AssertEnd(w.Run());
        Assert.Equal([0x11, 0x22], w.Bus.Peek(0xFFFF_FFFE, 2));
        Assert.Equal([0x33, 0x44], w.Bus.Peek(0, 2));

        // The page at 0 read-only: the write faults there before either half is written.
        var ro = Build32(a => { a.mov(eax, User1); a.mov(fs, ax); a.mov(__dword_ptr.fs[0], ecx); a.int3(); },
            s => { UserEntries(Descriptor(0xFFFF_FFFE, 0xFFFFF, 3, granular: true))(s); s.Rcx = 0x4433_2211; });
        ro.Bus.Map(0xFFFF_F000, 0x1000, Rights.RW);
        ro.Bus.Map(0, 0x1000, Rights.RO);
        Assert.Equal(Vector.PageFault, ro.Run().Trap.Vector);
        Assert.Equal([0x00, 0x00], ro.Bus.Peek(0xFFFF_FFFE, 2));

        // ES with a 0xFF limit: stosb at EDI 0x100 is #GP(0) (a destination is never a stack reference).
        var dst = Build32(a => { a.mov(eax, User1); a.mov(es, ax); a.stosb(); a.int3(); },
            s => { UserEntries(Descriptor((uint)DataVa, 0xFF, 3))(s); s.Rdi = 0x100; });
        AssertTrap(dst.Run(), Vector.GeneralProtection, 0);
    }

    [Fact]
    public void Pop_ss_moves_the_stack_pointer_at_the_width_of_the_stack_it_popped_from()
    {
        // A 32-bit stack pops a selector of a 16-bit (B clear) data segment: ESP + 4 as a 32-bit stack, not SP alone.
        var m = Build32(a => { a.pop(ss); a.int3(); }, s =>
        {
            UserEntries(Descriptor(0, 0xFFFFF, 3, big: false, granular: true))(s);
            s.Rsp = StackTop - 4;
        });
        m.Bus.Poke(StackTop - 4, BitConverter.GetBytes(0x5Bu));
        AssertEnd(m.Run());
        Assert.Equal((ushort)0x5B, m.S.Ss);
        Assert.Equal(StackTop, m.S.Rsp);
    }
}
