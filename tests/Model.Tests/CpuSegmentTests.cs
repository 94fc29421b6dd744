using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// Segment instructions at CPL 3 on Fiasco's GDT (config_gdt.h, cpu-64.cpp Cpu::init_gdt): user code32 0x1B, user
/// data 0x23, user code64 0x2B, the four user entries 0x58-0x70, the limit 0x8F; checks and error codes per the
/// SDM's pseudo-code for each instruction.
/// </summary>
public sealed partial class CpuTests
{
    /// <summary>A DPL-3 data descriptor with the given base, limit 0xFFFFF pages, writable, present (not accessed).</summary>
    private static ulong DataDescriptor(uint @base, bool present = true, bool writable = true) =>
        0x00CF_0000_0000_FFFFUL | ((ulong)(@base & 0xFF_FFFF) << 16) | ((ulong)(@base >> 24) << 56)
        | (present ? 1UL << 47 : 0) | (3UL << 45) | (1UL << 44) | (writable ? 2UL << 40 : 0);

    private static Action<CpuState> UserEntries(params ulong[] e) => s =>
    {
        var u = new ulong[4];
        e.CopyTo(u, 0);
        s.Gdt = new FiascoGdt(u);
    };

    [Fact]
    public void Mov_from_a_segment_register_zero_extends_to_32_and_64_bits_and_merges_at_16()
    {
        var m = RunToEnd(a =>
        {
            a.mov(eax, ds);
            a.mov(rcx, cs);
            a.mov(dx, ss);
            a.mov(rbx, DataVa);
            a.mov(__word_ptr[rbx], es);
            a.int3();
        }, s => { s.Rax = s.Rcx = s.Rdx = ~0UL; }, mm => mm.Bus.Poke(DataVa, [0xEE, 0xEE, 0xEE]));
        Assert.Equal(0x23UL, m.S.Rax);
        Assert.Equal(0x2BUL, m.S.Rcx);
        Assert.Equal(0xFFFF_FFFF_FFFF_0023UL, m.S.Rdx);
        Assert.Equal([0x23, 0x00, 0xEE], m.Bus.Peek(DataVa, 3));
    }

    [Fact]
    public void Mov_to_fs_and_gs_loads_the_descriptor_base_and_sets_its_accessed_bit()
    {
        var user = new ulong[4];
        user[1] = DataDescriptor(0x1234_5678);
        var m = RunToEnd(a =>
        {
            a.mov(eax, 0x63);       // GDT_USER_ENTRY2 | 3
            a.mov(gs, ax);
            a.mov(ecx, 0x23);
            a.mov(fs, cx);          // Fiasco's user data: base 0
            a.mov(ds, cx);
            a.mov(es, cx);
            a.int3();
        }, s => { s.Gdt = new FiascoGdt(user); s.FsBase = 0x7000; s.GsBase = 0x8000; });
        Assert.Equal((ushort)0x63, m.S.Gs);
        Assert.Equal(0x1234_5678UL, m.S.GsBase);
        Assert.Equal((ushort)0x23, m.S.Fs);
        Assert.Equal(0UL, m.S.FsBase);
        Assert.Equal(DataDescriptor(0x1234_5678) | (1UL << 40), user[1]);
    }

    [Fact]
    public void A_null_selector_loads_into_ds_and_fs_and_clears_the_fs_base()
    {
        var m = RunToEnd(a => { a.xor(eax, eax); a.mov(ds, ax); a.mov(eax, 3); a.mov(fs, ax); a.int3(); }, s => s.FsBase = 0x7000);
        Assert.Equal((ushort)0, m.S.Ds);
        Assert.Equal((ushort)3, m.S.Fs);
        Assert.Equal(0UL, m.S.FsBase);
    }

