using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// Compatibility mode (SDM Vol. 3A §5; CpuCompatMode.cs, CpuCompat.cs): code in Fiasco's user code32 segment 0x1B runs
/// with 32-bit operand and address sizes, an ESP stack and EIP; every data segment has its base, limit and type again;
/// far transfers switch between it and 64-bit mode. Expected values are the SDM's and the AMD host's (`cpu diff`).
/// </summary>
public sealed partial class CpuTests
{
    /// <summary>A code or data descriptor of DPL 3: the 20-bit limit (bytes, or pages with G), type, D/B, present.</summary>
    private static ulong Descriptor(uint @base, uint limit, int type, bool big = true, bool granular = false, bool present = true) =>
        (limit & 0xFFFF) | ((ulong)(@base & 0xFF_FFFF) << 16) | ((ulong)type << 40) | (1UL << 44) | (3UL << 45)
        | (present ? 1UL << 47 : 0) | ((ulong)((limit >> 16) & 0xF) << 48) | (big ? 1UL << 54 : 0) | (granular ? 1UL << 55 : 0)
        | ((ulong)(@base >> 24) << 56);

    /// <summary>The selectors of the thread's four user GDT entries (GDT_USER_ENTRY1..4 | 3).</summary>
    private const ushort User1 = 0x5B, User2 = 0x63, User3 = 0x6B;

    /// <summary>32-bit code at CodeVa, started in CS 0x1B (the other selectors as Fiasco's thread has them).</summary>
    private static Machine Build32(Action<Assembler> body, Action<CpuState>? init = null)
    {
        var m = new Machine();
        var a = new Assembler(32);
        body(a);
        var ms = new MemoryStream();
        m.Asm = a.Assemble(new StreamCodeWriter(ms), CodeVa, BlockEncoderOptions.ReturnNewInstructionOffsets);
        m.Code = ms.ToArray();
        m.Bus.Map(CodeVa, (ulong)m.Code.Length, Rights.RWX);
        m.Bus.Poke(CodeVa, m.Code);
        m.Bus.Map(CodeVa, (ulong)m.Code.Length, Rights.RX);
        m.Bus.Map(DataVa, 3 * 4096, Rights.RW);
        m.Bus.Map(StackTop - 16 * 4096, 16 * 4096, Rights.RW);
        m.S.Rip = CodeVa;
        m.S.Rsp = StackTop;
        m.S.Cs = 0x1B;
        init?.Invoke(m.S);
        return m;
    }

    private static Machine Run32(Action<Assembler> body, Action<CpuState>? init = null)
    {
        var m = Build32(body, init);
        AssertEnd(m.Run());
        return m;
    }

    [Fact]
    public void Compatibility_mode_decodes_with_32_bit_defaults_and_writes_zero_extend()
    {
        var m = Run32(a =>
        {
            a.inc(eax);             // 0x40: a REX prefix in 64-bit mode
            a.mov(cx, 0x1234);      // 16-bit write: merged
            a.push(0x11223344);     // pushd: 4 bytes
            a.pop(edx);
            a.int3();
        }, s => { s.Rax = 0xAAAA_0000_0000_0041; s.Rcx = 0xBBBB_0000_5555_0000; s.R8 = 0x8888_8888_8888_8888; s.Rsp = 0x5_0000_0000 | StackTop; });
        Assert.Equal(0x42UL, m.S.Rax);
        Assert.Equal(0xBBBB_0000_5555_1234UL, m.S.Rcx);
        Assert.Equal(0x1122_3344UL, m.S.Rdx);
        Assert.Equal(0x8888_8888_8888_8888UL, m.S.R8);                             // R8-R15 are out of reach, kept
        Assert.Equal(StackTop, m.S.Rsp);                                            // ESP written as a 32-bit register
        Assert.Equal((ushort)0x1B, m.S.Cs);
    }

