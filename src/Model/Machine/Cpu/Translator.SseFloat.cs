using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>The SSE/SSE2 floating-point instructions, their moves and shuffles, and ldmxcsr/stmxcsr (CpuSseFloat.cs).</summary>
internal static partial class Translator
{
    private static bool SseFloat(in Instruction ins, ref Insn d, out bool isSse)
    {
        isSse = true;
        switch (ins.Code)
        {
            case Code.Addss_xmm_xmmm32: case Code.Addsd_xmm_xmmm64: case Code.Addps_xmm_xmmm128: case Code.Addpd_xmm_xmmm128:
                return Fp(in ins, ref d, SseFloatOp.Add);
            case Code.Subss_xmm_xmmm32: case Code.Subsd_xmm_xmmm64: case Code.Subps_xmm_xmmm128: case Code.Subpd_xmm_xmmm128:
                return Fp(in ins, ref d, SseFloatOp.Sub);
            case Code.Mulss_xmm_xmmm32: case Code.Mulsd_xmm_xmmm64: case Code.Mulps_xmm_xmmm128: case Code.Mulpd_xmm_xmmm128:
                return Fp(in ins, ref d, SseFloatOp.Mul);
            case Code.Divss_xmm_xmmm32: case Code.Divsd_xmm_xmmm64: case Code.Divps_xmm_xmmm128: case Code.Divpd_xmm_xmmm128:
                return Fp(in ins, ref d, SseFloatOp.Div);
            case Code.Minss_xmm_xmmm32: case Code.Minsd_xmm_xmmm64: case Code.Minps_xmm_xmmm128: case Code.Minpd_xmm_xmmm128:
                return Fp(in ins, ref d, SseFloatOp.Min);
            case Code.Maxss_xmm_xmmm32: case Code.Maxsd_xmm_xmmm64: case Code.Maxps_xmm_xmmm128: case Code.Maxpd_xmm_xmmm128:
                return Fp(in ins, ref d, SseFloatOp.Max);
            case Code.Sqrtss_xmm_xmmm32: case Code.Sqrtsd_xmm_xmmm64: case Code.Sqrtps_xmm_xmmm128: case Code.Sqrtpd_xmm_xmmm128:
                return Fp(in ins, ref d, SseFloatOp.Sqrt);
            case Code.Cmpss_xmm_xmmm32_imm8: case Code.Cmpsd_xmm_xmmm64_imm8: case Code.Cmpps_xmm_xmmm128_imm8: case Code.Cmppd_xmm_xmmm128_imm8:
                d.Imm = ins.Immediate8 & 7u; // legacy SSE uses imm8[2:0]
                return Fp(in ins, ref d, SseFloatOp.Cmp);
            case Code.Comiss_xmm_xmmm32: case Code.Comisd_xmm_xmmm64: return Fp(in ins, ref d, SseFloatOp.Comi);
            // SSE3 (CPUID.1:ECX[0] on the captured CPU): 128-bit memory operands aligned, movddup's m64 and lddqu not.
            case Code.Addsubps_xmm_xmmm128: case Code.Addsubpd_xmm_xmmm128: return Fp(in ins, ref d, SseFloatOp.AddSub);
            case Code.Haddps_xmm_xmmm128: case Code.Haddpd_xmm_xmmm128: return Fp(in ins, ref d, SseFloatOp.HAdd);
            case Code.Hsubps_xmm_xmmm128: case Code.Hsubpd_xmm_xmmm128: return Fp(in ins, ref d, SseFloatOp.HSub);
            case Code.Movshdup_xmm_xmmm128: d.Cc = (byte)XmmAlu.Movshdup; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Movsldup_xmm_xmmm128: d.Cc = (byte)XmmAlu.Movsldup; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Movddup_xmm_xmmm64:
                d.Cc = (byte)XmmAlu.Movddup;
                XmmOp(in ins, ref d, Op.XmmAluRR);
                if (d.Op == Op.XmmAluRM) { d.Size = 8; d.Aux = 0; }
                return true;
            case Code.Lddqu_xmm_m128: return XmmLoadOrMove(in ins, ref d, 16, aligned: false);
            case Code.Ucomiss_xmm_xmmm32: case Code.Ucomisd_xmm_xmmm64: return Fp(in ins, ref d, SseFloatOp.Ucomi);

            case Code.Cvtsi2ss_xmm_rm32: case Code.Cvtsi2ss_xmm_rm64: case Code.Cvtsi2sd_xmm_rm32: case Code.Cvtsi2sd_xmm_rm64:
            {
                int size = ins.Code is Code.Cvtsi2ss_xmm_rm32 or Code.Cvtsi2sd_xmm_rm32 ? 4 : 8;
                d.Cc = (byte)SseFloatOp.FromInt; d.Imm = (ulong)size;
                d.Vec = (byte)(ins.Mnemonic == Mnemonic.Cvtsi2ss ? SseShape.Ss : SseShape.Sd);
                d.D = XmmNumber(ins.Op0Register);
                if (ins.Op1Kind == OpKind.Register) { d.Op = Op.SseFpRG; d.S = (byte)ins.Op1Register.GetFullRegister().GetNumber(); return true; }
                d.Op = Op.SseFpRM; MemOp(in ins, ref d); d.Size = (byte)size;
                return true;
            }
            case Code.Cvtss2si_r32_xmmm32: case Code.Cvtss2si_r64_xmmm32: case Code.Cvttss2si_r32_xmmm32: case Code.Cvttss2si_r64_xmmm32:
            case Code.Cvtsd2si_r32_xmmm64: case Code.Cvtsd2si_r64_xmmm64: case Code.Cvttsd2si_r32_xmmm64: case Code.Cvttsd2si_r64_xmmm64:
            {
                bool dbl = ins.Mnemonic is Mnemonic.Cvtsd2si or Mnemonic.Cvttsd2si;
                d.Cc = (byte)SseFloatOp.ToInt; d.Vec = (byte)(dbl ? SseShape.Sd : SseShape.Ss);
                RegOp(in ins, 0, ref d, dst: true);
                d.Imm = (ins.Mnemonic is Mnemonic.Cvttss2si or Mnemonic.Cvttsd2si ? 1u : 0) | (d.Size == 8 ? 2u : 0);
                if (ins.Op1Kind == OpKind.Register) { d.Op = Op.SseFpGR; d.S = XmmNumber(ins.Op1Register); return true; }
                d.Op = Op.SseFpGM; MemOp(in ins, ref d); d.Size = (byte)(dbl ? 8 : 4);
                return true;
            }
            case Code.Cvtss2sd_xmm_xmmm32: case Code.Cvtsd2ss_xmm_xmmm64: case Code.Cvtps2pd_xmm_xmmm64: case Code.Cvtpd2ps_xmm_xmmm128:
                d.Vec = (byte)(ins.Code switch
                {
                    Code.Cvtss2sd_xmm_xmmm32 => SseShape.Ss, Code.Cvtsd2ss_xmm_xmmm64 => SseShape.Sd, Code.Cvtps2pd_xmm_xmmm64 => SseShape.Ps, _ => SseShape.Pd,
                });
                return FpOperands(in ins, ref d, SseFloatOp.CvtFloat);
            case Code.Cvtdq2ps_xmm_xmmm128: d.Vec = (byte)SseShape.Ps; return FpOperands(in ins, ref d, SseFloatOp.FromDq);
            case Code.Cvtdq2pd_xmm_xmmm64: d.Vec = (byte)SseShape.Pd; return FpOperands(in ins, ref d, SseFloatOp.FromDq);
            case Code.Cvtps2dq_xmm_xmmm128: d.Vec = (byte)SseShape.Ps; return FpOperands(in ins, ref d, SseFloatOp.ToDq);
            case Code.Cvttps2dq_xmm_xmmm128: d.Vec = (byte)SseShape.Ps; d.Imm = 1; return FpOperands(in ins, ref d, SseFloatOp.ToDq);
            case Code.Cvtpd2dq_xmm_xmmm128: d.Vec = (byte)SseShape.Pd; return FpOperands(in ins, ref d, SseFloatOp.ToDq);
            case Code.Cvttpd2dq_xmm_xmmm128: d.Vec = (byte)SseShape.Pd; d.Imm = 1; return FpOperands(in ins, ref d, SseFloatOp.ToDq);

            case Code.Andps_xmm_xmmm128: case Code.Andpd_xmm_xmmm128: d.Cc = (byte)XmmAlu.Pand; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Andnps_xmm_xmmm128: case Code.Andnpd_xmm_xmmm128: d.Cc = (byte)XmmAlu.Pandn; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Orps_xmm_xmmm128: case Code.Orpd_xmm_xmmm128: d.Cc = (byte)XmmAlu.Por; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Xorps_xmm_xmmm128: case Code.Xorpd_xmm_xmmm128: return XmmOp(in ins, ref d, Op.PxorRR);
            case Code.Unpcklps_xmm_xmmm128: d.Cc = (byte)XmmAlu.Punpckldq; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Unpcklpd_xmm_xmmm128: d.Cc = (byte)XmmAlu.Punpcklqdq; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Unpckhps_xmm_xmmm128: d.Cc = (byte)XmmAlu.Punpckhdq; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Unpckhpd_xmm_xmmm128: d.Cc = (byte)XmmAlu.Punpckhqdq; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Shufps_xmm_xmmm128_imm8: case Code.Shufpd_xmm_xmmm128_imm8:
                d.Cc = (byte)(ins.Code == Code.Shufpd_xmm_xmmm128_imm8 ? 1 : 0); d.Imm = ins.Immediate8;
                return XmmOp(in ins, ref d, Op.XmmShufRR);

            case Code.Movss_xmm_xmmm32: case Code.Movsd_xmm_xmmm64:
                if (ins.Op1Kind == OpKind.Memory) return XmmLoadOrMove(in ins, ref d, ins.Code == Code.Movss_xmm_xmmm32 ? 4 : 8, aligned: false);
                d.Cc = (byte)(ins.Code == Code.Movss_xmm_xmmm32 ? XmmAlu.Movss : XmmAlu.Movsd);
                return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Movss_xmmm32_xmm: case Code.Movsd_xmmm64_xmm:
                if (ins.Op0Kind == OpKind.Memory) return XmmStoreOrMove(in ins, ref d, ins.Code == Code.Movss_xmmm32_xmm ? 4 : 8, aligned: false);
                d.Cc = (byte)(ins.Code == Code.Movss_xmmm32_xmm ? XmmAlu.Movss : XmmAlu.Movsd);
                d.Op = Op.XmmAluRR; d.D = XmmNumber(ins.Op0Register); d.S = XmmNumber(ins.Op1Register);
                return true;
            case Code.Movhlps_xmm_xmm: d.Cc = (byte)XmmAlu.Movhlps; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Movlhps_xmm_xmm: d.Cc = (byte)XmmAlu.Movlhps; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Movlps_xmm_m64: case Code.Movlpd_xmm_m64: case Code.Movhps_xmm_m64: case Code.Movhpd_xmm_m64:
                if (ins.Op1Kind != OpKind.Memory) return false;
                d.Op = ins.Mnemonic is Mnemonic.Movhps or Mnemonic.Movhpd ? Op.XmmLoadHigh : Op.XmmLoadLow;
                d.D = XmmNumber(ins.Op0Register); MemOp(in ins, ref d); d.Size = 8;
                return true;
            case Code.Movlps_m64_xmm: case Code.Movlpd_m64_xmm: return XmmStoreOrMove(in ins, ref d, 8, aligned: false);
            case Code.Movhps_m64_xmm: case Code.Movhpd_m64_xmm:
                if (ins.Op0Kind != OpKind.Memory) return false;
                d.Op = Op.XmmStoreHigh; d.S = XmmNumber(ins.Op1Register); MemOp(in ins, ref d); d.Size = 8;
                return true;
            case Code.Movmskps_r32_xmm: case Code.Movmskps_r64_xmm: case Code.Movmskpd_r32_xmm: case Code.Movmskpd_r64_xmm:
                d.Op = Op.Movmsk; d.Cc = (byte)(ins.Mnemonic == Mnemonic.Movmskpd ? 1 : 0);
                RegOp(in ins, 0, ref d, dst: true); d.S = XmmNumber(ins.Op1Register);
                return true;
            case Code.Ldmxcsr_m32: case Code.Stmxcsr_m32:
                if (ins.Op0Kind != OpKind.Memory) return false;
                d.Op = ins.Code == Code.Ldmxcsr_m32 ? Op.Ldmxcsr : Op.Stmxcsr; MemOp(in ins, ref d); d.Size = 4;
                return true;
        }
        isSse = false;
        return false;
    }

    /// <summary>An arithmetic or compare form: its shape from the mnemonic's suffix (ss, sd, ps, pd).</summary>
    private static bool Fp(in Instruction ins, ref Insn d, SseFloatOp op)
    {
        string m = ins.Mnemonic.ToString();
        d.Vec = (byte)(m[^2..].ToLowerInvariant() switch { "ss" => SseShape.Ss, "sd" => SseShape.Sd, "ps" => SseShape.Ps, _ => SseShape.Pd });
        return FpOperands(in ins, ref d, op);
    }

    /// <summary>xmm, xmm/m: the memory operand's width from Iced (m32, m64, m128); legacy SSE requires m128 to be 16-byte aligned.</summary>
    private static bool FpOperands(in Instruction ins, ref Insn d, SseFloatOp op)
    {
        d.Cc = (byte)op;
        d.D = XmmNumber(ins.Op0Register);
        if (ins.Op1Kind == OpKind.Register) { d.Op = Op.SseFpRR; d.S = XmmNumber(ins.Op1Register); return true; }
        d.Op = Op.SseFpRM; MemOp(in ins, ref d);
        d.Size = (byte)ins.MemorySize.GetSize();
        d.Aux = (byte)(d.Size == 16 ? 1 : 0);
        return true;
    }
}