    [Theory]
    [InlineData(0x08, (byte)Vector.GeneralProtection, 0x08)]   // kernel code: DPL 0 < CPL 3
    [InlineData(0x13, (byte)Vector.GeneralProtection, 0x10)]   // kernel data with RPL 3
    [InlineData(0x33, (byte)Vector.GeneralProtection, 0x30)]   // the reserved slot: a zero (system) descriptor
    [InlineData(0x7B, (byte)Vector.GeneralProtection, 0x78)]   // the TSS
    [InlineData(0x93, (byte)Vector.GeneralProtection, 0x90)]   // past the limit 0x8F
    [InlineData(0x27, (byte)Vector.GeneralProtection, 0x24)]   // TI: the LDT is null
    [InlineData(0x6B, (byte)Vector.SegmentNotPresent, 0x68)]   // a user entry with P clear
    [InlineData(0x73, (byte)Vector.GeneralProtection, 0x70)]   // an execute-only user code entry
    public void Mov_to_ds_checks_the_descriptor(int sel, byte vector, int err)
    {
        var m = Build(a => { a.mov(eax, sel); a.mov(ds, ax); a.int3(); },
            init: UserEntries(0, 0, DataDescriptor(0, present: false), 0x00AF_F800_0000_FFFFUL));
        var r = m.Run();
        AssertTrap(r, (Vector)vector, (ulong)err);
        Assert.Equal(CodeVa + 5, m.S.Rip);
        Assert.Equal((ushort)0x23, m.S.Ds);
    }

    [Theory]
    [InlineData(0x00, (byte)Vector.GeneralProtection, 0x00)]   // null SS at CPL 3
    [InlineData(0x20, (byte)Vector.GeneralProtection, 0x20)]   // RPL 0 != CPL
    [InlineData(0x2B, (byte)Vector.GeneralProtection, 0x28)]   // code, not writable data
    [InlineData(0x5B, (byte)Vector.GeneralProtection, 0x58)]   // read-only data
    [InlineData(0x63, (byte)Vector.StackSegment, 0x60)]        // not present: #SS(sel), not #NP
    public void Mov_to_ss_needs_writable_data_at_cpl_3(int sel, byte vector, int err)
    {
        var m = Build(a => { a.mov(eax, sel); a.mov(ss, ax); a.int3(); },
            init: UserEntries(DataDescriptor(0, writable: false), DataDescriptor(0, present: false)));
        AssertTrap(m.Run(), (Vector)vector, (ulong)err);
        Assert.Equal((ushort)0x23, m.S.Ss);
    }

    [Fact]
    public void Push_and_pop_of_fs_and_gs()
    {
        var m = RunToEnd(a =>
        {
            a.mov(eax, 0x23);
            a.mov(fs, ax);
            a.push(fs);             // 8 bytes, zero-extended
            a.mov(rbx, -1L);
            a.push(rbx);
            a.pop(rbx);
            a.pop(gs);
            a.int3();
        }, s => s.GsBase = 0x9000);
        Assert.Equal((ushort)0x23, m.S.Gs);
        Assert.Equal(0UL, m.S.GsBase);
        Assert.Equal(StackTop, m.S.Rsp);
        Assert.Equal(0x23UL, BitConverter.ToUInt64(m.Bus.Peek(StackTop - 8, 8)));
    }

    [Fact]
    public void Lss_loads_rsp_and_ss_from_a_far_pointer()
    {
        var m = RunToEnd(a => { a.mov(rbx, DataVa); a.lss(esp, __fword_ptr[rbx]); a.int3(); }, setup: mm =>
        {
            mm.Bus.Poke(DataVa, BitConverter.GetBytes((uint)(StackTop - 0x100)));
            mm.Bus.Poke(DataVa + 4, [0x23, 0x00]);
        }, init: s => { s.Ss = 0; s.Rsp = 0xFFFF_0000_0000_0000; });
        Assert.Equal(StackTop - 0x100, m.S.Rsp);
        Assert.Equal((ushort)0x23, m.S.Ss);
    }

