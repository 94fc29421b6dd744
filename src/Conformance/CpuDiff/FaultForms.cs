using Iced.Intel;
using L4Conf.Model.Machine;
using static Iced.Intel.AssemblerRegisters;
using static L4Conf.Conformance.CpuDiff.CaseLayout;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// One form per fault kind, so every kind is in every run whatever the random draws: #PF read/write/fetch, not
/// present and protection, across a page boundary, in the kernel half; #GP for non-canonical data and branch
/// targets; #SS for non-canonical stack references; #DE; #UD; #BP; #DB (int1); #GP(n*8+2) for int n; #GP(0) for
/// privileged instructions. Each is the faulting code then int3, on the standard layout.
/// </summary>
public static class FaultForms
{
    private static CaseGenerator.Form F(string id, string mnemonic, Action<Assembler, Random> code, Action<ulong[], Random>? regs = null, byte[]? raw = null) =>
        new("fault:" + id, mnemonic, Iced.Intel.Code.INVALID, false, rng => Make("fault:" + id, mnemonic, rng, code, regs, raw));

    public static IEnumerable<CaseGenerator.Form> All(CaseGenerator _) =>
    [
        F("pf-read-not-present", "mov", (a, r) => a.mov(rax, __qword_ptr[rbx]), (g, r) => g[3] = Unmapped + (ulong)r.Next(0, 4088)),
        F("pf-write-not-present", "mov", (a, r) => a.mov(__dword_ptr[rbx], eax), (g, r) => g[3] = Unmapped + (ulong)r.Next(0, 4088)),
        F("pf-write-protection", "mov", (a, r) => a.mov(__byte_ptr[rbx], al), (g, r) => g[3] = ReadOnly + (ulong)r.Next(0, 4096)),
        F("pf-write-code-page", "add", (a, r) => a.add(__qword_ptr[rbx], rax), (g, r) => g[3] = CodePage + (ulong)r.Next(0, 4088)),
        F("pf-fetch-not-present", "jmp", (a, r) => a.jmp(rbx), (g, r) => g[3] = Unmapped + (ulong)r.Next(0, 4096)),
        F("pf-fetch-nx", "call", (a, r) => a.call(rbx), (g, r) => g[3] = Data0 + (ulong)r.Next(0, 4096)),
        F("pf-read-crossing", "mov", (a, r) => a.mov(rax, __qword_ptr[rbx]), (g, r) => g[3] = Unmapped - (ulong)r.Next(1, 8)),
        F("pf-write-crossing-into-read-only", "mov", (a, r) => a.mov(__qword_ptr[rbx], rax), (g, r) => g[3] = ReadOnly - (ulong)r.Next(1, 8)),
        F("pf-read-kernel-half", "mov", (a, r) => a.mov(rax, __qword_ptr[rbx]), (g, r) => g[3] = KernelHalf + (ulong)r.Next(0, 1 << 20) * 8),
        F("pf-stack-push", "push", (a, r) => a.push(rax), (g, r) => g[4] = Unmapped + 8 * (ulong)r.Next(0, 512)),
        F("gp-noncanonical-read", "mov", (a, r) => a.mov(rax, __qword_ptr[rbx]), (g, r) => g[3] = NonCanonical + (ulong)r.Next(0, 4096)),
        F("gp-noncanonical-write", "mov", (a, r) => a.mov(__word_ptr[rsi + 0x10], ax), (g, r) => g[6] = 0xFFFF_0000_0000_0000 - (ulong)r.Next(0, 4096)),
        F("gp-noncanonical-last-byte", "mov", (a, r) => a.mov(rax, __qword_ptr[rbx]), (g, r) => g[3] = NonCanonical - (ulong)r.Next(1, 8)),
        F("gp-noncanonical-jmp", "jmp", (a, r) => a.jmp(rbx), (g, r) => g[3] = NonCanonical + (ulong)r.Next(0, 1 << 30)),
        F("gp-noncanonical-ret", "ret", (a, r) => a.ret(), (g, r) => g[4] = StackPointer),
        F("gp-noncanonical-fs", "mov", (a, r) => a.mov(rax, __qword_ptr.fs[rbp]), (g, r) => g[5] = NonCanonical),
        F("ss-push", "push", (a, r) => a.push(rax), (g, r) => g[4] = NonCanonical + 8 * (ulong)r.Next(1, 64)),
        F("ss-pop", "pop", (a, r) => a.pop(rbx), (g, r) => g[4] = NonCanonical + 8 * (ulong)r.Next(0, 64)),
        F("ss-call", "call", (a, r) => a.call(Rip + 0x40), (g, r) => g[4] = NonCanonical + 8),
        F("ss-rbp-based", "mov", (a, r) => a.mov(rax, __qword_ptr[rbp + rcx * 2 + 8]), (g, r) => { g[5] = NonCanonical; g[1] = (ulong)r.Next(0, 64); }),
        F("ss-rsp-based", "add", (a, r) => a.add(__dword_ptr[rsp], 1), (g, r) => g[4] = 0xFFFF_0000_0000_0000 - 8 * (ulong)r.Next(0, 64)),
        F("ss-override", "mov", (a, r) => a.mov(rax, __qword_ptr.ss[rbx]), (g, r) => g[3] = NonCanonical + (ulong)r.Next(0, 64)),
        F("ds-override-on-rbp", "mov", (a, r) => a.mov(rax, __qword_ptr.ds[rbp]), (g, r) => g[5] = NonCanonical + (ulong)r.Next(0, 64)),
        F("de-zero", "div", (a, r) => a.div(ecx), (g, r) => g[1] = 0),
        F("de-overflow", "idiv", (a, r) => a.idiv(rcx), (g, r) => { g[0] = 0; g[2] = 0x8000_0000_0000_0000; g[1] = ulong.MaxValue; }),
        F("ud-ud2", "ud2", (a, r) => a.ud2()),
        F("ud-ud0", "ud0", (a, r) => { }, raw: [0x0F, 0xFF, 0xC0]), // AMD decodes no ModRM, Intel one: #UD either way
        F("ud-invalid-opcode", "(invalid)", (a, r) => { }, raw: [0x06]),   // push es: invalid in 64-bit mode
        F("ud-lock-on-mov", "(invalid)", (a, r) => { }, raw: [0xF0, 0x48, 0x89, 0xC3]), // lock mov rbx, rax
        F("bp-int3", "int3", (a, r) => a.int3()),
        F("bp-int-3", "int", (a, r) => a.@int(3)),
        F("db-int1", "int1", (a, r) => a.int1()),
        F("gp-int-n", "int", (a, r) => a.@int((byte)r.Next(0x20, 0x80))),
        F("gp-hlt", "hlt", (a, r) => a.hlt()),
        F("gp-cli", "cli", (a, r) => a.cli()),
        F("gp-sti", "sti", (a, r) => a.sti()),
        F("gp-in", "in", (a, r) => a.@in(al, dx)),
        F("gp-out", "out", (a, r) => a.@out(dx, al)),
        F("gp-rdmsr", "rdmsr", (a, r) => a.rdmsr()),
        F("gp-wrmsr", "wrmsr", (a, r) => a.wrmsr()),
        F("gp-invd", "invd", (a, r) => a.invd()),
        F("gp-wbinvd", "wbinvd", (a, r) => a.wbinvd()),
        F("gp-clts", "clts", (a, r) => a.clts()),
        F("gp-lgdt", "lgdt", (a, r) => a.lgdt(__[rbx]), (g, r) => g[3] = Data0),
        F("gp-invlpg", "invlpg", (a, r) => a.invlpg(__[rbx]), (g, r) => g[3] = Data0),
        F("gp-mov-cr", "mov cr", (a, r) => a.mov(rax, cr0)),
        F("gp-mov-dr", "mov dr", (a, r) => a.mov(dr7, rax)),
        F("gp-swapgs", "swapgs", (a, r) => a.swapgs()),
        SelfModifying(),
        Straddle("fetch-straddle-not-present", null),
        Straddle("fetch-straddle-nx", "rw"),
        Straddle("fetch-straddle-executes", "rx"),
    ];