    [Fact]
    public void Near_call_and_ret_push_and_pop_eip_on_the_esp_stack()
    {
        Label f = default;
        var m = Build32(a =>
        {
            f = a.CreateLabel();
            a.call(f);
            a.int3();
            a.Label(ref f);
            a.mov(eax, __dword_ptr[esp]);
            a.ret(8);
        }, s => s.Rsp = StackTop - 0x100);
        AssertEnd(m.Run());
        Assert.Equal(CodeVa + 5, m.S.Rax);                                           // the return EIP, 4 bytes
        Assert.Equal(StackTop - 0x100 + 8, m.S.Rsp);                                 // ret 8 released 8 more bytes
    }

    [Fact]
    public void Pusha_and_popa_keep_the_sdm_order_and_skip_esp()
    {
        var m = Run32(a =>
        {
            a.pushad();
            a.mov(eax, __dword_ptr[esp + 12]);   // the saved ESP slot
            a.mov(__dword_ptr[DataVa], eax);
            a.mov(eax, __dword_ptr[esp]);        // EDI, pushed last
            a.mov(__dword_ptr[DataVa + 4], eax);
            a.mov(__dword_ptr[esp + 28], 0x77);  // EAX's slot, pushed first
            a.mov(__dword_ptr[esp + 12], 0x99);  // ESP's slot: popad skips it
            a.popad();
            a.int3();
        }, s => { s.Rax = 1; s.Rcx = 2; s.Rdx = 3; s[Reg.Rbx] = 4; s[Reg.Rbp] = 6; s.Rsi = 7; s.Rdi = 8; });
        Assert.Equal(BitConverter.GetBytes((uint)StackTop), m.Bus.Peek(DataVa, 4));
        Assert.Equal(BitConverter.GetBytes(8u), m.Bus.Peek(DataVa + 4, 4));
        Assert.Equal(0x77UL, m.S.Rax);
        Assert.Equal(4UL, m.S[Reg.Rbx]);
        Assert.Equal(StackTop, m.S.Rsp);
    }

    [Theory]
    [InlineData("daa", 0x0079UL, 0x35UL, 0x0014UL, 0x011UL)]     // 0x79 + 0x35 = 0xAE -> 0x14, CF AF
    [InlineData("das", 0x0035UL, 0x47UL, 0x0088UL, 0x091UL)]     // 0x35 - 0x47 = 0xEE -> 0x88, CF AF SF
    [InlineData("aaa", 0x0008UL, 0x05UL, 0x0103UL, 0x011UL)]     // 8 + 5 = 0x0D -> AX 0x0103, CF AF
    [InlineData("aas", 0x0103UL, 0x05UL, 0x0008UL, 0x011UL)]     // 3 - 5 -> AX 0x0008, CF AF
    public void Decimal_adjustments_follow_the_sdm(string op, ulong ax, ulong operand, ulong expectAx, ulong expectFlags)
    {
        var m = Run32(a =>
        {
            if (op is "daa" or "aaa") a.add(al, (byte)operand); else a.sub(al, (byte)operand);
            switch (op) { case "daa": a.daa(); break; case "das": a.das(); break; case "aaa": a.aaa(); break; default: a.aas(); break; }
            a.int3();
        }, s => s.Rax = ax);
        Assert.Equal(expectAx, m.S.Rax & 0xFFFF);
        ulong defined = op is "daa" or "das" ? (ulong)(RFlags.CF | RFlags.AF | RFlags.SF) : (ulong)(RFlags.CF | RFlags.AF); // aaa/aas: SF undefined
        Assert.Equal(expectFlags & defined, m.S.Rflags & defined);
    }