    [Fact]
    public void Lgs_with_rex_w_reads_m16_32_and_zero_extends_as_the_captured_qemu_cpu()
    {
        var m = RunToEnd(a => { a.mov(rbx, DataVa); a.db(0x48, 0x0F, 0xB5, 0x0B); a.int3(); },   // lgs rcx, [rbx] (REX.W)
            s => s.Rcx = ~0UL,
            mm => mm.Bus.Poke(DataVa, [0x78, 0x56, 0x34, 0x12, 0x23, 0x00, 0xFF, 0xFF, 0x2B, 0x00]));
        Assert.Equal(0x1234_5678UL, m.S.Rcx);
        Assert.Equal((ushort)0x23, m.S.Gs);
    }

    [Fact]
    public void Far_jmp_through_m16_64_sets_cs_with_rpl_3_and_the_new_rip()
    {
        var m = Build(a =>
        {
            var target = a.CreateLabel();
            a.mov(rbx, DataVa);
            a.lea(rax, __[target]);
            a.mov(__[rbx], rax);
            a.mov(__word_ptr[rbx + 8], 0x28);          // RPL 0: CS gets RPL = CPL
            a.jmp(__tword_ptr[rbx]);
            a.ud2();
            a.Label(ref target);
            a.int3();
        });
        AssertEnd(m.Run());
        Assert.Equal((ushort)0x2B, m.S.Cs);
    }

    [Theory]
    [InlineData(0x00, 0x40_1000UL, (byte)Vector.GeneralProtection, 0x00)]
    [InlineData(0x08, 0x40_1000UL, (byte)Vector.GeneralProtection, 0x08)]            // kernel code
    [InlineData(0x23, 0x40_1000UL, (byte)Vector.GeneralProtection, 0x20)]            // data
    [InlineData(0x2B, 0x8000_0000_0000UL, (byte)Vector.GeneralProtection, 0x00)]     // non-canonical RIP
    [InlineData(0x5B, 0x40_1000UL, (byte)Vector.SegmentNotPresent, 0x58)]
    public void Far_jmp_checks_the_target(int sel, ulong offset, byte vector, int err)
    {
        var m = Build(a => { a.mov(rbx, DataVa); a.jmp(__tword_ptr[rbx]); a.int3(); },
            init: UserEntries(0x00AF_7B00_0000_FFFFUL));                             // 64-bit code, P clear
        m.Bus.Poke(DataVa, BitConverter.GetBytes(offset));
        m.Bus.Poke(DataVa + 8, BitConverter.GetBytes((ushort)sel));
        AssertTrap(m.Run(), (Vector)vector, (ulong)err);
        Assert.Equal(CodeVa + 10, m.S.Rip);
        Assert.Equal((ushort)0x2B, m.S.Cs);
    }

    [Fact]
    public void A_far_jmp_to_0x1b_runs_32_bit_code_until_a_far_jmp_back_to_0x2b()
    {
        // At CodeVa + 0x40 (32-bit): inc eax (0x40, a REX prefix in 64-bit mode); jmp far [ebx + 6] back to 0x2B.
        var m = Build(a =>
        {
            a.mov(rbx, DataVa);
            a.jmp(__fword_ptr[rbx]);
            a.int3();
            a.db(new byte[0x40 - 13]);
            a.db([0x40, 0xFF, 0x6B, 0x06]);
            a.int3();
        });
        m.Bus.Poke(DataVa, [0x40, 0x10, 0x40, 0x00, 0x1B, 0x00, 0x44, 0x10, 0x40, 0x00, 0x2B, 0x00]);
        m.S.Rax = 0xFFFF_FFFF_0000_0001;
        AssertEnd(m.Run());
        Assert.Equal(2UL, m.S.Rax);                                                  // the 32-bit inc zero-extended
        Assert.Equal((ushort)0x2B, m.S.Cs);
        Assert.Equal(CodeVa + 0x45, m.S.Rip);                                         // after the int3, in 64-bit mode again
    }

