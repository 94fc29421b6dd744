using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>The SSE2 integer instructions on XMM registers, non-temporal stores and fences (CpuSseInteger.cs).</summary>
internal static partial class Translator
{
    private static readonly Dictionary<Code, XmmInt> IntOps = new()
    {
        [Code.Paddb_xmm_xmmm128] = XmmInt.Paddb, [Code.Paddw_xmm_xmmm128] = XmmInt.Paddw, [Code.Paddd_xmm_xmmm128] = XmmInt.Paddd,
        [Code.Paddq_xmm_xmmm128] = XmmInt.Paddq, [Code.Psubb_xmm_xmmm128] = XmmInt.Psubb, [Code.Psubw_xmm_xmmm128] = XmmInt.Psubw,
        [Code.Psubd_xmm_xmmm128] = XmmInt.Psubd, [Code.Psubq_xmm_xmmm128] = XmmInt.Psubq,
        [Code.Paddsb_xmm_xmmm128] = XmmInt.Paddsb, [Code.Paddsw_xmm_xmmm128] = XmmInt.Paddsw, [Code.Paddusb_xmm_xmmm128] = XmmInt.Paddusb,
        [Code.Paddusw_xmm_xmmm128] = XmmInt.Paddusw, [Code.Psubsb_xmm_xmmm128] = XmmInt.Psubsb, [Code.Psubsw_xmm_xmmm128] = XmmInt.Psubsw,
        [Code.Psubusb_xmm_xmmm128] = XmmInt.Psubusb, [Code.Psubusw_xmm_xmmm128] = XmmInt.Psubusw,
        [Code.Pmullw_xmm_xmmm128] = XmmInt.Pmullw, [Code.Pmulhw_xmm_xmmm128] = XmmInt.Pmulhw, [Code.Pmulhuw_xmm_xmmm128] = XmmInt.Pmulhuw,
        [Code.Pmuludq_xmm_xmmm128] = XmmInt.Pmuludq, [Code.Pmaddwd_xmm_xmmm128] = XmmInt.Pmaddwd,
        [Code.Pavgb_xmm_xmmm128] = XmmInt.Pavgb, [Code.Pavgw_xmm_xmmm128] = XmmInt.Pavgw, [Code.Pmaxsw_xmm_xmmm128] = XmmInt.Pmaxsw,
        [Code.Pmaxub_xmm_xmmm128] = XmmInt.Pmaxub, [Code.Pminsw_xmm_xmmm128] = XmmInt.Pminsw, [Code.Psadbw_xmm_xmmm128] = XmmInt.Psadbw,
        [Code.Pcmpeqw_xmm_xmmm128] = XmmInt.Pcmpeqw, [Code.Pcmpeqd_xmm_xmmm128] = XmmInt.Pcmpeqd, [Code.Pcmpgtb_xmm_xmmm128] = XmmInt.Pcmpgtb,
        [Code.Pcmpgtw_xmm_xmmm128] = XmmInt.Pcmpgtw, [Code.Pcmpgtd_xmm_xmmm128] = XmmInt.Pcmpgtd,
        [Code.Psllw_xmm_xmmm128] = XmmInt.Psllw, [Code.Pslld_xmm_xmmm128] = XmmInt.Pslld, [Code.Psllq_xmm_xmmm128] = XmmInt.Psllq,
        [Code.Psrlw_xmm_xmmm128] = XmmInt.Psrlw, [Code.Psrld_xmm_xmmm128] = XmmInt.Psrld, [Code.Psrlq_xmm_xmmm128] = XmmInt.Psrlq,
        [Code.Psraw_xmm_xmmm128] = XmmInt.Psraw, [Code.Psrad_xmm_xmmm128] = XmmInt.Psrad,
        [Code.Packsswb_xmm_xmmm128] = XmmInt.Packsswb, [Code.Packssdw_xmm_xmmm128] = XmmInt.Packssdw, [Code.Packuswb_xmm_xmmm128] = XmmInt.Packuswb,
    };

    private static readonly Dictionary<Code, XmmInt> ShiftImmOps = new()
    {
        [Code.Psllw_xmm_imm8] = XmmInt.Psllw, [Code.Pslld_xmm_imm8] = XmmInt.Pslld, [Code.Psllq_xmm_imm8] = XmmInt.Psllq,
        [Code.Psrlw_xmm_imm8] = XmmInt.Psrlw, [Code.Psrld_xmm_imm8] = XmmInt.Psrld, [Code.Psrlq_xmm_imm8] = XmmInt.Psrlq,
        [Code.Psraw_xmm_imm8] = XmmInt.Psraw, [Code.Psrad_xmm_imm8] = XmmInt.Psrad,
        [Code.Pslldq_xmm_imm8] = XmmInt.Pslldq, [Code.Psrldq_xmm_imm8] = XmmInt.Psrldq,
    };