    [Fact]
    public void Aam_and_aad_convert_with_their_base_and_aam_0_is_de()
    {
        var m = Run32(a => { a.aam(10); a.mov(ebx, eax); a.aad(10); a.int3(); }, s => s.Rax = 0x4F);   // 79
        Assert.Equal(0x0709UL, m.S[Reg.Rbx]);
        Assert.Equal(0x4FUL, m.S.Rax);
        var z = Build32(a => { a.aam(0); a.int3(); });
        AssertTrap(z.Run(), Vector.DivideError, 0);
        Assert.Equal(CodeVa, z.S.Rip);
    }

    [Fact]
    public void Bound_raises_br_into_is_gp_through_a_dpl_0_gate_and_salc_copies_cf()
    {
        var b = Build32(a => { a.bound(eax, __qword_ptr[DataVa]); a.int3(); }, s => s.Rax = 11);
        b.Bus.Poke(DataVa, [.. BitConverter.GetBytes(-5), .. BitConverter.GetBytes(10)]);
        AssertTrap(b.Run(), Vector.BoundRange, 0);
        Assert.Equal(CodeVa, b.S.Rip);

        var o = Build32(a => { a.mov(al, 0x7F); a.add(al, 1); a.into(); a.int3(); });
        AssertTrap(o.Run(), Vector.GeneralProtection, 4 * 8 + 2);

        var c = Run32(a => { a.stc(); a.salc(); a.mov(ecx, eax); a.clc(); a.salc(); a.int3(); }, s => s.Rax = 0x1234_5600);
        Assert.Equal(0x1234_56FFUL, c.S.Rcx);
        Assert.Equal(0x1234_5600UL, c.S.Rax);
    }

    [Fact]
    public void Arpl_raises_a_lower_rpl_and_sets_zf_only_when_it_did()
    {
        var m = Run32(a => { a.arpl(ax, cx); a.setz(dl); a.arpl(cx, ax); a.setz(dh); a.int3(); }, s => { s.Rax = 0x5559; s.Rcx = 0x22B; });
        Assert.Equal(0x555BUL, m.S.Rax);
        Assert.Equal(0x0001UL, m.S.Rdx & 0xFFFF);                                  // raised once, then not
    }