    [Fact]
    public void A_code_segment_whose_base_is_not_page_aligned_fetches_across_two_linear_pages()
    {
        // User entry 1: 32-bit code based at CodeVa + 0x1800. EIP 0x7FC is linear CodeVa + 0x1FFC: four nops, then
        // add eax, 1 at EIP 0x800 in the next linear page, int3.
        ulong code = Descriptor((uint)CodeVa + 0x1800, 0xFFFFF, 0xB, granular: true);
        var m = Build(a => a.int3(), init: s => { UserEntries(code)(s); s.Cs = 0x5B; s.Rip = 0x7FC; });
        m.Bus.Map(CodeVa + 0x1000, 0x2000, Rights.RWX);
        m.Bus.Poke(CodeVa + 0x1FFC, [0x90, 0x90, 0x90, 0x90, 0x83, 0xC0, 0x01, 0xCC]);
        AssertEnd(m.Run());
        Assert.Equal(1UL, m.S.Rax);
        Assert.Equal(0x804UL, m.S.Rip);                                               // after the int3 at EIP 0x803
        // Another agent rewrites the second linear page only (add eax, 2): the next run sees it.
        m.Bus.Poke(CodeVa + 0x2002, [0x02]);
        m.S.Rip = 0x7FC;
        AssertEnd(m.Run());
        Assert.Equal(3UL, m.S.Rax);

        // Only the first linear page mapped: add eax, 1 at EIP 0x7FE needs its third byte from the second: #PF there.
        var f = Build(a => a.int3(), init: s => { UserEntries(code)(s); s.Cs = 0x5B; s.Rip = 0x7FC; });
        f.Bus.Map(CodeVa + 0x1000, 0x1000, Rights.RWX);
        f.Bus.Poke(CodeVa + 0x1FFC, [0x90, 0x90, 0x83, 0xC0]);
        var r = f.Run();
        Assert.Equal(Vector.PageFault, r.Trap.Vector);
        Assert.Equal(CodeVa + 0x2000, r.Trap.Cr2);
        Assert.Equal(0x7FEUL, f.S.Rip);
        Assert.Equal(2L, r.Retired);
    }

    [Fact]
    public void Far_call_pushes_cs_and_rip_at_the_operand_size_and_far_ret_returns()
    {
        Iced.Intel.Label after = default;
        var m = Build(a =>
        {
            var callee = a.CreateLabel();
            after = a.CreateLabel();
            a.mov(rbx, DataVa);
            a.lea(rax, __[callee]);
            a.mov(__dword_ptr[rbx], eax);
            a.mov(__word_ptr[rbx + 4], 0x2B);
            a.call(__fword_ptr[rbx]);                     // m16:32: pushes 4-byte CS and EIP
            a.Label(ref after);
            a.int3();
            a.Label(ref callee);
            a.mov(rcx, __[rsp]);
            a.db(0xCB);                                   // retf: 32-bit by default in 64-bit mode
        });
        AssertEnd(m.Run());
        ulong ret = m.L(after);
        Assert.Equal((0x2BUL << 32) | ret, m.S.Rcx);
        Assert.Equal(StackTop, m.S.Rsp);
        Assert.Equal(ret + 1, m.S.Rip);
    }

    [Fact]
    public void Retfq_with_imm16_releases_the_arguments_and_checks_the_rpl()
    {
        var m = RunToEnd(a =>
        {
            var back = a.CreateLabel();
            a.push(0x2B);
            a.lea(rax, __[back]);
            a.push(rax);
            a.sub(rsp, 0x10);
            a.add(rsp, 0x10);
            a.db(0x48, 0xCA, 0x10, 0x00);                 // retfq 0x10
            a.Label(ref back);
            a.int3();
        });
        Assert.Equal(StackTop + 0x10, m.S.Rsp);

        var f = Build(a => { a.push(0x28); a.push(0x1000); a.db(0x48, 0xCB); });   // retfq            // RPL 0 < CPL 3
        AssertTrap(f.Run(), Vector.GeneralProtection, 0x28);
        Assert.Equal(StackTop - 16, f.S.Rsp);
    }

