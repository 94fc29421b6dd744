using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>The x87 forms the model executes (CpuX87.cs): one <see cref="Op.X87"/> handler that switches on the Iced code.</summary>
internal static partial class Translator
{
    private static readonly HashSet<Code> X87Codes =
    [
        Code.Wait, Code.Fnop,
        Code.Fld_m32fp, Code.Fld_m64fp, Code.Fld_m80fp, Code.Fild_m16int, Code.Fild_m32int, Code.Fild_m64int, Code.Fld_sti,
        Code.Fld1, Code.Fldz, Code.Fldpi, Code.Fldl2e, Code.Fldl2t, Code.Fldlg2, Code.Fldln2,
        Code.Fst_m32fp, Code.Fstp_m32fp, Code.Fst_m64fp, Code.Fstp_m64fp, Code.Fstp_m80fp,
        Code.Fst_sti, Code.Fstp_sti, Code.Fstp_sti_DFD0, Code.Fstp_sti_DFD8,
        Code.Fist_m16int, Code.Fist_m32int, Code.Fistp_m16int, Code.Fistp_m32int, Code.Fistp_m64int,
        Code.Fisttp_m16int, Code.Fisttp_m32int, Code.Fisttp_m64int,
        Code.Fadd_m32fp, Code.Fadd_m64fp, Code.Fmul_m32fp, Code.Fmul_m64fp, Code.Fsub_m32fp, Code.Fsub_m64fp,
        Code.Fsubr_m32fp, Code.Fsubr_m64fp, Code.Fdiv_m32fp, Code.Fdiv_m64fp, Code.Fdivr_m32fp, Code.Fdivr_m64fp,
        Code.Fiadd_m16int, Code.Fiadd_m32int, Code.Fimul_m16int, Code.Fimul_m32int, Code.Fisub_m16int, Code.Fisub_m32int,
        Code.Fisubr_m16int, Code.Fisubr_m32int, Code.Fidiv_m16int, Code.Fidiv_m32int, Code.Fidivr_m16int, Code.Fidivr_m32int,
        Code.Fadd_st0_sti, Code.Fmul_st0_sti, Code.Fsub_st0_sti, Code.Fsubr_st0_sti, Code.Fdiv_st0_sti, Code.Fdivr_st0_sti,
        Code.Fadd_sti_st0, Code.Fmul_sti_st0, Code.Fsub_sti_st0, Code.Fsubr_sti_st0, Code.Fdiv_sti_st0, Code.Fdivr_sti_st0,
        Code.Faddp_sti_st0, Code.Fmulp_sti_st0, Code.Fsubp_sti_st0, Code.Fsubrp_sti_st0, Code.Fdivp_sti_st0, Code.Fdivrp_sti_st0,
        Code.Fchs, Code.Fabs, Code.Fsqrt, Code.Frndint, Code.Fscale, Code.Fprem, Code.Fprem1, Code.Fxtract,
        Code.Fsin, Code.Fcos, Code.Fsincos, Code.Fptan, Code.Fpatan, Code.F2xm1, Code.Fyl2x, Code.Fyl2xp1,
        Code.Fbld_m80bcd, Code.Fbstp_m80bcd,
        Code.Fcom_m32fp, Code.Fcom_m64fp, Code.Fcomp_m32fp, Code.Fcomp_m64fp,
        Code.Ficom_m16int, Code.Ficom_m32int, Code.Ficomp_m16int, Code.Ficomp_m32int,
        Code.Fcom_st0_sti, Code.Fcom_st0_sti_DCD0, Code.Fcomp_st0_sti, Code.Fcomp_st0_sti_DCD8, Code.Fcomp_st0_sti_DED0, Code.Fcompp,
        Code.Fucom_st0_sti, Code.Fucomp_st0_sti, Code.Fucompp,
        Code.Fcomi_st0_sti, Code.Fcomip_st0_sti, Code.Fucomi_st0_sti, Code.Fucomip_st0_sti, Code.Ftst, Code.Fxam,
        Code.Fxch_st0_sti, Code.Fxch_st0_sti_DDC8, Code.Fxch_st0_sti_DFC8,
        Code.Fcmovb_st0_sti, Code.Fcmove_st0_sti, Code.Fcmovbe_st0_sti, Code.Fcmovu_st0_sti,
        Code.Fcmovnb_st0_sti, Code.Fcmovne_st0_sti, Code.Fcmovnbe_st0_sti, Code.Fcmovnu_st0_sti,
        Code.Ffree_sti, Code.Ffreep_sti, Code.Fincstp, Code.Fdecstp,
        Code.Fninit, Code.Fnclex, Code.Fnstsw_AX, Code.Fnstsw_m2byte, Code.Fnstcw_m2byte, Code.Fldcw_m2byte,
        Code.Fnstenv_m28byte, Code.Fldenv_m28byte, Code.Fnsave_m108byte, Code.Frstor_m108byte,
        Code.Fnstenv_m14byte, Code.Fldenv_m14byte, Code.Fnsave_m94byte, Code.Frstor_m94byte,
        Code.Fxsave_m512byte, Code.Fxsave64_m512byte, Code.Fxrstor_m512byte, Code.Fxrstor64_m512byte,
    ];