    private static readonly Dictionary<Code, XmmAlu> HighUnpacks = new()
    {
        [Code.Punpckhbw_xmm_xmmm128] = XmmAlu.Punpckhbw, [Code.Punpckhwd_xmm_xmmm128] = XmmAlu.Punpckhwd,
        [Code.Punpckhdq_xmm_xmmm128] = XmmAlu.Punpckhdq, [Code.Punpckhqdq_xmm_xmmm128] = XmmAlu.Punpckhqdq,
    };

    private static bool SseInteger(in Instruction ins, ref Insn d, out bool isSse)
    {
        isSse = true;
        if (IntOps.TryGetValue(ins.Code, out var op)) { d.Cc = (byte)op; return XmmOp(in ins, ref d, Op.XmmIntRR); }
        if (ShiftImmOps.TryGetValue(ins.Code, out op))
        {
            d.Op = Op.XmmShiftImm; d.Cc = (byte)op; d.D = XmmNumber(ins.Op0Register); d.Imm = ins.Immediate8;
            return true;
        }
        if (HighUnpacks.TryGetValue(ins.Code, out var alu)) { d.Cc = (byte)alu; return XmmOp(in ins, ref d, Op.XmmAluRR); }
        switch (ins.Code)
        {
            case Code.Pshuflw_xmm_xmmm128_imm8: d.Cc = 1; d.Imm = ins.Immediate8; return XmmOp(in ins, ref d, Op.PshufdRR);
            case Code.Pshufhw_xmm_xmmm128_imm8: d.Cc = 2; d.Imm = ins.Immediate8; return XmmOp(in ins, ref d, Op.PshufdRR);
            case Code.Pextrw_r32_xmm_imm8: case Code.Pextrw_r64_xmm_imm8:
                d.Op = Op.Pextrw; RegOp(in ins, 0, ref d, dst: true); d.S = XmmNumber(ins.Op1Register); d.Imm = ins.Immediate8;
                return true;
            case Code.Pinsrw_xmm_r32m16_imm8: case Code.Pinsrw_xmm_r64m16_imm8:
                d.D = XmmNumber(ins.Op0Register); d.Imm = ins.Immediate8;
                if (ins.Op1Kind == OpKind.Register) { d.Op = Op.PinsrwRR; d.S = (byte)ins.Op1Register.GetFullRegister().GetNumber(); return true; }
                d.Op = Op.PinsrwRM; MemOp(in ins, ref d); d.Size = 2;
                return true;
            case Code.Movnti_m32_r32: case Code.Movnti_m64_r64: // a plain store (the non-temporal hint has no architectural effect)
                d.Op = Op.MovMR; MemOp(in ins, ref d); SizeFromMem(in ins, ref d); RegOp(in ins, 1, ref d, dst: false);
                return true;
            case Code.Movntdq_m128_xmm: case Code.Movntps_m128_xmm: case Code.Movntpd_m128_xmm:
                return XmmStoreOrMove(in ins, ref d, 16, aligned: true);
            case Code.Maskmovdqu_rDI_xmm_xmm:
                // The implicit DS:RDI (EDI with 0x67), an FS/GS override applies; no alignment requirement.
                d.Op = Op.Maskmovdqu; d.D = XmmNumber(ins.Op1Register); d.S = XmmNumber(ins.Op2Register);
                d.Base = (byte)Register.RDI.GetNumber();
                d.AMask = ins.Op0Kind == OpKind.MemorySegEDI ? 0xFFFF_FFFFUL : ulong.MaxValue;
                d.Seg = SegSlot(ins.SegmentPrefix);
                return true;
        }
        if (ins.Mnemonic is Mnemonic.Lfence or Mnemonic.Mfence or Mnemonic.Sfence) { d.Op = Op.Nop; return true; } // one CPU: nothing to order
        // prefetcht0/t1/t2/nta (SSE) are hints that never fault; clflush (CPUID.1:EDX[19]) faults as a byte read would.
        if (ins.Mnemonic is Mnemonic.Prefetcht0 or Mnemonic.Prefetcht1 or Mnemonic.Prefetcht2 or Mnemonic.Prefetchnta) { d.Op = Op.Nop; return true; }
        if (ins.Code == Code.Clflush_m8) { d.Op = Op.Clflush; MemOp(in ins, ref d); d.Size = 1; return true; }
        isSse = false;
        return false;
    }
}
