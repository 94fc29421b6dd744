using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// The user-mode x86-64 CPU against the Intel SDM: every program is assembled with Iced's Assembler and run on
/// <see cref="TestBus"/>, a dictionary of 4 KiB pages with per-page rights that faults like a real MMU would.
/// </summary>
public sealed partial class CpuTests
{
    private const ulong CodeVa = 0x401000, DataVa = 0x600000, StackTop = 0x800000;
    private const ulong CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
    private const ulong Arith = CF | PF | AF | ZF | SF | OF;

    [Flags]
    private enum Rights { None = 0, Write = 1, Exec = 2, User = 4, RX = Exec | User, RW = Write | User, RWX = Write | Exec | User, RO = User }

    /// <summary>
    /// Pages with rights. Faults: #GP(0) for a non-canonical access; #PF with U always (user mode), P if the page is
    /// present but the access not allowed, W for writes, I/D for fetches, CR2 = first byte of the failing page
    /// that the access touches. A failed access changes nothing. Versions move on every change to a page.
    /// </summary>
    private sealed class TestBus : IMemoryBus
    {
        private sealed class Page { public readonly byte[] Data = new byte[4096]; public Rights Rights; public ulong Version; }
        private readonly Dictionary<ulong, Page> pages = new();
        private ulong clock = 1;
        public int Reads, Writes;

        public void Map(ulong va, ulong bytes, Rights rights)
        {
            for (ulong p = va & ~0xFFFUL; p < va + bytes; p += 4096)
            {
                if (!pages.TryGetValue(p, out var pg)) pages[p] = pg = new Page();
                pg.Rights = rights;
                pg.Version = ++clock;
            }
        }

        public void Unmap(ulong va) => pages.Remove(va & ~0xFFFUL);

        /// <summary>Write bytes regardless of rights (the loader, or another agent).</summary>
        public void Poke(ulong va, ReadOnlySpan<byte> src)
        {
            for (int k = 0; k < src.Length; k++)
            {
                var pg = pages[(va + (ulong)k) & ~0xFFFUL];
                pg.Data[(va + (ulong)k) & 0xFFF] = src[k];
                pg.Version = ++clock;
            }
        }

        public byte[] Peek(ulong va, int n)
        {
            var r = new byte[n];
            for (int k = 0; k < n; k++) r[k] = pages[(va + (ulong)k) & ~0xFFFUL].Data[(va + (ulong)k) & 0xFFF];
            return r;
        }

        public ulong U64(ulong va) => BitConverter.ToUInt64(Peek(va, 8));
        public void PokeU64(ulong va, ulong v) => Poke(va, BitConverter.GetBytes(v));

        private static bool Canonical(ulong va) => (ulong)((long)(va << 16) >> 16) == va;

        private bool Check(ulong va, int len, AccessKind kind, out Trap trap)
        {
            trap = default;
            if (len == 0) return true;
            if (!Canonical(va) || !Canonical(va + (ulong)len - 1)) { trap = new Trap(Vector.GeneralProtection, 0); return false; }
            ulong bits = (ulong)PfErr.User | (kind == AccessKind.Write ? (ulong)PfErr.Write : 0) | (kind == AccessKind.Execute ? (ulong)PfErr.InstrFetch : 0);
            for (ulong p = va & ~0xFFFUL; p <= va + (ulong)len - 1; p += 4096)
            {
                ulong cr2 = Math.Max(p, va);
                if (!pages.TryGetValue(p, out var pg)) { trap = new Trap(Vector.PageFault, bits, cr2); return false; }
                bool ok = (pg.Rights & Rights.User) != 0
                    && (kind != AccessKind.Write || (pg.Rights & Rights.Write) != 0)
                    && (kind != AccessKind.Execute || (pg.Rights & Rights.Exec) != 0);
                if (!ok) { trap = new Trap(Vector.PageFault, bits | (ulong)PfErr.Present, cr2); return false; }
            }
            return true;
        }

        public bool Read(ulong va, Span<byte> dst, AccessKind kind, out Trap trap)
        {
            Reads++;
            if (!Check(va, dst.Length, kind, out trap)) return false;
            for (int k = 0; k < dst.Length; k++) dst[k] = pages[(va + (ulong)k) & ~0xFFFUL].Data[(va + (ulong)k) & 0xFFF];
            return true;
        }

        public bool Write(ulong va, ReadOnlySpan<byte> src, out Trap trap)
        {
            Writes++;
            if (!Check(va, src.Length, AccessKind.Write, out trap)) return false;
            Poke(va, src);
            return true;
        }

        public ulong CodeVersion(ulong va) => pages.TryGetValue(va & ~0xFFFUL, out var pg) ? pg.Version : 0;
    }

    private sealed class Machine
    {
        public readonly TestBus Bus = new();
        public readonly CpuState S = new();
        public readonly Cpu Cpu = new();
        public AssemblerResult Asm;
        public byte[] Code = [];
        public StopReason Run(long budget = 1_000_000) => Cpu.Run(S, Bus, budget);
        public ulong L(Label l) => Asm.GetLabelRIP(l);
        public ulong Flags => S.Rflags & Arith;
    }

    internal static byte[] Assemble(Action<Assembler> body, ulong at, out AssemblerResult result)
    {
        var a = new Assembler(64);
        body(a);
        var ms = new MemoryStream();
        result = a.Assemble(new StreamCodeWriter(ms), at, BlockEncoderOptions.ReturnNewInstructionOffsets);
        return ms.ToArray();
    }

    /// <summary>Code at <paramref name="at"/> (RX unless told), 3 data pages RW at DataVa, 16 stack pages RW below StackTop.</summary>
    private static Machine Build(Action<Assembler> body, ulong at = CodeVa, Rights code = Rights.RX, Action<CpuState>? init = null)
    {
        var m = new Machine();
        m.Code = Assemble(body, at, out m.Asm);
        m.Bus.Map(at, (ulong)m.Code.Length, Rights.RWX); // writable only while loading
        m.Bus.Poke(at, m.Code);
        m.Bus.Map(at, (ulong)m.Code.Length, code);
        m.Bus.Map(DataVa, 3 * 4096, Rights.RW);
        m.Bus.Map(StackTop - 16 * 4096, 16 * 4096, Rights.RW);
        m.S.Rip = at;
        m.S.Rsp = StackTop;
        init?.Invoke(m.S);
        return m;
    }

    /// <summary>Build, run to the final int3 (which, unlike syscall, leaves RCX/R11 alone) and check it got there.</summary>
    private static Machine RunToEnd(Action<Assembler> body, Action<CpuState>? init = null, Action<Machine>? setup = null)
    {
        var m = Build(body, init: init);
        setup?.Invoke(m);
        var r = m.Run();
        Assert.True(r.Kind == StopKind.Trap && r.Trap.Vector == Vector.Breakpoint, $"stopped with {r.Kind} {r.Trap} {r.Detail} at 0x{m.S.Rip:x}");
        return m;
    }

    private static void AssertEnd(StopReason r) => Assert.True(r.Kind == StopKind.Trap && r.Trap.Vector == Vector.Breakpoint, $"stopped with {r.Kind} {r.Trap} {r.Detail}");

    private static void AssertTrap(StopReason r, Vector v, ulong err, ulong cr2 = 0)
    {
        Assert.Equal(StopKind.Trap, r.Kind);
        Assert.Equal(new Trap(v, err, cr2), r.Trap);
    }

    // ---------------------------------------------------------------- arithmetic flags

    [Fact]
    public void Add8_0x7f_plus_1_sets_OF_SF_AF_and_keeps_upper_bits()
    {
        var m = RunToEnd(a => { a.mov(al, 0x7f); a.add(al, 1); a.int3(); }, s => s.Rax = 0xAABBCCDD_11223300);
        Assert.Equal(0xAABBCCDD_11223380UL, m.S.Rax);
        Assert.Equal(OF | SF | AF, m.Flags);
    }

    [Fact]
    public void Add_carry_out_and_zero()
    {
        var m = RunToEnd(a => { a.mov(rax, -1L); a.add(rax, 1); a.int3(); });
        Assert.Equal(0UL, m.S.Rax);
        Assert.Equal(CF | PF | AF | ZF, m.Flags);
    }

    [Fact]
    public void Sub_borrow_sets_CF_and_zero_extends_32()
    {
        var m = RunToEnd(a => { a.mov(eax, 1); a.sub(eax, 2); a.int3(); }, s => s.Rax = 0xFFFF_0000_0000_0000);
        Assert.Equal(0xFFFF_FFFFUL, m.S.Rax);
        Assert.Equal(CF | PF | AF | SF, m.Flags);
    }

    [Fact]
    public void Cmp8_signed_overflow()
    {
        var m = RunToEnd(a => { a.mov(bl, 0x80); a.cmp(bl, 1); a.int3(); });
        Assert.Equal(OF | AF, m.Flags);
        Assert.Equal(0x80UL, m.S[Reg.Rbx]);
    }

