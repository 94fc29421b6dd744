using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>
/// The MMX instructions and the SSE/SSE2 forms with an MMX operand (CpuMmx.cs): one <see cref="Op.Mmx"/> handler. The
/// integer operations are the XMM ones' (<see cref="IntOps"/>, <see cref="ShiftImmOps"/>) on 64-bit values: an XMM code
/// with an MMX twin (same name with mm operands) names the same <see cref="XmmInt"/> operation.
/// </summary>
internal static partial class Translator
{
    /// <summary>Built on first use, after the XMM tables (static initializers of partial files run in no fixed order).</summary>
    private static class MmxTables
    {
        public static readonly Dictionary<Code, XmmInt> IntOps = Twins(Translator.IntOps!, "_xmm_xmmm128", "_mm_mmm64");
        public static readonly Dictionary<Code, XmmInt> ShiftImmOps = Twins(Translator.ShiftImmOps!, "_xmm_imm8", "_mm_imm8");
    }

    private static readonly Dictionary<Code, XmmAlu> MmxAluOps = new()
    {
        [Code.Por_mm_mmm64] = XmmAlu.Por, [Code.Pand_mm_mmm64] = XmmAlu.Pand, [Code.Pandn_mm_mmm64] = XmmAlu.Pandn,
        [Code.Pminub_mm_mmm64] = XmmAlu.Pminub,
        [Code.Punpcklbw_mm_mmm32] = XmmAlu.Punpcklbw, [Code.Punpcklwd_mm_mmm32] = XmmAlu.Punpcklwd, [Code.Punpckldq_mm_mmm32] = XmmAlu.Punpckldq,
        [Code.Punpckhbw_mm_mmm64] = XmmAlu.Punpckhbw, [Code.Punpckhwd_mm_mmm64] = XmmAlu.Punpckhwd, [Code.Punpckhdq_mm_mmm64] = XmmAlu.Punpckhdq,
    };

    /// <summary>The codes of <paramref name="xmm"/> renamed from <paramref name="from"/> to <paramref name="to"/>, where such a code exists.</summary>
    private static Dictionary<Code, XmmInt> Twins(Dictionary<Code, XmmInt> xmm, string from, string to)
    {
        var r = new Dictionary<Code, XmmInt>();
        foreach (var (c, op) in xmm)
            if (Enum.TryParse(c.ToString().Replace(from, to, StringComparison.Ordinal), out Code m) && m != c) r[m] = op;
        return r;
    }

    private static byte MmNumber(Register r) => (byte)(r - Register.MM0);

