using Iced.Intel;
using L4Conf.Model.Machine;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// MMX cases (the forms with an mm operand, and emms). A case carries no MMX or x87 registers, so both sides start from
/// the fninit state (as the x87 cases, CaseGenerator.X87.cs) and everything goes through memory at absolute addresses
/// (no GPR is used, the form under test may have any): movq MM0-7 from <see cref="MmxBase"/>, emms and fdecstp (TOP 7,
/// every tag empty: the form's transition to MMX state shows), one time in eight an x87 exception left pending (fldcw
/// with IE unmasked, fld st(0) from an empty register: ES, so the form raises #MF, or runs if it touches no MMX
/// register), the form (its operands drawn as for every form, MM0-7 at random), fnstenv (FCS/FDS cleared, as
/// <see cref="X87ClearSelectors"/>), movq MM0-7 to memory, emms. The stored bytes are compared; GPR and XMM results
/// as in every case.
/// </summary>
public sealed partial class CaseGenerator
{
    /// <summary>Where a case's MMX data lives: inputs at +0, the FCW at +0x40, results from +0x50, the environment at +0xA0.</summary>
    private const ulong MmxBase = CaseLayout.Data1 + 0x200;

    /// <summary>Whether an Iced form has an MMX operand (or is emms): then <see cref="MmxForms"/> makes its forms.</summary>
    private static bool IsMmx(OpCodeInfo info)
    {
        if (info.Mnemonic == Mnemonic.Emms) return true;
        for (int k = 0; k < info.OpCount; k++)
            if (info.GetOpKind(k) is OpCodeOperandKind.mm_reg or OpCodeOperandKind.mm_rm or OpCodeOperandKind.mm_or_mem) return true;
        return false;
    }

    /// <summary>The forms of an MMX code: a register and a memory form for an r/m operand, else one.</summary>
    private static IEnumerable<Form> MmxForms(Code code, string mn)
    {
        var info = code.ToOpCode();
        string id = code.ToString();
        if (code == Code.Maskmovq_rDI_mm_mm) { yield return new Form(id, mn, code, true, MaskmovqCase); yield break; }
        bool hasRm = Enumerable.Range(0, info.OpCount).Any(k => info.GetOpKind(k) is OpCodeOperandKind.mm_or_mem or OpCodeOperandKind.xmm_or_mem
            or OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r64_or_mem);
        var forms = hasRm
            ? new[] { new Form(id + "/reg", mn, code, false), new Form(id + "/mem", mn, code, true) }
            : [new Form(id, mn, code, Enumerable.Range(0, info.OpCount).Any(k => info.GetOpKind(k) == OpCodeOperandKind.mem))];
        foreach (var f in forms) yield return f with { Custom = rng => MmxCase(f, rng) };
    }

    private static GeneratedCase? MmxCase(Form f, Random rng)
    {
        var d = NewDraft(rng);
        d.Mmx = true;
        if (Draw(f, rng, d, out _) is not Instruction ins) return null;
        return MmxWrap(f, rng, d, ins);
    }

    /// <summary>maskmovq mm, mm to DS:[RDI] (FS/GS sometimes): an empty, full or random mask; targets as maskmovdqu's.</summary>
    private static GeneratedCase? MaskmovqCase(Random rng)
    {
        var d = NewDraft(rng);
        d.Mmx = true;
        int x = rng.Next(8), y = rng.Next(8);
        int seg = rng.Next(6);
        var (target, segBase) = MaskedStoreTarget(rng, d, seg, 8);
        d.Regs[(int)Reg.Rdi] = target - segBase;
        var ins = Instruction.CreateMaskmovq(64, Register.MM0 + x, Register.MM0 + y, seg == 0 ? Register.FS : seg == 1 ? Register.GS : Register.None);
        var c = MmxWrap(new Form(Code.Maskmovq_rDI_mm_mm.ToString(), "maskmovq", Code.Maskmovq_rDI_mm_mm, true), rng, d, ins);
        if (c != null && y != x)
        {   // the mask register: empty, full or random byte signs
            ulong mask = rng.Next(6) switch { 0 => 0, 1 => ulong.MaxValue, _ => (ulong)rng.NextInt64() };
            var pages = c.Case.Pages;
            var p = pages.First(q => q.Address == (MmxBase & ~0xFFFUL));
            BitConverter.GetBytes(mask).CopyTo(p.Contents, (int)(MmxBase & 0xFFF) + 8 * y);
        }
        return c;
    }

    /// <summary>The MMX register inputs, the form, and the stores of the results (see the class remarks).</summary>
    private static GeneratedCase? MmxWrap(Form f, Random rng, Draft d, Instruction ins)
    {
        var regs = new[] { mm0, mm1, mm2, mm3, mm4, mm5, mm6, mm7 };
        for (int k = 0; k < 8; k++) d.Words.Add((MmxBase + 8 * (ulong)k, MmxWord(rng)));
        d.Words.Add((MmxBase + 0x40, 0x037E));                       // FCW: IE unmasked
        bool pending = rng.Next(8) == 0;
        var a = new Assembler(64);
        for (int k = 0; k < 8; k++) a.movq(regs[k], __qword_ptr[MmxBase + 8 * (ulong)k]);
        a.emms();
        a.fdecstp();
        if (pending) { a.fldcw(__word_ptr[MmxBase + 0x40]); a.fld(st0); }
        a.AddInstruction(ins);
        a.fnstenv(__[MmxBase + 0xA0]);
        a.mov(__word_ptr[MmxBase + 0xB0], 0);                        // FCS, FDS: X87SelectorReason
        a.mov(__word_ptr[MmxBase + 0xB8], 0);
        for (int k = 0; k < 8; k++) a.movq(__qword_ptr[MmxBase + 0x50 + 8 * (ulong)k], regs[k]);
        a.emms();
        int n = a.Instructions.Count;
        var ms = new MemoryStream();
        try { a.Assemble(new StreamCodeWriter(ms), CaseLayout.Rip, BlockEncoderOptions.DontFixBranches); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or EncoderException) { return null; }
        return Case(f.Id, f.Mnemonic, rng, d, ms.ToArray(), 0, instructions: n);
    }

    /// <summary>The value an MMX case loads into MM<paramref name="n"/> (from its data page), or null when the case has none.</summary>
    public static ulong? MmxInput(CpuCase c, int n)
    {
        if (n is < 0 or > 7) return null;
        var p = c.Pages.FirstOrDefault(q => q.Address == (MmxBase & ~0xFFFUL));
        int off = (int)(MmxBase & 0xFFF) + 8 * n;
        return p is null || p.Contents.Length < off + 8 ? null : BitConverter.ToUInt64(p.Contents, off);
    }

    /// <summary>64 bits of an MMX register or operand: lane edges (0, 1, 0x7F, 0x80, 0xFF bytes), integer edges, counts, floats, random.</summary>
    private static ulong MmxWord(Random rng)
    {
        switch (rng.Next(5))
        {
            case 0:
            {
                byte[] e = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE];
                ulong w = 0;
                for (int k = 0; k < 8; k++) w |= (ulong)e[rng.Next(e.Length)] << (8 * k);
                return w;
            }
            case 1: return Value(rng);
            case 2: return (ulong)Count(rng, 64);
            case 3: return VectorWord(rng);
            default: return (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63);
        }
    }
}