    [Fact]
    public void Adc_sbb_chain_128_bit()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rax, -1L); a.mov(rdx, 1); a.add(rax, 1); a.adc(rdx, 2);   // (1:~0) + (2:1) = (4:0)
            a.mov(rcx, 0); a.mov(rbx, 5); a.sub(rcx, 1); a.sbb(rbx, 1);     // (5:0) - (1:1) = (3:~0)
            a.int3();
        });
        Assert.Equal(0UL, m.S.Rax);
        Assert.Equal(4UL, m.S[Reg.Rdx]);
        Assert.Equal(ulong.MaxValue, m.S.Rcx);
        Assert.Equal(3UL, m.S[Reg.Rbx]);
        Assert.Equal(PF, m.Flags); // 5 - 1 - 1 = 3: only PF (two bits set)
    }

    [Fact]
    public void Adc_with_carry_in_wraps_to_zero()
    {
        var m = RunToEnd(a => { a.mov(al, 0xff); a.stc(); a.adc(al, 0); a.int3(); });
        Assert.Equal(0UL, m.S.Rax & 0xFF);
        Assert.Equal(CF | PF | AF | ZF, m.Flags);
    }

    [Fact]
    public void Sbb_with_borrow_in()
    {
        var m = RunToEnd(a => { a.mov(cl, 0); a.stc(); a.sbb(cl, 0xff); a.int3(); });
        Assert.Equal(0UL, m.S.Rcx & 0xFF);
        Assert.Equal(CF | PF | AF | ZF, m.Flags);
        var m2 = RunToEnd(a => { a.mov(cl, 5); a.clc(); a.sbb(cl, 3); a.int3(); });
        Assert.Equal(2UL, m2.S.Rcx & 0xFF);
        Assert.Equal(0UL, m2.Flags);
    }

    [Fact]
    public void Inc_keeps_CF_set()
    {
        var m = RunToEnd(a => { a.stc(); a.mov(eax, 0xFFFF_FFFFu); a.inc(eax); a.int3(); });
        Assert.Equal(0UL, m.S.Rax);
        Assert.Equal(CF | PF | AF | ZF, m.Flags);
    }

    [Fact]
    public void Dec_keeps_CF_clear()
    {
        var m = RunToEnd(a => { a.clc(); a.mov(ecx, 0); a.dec(ecx); a.int3(); });
        Assert.Equal(0xFFFF_FFFFUL, m.S.Rcx);
        Assert.Equal(PF | AF | SF, m.Flags);
    }

    [Fact]
    public void Inc_signed_overflow_and_dec_of_min()
    {
        var m = RunToEnd(a => { a.mov(edx, 0x7FFF_FFFF); a.stc(); a.inc(edx); a.int3(); });
        Assert.Equal(0x8000_0000UL, m.S[Reg.Rdx]);
        Assert.Equal(OF | SF | AF | PF | CF, m.Flags);
        var m2 = RunToEnd(a => { a.mov(dl, 0x80); a.clc(); a.dec(dl); a.int3(); });
        Assert.Equal(0x7FUL, m2.S[Reg.Rdx]);
        Assert.Equal(OF | AF, m2.Flags);
    }

    [Fact]
    public void Neg_of_zero_one_and_min()
    {
        var m = RunToEnd(a => { a.stc(); a.xor(eax, eax); a.neg(eax); a.int3(); });
        Assert.Equal(0UL, m.S.Rax);
        Assert.Equal(ZF | PF, m.Flags);
        m = RunToEnd(a => { a.mov(bl, 1); a.neg(bl); a.int3(); });
        Assert.Equal(0xFFUL, m.S[Reg.Rbx]);
        Assert.Equal(CF | SF | PF | AF, m.Flags);
        m = RunToEnd(a => { a.mov(bl, 0x80); a.neg(bl); a.int3(); });
        Assert.Equal(0x80UL, m.S[Reg.Rbx]);
        Assert.Equal(OF | CF | SF, m.Flags);
    }

    [Fact]
    public void Logic_ops_clear_CF_OF_AF()
    {
        var m = RunToEnd(a => { a.mov(eax, 0x8000_0000u); a.stc(); a.test(eax, eax); a.int3(); });
        Assert.Equal(SF | PF, m.Flags);
        m = RunToEnd(a => { a.mov(rax, -1L); a.stc(); a.xor(eax, eax); a.int3(); });
        Assert.Equal(0UL, m.S.Rax);
        Assert.Equal(ZF | PF, m.Flags);
        m = RunToEnd(a => { a.mov(rcx, 0x0F0F); a.or(cl, 0x70); a.and(cx, 0x0173); a.not(rcx); a.int3(); });
        Assert.Equal(~0x0173UL, m.S.Rcx); // cl = 0x0F | 0x70 → 0x0F7F; & 0x0173 → 0x0173; not
        Assert.Equal(0UL, m.Flags & (CF | OF | AF));
    }

    // ---------------------------------------------------------------- shifts and rotates

    [Fact]
    public void Shift_count_zero_changes_no_flags_but_zero_extends_32()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, -1L); a.mov(eax, 1); a.sub(eax, 2); // flags CF|PF|AF|SF
            a.mov(cl, 0); a.shl(eax, cl); a.shl(ebx, cl);
            a.mov(rdx, 5); a.mov(cl, 64); a.shl(rdx, cl);    // 64 & 0x3F = 0
            a.ror(eax, cl);                                   // 64 & 0x1F = 0
            a.int3();
        });
        Assert.Equal(0xFFFF_FFFFUL, m.S.Rax);
        Assert.Equal(0xFFFF_FFFFUL, m.S[Reg.Rbx]);
        Assert.Equal(5UL, m.S[Reg.Rdx]);
        Assert.Equal(CF | PF | AF | SF, m.Flags);
    }

    [Fact]
    public void Shl_by_one_sets_OF_to_msb_xor_cf()
    {
        var m = RunToEnd(a => { a.mov(al, 0xC0); a.shl(al, 1); a.int3(); });
        Assert.Equal(0x80UL, m.S.Rax);
        Assert.Equal(CF | SF, m.Flags);
        m = RunToEnd(a => { a.mov(bl, 0x40); a.shl(bl, 1); a.int3(); });
        Assert.Equal(OF | SF, m.Flags);
    }

    [Fact]
    public void Shr_and_sar_by_one()
    {
        var m = RunToEnd(a => { a.mov(al, 0x81); a.shr(al, 1); a.int3(); });
        Assert.Equal(0x40UL, m.S.Rax);
        Assert.Equal(OF | CF, m.Flags);
        m = RunToEnd(a => { a.mov(al, 0x81); a.sar(al, 1); a.int3(); });
        Assert.Equal(0xC0UL, m.S.Rax);
        Assert.Equal(CF | SF | PF, m.Flags);
    }

    [Fact]
    public void Shift_by_n_last_bit_out_and_count_masking()
    {
        var m = RunToEnd(a =>
        {
            a.mov(eax, 0x1000_0001); a.shl(eax, 4);                 // CF = bit 28
            a.setc(r8b);
            a.mov(rbx, 0x8000_0000_0000_0000UL); a.shr(rbx, 63);    // CF = bit 62 = 0
            a.setc(r9b);
            a.mov(rdx, -256L); a.sar(rdx, 4);                       // -16, CF = bit 3 = 0
            a.setc(r10b);
            a.mov(esi, 1); a.mov(cl, 33); a.shl(esi, cl);           // 33 & 0x1F = 1
            a.mov(edi, 1); a.shl(rdi, cl);                          // 33 & 0x3F = 33
            a.mov(r11b, 1); a.shl(r11b, cl);                        // 8-bit: masked to 5 bits = 1
            a.mov(r12, 0x8000_0000_0000_0001UL); a.sar(r12, 1);     // CF=1, OF=0
            a.int3();
        });
        Assert.Equal(0x10UL, m.S.Rax);
        Assert.Equal(1UL, m.S.R8 & 0xFF);
        Assert.Equal(1UL, m.S[Reg.Rbx]);
        Assert.Equal(0UL, m.S[Reg.R9] & 0xFF);
        Assert.Equal(unchecked((ulong)-16L), m.S[Reg.Rdx]);
        Assert.Equal(0UL, m.S[Reg.R10] & 0xFF);
        Assert.Equal(2UL, m.S.Rsi);
        Assert.Equal(1UL << 33, m.S.Rdi);
        Assert.Equal(0xC000_0000_0000_0000UL, m.S[Reg.R12]);
        Assert.Equal(CF | SF | PF, m.Flags); // PF of the low byte 0x00
    }

    [Fact]
    public void Shl_8bit_register_count_masking_keeps_upper_bits()
    {
        var m = RunToEnd(a => { a.mov(cl, 0x21); a.shl(ah, cl); a.int3(); }, s => s.Rax = 0x1234_0133);
        Assert.Equal(0x1234_0233UL, m.S.Rax);
    }

    [Fact]
    public void Rotates_set_only_CF_and_OF()
    {
        var m = RunToEnd(a => { a.xor(edx, edx); a.mov(al, 0x81); a.rol(al, 1); a.int3(); });
        Assert.Equal(0x03UL, m.S.Rax & 0xFF);
        Assert.Equal(OF | ZF | PF | CF, m.Flags); // ZF/PF from the xor survive
        m = RunToEnd(a => { a.mov(bl, 0x01); a.cmp(bl, 2); a.ror(bl, 1); a.int3(); }); // cmp: CF SF PF AF (0xFF)
        Assert.Equal(0x80UL, m.S[Reg.Rbx]);
        Assert.Equal(OF | CF | SF | PF | AF, m.Flags);
    }

    [Fact]
    public void Rotate_by_operand_size_and_wide_rotates()
    {
        var m = RunToEnd(a =>
        {
            a.mov(al, 0x81); a.clc(); a.mov(cl, 8); a.rol(al, cl); a.setc(r8b);   // value unchanged, CF = LSB
            a.mov(rbx, 0x8000_0000_0000_0001UL); a.rol(rbx, 4); a.setc(r9b);       // 0x18, CF = 0
            a.mov(dx, 0x1234); a.ror(dx, 4); a.setc(r10b);                         // 0x4123, CF = MSB = 0
            a.mov(esi, 1); a.ror(esi, 1); a.setc(r11b);                             // 0x80000000, CF = 1
            a.int3();
        });
        Assert.Equal(0x81UL, m.S.Rax & 0xFF);
        Assert.Equal(1UL, m.S.R8 & 0xFF);
        Assert.Equal(0x18UL, m.S[Reg.Rbx]);
        Assert.Equal(0UL, m.S[Reg.R9] & 0xFF);
        Assert.Equal(0x4123UL, m.S[Reg.Rdx] & 0xFFFF);
        Assert.Equal(0UL, m.S[Reg.R10] & 0xFF);
        Assert.Equal(0x8000_0000UL, m.S.Rsi);
        Assert.Equal(1UL, m.S.R11 & 0xFF);
    }

    [Fact]
    public void Shift_memory_operand()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.shl(__dword_ptr[rbx], 4);
            a.sar(__byte_ptr[rbx + 8], 1);
            a.mov(cl, 3); a.rol(__qword_ptr[rbx + 16], cl);
            a.int3();
        }, setup: mm => { mm.Bus.PokeU64(DataVa, 0x1_8000_0001); mm.Bus.PokeU64(DataVa + 8, 0x85); mm.Bus.PokeU64(DataVa + 16, 0xE000_0000_0000_0001); });
        Assert.Equal(0x1_0000_0010UL, m.Bus.U64(DataVa));
        Assert.Equal(0xC2UL, m.Bus.U64(DataVa + 8));
        Assert.Equal(0x0FUL, m.Bus.U64(DataVa + 16));
    }

    // ---------------------------------------------------------------- multiply and divide

    [Fact]
    public void Imul_truncation_sets_CF_OF()
    {
        var m = RunToEnd(a => { a.mov(eax, 0x10000); a.imul(eax, eax); a.int3(); }, s => s.Rax = 0xFFFF_FFFF_0000_0000);
        Assert.Equal(0UL, m.S.Rax);
        Assert.Equal(CF | OF, m.Flags & (CF | OF));
        m = RunToEnd(a => { a.mov(rbx, 7); a.imul(rcx, rbx, -3); a.int3(); });
        Assert.Equal(unchecked((ulong)-21L), m.S.Rcx);
        Assert.Equal(0UL, m.Flags & (CF | OF));
        m = RunToEnd(a => { a.mov(rax, 0x4000_0000_0000_0000L); a.imul(rax, rax, 4); a.int3(); });
        Assert.Equal(0UL, m.S.Rax);
        Assert.Equal(CF | OF, m.Flags & (CF | OF));
        m = RunToEnd(a => { a.mov(ax, 300); a.mov(bx, 300); a.imul(ax, bx); a.int3(); });
        Assert.Equal(0x5F90UL, m.S.Rax & 0xFFFF);
        Assert.Equal(CF | OF, m.Flags & (CF | OF));
        m = RunToEnd(a => { a.mov(ecx, -5); a.stc(); a.imul(eax, ecx, 7); a.imul(bx, cx, -3); a.int3(); });
        Assert.Equal(unchecked((ulong)(uint)-35), m.S.Rax);
        Assert.Equal(15UL, m.S[Reg.Rbx] & 0xFFFF);
        Assert.Equal(0UL, m.Flags & (CF | OF)); // negative products that fit: no overflow
    }

    [Fact]
    public void Imul_one_operand_forms()
    {
        var m = RunToEnd(a => { a.mov(rax, -2L); a.mov(rbx, 3); a.imul(rbx); a.int3(); });
        Assert.Equal(unchecked((ulong)-6L), m.S.Rax);
        Assert.Equal(ulong.MaxValue, m.S[Reg.Rdx]);
        Assert.Equal(0UL, m.Flags & (CF | OF));
        m = RunToEnd(a => { a.mov(al, 0x80); a.mov(bl, 2); a.imul(bl); a.int3(); }, s => s.Rax = 0x7777_0000);
        Assert.Equal(0x7777_FF00UL, m.S.Rax);
        Assert.Equal(CF | OF, m.Flags & (CF | OF));
        m = RunToEnd(a => { a.mov(rax, long.MinValue); a.mov(rcx, 2); a.imul(rcx); a.int3(); });
        Assert.Equal(0UL, m.S.Rax);
        Assert.Equal(ulong.MaxValue, m.S[Reg.Rdx]);
        Assert.Equal(CF | OF, m.Flags & (CF | OF));
    }

    [Fact]
    public void Mul_high_part()
    {
        var m = RunToEnd(a => { a.mov(rax, -1L); a.mov(rbx, 2); a.mul(rbx); a.int3(); });
        Assert.Equal(0xFFFF_FFFF_FFFF_FFFEUL, m.S.Rax);
        Assert.Equal(1UL, m.S[Reg.Rdx]);
        Assert.Equal(CF | OF, m.Flags & (CF | OF));
        m = RunToEnd(a => { a.mov(ecx, 4); a.mul(ecx); a.int3(); }, s => { s.Rax = 0xFFFF_FFFF_8000_0000; s[Reg.Rdx] = 0xDEAD_0000_0000_0000; });
        Assert.Equal(0UL, m.S.Rax);
        Assert.Equal(2UL, m.S[Reg.Rdx]);
        m = RunToEnd(a => { a.mov(al, 200); a.mov(bl, 2); a.mul(bl); a.int3(); });
        Assert.Equal(0x190UL, m.S.Rax);
        Assert.Equal(CF | OF, m.Flags & (CF | OF));
        m = RunToEnd(a => { a.mov(al, 3); a.mov(bl, 2); a.stc(); a.mul(bl); a.int3(); });
        Assert.Equal(6UL, m.S.Rax);
        Assert.Equal(0UL, m.Flags & (CF | OF));
    }

    [Fact]
    public void Div_and_idiv_results()
    {
        var m = RunToEnd(a => { a.xor(edx, edx); a.mov(eax, 100); a.mov(ecx, 7); a.div(ecx); a.int3(); });
        Assert.Equal(14UL, m.S.Rax);
        Assert.Equal(2UL, m.S[Reg.Rdx]);
        m = RunToEnd(a => { a.mov(rax, -100L); a.cqo(); a.mov(rbx, 7); a.idiv(rbx); a.int3(); });
        Assert.Equal(unchecked((ulong)-14L), m.S.Rax);
        Assert.Equal(unchecked((ulong)-2L), m.S[Reg.Rdx]);
        m = RunToEnd(a => { a.mov(rdx, 1); a.xor(eax, eax); a.mov(rbx, 2); a.div(rbx); a.int3(); });
        Assert.Equal(0x8000_0000_0000_0000UL, m.S.Rax);
        Assert.Equal(0UL, m.S[Reg.Rdx]);
        m = RunToEnd(a => { a.mov(ax, 263); a.mov(bl, 10); a.div(bl); a.int3(); }, s => s.Rax = 0x5555_0000);
        Assert.Equal(0x5555_031AUL, m.S.Rax); // AL = 26, AH = 3
        m = RunToEnd(a => { a.mov(ax, -7); a.mov(bl, 2); a.idiv(bl); a.int3(); });
        Assert.Equal(0xFFFDUL, m.S.Rax & 0xFFFF); // AL = -3, AH = -1
    }

    [Fact]
    public void Divide_by_zero_is_DE_at_the_instruction()
    {
        Label div = default;
        var m = Build(a => { a.mov(rax, 5); a.xor(ecx, ecx); div = a.CreateLabel(); a.Label(ref div); a.div(rcx); a.int3(); });
        var r = m.Run();
        AssertTrap(r, Vector.DivideError, 0);
        Assert.Equal(m.L(div), m.S.Rip);
        Assert.Equal(5UL, m.S.Rax);
        Assert.Equal(2, r.Retired);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Quotient_overflow_is_DE(int which)
    {
        Label div = default;
        var m = Build(a =>
        {
            switch (which)
            {
                case 0: a.mov(rax, long.MinValue); a.cqo(); a.mov(rbx, -1L); break;      // INT64_MIN / -1
                case 1: a.mov(eax, 0x8000_0000u); a.cdq(); a.mov(ebx, -1); break;        // INT32_MIN / -1
                case 2: a.mov(ax, 0x1000); a.mov(bl, 2); break;                           // 0x800 > 0xFF
                default: a.mov(rdx, 2); a.xor(eax, eax); a.mov(rbx, 2); break;           // 2^65 / 2
            }
            div = a.CreateLabel(); a.Label(ref div);
            switch (which)
            {
                case 0: a.idiv(rbx); break;
                case 1: a.idiv(ebx); break;
                case 2: a.div(bl); break;
                default: a.div(rbx); break;
            }
            a.int3();
        });
        var r = m.Run();
        AssertTrap(r, Vector.DivideError, 0);
        Assert.Equal(m.L(div), m.S.Rip);
        // The divide changed neither RAX nor RDX: running the setup alone gives the same values.
        var setupOnly = Build(a =>
        {
            switch (which)
            {
                case 0: a.mov(rax, long.MinValue); a.cqo(); a.mov(rbx, -1L); break;
                case 1: a.mov(eax, 0x8000_0000u); a.cdq(); a.mov(ebx, -1); break;
                case 2: a.mov(ax, 0x1000); a.mov(bl, 2); break;
                default: a.mov(rdx, 2); a.xor(eax, eax); a.mov(rbx, 2); break;
            }
            a.int3();
        });
        setupOnly.Run();
        Assert.Equal(setupOnly.S.Rax, m.S.Rax);
        Assert.Equal(setupOnly.S[Reg.Rdx], m.S[Reg.Rdx]);
    }

    // ---------------------------------------------------------------- registers and sizes

    [Fact]
    public void Partial_register_writes()
    {
        const ulong init = 0x1122_3344_5566_7788;
        var m = RunToEnd(a =>
        {
            a.mov(al, 0x99);
            a.mov(bh, 0xAA);
            a.mov(cx, 0xBBCC);
            a.mov(edx, 0xDDEE_FF00u);
            a.mov(sil, 0x12);          // REX byte register: low byte of RSI, not DH
            a.mov(r9b, 0x34);
            a.add(r10d, 0);            // 32-bit ALU write zero-extends
            a.mov(r11w, r10w);
            a.mov(ah, ch);             // high-byte to high-byte
            a.int3();
        }, s => { for (int k = 0; k < 16; k++) if (k != 4) s.R[k] = init; });
        Assert.Equal(0x1122_3344_5566_BB99UL, m.S.Rax);
        Assert.Equal(0x1122_3344_5566_AA88UL, m.S[Reg.Rbx]);
        Assert.Equal(0x1122_3344_5566_BBCCUL, m.S.Rcx);
        Assert.Equal(0x0000_0000_DDEE_FF00UL, m.S[Reg.Rdx]);
        Assert.Equal(0x1122_3344_5566_7712UL, m.S.Rsi);
        Assert.Equal(0x1122_3344_5566_7734UL, m.S[Reg.R9]);
        Assert.Equal(0x0000_0000_5566_7788UL, m.S[Reg.R10]);
        Assert.Equal(0x1122_3344_5566_7788UL, m.S.R11);
    }

    [Fact]
    public void Movzx_movsx_movsxd_and_accumulator_extensions()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.movzx(eax, __byte_ptr[rbx]);      // 0x80
            a.movsx(rcx, __word_ptr[rbx]);      // 0xFF80 → -128
            a.movsxd(rdx, __dword_ptr[rbx + 4]);
            a.movsx(esi, bl);                   // bl = 0 → 0, upper cleared
            a.movzx(di, bh);                    // keeps RDI[63:16]
            a.int3();
        }, s => { s.Rsi = ulong.MaxValue; s.Rdi = 0xAAAA_BBBB_CCCC_DDDD; },
        mm => mm.Bus.PokeU64(DataVa, 0x8000_0001_0000_FF80));
        Assert.Equal(0x80UL, m.S.Rax);
        Assert.Equal(unchecked((ulong)-128L), m.S.Rcx);
        Assert.Equal(0xFFFF_FFFF_8000_0001UL, m.S[Reg.Rdx]);
        Assert.Equal(0UL, m.S.Rsi);
        Assert.Equal(0xAAAA_BBBB_CCCC_0000UL, m.S.Rdi);

        m = RunToEnd(a =>
        {
            a.mov(al, 0x80); a.cbw(); a.mov(r8, rax);
            a.mov(ax, 0x8000); a.cwde(); a.mov(r9, rax);
            a.mov(eax, 0x8000_0000u); a.cdqe(); a.mov(r10, rax);
            a.mov(ax, 0x8000); a.cwd(); a.mov(r11, rdx);
            a.mov(eax, 0x8000_0000u); a.cdq(); a.mov(r12, rdx);
            a.mov(rax, 5); a.cqo(); a.mov(r13, rdx);
            a.int3();
        }, s => { s.Rax = 0x1234_5678_0000_0000; s[Reg.Rdx] = 0x9999_0000_0000_0000; });
        Assert.Equal(0x1234_5678_0000_FF80UL, m.S.R8);
        Assert.Equal(0xFFFF_8000UL, m.S[Reg.R9]);
        Assert.Equal(0xFFFF_FFFF_8000_0000UL, m.S[Reg.R10]);
        Assert.Equal(0x9999_0000_0000_FFFFUL, m.S.R11);
        Assert.Equal(0xFFFF_FFFFUL, m.S[Reg.R12]);
        Assert.Equal(0UL, m.S[Reg.R13]);
    }

    [Fact]
    public void Xchg_forms_and_lock_prefix()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rbx, DataVa);
            a.xchg(__qword_ptr[rbx], rcx);
            a.xchg(al, ah);
            a.xchg(esi, edi);
            a.@lock.add(__dword_ptr[rbx + 8], 5);
            a.int3();
        }, s => { s.Rcx = 0x1111; s.Rax = 0xABCD; s.Rsi = 0xFFFF_FFFF_0000_0001; s.Rdi = 0xEEEE_EEEE_0000_0002; },
        mm => { mm.Bus.PokeU64(DataVa, 0x2222); mm.Bus.PokeU64(DataVa + 8, 10); });
        Assert.Equal(0x2222UL, m.S.Rcx);
        Assert.Equal(0x1111UL, m.Bus.U64(DataVa));
        Assert.Equal(0xCDABUL, m.S.Rax);
        Assert.Equal(2UL, m.S.Rsi);
        Assert.Equal(1UL, m.S.Rdi);
        Assert.Equal(15UL, m.Bus.U64(DataVa + 8));
    }

    // ---------------------------------------------------------------- addressing

    [Fact]
    public void Addressing_modes_rip_relative_and_fs_gs()
    {
        Label konst = default;
        var m = RunToEnd(a =>
        {
            konst = a.CreateLabel();
            a.mov(rbx, DataVa); a.mov(rcx, 3);
            a.mov(rax, __qword_ptr[rbx + rcx * 8 + 0x10]);       // DataVa + 0x28
            a.mov(rdx, __qword_ptr[konst]);                        // RIP-relative
            a.lea(rsi, __[rbx + rcx * 4 + 7]);
            a.mov(r8, __qword_ptr.fs[rcx * 8]);                    // FsBase + 0x18
            a.mov(r9, 0x10); a.mov(__qword_ptr.gs[r9], rdx);     // GsBase + 0x10
            a.mov(r10, 0xFFFF_FFFF_0000_0000UL | DataVa);
            a.mov(r11d, __dword_ptr[r10d + 0x28]);                 // 0x67: address truncated to 32 bits
            a.lea(edi, __[r10 + 0x10]);                           // 32-bit lea truncates
            a.mov(r12, __qword_ptr[DataVa + 0x28]);               // absolute address
            a.int3();
            a.Label(ref konst);
            a.dq(0x0102_0304_0506_0708UL);
        }, s => { s.FsBase = DataVa + 0x100; s.GsBase = DataVa + 0x200; },
        mm => { mm.Bus.PokeU64(DataVa + 0x28, 0xCAFE_F00D); mm.Bus.PokeU64(DataVa + 0x118, 0xF5F5); });
        Assert.Equal(0xCAFE_F00DUL, m.S.Rax);
        Assert.Equal(0x0102_0304_0506_0708UL, m.S[Reg.Rdx]);
        Assert.Equal(DataVa + 12 + 7, m.S.Rsi);
        Assert.Equal(0xF5F5UL, m.S.R8);
        Assert.Equal(0x0102_0304_0506_0708UL, m.Bus.U64(DataVa + 0x210));
        Assert.Equal(0xCAFE_F00DUL, m.S.R11);
        Assert.Equal(DataVa + 0x10, m.S.Rdi);
        Assert.Equal(0xCAFE_F00DUL, m.S[Reg.R12]);
    }

    [Fact]
    public void Moffs_forms_with_64_bit_addresses()
    {
        const ulong hi = 0x1_0060_0000;
        var m = Build(a =>
        {
            a.mov(rax, __qword_ptr[DataVa + 0x28]);
            a.mov(__qword_ptr[hi + 8], rax);
            a.mov(al, __byte_ptr[hi + 0x10]);
            a.int3();
        });
        m.Bus.Map(hi, 4096, Rights.RW);
        m.Bus.PokeU64(DataVa + 0x28, 0x1122_3344_5566_7788);
        m.Bus.Poke(hi + 0x10, [0x99]);
        AssertEnd(m.Run());
        Assert.Equal(0x1122_3344_5566_7788UL, m.Bus.U64(hi + 8));
        Assert.Equal(0x1122_3344_5566_7799UL, m.S.Rax);
        // The assembler chose the accumulator/moffs encodings (A1, A3, A0 with a 64-bit address).
        var dec = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(m.Code));
        Assert.Equal([Code.Mov_RAX_moffs64, Code.Mov_moffs64_RAX, Code.Mov_AL_moffs8], new[] { dec.Decode().Code, dec.Decode().Code, dec.Decode().Code });
    }

    // ---------------------------------------------------------------- stack and control flow

    [Fact]
    public void Call_ret_push_pop()
    {
        Label f = default, g = default;
        var m = RunToEnd(a =>
        {
            f = a.CreateLabel(); g = a.CreateLabel();
            a.mov(rbx, 10);
            a.call(f);
            a.mov(r12, rax);
            a.push(1); a.push(2);
            a.call(g);                  // g: ret 16 pops both arguments
            a.mov(r13, rax);
            a.push(-1);
            a.pop(r14);
            a.push(0x1234_5678);
            a.pop(r15);
            a.mov(rcx, DataVa);
            a.push(__qword_ptr[rcx]);
            a.pop(__qword_ptr[rcx + 8]);
            a.push(rsp);
            a.pop(rdx);                 // the value pushed is RSP before the push
            a.int3();
            a.Label(ref f);
            a.push(rbp); a.mov(rbp, rsp); a.lea(rax, __[rbx * 2 + 1]); a.pop(rbp); a.ret();
            a.Label(ref g);
            a.mov(rax, __qword_ptr[rsp + 8]); a.add(rax, __qword_ptr[rsp + 16]); a.ret(16);
        }, setup: mm => mm.Bus.PokeU64(DataVa, 0xFEED));
        Assert.Equal(21UL, m.S[Reg.R12]);
        Assert.Equal(3UL, m.S[Reg.R13]);
        Assert.Equal(ulong.MaxValue, m.S[Reg.R14]);
        Assert.Equal(0x1234_5678UL, m.S[Reg.R15]);
        Assert.Equal(0xFEEDUL, m.Bus.U64(DataVa + 8));
        Assert.Equal(StackTop, m.S[Reg.Rdx]);
        Assert.Equal(StackTop, m.S.Rsp);
    }

    [Fact]
    public void Pop_rsp_and_rsp_based_pop_destination()
    {
        var m = RunToEnd(a =>
        {
            a.push(0x5000); a.pop(rsp); a.mov(rbx, rsp);      // RSP = popped value
            a.mov(rsp, StackTop - 64);
            a.push(0x77);
            a.pop(__qword_ptr[rsp]);                          // address computed after the increment: StackTop - 64
            a.mov(rcx, __qword_ptr[rsp]);
            a.push(ax); a.pop(dx);                            // 16-bit push/pop
            a.mov(rsi, rsp);
            a.int3();
        }, s => { s.Rax = 0xBEEF; s[Reg.Rdx] = 0x1111_2222_3333_4444; });
        Assert.Equal(0x5000UL, m.S[Reg.Rbx]);
        Assert.Equal(0x77UL, m.S.Rcx);
        Assert.Equal(0x1111_2222_3333_BEEFUL, m.S[Reg.Rdx]);
        Assert.Equal(StackTop - 64, m.S.Rsi);
    }

    [Fact]
    public void Indirect_jumps_and_calls()
    {
        Label t1 = default, t2 = default, t3 = default, fn = default;
        var m = RunToEnd(a =>
        {
            t1 = a.CreateLabel(); t2 = a.CreateLabel(); t3 = a.CreateLabel(); fn = a.CreateLabel();
            a.lea(rax, __[t1]); a.jmp(rax);
            a.ud2();
            a.Label(ref t1);
            a.lea(rax, __[t2]); a.mov(rbx, DataVa); a.mov(__qword_ptr[rbx], rax); a.jmp(__qword_ptr[rbx]);
            a.ud2();
            a.Label(ref t2);
            a.lea(rax, __[fn]); a.call(rax); a.mov(r8, rcx);
            a.mov(__qword_ptr[rbx + 8], rax); a.call(__qword_ptr[rbx + 8]); a.add(r8, rcx);
            a.jmp(t3);
            a.ud2();
            a.Label(ref fn);
            a.mov(rcx, __qword_ptr[rsp]); a.ret();
            a.Label(ref t3);
            a.int3();
        });
        Assert.Equal(StackTop, m.S.Rsp);
        // Both calls returned; r8 is the sum of the two return addresses, both inside the code.
        Assert.True(m.S.R8 > 2 * CodeVa && m.S.R8 < 2 * (CodeVa + (ulong)m.Code.Length));
    }

    private static readonly (ulong A, ulong B)[] Pairs =
    [
        (0, 0), (1, 2), (2, 1), (0x8000_0000_0000_0000, 1), (0x7FFF_FFFF_FFFF_FFFF, ulong.MaxValue), (ulong.MaxValue, ulong.MaxValue),
        (5, unchecked((ulong)-3L)), (0x80, 0x7F), (0x8000_0000, 0x7FFF_FFFF), (0x1234_5678_9ABC_DEF0, 0x1234_5678_9ABC_DEF0 + 0x80),
    ];

    /// <summary>The reference: flags of cmp/add/test at a size, straight from the definitions.</summary>
    private static ulong RefFlags(string op, ulong a, ulong b, int bits)
    {
        ulong m = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1, sign = 1UL << (bits - 1);
        a &= m; b &= m;
        ulong r, f = 0;
        switch (op)
        {
            case "cmp":
                r = (a - b) & m;
                if (a < b) f |= CF;
                if (((a ^ b) & (a ^ r) & sign) != 0) f |= OF;
                if (((a ^ b ^ r) & 0x10) != 0) f |= AF;
                break;
            case "add":
                r = (a + b) & m;
                if (bits == 64 ? r < a : (a + b) > m) f |= CF;
                if ((~(a ^ b) & (a ^ r) & sign) != 0) f |= OF;
                if (((a ^ b ^ r) & 0x10) != 0) f |= AF;
                break;
            default: r = a & b; break;
        }
        if (r == 0) f |= ZF;
        if ((r & sign) != 0) f |= SF;
        if (System.Numerics.BitOperations.PopCount(r & 0xFF) % 2 == 0) f |= PF;
        return f;
    }

    private static bool RefCond(int cc, ulong f)
    {
        bool c = (f & CF) != 0, z = (f & ZF) != 0, s = (f & SF) != 0, o = (f & OF) != 0, p = (f & PF) != 0;
        bool t = (cc >> 1) switch { 0 => o, 1 => c, 2 => z, 3 => c || z, 4 => s, 5 => p, 6 => s != o, _ => z || s != o };
        return (cc & 1) != 0 ? !t : t;
    }

    [Theory]
    [InlineData("cmp", 64)]
    [InlineData("cmp", 32)]
    [InlineData("cmp", 8)]
    [InlineData("add", 64)]
    [InlineData("add", 16)]
    [InlineData("test", 32)]
    public void Jcc_setcc_cmovcc_all_16_conditions(string op, int bits)
    {
        // Per pair: flags from `op`, then for each cc: setcc [rdi+cc]; jcc over an `or r9d, 1<<cc`; cmovcc r10 <- 1 into [rdi+16+cc].
        void SetFlags(Assembler a)
        {
            switch (op, bits)
            {
                case ("cmp", 64): a.cmp(rax, rbx); break;
                case ("cmp", 32): a.cmp(eax, ebx); break;
                case ("cmp", 8): a.cmp(al, bl); break;
                case ("add", 64): a.mov(r12, rax); a.add(r12, rbx); break;
                case ("add", 16): a.mov(r12, rax); a.add(r12w, bx); break;
                default: a.test(eax, ebx); break;
            }
        }
        foreach (var (va, vb) in Pairs)
        {
            var m = RunToEnd(a =>
            {
                a.mov(rdi, DataVa); a.xor(r9d, r9d);
                for (int cc = 0; cc < 16; cc++)
                {
                    var skip = a.CreateLabel();
                    SetFlags(a); SetCc(a, cc, __byte_ptr[rdi + cc]);
                    SetFlags(a); Jcc(a, cc, skip); a.or(r9d, 1 << cc); a.Label(ref skip);
                    a.mov(r10, 0); a.mov(r11, 1);
                    SetFlags(a); Cmov(a, cc, r10, r11); a.mov(__byte_ptr[rdi + 16 + cc], r10b);
                }
                a.int3();
            }, s => { s.Rax = va; s[Reg.Rbx] = vb; });
            ulong f = RefFlags(op, va, vb, bits);
            var set = m.Bus.Peek(DataVa, 32);
            for (int cc = 0; cc < 16; cc++)
            {
                bool want = RefCond(cc, f);
                Assert.True(want == (set[cc] == 1), $"setcc {cc} {op}{bits} 0x{va:x},0x{vb:x}");
                Assert.True(want == ((m.S[Reg.R9] >> cc & 1) == 0), $"jcc {cc} {op}{bits} 0x{va:x},0x{vb:x}");
                Assert.True(want == (set[16 + cc] == 1), $"cmovcc {cc} {op}{bits} 0x{va:x},0x{vb:x}");
            }
        }
    }

    private static void SetCc(Assembler a, int cc, AssemblerMemoryOperand m)
    {
        switch (cc)
        {
            case 0: a.seto(m); break; case 1: a.setno(m); break; case 2: a.setb(m); break; case 3: a.setae(m); break;
            case 4: a.sete(m); break; case 5: a.setne(m); break; case 6: a.setbe(m); break; case 7: a.seta(m); break;
            case 8: a.sets(m); break; case 9: a.setns(m); break; case 10: a.setp(m); break; case 11: a.setnp(m); break;
            case 12: a.setl(m); break; case 13: a.setge(m); break; case 14: a.setle(m); break; default: a.setg(m); break;
        }
    }

    private static void Jcc(Assembler a, int cc, Label l)
    {
        switch (cc)
        {
            case 0: a.jo(l); break; case 1: a.jno(l); break; case 2: a.jb(l); break; case 3: a.jae(l); break;
            case 4: a.je(l); break; case 5: a.jne(l); break; case 6: a.jbe(l); break; case 7: a.ja(l); break;
            case 8: a.js(l); break; case 9: a.jns(l); break; case 10: a.jp(l); break; case 11: a.jnp(l); break;
            case 12: a.jl(l); break; case 13: a.jge(l); break; case 14: a.jle(l); break; default: a.jg(l); break;
        }
    }

    private static void Cmov(Assembler a, int cc, AssemblerRegister64 d, AssemblerRegister64 s)
    {
        switch (cc)
        {
            case 0: a.cmovo(d, s); break; case 1: a.cmovno(d, s); break; case 2: a.cmovb(d, s); break; case 3: a.cmovae(d, s); break;
            case 4: a.cmove(d, s); break; case 5: a.cmovne(d, s); break; case 6: a.cmovbe(d, s); break; case 7: a.cmova(d, s); break;
            case 8: a.cmovs(d, s); break; case 9: a.cmovns(d, s); break; case 10: a.cmovp(d, s); break; case 11: a.cmovnp(d, s); break;
            case 12: a.cmovl(d, s); break; case 13: a.cmovge(d, s); break; case 14: a.cmovle(d, s); break; default: a.cmovg(d, s); break;
        }
    }

    [Fact]
    public void Conditions_after_inc_dec_neg_shift_and_adc()
    {
        var m = RunToEnd(a =>
        {
            a.mov(eax, 0x7FFF_FFFF); a.inc(eax); a.seto(r8b); a.setl(r9b);     // OF=1 SF=1 → not less
            a.mov(cl, 0); a.dec(cl); a.sets(r10b); a.setc(r11b);                // CF kept from inc: 0
            a.mov(bl, 0x80); a.shl(bl, 1); a.setc(r12b); a.setz(r13b);          // CF=1 ZF=1
            a.stc(); a.mov(dl, 0xFE); a.adc(dl, 1); a.setz(r14b); a.setc(r15b); // 0xFE+1+1 = 0x100: ZF CF
            a.int3();
        });
        Assert.Equal(1UL, m.S.R8 & 0xFF);
        Assert.Equal(0UL, m.S[Reg.R9] & 0xFF);
        Assert.Equal(1UL, m.S[Reg.R10] & 0xFF);
        Assert.Equal(0UL, m.S.R11 & 0xFF);
        Assert.Equal(1UL, m.S[Reg.R12] & 0xFF);
        Assert.Equal(1UL, m.S[Reg.R13] & 0xFF);
        Assert.Equal(1UL, m.S[Reg.R14] & 0xFF);
        Assert.Equal(1UL, m.S[Reg.R15] & 0xFF);
    }

    [Fact]
    public void Cmov_false_32bit_still_zero_extends_and_setcc_register()
    {
        var m = RunToEnd(a => { a.mov(rax, -1L); a.xor(ecx, ecx); a.cmovne(eax, ecx); a.sete(bh); a.int3(); },
            s => s[Reg.Rbx] = 0x1111);
        Assert.Equal(0xFFFF_FFFFUL, m.S.Rax);
        Assert.Equal(0x0111UL, m.S[Reg.Rbx]);
    }

    // ---------------------------------------------------------------- string instructions

    [Fact]
    public void Rep_movsb_forward_and_backward()
    {
        var src = Enumerable.Range(0, 100).Select(k => (byte)(k * 7 + 1)).ToArray();
        var m = RunToEnd(a =>
        {
            a.mov(rsi, DataVa); a.mov(rdi, DataVa + 0x1000); a.mov(ecx, 100); a.rep.movsb();
            a.mov(r8, rsi); a.mov(r9, rdi); a.mov(r10, rcx);
            a.std();
            a.mov(rsi, DataVa + 99); a.mov(rdi, DataVa + 0x1800 + 99); a.mov(ecx, 100); a.rep.movsb();
            a.cld();
            a.int3();
        }, setup: mm => mm.Bus.Poke(DataVa, src));
        Assert.Equal(src, m.Bus.Peek(DataVa + 0x1000, 100));
        Assert.Equal(DataVa + 100, m.S.R8);
        Assert.Equal(DataVa + 0x1000 + 100, m.S[Reg.R9]);
        Assert.Equal(0UL, m.S[Reg.R10]);
        Assert.Equal(src, m.Bus.Peek(DataVa + 0x1800, 100));
        Assert.Equal(DataVa - 1, m.S.Rsi);
        Assert.Equal(DataVa + 0x1800 - 1, m.S.Rdi);
        Assert.Equal(0UL, m.S.Rcx);
        Assert.Equal(0UL, m.S.Rflags & DF);
    }

    [Fact]
    public void Rep_stosq_forward_and_backward_with_DF_from_state()
    {
        const ulong pat = 0x0102_0304_0506_0708;
        var m = RunToEnd(a =>
        {
            a.mov(rax, pat); a.mov(rdi, DataVa + 0x100); a.mov(ecx, 5); a.rep.stosq();
            a.int3();
        });
        for (ulong k = 0; k < 5; k++) Assert.Equal(pat, m.Bus.U64(DataVa + 0x100 + 8 * k));
        Assert.Equal(0UL, m.Bus.U64(DataVa + 0x100 + 40));
        Assert.Equal(DataVa + 0x100 + 40, m.S.Rdi);
        Assert.Equal(0UL, m.S.Rcx);

        m = RunToEnd(a => { a.mov(rax, pat); a.mov(rdi, DataVa + 0x200 + 32); a.mov(ecx, 5); a.rep.stosq(); a.int3(); },
            s => s.Rflags |= DF);
        for (ulong k = 0; k < 5; k++) Assert.Equal(pat, m.Bus.U64(DataVa + 0x200 + 8 * k));
        Assert.Equal(0UL, m.Bus.U64(DataVa + 0x200 - 8));
        Assert.Equal(DataVa + 0x200 - 8, m.S.Rdi);
        Assert.Equal(DF, m.S.Rflags & DF);
    }

    [Fact]
    public void String_instructions_without_rep_and_across_pages()
    {
        var big = Enumerable.Range(0, 0x1000).Select(k => (byte)(k ^ (k >> 8))).ToArray();
        var m = RunToEnd(a =>
        {
            a.mov(rsi, DataVa + 0x10); a.mov(rdi, DataVa + 0x20); a.mov(ecx, 7);
            a.movsq(); a.movsw(); a.movsd(); a.mov(al, 0x5A); a.stosb(); a.stosw();
            a.mov(r8, rsi); a.mov(r9, rdi); a.mov(r10, rcx);
            a.int3();
        }, setup: mm => { mm.Bus.PokeU64(DataVa + 0x10, 0x1111_2222_3333_4444); mm.Bus.PokeU64(DataVa + 0x18, 0xAAAA_BBBB_CCCC_DDDD); });
        Assert.Equal(0x1111_2222_3333_4444UL, m.Bus.U64(DataVa + 0x20));
        Assert.Equal(0xBBBB_CCCC_DDDDUL, m.Bus.U64(DataVa + 0x28) & 0xFFFF_FFFF_FFFF);
        Assert.Equal(new byte[] { 0x5A, 0x5A, 0x00 }, m.Bus.Peek(DataVa + 0x2E, 3)); // AX = 0x005A
        Assert.Equal(DataVa + 0x10 + 14, m.S.R8);
        Assert.Equal(DataVa + 0x20 + 17, m.S[Reg.R9]);
        Assert.Equal(7UL, m.S[Reg.R10]);

        // 0x1000 bytes from a page-straddling source to a page-straddling destination, in dword elements.
        var m2 = Build(a => { a.mov(rsi, DataVa + 0x0F01); a.mov(rdi, DataVa + 0x1F03); a.mov(ecx, 0x400); a.rep.movsd(); a.int3(); });
        m2.Bus.Poke(DataVa + 0x0F01, big.AsSpan(0, 0x1000));
        AssertEnd(m2.Run());
        Assert.Equal(big.AsSpan(0, 0x1000).ToArray(), m2.Bus.Peek(DataVa + 0x1F03, 0x1000));
        Assert.Equal(DataVa + 0x1F01, m2.S.Rsi);
        Assert.Equal(DataVa + 0x2F03, m2.S.Rdi);
    }

    [Fact]
    public void Overlapping_forward_rep_movsb_replicates_like_byte_by_byte()
    {
        var m = RunToEnd(a => { a.mov(rsi, DataVa); a.mov(rdi, DataVa + 1); a.mov(ecx, 9); a.rep.movsb(); a.int3(); },
            setup: mm => mm.Bus.Poke(DataVa, [0xAB, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
        Assert.Equal(new byte[] { 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 10 }, m.Bus.Peek(DataVa, 11));
    }

    [Fact]
    public void Fault_in_the_middle_of_rep_movsb_keeps_completed_iterations()
    {
        Label rep = default;
        var m = Build(a =>
        {
            a.mov(rsi, DataVa + 3 * 4096 - 16); a.mov(rdi, DataVa); a.mov(ecx, 40);
            rep = a.CreateLabel(); a.Label(ref rep);
            a.rep.movsb();
            a.int3();
        });
        m.Bus.Poke(DataVa + 3 * 4096 - 16, Enumerable.Range(1, 16).Select(k => (byte)k).ToArray());
        var r = m.Run();
        AssertTrap(r, Vector.PageFault, (ulong)PfErr.User, DataVa + 3 * 4096);
        Assert.Equal(m.L(rep), m.S.Rip);
        Assert.Equal(24UL, m.S.Rcx);
        Assert.Equal(DataVa + 3 * 4096, m.S.Rsi);
        Assert.Equal(DataVa + 16, m.S.Rdi);
        Assert.Equal(Enumerable.Range(1, 16).Select(k => (byte)k).ToArray(), m.Bus.Peek(DataVa, 16));
        Assert.Equal(3, r.Retired);

        // Map the missing page: re-executing the same instruction finishes the copy.
        m.Bus.Map(DataVa + 3 * 4096, 4096, Rights.RW);
        AssertEnd(m.Run());
        Assert.Equal(0UL, m.S.Rcx);
        Assert.Equal(DataVa + 40, m.S.Rdi);
    }

    [Fact]
    public void Fault_on_the_destination_of_rep_stosb_reports_write_error()
    {
        var m = Build(a => { a.mov(rdi, DataVa + 2 * 4096 - 8); a.mov(ecx, 20); a.mov(al, 0xEE); a.rep.stosb(); a.int3(); });
        m.Bus.Map(DataVa + 2 * 4096, 4096, Rights.RO);
        var r = m.Run();
        AssertTrap(r, Vector.PageFault, (ulong)(PfErr.Present | PfErr.Write | PfErr.User), DataVa + 2 * 4096);
        Assert.Equal(12UL, m.S.Rcx);
        Assert.Equal(DataVa + 2 * 4096, m.S.Rdi);
    }

    // ---------------------------------------------------------------- traps and stops

    [Fact]
    public void Int3_is_a_trap_with_rip_after()
    {
        Label after = default;
        var m = Build(a => { a.nop(); a.int3(); after = a.CreateLabel(); a.Label(ref after); a.nop(); a.int3(); });
        var r = m.Run();
        AssertTrap(r, Vector.Breakpoint, 0);
        Assert.Equal(m.L(after), m.S.Rip);
        Assert.Equal(2, r.Retired);
        AssertEnd(m.Run()); // resumes after it
    }

    [Fact]
    public void Ud2_is_UD_at_the_instruction()
    {
        var m = Build(a => { a.nop(); a.ud2(); });
        var r = m.Run();
        AssertTrap(r, Vector.InvalidOpcode, 0);
        Assert.Equal(CodeVa + 1, m.S.Rip);
        Assert.Equal(1, r.Retired);
    }

    [Fact]
    public void Int_0x80_is_GP_with_the_gate_selector_error_code()
    {
        var m = Build(a => { a.mov(eax, 1); a.@int(0x80); });
        var r = m.Run();
        AssertTrap(r, Vector.GeneralProtection, 0x80 * 8 + 2);
        Assert.Equal(0x402UL, r.Trap.ErrorCode);
        Assert.Equal(CodeVa + 5, m.S.Rip);
        Assert.Equal(1, r.Retired);
    }

    [Fact]
    public void Hlt_cli_and_mov_cr_are_GP0_at_cpl3()
    {
        foreach (var body in new Action<Assembler>[] { a => a.hlt(), a => a.cli(), a => a.mov(cr3, rax), a => a.wrmsr(), a => a.@out(dx, al) })
        {
            var m = Build(body);
            var r = m.Run();
            AssertTrap(r, Vector.GeneralProtection, 0);
            Assert.Equal(CodeVa, m.S.Rip);
            Assert.Equal(0, r.Retired);
        }
    }

    [Fact]
    public void Syscall_saves_rip_and_rflags()
    {
        Label after = default;
        var m = Build(a => { a.stc(); a.mov(eax, 60); a.syscall(); after = a.CreateLabel(); a.Label(ref after); a.nop(); });
        var r = m.Run();
        Assert.Equal(StopKind.Syscall, r.Kind);
        Assert.Equal(3, r.Retired);
        Assert.Equal(m.L(after), m.S.Rip);
        Assert.Equal(m.L(after), m.S.Rcx);
        Assert.Equal(0x203UL, m.S.R11);
        Assert.Equal(60UL, m.S.Rax);
    }

    [Fact]
    public void Unsupported_instruction_is_UD_with_its_name()
    {
        var m = Build(a => { a.pshufb(xmm0, xmm1); });       // SSSE3: absent from the captured CPUID
        var r = m.Run();
        AssertTrap(r, Vector.InvalidOpcode, 0);
        Assert.Equal(CodeVa, m.S.Rip);
        Assert.NotNull(r.Detail);
        Assert.Contains("pshufb", r.Detail);
        Assert.Contains("Pshufb", r.Detail);
        Assert.Contains("0x401000", r.Detail);
        Assert.Contains("rdtscp", Build(a => a.rdtscp()).Run().Detail);
    }

    [Fact]
    public void Budget_exhaustion_stops_before_the_next_instruction()
    {
        Label fourth = default;
        var m = Build(a =>
        {
            for (int k = 0; k < 5; k++)
            {
                if (k == 3) { fourth = a.CreateLabel(); a.Label(ref fourth); }
                a.inc(rax);
            }
            a.int3();
        });
        var r = m.Run(3);
        Assert.Equal(StopKind.Budget, r.Kind);
        Assert.Equal(3, r.Retired);
        Assert.Equal(m.L(fourth), m.S.Rip);
        Assert.Equal(3UL, m.S.Rax);
        r = m.Run(0);
        Assert.Equal(new StopReason(StopKind.Budget, default, 0), r);
        r = m.Run(100);
        AssertEnd(r);
        Assert.Equal(3, r.Retired);
        Assert.Equal(5UL, m.S.Rax);
    }

    // ---------------------------------------------------------------- memory faults

    [Fact]
    public void Page_fault_on_a_data_read()
    {
        Label load = default;
        var m = Build(a => { a.mov(rbx, 0x900000); load = a.CreateLabel(); a.Label(ref load); a.mov(rax, __qword_ptr[rbx + 8]); a.int3(); }, init: s => s.Rax = 0x42);
        var r = m.Run();
        AssertTrap(r, Vector.PageFault, (ulong)PfErr.User, 0x900008);
        Assert.Equal(m.L(load), m.S.Rip);
        Assert.Equal(0x42UL, m.S.Rax);
        Assert.Equal(1, r.Retired);
    }

    [Fact]
    public void Page_fault_on_a_read_crossing_into_an_unmapped_page()
    {
        var m = Build(a => { a.mov(rax, __qword_ptr[DataVa + 3 * 4096 - 4]); a.int3(); });
        AssertTrap(m.Run(), Vector.PageFault, (ulong)PfErr.User, DataVa + 3 * 4096);
    }

    [Fact]
    public void Page_fault_on_a_write_to_a_read_only_page_changes_nothing()
    {
        var m = Build(a =>
        {
            a.mov(rbx, 0x700000);
            a.mov(rax, -1L); a.add(rax, 1);   // flags CF PF AF ZF
            a.add(__qword_ptr[rbx + 0x10], 1);
            a.int3();
        });
        m.Bus.Map(0x700000, 4096, Rights.RW);
        m.Bus.PokeU64(0x700010, 41);
        m.Bus.Map(0x700000, 4096, Rights.RO);
        var r = m.Run();
        AssertTrap(r, Vector.PageFault, (ulong)(PfErr.Present | PfErr.Write | PfErr.User), 0x700010);
        Assert.Equal(41UL, m.Bus.U64(0x700010));
        Assert.Equal(CF | PF | AF | ZF, m.Flags);
        var m2 = Build(a => { a.mov(__dword_ptr[0x700004], eax); a.int3(); });
        m2.Bus.Map(0x700000, 4096, Rights.RO);
        AssertTrap(m2.Run(), Vector.PageFault, 7, 0x700004);
    }

    [Fact]
    public void Page_fault_on_a_supervisor_page_read()
    {
        var m = Build(a => { a.mov(eax, __dword_ptr[0x700000]); a.int3(); });
        m.Bus.Map(0x700000, 4096, Rights.Write); // present, not user
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.Present | PfErr.User), 0x700000);
    }

    [Fact]
    public void Page_fault_on_a_fetch_from_an_NX_page()
    {
        var m = Build(a => { a.mov(rax, 0x500010); a.jmp(rax); });
        m.Bus.Map(0x500000, 4096, Rights.RW);
        var r = m.Run();
        AssertTrap(r, Vector.PageFault, (ulong)(PfErr.Present | PfErr.User | PfErr.InstrFetch), 0x500010);
        Assert.Equal(0x500010UL, m.S.Rip);
        Assert.Equal(2, r.Retired);
    }

    [Fact]
    public void Instruction_straddling_into_an_unmapped_page()
    {
        const ulong at = 0x402000 - 4; // mov rax, imm64 is 10 bytes: 4 here, 6 on the next page
        var code = Assemble(a => { a.mov(rax, 0x1122_3344_5566_7788L); a.mov(rbx, rax); a.int3(); }, at, out _);
        Assert.Equal(0x48, code[0]);
        var m = new Machine();
        m.Bus.Map(0x401000, 4096, Rights.RWX);
        m.Bus.Poke(at, code.AsSpan(0, 4));
        m.S.Rip = at;
        var r = m.Run();
        AssertTrap(r, Vector.PageFault, (ulong)(PfErr.User | PfErr.InstrFetch), 0x402000);
        Assert.Equal(at, m.S.Rip);
        Assert.Equal(0, r.Retired);

        m.Bus.Map(0x402000, 4096, Rights.RW); // present but NX
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.Present | PfErr.User | PfErr.InstrFetch), 0x402000);

        m.Bus.Map(0x402000, 4096, Rights.RWX);
        m.Bus.Poke(0x402000, code.AsSpan(4));
        r = m.Run();
        AssertEnd(r);
        Assert.Equal(0x1122_3344_5566_7788UL, m.S[Reg.Rbx]);
        Assert.Equal(3, r.Retired);
    }

    [Fact]
    public void Non_canonical_addresses_are_GP0()
    {
        var m = Build(a => { a.mov(rbx, 0x0000_8000_0000_0000UL); a.mov(rax, __qword_ptr[rbx]); a.int3(); });
        var r = m.Run();
        AssertTrap(r, Vector.GeneralProtection, 0);
        Assert.Equal(CodeVa + 10, m.S.Rip);

        m = Build(a => { a.mov(rbx, 0xFFFF_7000_0000_0000UL); a.jmp(rbx); });
        r = m.Run();
        AssertTrap(r, Vector.GeneralProtection, 0);
        Assert.Equal(CodeVa + 10, m.S.Rip); // at the jmp, not at the target
        Assert.Contains("non-canonical", r.Detail);

        m = Build(a => { a.mov(rbx, 0x0000_8000_0000_0000UL); a.push(rbx); a.ret(); });
        r = m.Run();
        AssertTrap(r, Vector.GeneralProtection, 0);
        Assert.Equal(StackTop - 8, m.S.Rsp); // ret popped nothing
    }

    [Fact]
    public void Push_and_call_to_an_unmapped_stack_change_nothing()
    {
        var m = Build(a => { a.push(rax); a.int3(); }, init: s => s.Rsp = 0x900000);
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.Write | PfErr.User), 0x8FFFF8);
        Assert.Equal(0x900000UL, m.S.Rsp);
        Assert.Equal(CodeVa, m.S.Rip);
        Label f = default;
        m = Build(a => { f = a.CreateLabel(); a.call(f); a.Label(ref f); a.int3(); }, init: s => s.Rsp = 0x900000);
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.Write | PfErr.User), 0x8FFFF8);
        Assert.Equal(CodeVa, m.S.Rip);
    }

    // ---------------------------------------------------------------- code cache

    [Fact]
    public void Self_modifying_code_runs_the_new_instruction()
    {
        Label patch = default, done = default;
        var m = Build(a =>
        {
            patch = a.CreateLabel(); done = a.CreateLabel();
            a.xor(ecx, ecx);
            a.lea(rbx, __[patch]);
            a.Label(ref patch);
            a.mov(eax, 1);                       // B8 imm32: the immediate is at patch+1
            a.add(ecx, eax);
            a.cmp(__dword_ptr[rbx + 1], 5);
            a.je(done);
            a.mov(__dword_ptr[rbx + 1], 5);      // rewrite an instruction that has already run (and is cached)
            a.jmp(patch);
            a.Label(ref done);
            a.int3();
        }, code: Rights.RWX);
        AssertEnd(m.Run());
        Assert.Equal(6UL, m.S.Rcx);

        // The very next instruction after a store is refetched too.
        Label next = default;
        m = Build(a =>
        {
            next = a.CreateLabel();
            a.lea(rbx, __[next]);
            a.mov(__byte_ptr[rbx + 1], 9);       // next: mov eax, 1 → mov eax, 9
            a.Label(ref next);
            a.mov(eax, 1);
            a.int3();
        }, code: Rights.RWX);
        AssertEnd(m.Run());
        Assert.Equal(9UL, m.S.Rax);
    }

    [Fact]
    public void Code_changed_between_runs_is_refetched()
    {
        var m = Build(a => { a.mov(eax, 1); a.int3(); });
        m.Run();
        Assert.Equal(1UL, m.S.Rax);
        var code2 = Assemble(a => { a.mov(eax, 2); a.int3(); }, CodeVa, out _);
        m.Bus.Map(CodeVa, 4096, Rights.RWX);
        m.Bus.Poke(CodeVa, code2);
        m.S.Rip = CodeVa;
        m.Run();
        Assert.Equal(2UL, m.S.Rax);
        m.Bus.Unmap(CodeVa);
        m.S.Rip = CodeVa;
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.InstrFetch), CodeVa);
    }

    [Fact]
    public void One_cpu_keeps_separate_caches_per_bus()
    {
        var cpu = new Cpu();
        var m1 = Build(a => { a.mov(eax, 1); a.int3(); });
        var m2 = Build(a => { a.mov(eax, 2); a.int3(); });
        AssertEnd(cpu.Run(m1.S, m1.Bus, 10));
        AssertEnd(cpu.Run(m2.S, m2.Bus, 10));
        Assert.Equal(1UL, m1.S.Rax);
        Assert.Equal(2UL, m2.S.Rax);
    }

    [Fact]
    public void Cached_page_costs_no_refetch_while_its_version_is_unchanged()
    {
        var m = Build(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 1000);
            a.Label(ref top);
            a.add(rax, rcx);
            a.dec(ecx);
            a.jnz(top);
            a.int3();
        });
        AssertEnd(m.Run());
        Assert.Equal(500500UL, m.S.Rax);
        Assert.True(m.Bus.Reads <= 2, $"{m.Bus.Reads} bus reads for a cached loop");
    }

    // ---------------------------------------------------------------- a small real program

    [Fact]
    public void Strlen_memcpy_checksum_program()
    {
        var text = "The quick brown fox jumps over the lazy dog; Fiasco.OC on x86-64."u8.ToArray();
        Label strlen = default, memcpy = default, sum = default;
        var m = Build(a =>
        {
            strlen = a.CreateLabel(); memcpy = a.CreateLabel(); sum = a.CreateLabel();
            a.mov(rdi, DataVa);             // src string
            a.call(strlen);                 // rax = length
            a.mov(r12, rax);
            a.mov(rdi, DataVa + 0x1000);    // dst
            a.mov(rsi, DataVa);
            a.lea(rdx, __[rax + 1]);
            a.call(memcpy);
            a.mov(rdi, DataVa + 0x1000);
            a.mov(rsi, r12);
            a.call(sum);
            a.int3();

            // size_t strlen(const char *rdi)
            a.Label(ref strlen);
            var loop = a.CreateLabel(); var end = a.CreateLabel();
            a.xor(eax, eax);
            a.Label(ref loop);
            a.cmp(__byte_ptr[rdi + rax], 0);
            a.je(end);
            a.inc(rax);
            a.jmp(loop);
            a.Label(ref end);
            a.ret();

            // void *memcpy(rdi, rsi, rdx)
            a.Label(ref memcpy);
            a.mov(rax, rdi); a.mov(rcx, rdx); a.rep.movsb(); a.ret();

            // Pad so that the checksum routine sits in the next code page: calls cross pages.
            a.db(new byte[4096]);

            // uint64 sum(rdi = buf, rsi = len): h = h*31 + b, rotated
            a.Label(ref sum);
            var l2 = a.CreateLabel(); var e2 = a.CreateLabel();
            a.xor(eax, eax); a.xor(ecx, ecx);
            a.Label(ref l2);
            a.cmp(rcx, rsi); a.jae(e2);
            a.movzx(edx, __byte_ptr[rdi + rcx]);
            a.imul(rax, rax, 31);
            a.add(rax, rdx);
            a.rol(rax, 3);
            a.inc(rcx);
            a.jmp(l2);
            a.Label(ref e2);
            a.ret();
        });
        m.Bus.Poke(DataVa, [.. text, 0]);
        var r = m.Run();
        AssertEnd(r);
        ulong h = 0;
        foreach (byte b in text) h = ulong.RotateLeft(h * 31 + b, 3);
        Assert.Equal((ulong)text.Length, m.S[Reg.R12]);
        Assert.Equal([.. text, 0], m.Bus.Peek(DataVa + 0x1000, text.Length + 1));
        Assert.Equal(h, m.S.Rax);
        Assert.Equal(StackTop, m.S.Rsp);
    }

    [Fact]
    public void Supported_list_names_the_subset()
    {
        foreach (var name in new[] { "mov", "rep movsb", "imul", "syscall", "cmovg", "setb", "jle", "ror", "cqo", "endbr64" })
            Assert.Contains(name.Replace("rep ", ""), InstructionSet.Supported);
        Assert.Contains("hlt", InstructionSet.Privileged);
        Assert.DoesNotContain("popcnt", InstructionSet.Supported);
        // Every documented name is an Iced mnemonic (a differential tester reads the list), none listed twice.
        foreach (var name in InstructionSet.Supported.Concat(InstructionSet.AbsentOnCapturedCpu))
            Assert.True(Enum.TryParse<Mnemonic>(name, ignoreCase: true, out _), name);
        Assert.Equal(InstructionSet.Supported.Count, InstructionSet.Supported.Distinct().Count());
        Assert.Empty(InstructionSet.Supported.Intersect(InstructionSet.AbsentOnCapturedCpu));
    }
}