    /// <summary>Whether the instruction is an x87 one (escape opcodes D8-DF, wait, fxsave/fxrstor); modelled forms become <see cref="Op.X87"/>.</summary>
    private static bool X87(in Instruction ins, ref Insn d, out bool isX87)
    {
        Code c = ins.Code;
        var oc = c.ToOpCode();
        uint first = oc.OpCodeLength == 2 ? oc.OpCode >> 8 : oc.OpCode;   // D9 E8 (fld1) has a two-byte opcode
        isX87 = c is Code.Wait or Code.Fxsave_m512byte or Code.Fxsave64_m512byte or Code.Fxrstor_m512byte or Code.Fxrstor64_m512byte
            || (oc.Table == OpCodeTableKind.Normal && first is >= 0xD8 and <= 0xDF && oc.Encoding == EncodingKind.Legacy);
        if (!isX87 || !X87Codes.Contains(c)) return false;
        d.Op = Op.X87;
        d.Imm = (ulong)c;
        int regs = 0;
        for (int k = 0; k < ins.OpCount; k++)
        {
            if (ins.GetOpKind(k) == OpKind.Memory) { MemOp(in ins, ref d); d.Aux = 1; d.Size = (byte)Math.Min(255, ins.MemorySize.GetSize()); continue; }
            if (ins.GetOpKind(k) != OpKind.Register) continue;
            Register r = ins.GetOpRegister(k);
            if (r is < Register.ST0 or > Register.ST7) continue;
            byte n = (byte)(r - Register.ST0);
            if (regs++ == 0) d.D = n;
            d.S = n;
        }
        d.Cc = c switch
        {
            Code.Fcmovb_st0_sti => 2, Code.Fcmovnb_st0_sti => 3, Code.Fcmove_st0_sti => 4, Code.Fcmovne_st0_sti => 5,
            Code.Fcmovbe_st0_sti => 6, Code.Fcmovnbe_st0_sti => 7, Code.Fcmovu_st0_sti => 10, Code.Fcmovnu_st0_sti => 11, _ => 0,
        };
        return true;
    }

    /// <summary>FOP: the low 3 bits of the escape opcode and the ModRM byte (11 bits), from the instruction's bytes.</summary>
    private static ulong X87Opcode(ReadOnlySpan<byte> bytes)
    {
        for (int k = 0; k + 1 < bytes.Length; k++)
            if (bytes[k] is >= 0xD8 and <= 0xDF) return ((ulong)(bytes[k] & 7) << 8) | bytes[k + 1];
        return 0;
    }
}