    /// <summary>An MMX form: true with <paramref name="d"/> filled; false for everything else (then it is not MMX, or an unmodelled one: #UD).</summary>
    private static bool Mmx(in Instruction ins, ref Insn d)
    {
        Code c = ins.Code;
        MmxKind kind;
        if (MmxTables.IntOps.TryGetValue(c, out var op)) { kind = MmxKind.Int; d.Cc = (byte)op; }
        else if (MmxTables.ShiftImmOps.TryGetValue(c, out op)) { kind = MmxKind.ShiftImm; d.Cc = (byte)op; }
        else if (MmxAluOps.TryGetValue(c, out var alu)) { kind = MmxKind.Alu; d.Cc = (byte)alu; }
        else
        {
            kind = c switch
            {
                Code.Pxor_mm_mmm64 => MmxKind.Pxor,
                Code.Pcmpeqb_mm_mmm64 => MmxKind.Pcmpeqb,
                Code.Pshufw_mm_mmm64_imm8 => MmxKind.Pshufw,
                Code.Pextrw_r32_mm_imm8 or Code.Pextrw_r64_mm_imm8 => MmxKind.Pextrw,
                Code.Pinsrw_mm_r32m16_imm8 or Code.Pinsrw_mm_r64m16_imm8 => MmxKind.Pinsrw,
                Code.Pmovmskb_r32_mm or Code.Pmovmskb_r64_mm => MmxKind.Pmovmskb,
                Code.Movd_mm_rm32 or Code.Movq_mm_rm64 or Code.Movq_mm_mmm64 => MmxKind.Load,
                Code.Movd_rm32_mm or Code.Movq_rm64_mm or Code.Movq_mmm64_mm or Code.Movntq_m64_mm => MmxKind.Store,
                Code.Emms => MmxKind.Emms,
                Code.Maskmovq_rDI_mm_mm => MmxKind.Maskmovq,
                Code.Movq2dq_xmm_mm => MmxKind.Movq2dq,
                Code.Movdq2q_mm_xmm => MmxKind.Movdq2q,
                Code.Cvtpi2ps_xmm_mmm64 => MmxKind.Cvtpi2ps,
                Code.Cvtpi2pd_xmm_mmm64 => MmxKind.Cvtpi2pd,
                Code.Cvtps2pi_mm_xmmm64 or Code.Cvttps2pi_mm_xmmm64 => MmxKind.Cvtps2pi,
                Code.Cvtpd2pi_mm_xmmm128 or Code.Cvttpd2pi_mm_xmmm128 => MmxKind.Cvtpd2pi,
                _ => (MmxKind)255,
            };
            if (kind == (MmxKind)255) return false;
        }
        d.Op = Op.Mmx;
        d.Vec = (byte)kind;
        if (c is Code.Cvttps2pi_mm_xmmm64 or Code.Cvttpd2pi_mm_xmmm128) d.Imm = 1;
        switch (kind)
        {
            case MmxKind.Emms: return true;
            case MmxKind.Maskmovq:
                // The implicit DS:RDI (EDI with 0x67), an FS/GS override applies, as maskmovdqu.
                d.D = MmNumber(ins.Op1Register); d.S = MmNumber(ins.Op2Register);
                d.Base = (byte)Register.RDI.GetNumber();
                d.AMask = ins.Op0Kind == OpKind.MemorySegEDI ? 0xFFFF_FFFFUL : ulong.MaxValue;
                d.Seg = SegSlot(ins.SegmentPrefix);
                return true;
            case MmxKind.Pextrw: case MmxKind.Pmovmskb:
                RegOp(in ins, 0, ref d, dst: true); d.S = MmNumber(ins.Op1Register);
                if (kind == MmxKind.Pextrw) d.Imm = ins.Immediate8;
                return true;
            case MmxKind.Store:
                d.S = MmNumber(ins.Op1Register);
                if (ins.Op0Kind == OpKind.Memory) { d.Aux = (byte)MmxSource.Memory; MemOp(in ins, ref d); d.Size = (byte)ins.MemorySize.GetSize(); }
                else if (ins.Op0Register.IsMM()) { d.Aux = (byte)MmxSource.Mm; d.D = MmNumber(ins.Op0Register); }
                else { d.Aux = (byte)MmxSource.Gpr; RegOp(in ins, 0, ref d, dst: true); }
                return true;
        }
        // The rest: a destination register (mm or xmm) and a source (mm, xmm, GPR or memory), maybe an imm8.
        Register dst = ins.Op0Register;
        d.D = dst.IsMM() ? MmNumber(dst) : XmmNumber(dst);
        if (ins.GetOpKind(ins.OpCount - 1) == OpKind.Immediate8) d.Imm = ins.Immediate8;
        if (kind == MmxKind.ShiftImm) return true;
        if (ins.Op1Kind == OpKind.Memory)
        {
            d.Aux = (byte)MmxSource.Memory; MemOp(in ins, ref d); d.Size = (byte)ins.MemorySize.GetSize();
            return true;
        }
        Register src = ins.Op1Register;
        if (src.IsMM()) { d.Aux = (byte)MmxSource.Mm; d.S = MmNumber(src); }
        else if (src.IsXMM()) { d.Aux = (byte)MmxSource.Xmm; d.S = XmmNumber(src); }
        else { d.Aux = (byte)MmxSource.Gpr; d.S = (byte)src.GetFullRegister().GetNumber(); d.Mask = Cpu.MaskOf(src.GetSize()); }
        return true;
    }
}