    [Fact]
    public void A_data_segment_with_a_base_and_a_byte_limit_is_checked_and_relocates()
    {
        // User entry 1: base DataVa + 0x100, limit 0xFF bytes, read/write.
        Label bad = default;
        var m = Build32(a =>
        {
            bad = a.CreateLabel();
            a.mov(eax, User1);
            a.mov(ds, ax);
            a.mov(ecx, __dword_ptr[0x10]);           // DataVa + 0x110
            a.Label(ref bad);
            a.mov(edx, __dword_ptr[0xFD]);           // 0xFD..0x100: the last byte is past the limit
            a.int3();
        }, UserEntries(Descriptor((uint)DataVa + 0x100, 0xFF, 3)));
        m.Bus.Poke(DataVa + 0x110, BitConverter.GetBytes(0xCAFEu));
        AssertTrap(m.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(0xCAFEUL, m.S.Rcx);
        Assert.Equal(m.L(bad), m.S.Rip);
        Assert.Equal(0UL, m.S.Rdx);
    }

    [Fact]
    public void Expand_down_read_only_and_null_segments_fault_as_the_sdm_says()
    {
        // User entry 2: expand-down, read-only (type 5), limit 0xFFF, B: valid offsets 0x1000..0xFFFFFFFF.
        var e = Run32(a =>
        {
            a.mov(eax, User2);
            a.mov(es, ax);
            a.mov(ecx, __dword_ptr.es[DataVa]);
            a.int3();
        }, UserEntries(0, Descriptor(0, 0xFFF, 5)));
        Assert.Equal(0UL, e.S.Rcx);
        foreach (var (body, vector) in new (Action<Assembler>, Vector)[]
        {
            (a => { a.mov(eax, User2); a.mov(es, ax); a.mov(ecx, __dword_ptr.es[0xFFC]); }, Vector.GeneralProtection),   // at or below the limit
            (a => { a.mov(eax, User2); a.mov(es, ax); a.mov(cl, __byte_ptr.es[0xFFF]); }, Vector.GeneralProtection),     // the limit itself
            (a => { a.mov(eax, User2); a.mov(es, ax); a.mov(cl, __byte_ptr.es[0x1000]); }, Vector.PageFault),            // just above: unmapped
            (a => { a.mov(eax, User2); a.mov(es, ax); a.mov(__dword_ptr.es[DataVa], ecx); }, Vector.GeneralProtection), // read-only
            (a => { a.mov(__dword_ptr.cs[DataVa], ecx); }, Vector.GeneralProtection),                                     // code: not writable
            (a => { a.mov(ecx, __dword_ptr.fs[DataVa]); }, Vector.GeneralProtection),                                     // FS null: unusable
            (a => { a.mov(eax, User1); a.mov(ss, ax); a.push(eax); }, Vector.StackSegment),                               // SS limit 0xFF, ESP above
        })
        {
            var m = Build32(a => { body(a); a.int3(); }, UserEntries(Descriptor(0, 0xFF, 3), Descriptor(0, 0xFFF, 5)));
            var r = m.Run();
            Assert.Equal(StopKind.Trap, r.Kind);
            Assert.Equal(vector, r.Trap.Vector);
            if (vector != Vector.PageFault) Assert.Equal(0UL, r.Trap.ErrorCode);
        }
    }

    [Fact]
    public void Fs_base_wraps_at_4_gib_in_compatibility_mode()
    {
        // FS base 0xFFFF_F000 from user entry 1: fs:[DataVa + 0x1000] is linear DataVa (mod 2^32).
        var m = Build32(a =>
        {
            a.mov(eax, User1);
            a.mov(fs, ax);
            a.mov(ecx, __dword_ptr.fs[DataVa + 0x1000]);
            a.int3();
        }, UserEntries(Descriptor(0xFFFF_F000, 0xFFFFF, 3, granular: true)));
        m.Bus.Poke(DataVa, BitConverter.GetBytes(0x1122_3344u));
        AssertEnd(m.Run());
        Assert.Equal(0xFFFF_F000UL, m.S.FsBase);
        Assert.Equal(0x1122_3344UL, m.S.Rcx);
    }

    [Fact]
    public void Iretd_in_compatibility_mode_pops_eip_cs_eflags_only_and_can_return_to_64_bit_mode()
    {
        // Frame: EIP = CodeVa + 0x20 (64-bit code there: int3), CS 0x2B, EFLAGS with CF; no ESP/SS words.
        var m = Build32(a => { a.iretd(); a.int3(); }, s => s.Rsp = StackTop - 0x100);
        m.Bus.Poke(StackTop - 0x100, [.. BitConverter.GetBytes((uint)CodeVa + 1), .. BitConverter.GetBytes(0x2Bu), .. BitConverter.GetBytes(0x203u)]);
        var r = m.Run();
        AssertEnd(r);
        Assert.Equal((ushort)0x2B, m.S.Cs);
        Assert.Equal(StackTop - 0x100 + 12, m.S.Rsp);
        Assert.Equal(1UL, m.S.Rflags & 1);
        Assert.Equal((ushort)0x23, m.S.Ss);
    }

    [Fact]
    public void Far_call_from_64_bit_mode_into_compatibility_mode_and_retf_back()
    {
        // 64-bit: call far [rbx] (m16:32 -> 0x1B:CodeVa+0x40); 32-bit there: push 5; pop eax; retf (pops EIP, CS 0x2B).
        var m = Build(a =>
        {
            a.mov(rbx, DataVa);
            a.call(__fword_ptr[rbx]);
            a.int3();
            a.db(new byte[0x40 - 13]);
            a.db([0x6A, 0x05, 0x58, 0xCB]);
        });
        m.Bus.Poke(DataVa, [0x40, 0x10, 0x40, 0x00, 0x1B, 0x00]);
        AssertEnd(m.Run());
        Assert.Equal(5UL, m.S.Rax);
        Assert.Equal((ushort)0x2B, m.S.Cs);
        Assert.Equal(StackTop, m.S.Rsp);
        Assert.Equal(CodeVa + 13, m.S.Rip);
    }

    [Fact]
    public void Sgdt_stores_a_4_byte_base_and_syscall_stops_with_the_next_eip_in_rcx()
    {
        var m = Run32(a => { a.sgdt(__[DataVa]); a.int3(); });
        var gdt = m.Cpu.SystemRegs;
        Assert.Equal([.. BitConverter.GetBytes(gdt.GdtLimit), .. BitConverter.GetBytes((uint)gdt.GdtBase), 0, 0], m.Bus.Peek(DataVa, 8));

        var c = Build32(a => { a.nop(); a.syscall(); a.int3(); }, s => s.Rflags = 0x203);
        var r = c.Run();
        Assert.Equal(StopKind.Syscall, r.Kind);
        Assert.Equal(CodeVa + 3, c.S.Rcx);
        Assert.Equal(0x203UL, c.S.R11);
    }

    [Fact]
    public void Sysenter_is_gp_because_fiasco_leaves_sysenter_cs_zero()
    {
        var m = Build32(a => { a.sysenter(); a.int3(); });
        AssertTrap(m.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(CodeVa, m.S.Rip);
    }

    [Fact]
    public void The_stack_pointer_wraps_at_the_stack_width()
    {
        // ESP = 0: push writes at 0xFFFFFFFC (unmapped): #PF there, ESP unchanged. ESP = 2: the dword would run past
        // the 4 GiB limit of SS: #SS(0).
        var m = Build32(a => { a.push(eax); a.int3(); }, s => s.Rsp = 0);
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Write), 0xFFFF_FFFC);
        Assert.Equal(0UL, m.S.Rsp);
        var l = Build32(a => { a.push(eax); a.int3(); }, s => s.Rsp = 2);
        AssertTrap(l.Run(), Vector.StackSegment, 0);

        // SS from user entry 1, a 16-bit (B clear) stack with base StackTop - 0x10000: SP wraps, ESP's upper bits stay.
        var w = Run32(a => { a.mov(eax, User1); a.mov(ss, ax); a.push(0x1234); a.pop(ecx); a.push(ecx); a.int3(); },
            s => { UserEntries(Descriptor((uint)StackTop - 0x10000, 0xFFFF, 3, big: false))(s); s.Rsp = 0xABCD_0000; });
        Assert.Equal(0xABCD_FFFCUL, w.S.Rsp);                                     // SP 0 - 4, then + 4 (wraps to 0), then - 4
        Assert.Equal(0x1234UL, w.S.Rcx);
        Assert.Equal(BitConverter.GetBytes(0x1234u), w.Bus.Peek(StackTop - 4, 4));  // SS base + 0xFFFC
    }