    /// <summary>
    /// Self-modifying code on an rwx code page: a store into the immediate of the very next instruction, which must
    /// run with the new byte (the model's decoded-instruction cache has to notice; the host's does).
    /// </summary>
    private static CaseGenerator.Form SelfModifying() => new("smc:next-instruction", "mov", Iced.Intel.Code.INVALID, false, rng =>
    {
        var a = new Assembler(64);
        byte b = (byte)rng.Next(256);
        int k = rng.Next(4);
        // mov byte [abs32], imm8 is 8 bytes (C6 04 25 disp32 imm8); then mov eax, imm32 (B8 imm32): byte 1+k is the immediate's k-th byte
        a.mov(__byte_ptr[(ulong)(Rip + 8 + 1 + (ulong)k)], b);
        a.mov(eax, (uint)CaseGenerator.Value(rng));
        a.int3();
        var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), Rip);
        if (ms.Length != 8 + 5 + 1) return null; // the store must hit the next instruction's immediate
        var pages = Pages(rng);
        pages[0] = pages[0] with { Prot = "rwx" };
        var regs = new ulong[16];
        for (int r = 0; r < 16; r++) regs[r] = CaseGenerator.Value(rng);
        regs[(int)Reg.Rsp] = StackPointer;
        var c = new CpuCase { Name = "smc:next-instruction", Code = CaseLayout.Code(ms.ToArray()), Rip = Rip, Regs = regs, Rflags = CpuCaseJson.FixedFlags, Pages = pages, Budget = 3, Gdt = SegmentTable.Linux };
        return new GeneratedCase(c, "smc:next-instruction", "mov", 0);
    });

    /// <summary>
    /// mov rax, imm64 (10 bytes) starting 1..9 bytes before the end of the code page, the next page unmapped, not
    /// executable (#PF fetch at that page's first byte, RIP at the instruction) or executable (it runs).
    /// </summary>
    private static CaseGenerator.Form Straddle(string id, string? next) => new("fault:" + id, "mov", Iced.Intel.Code.INVALID, false, rng =>
    {
        var a = new Assembler(64);
        a.mov(rax, CaseGenerator.Value(rng));
        var ms = new MemoryStream();
        int before = rng.Next(1, 10);
        ulong rip = CodePage + 0x1000 - (ulong)before;
        a.Assemble(new StreamCodeWriter(ms), rip);
        byte[] ins = ms.ToArray();
        var pages = Pages(rng);
        byte[] code = next == "rx" ? CaseLayout.Code(ins) : ins[..before];
        if (next == "rw") pages.Add(new CasePage(CodePage + 0x1000, "rw", ins[before..]));
        var regs = new ulong[16];
        for (int k = 0; k < 16; k++) regs[k] = CaseGenerator.Value(rng);
        regs[(int)Reg.Rsp] = StackPointer;
        var c = new CpuCase { Name = "fault:" + id, Code = code, Rip = rip, Regs = regs, Rflags = CpuCaseJson.FixedFlags, Pages = pages, Budget = 2, Gdt = SegmentTable.Linux };
        return new GeneratedCase(c, "fault:" + id, "mov", 0);
    });

    private static GeneratedCase? Make(string id, string mnemonic, Random rng, Action<Assembler, Random> code, Action<ulong[], Random>? setRegs, byte[]? raw)
    {
        var regs = new ulong[16];
        for (int k = 0; k < 16; k++) regs[k] = CaseGenerator.Value(rng);
        regs[(int)Reg.Rsp] = StackPointer;
        setRegs?.Invoke(regs, rng);
        byte[] bytes;
        if (raw != null) bytes = raw;
        else
        {
            var a = new Assembler(64);
            code(a, rng);
            var ms = new MemoryStream();
            a.Assemble(new StreamCodeWriter(ms), Rip);
            bytes = ms.ToArray();
        }
        var words = id == "fault:gp-noncanonical-ret" ? new[] { (StackPointer, NonCanonical + (ulong)rng.Next(0, 4096)) } : [];
        var c = new CpuCase
        {
            Name = id, Code = CaseLayout.Code(bytes), Rip = Rip, Regs = regs,
            Rflags = CpuCaseJson.FixedFlags | ((ulong)rng.NextInt64() & CpuCaseJson.SettableFlags & ~FlagRules.DF),
            Pages = Pages(rng, words), Budget = 2, Gdt = SegmentTable.Linux,
        };
        return new GeneratedCase(c, id, mnemonic, 0);
    }
}