    [Fact]
    public void Iretq_to_the_same_level_loads_rip_cs_rflags_rsp_and_ss_keeping_if_and_iopl()
    {
        var m = RunToEnd(a =>
        {
            var back = a.CreateLabel();
            a.mov(rax, rsp);
            a.push(0x23);                                 // SS
            a.push(rax);                                  // RSP
            a.push(0x7_70D5);                             // AC, VM, RF, NT, IOPL 3, IF clear, CF|PF|AF|ZF|SF
            a.push(0x2B);
            a.lea(rax, __[back]);
            a.push(rax);
            a.iretq();
            a.Label(ref back);
            a.int3();
        });
        Assert.Equal(StackTop, m.S.Rsp);
        // CPL 3, IOPL 0: the arithmetic flags, NT and AC are taken; IF and IOPL keep their values, VM too; RF stays clear.
        Assert.Equal(0x4_42D7UL, m.S.Rflags);
    }

    [Fact]
    public void Iret_checks_nt_then_cs_then_ss()
    {
        var nt = Build(a => { a.pushfq(); a.or(__qword_ptr[rsp], 0x4000); a.popfq(); a.iretq(); });
        AssertTrap(nt.Run(), Vector.GeneralProtection, 0);

        var ss = Build(a => { a.push(0x2B); a.push(0x10); a.push(0x202); a.push(0x2B); a.push(0x1000); a.iretq(); });
        AssertTrap(ss.Run(), Vector.GeneralProtection, 0x28);                       // SS names code
        Assert.Equal(StackTop - 40, ss.S.Rsp);

        var nul = Build(a => { a.push(0); a.push(0x10); a.push(0x202); a.push(0x2B); a.push(0x1000); a.iretq(); });
        AssertTrap(nul.Run(), Vector.GeneralProtection, 0);                         // null SS at CPL 3

        var cs = Build(a => { a.push(0); a.push(0x10); a.push(0x202); a.push(0x08); a.push(0x1000); a.iretq(); });
        AssertTrap(cs.Run(), Vector.GeneralProtection, 0x08);                       // CS before SS
    }

    [Theory]
    [InlineData(0x2B, true, 0x00A0_FB00UL, 0xFFFF_FFFFUL)]   // user code64: L, G; type 0xB, DPL 3, P
    [InlineData(0x1B, true, 0x00C0_FB00UL, 0xFFFF_FFFFUL)]   // user code32: D, G
    [InlineData(0x23, true, 0x00C0_F300UL, 0xFFFF_FFFFUL)]   // user data
    [InlineData(0x08, false, 0UL, 0UL)]                      // kernel: DPL 0 < CPL
    [InlineData(0x78, false, 0UL, 0UL)]                      // TSS: DPL 0
    [InlineData(0x00, false, 0UL, 0UL)]
    [InlineData(0x90, false, 0UL, 0UL)]                      // past the limit
    public void Lar_and_lsl_report_what_cpl_3_may_see(int sel, bool ok, ulong rights, ulong limit)
    {
        var m = RunToEnd(a => { a.mov(ecx, sel); a.lar(eax, ecx); a.setz(bl); a.lsl(rdx, rcx); a.setz(bh); a.int3(); },
            s => { s.Rax = s.Rdx = 0xDEAD; });
        Assert.Equal(ok ? 0x0101UL : 0UL, m.S.R[3] & 0xFFFF);
        Assert.Equal(ok ? rights : 0xDEAD, m.S.Rax);
        Assert.Equal(ok ? limit : 0xDEAD, m.S.Rdx);
    }

    [Fact]
    public void Verr_and_verw()
    {
        var m = RunToEnd(a =>
        {
            a.mov(ecx, 0x2B); a.verr(cx); a.setz(al); a.verw(cx); a.setz(ah);
            a.mov(ecx, 0x23); a.verr(cx); a.setz(bl); a.verw(cx); a.setz(bh);
            a.mov(ecx, 0x10); a.verr(cx); a.setz(dl);
            a.int3();
        });
        Assert.Equal(0x0001UL, m.S.Rax & 0xFFFF);   // code: readable, not writable
        Assert.Equal(0x0101UL, m.S.R[3] & 0xFFFF);  // data: both
        Assert.Equal(0UL, m.S.Rdx & 0xFF);          // kernel data: DPL 0
    }
}