    [Fact]
    public void Push_and_pop_of_segment_registers_load_through_the_checks()
    {
        var m = Run32(a => { a.push(cs); a.pop(eax); a.push(ds); a.pop(es); a.mov(ecx, 0x2B); a.push(ecx); a.pop(ds); a.int3(); });
        Assert.Equal(0x1BUL, m.S.Rax);
        Assert.Equal((ushort)0x23, m.S.Es);
        Assert.Equal((ushort)0x2B, m.S.Ds);                                          // a code segment may be loaded into DS: readable

        var f = Build32(a => { a.push(0x0B); a.pop(ds); a.int3(); });             // kernel code selector with RPL 3
        AssertTrap(f.Run(), Vector.GeneralProtection, 0x08);
        Assert.Equal(StackTop - 4, f.S.Rsp);                                        // the pop did not complete
    }

    [Fact]
    public void Fnstenv_stores_the_selectors_of_the_last_x87_instruction_cs_0x1b_and_its_operand_segment()
    {
        var m = Run32(a =>
        {
            a.mov(eax, 0x2B);
            a.mov(es, ax);                               // Fiasco's user code64: readable, so a valid ES
            a.fld(__dword_ptr.es[DataVa]);
            a.fnstenv(__[DataVa + 0x100]);
            a.int3();
        });
        Assert.Equal(BitConverter.GetBytes(0x1Bu | (0x0D9u & 0x7FF) << 16)[..2], m.Bus.Peek(DataVa + 0x100 + 16, 2)); // FCS
        Assert.Equal(BitConverter.GetBytes((ushort)0x2B), m.Bus.Peek(DataVa + 0x100 + 24, 2));                      // FDS: ES
        Assert.Equal(BitConverter.GetBytes((uint)DataVa), m.Bus.Peek(DataVa + 0x100 + 20, 4));                      // FDP
    }

    [Fact]
    public void A_16_bit_code_segment_runs_16_bit_code_with_ip_in_its_base()
    {
        // User entry 1: 16-bit code, base CodeVa (page-aligned), limit 0xFFFF; IP 0x1000 is linear CodeVa + 0x1000.
        var a16 = new Assembler(16);
        a16.inc(ax);                       // 0x40: inc ax, 16 bits
        a16.push(0x1234);                  // pushw: 2 bytes on the (32-bit, SS 0x23) ESP stack
        a16.pop(cx);
        a16.call(0x1010);                  // to IP 0x1010: pushes IP 0x1008 (after 1 + 3 + 1 + 3 bytes)
        a16.int3();
        var ms = new MemoryStream();
        a16.Assemble(new StreamCodeWriter(ms), 0x1000);
        var code16 = ms.ToArray();
        var m = Build(a =>
        {
            a.mov(rbx, DataVa);
            a.jmp(__fword_ptr[rbx]);
            a.int3();
        }, init: UserEntries(Descriptor((uint)CodeVa, 0xFFFF, 0xB, big: false)));
        m.Bus.Map(CodeVa + 0x1000, 0x1000, Rights.RWX);
        m.Bus.Poke(CodeVa + 0x1000, code16);
        m.Bus.Poke(CodeVa + 0x1010, [0xCC]);
        m.Bus.Poke(DataVa, [0x00, 0x10, 0x00, 0x00, 0x5B, 0x00]);
        m.S.Rax = 0xFFFF_FFFF_FFFF_FFFF;
        AssertEnd(m.Run());
        Assert.Equal(0xFFFF_FFFF_FFFF_0000UL, m.S.Rax);                               // inc ax: 16 bits, merged
        Assert.Equal(0x1234UL, m.S.Rcx & 0xFFFF);
        Assert.Equal((ushort)0x5B, m.S.Cs);
        Assert.Equal(0x1011UL, m.S.Rip);                                               // IP, not the linear address
        Assert.Equal(StackTop - 2, m.S.Rsp);                                          // the call pushed 2 bytes
        Assert.Equal(BitConverter.GetBytes((ushort)0x1008), m.Bus.Peek(StackTop - 2, 2));
    }

    [Fact]
    public void Code_past_the_cs_limit_is_gp_and_a_branch_past_it_faults_at_the_branch()
    {
        // User entry 1: 32-bit code based at CodeVa, limit 0x1F bytes.
        Action<CpuState> entries = UserEntries(Descriptor((uint)CodeVa, 0x1F, 0xB));
        var j = Build32(a => { a.jmp(0x40); a.int3(); }, s => { entries(s); s.Cs = 0x5B; s.Rip = 0; });
        AssertTrap(j.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(0UL, j.S.Rip);                                                   // at the jmp, not at the target

        // call past the limit: the push is checked first (#PF for an unmapped stack, as the AMD host), then #GP(0), nothing pushed.
        var c = Build32(a => { a.call(0x40); a.int3(); }, s => { entries(s); s.Cs = 0x5B; s.Rip = 0; s.Rsp = 0x1000; });
        AssertTrap(c.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Write), 0xFFC);
        var g = Build32(a => { a.call(0x40); a.int3(); }, s => { entries(s); s.Cs = 0x5B; s.Rip = 0; });
        AssertTrap(g.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(StackTop, g.S.Rsp);

        var f = Build32(a => { a.nop(); a.int3(); }, s => { entries(s); s.Cs = 0x5B; s.Rip = 0x1F; });
        f.Bus.Poke(CodeVa + 0x1F, [0x90, 0x90]);
        var r = f.Run();
        AssertTrap(r, Vector.GeneralProtection, 0);                                   // the nop at 0x1F is within; the next is not
        Assert.Equal(0x20UL, f.S.Rip);
        Assert.Equal(1L, r.Retired);

        var w = Build32(a => { a.nop(); a.int3(); }, s => { entries(s); s.Cs = 0x5B; s.Rip = 0x1E; });
        w.Bus.Poke(CodeVa + 0x1E, [0x66, 0x90]);                                     // a 2-byte nop ending at the limit: runs
        w.Bus.Poke(CodeVa + 0x20, [0xCC]);
        AssertTrap(w.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(0x20UL, w.S.Rip);
    }

    [Fact]
    public void Sixteen_bit_addressing_wraps_at_64_kib_and_bp_bases_use_ss()
    {
        // 16-bit code (user entry 1, base CodeVa) with 0x67-free 16-bit addressing: [bx+si+2] and [bp+di-2] wrap at
        // 64 KiB. SS is user entry 2: a data segment based at DataVa, so the bp form reads through it; DS is 0x23 (base 0).
        var a16 = new Assembler(16);
        a16.mov(ax, __word_ptr[bx + si + 2]);      // DS: (0xFFFF + 0x0001 + 2) & 0xFFFF = 0x0002 -> linear 0x2: unmapped
        a16.int3();
        var ms = new MemoryStream();
        a16.Assemble(new StreamCodeWriter(ms), 0);
        var m = Build(a => a.int3(), init: s =>
        {
            UserEntries(Descriptor((uint)CodeVa, 0xFFFF, 0xB, big: false), Descriptor((uint)DataVa, 0xFFFF, 3))(s);
            s.Cs = 0x5B; s.Rip = 0; s[Reg.Rbx] = 0xFFFF; s.Rsi = 1;
        });
        m.Bus.Map(CodeVa, 0x1000, Rights.RWX);
        m.Bus.Poke(CodeVa, ms.ToArray());
        var r = m.Run();
        AssertTrap(r, Vector.PageFault, (ulong)PfErr.User, 0x2);

        var b16 = new Assembler(16);
        b16.mov(ax, __word_ptr[bp + di - 2]);       // SS: (0x0001 + 0x0005 - 2) & 0xFFFF = 4 -> DataVa + 4
        b16.int3();
        var ms2 = new MemoryStream();
        b16.Assemble(new StreamCodeWriter(ms2), 0);
        var n = Build(a => a.int3(), init: s =>
        {
            UserEntries(Descriptor((uint)CodeVa, 0xFFFF, 0xB, big: false), Descriptor((uint)DataVa, 0xFFFF, 3))(s);
            s.Cs = 0x5B; s.Ss = 0x63; s.Rip = 0; s[Reg.Rbp] = 1; s.Rdi = 5; s.Rsp = 0x100;
        });
        n.Bus.Map(CodeVa, 0x1000, Rights.RWX);
        n.Bus.Poke(CodeVa, ms2.ToArray());
        n.Bus.Poke(DataVa + 4, [0x34, 0x12]);
        AssertEnd(n.Run());
        Assert.Equal(0x1234UL, n.S.Rax & 0xFFFF);
    }
}
