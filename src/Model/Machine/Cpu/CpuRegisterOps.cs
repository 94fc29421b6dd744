namespace L4Conf.Model.Machine;

/// <summary>
/// The handlers that touch only registers and flags (no memory, no RIP): the interpreter runs them here, and a compiled
/// block calls this too for the ones it does not translate itself, with its registers and flags written back around
/// the call. False with the trap set when the instruction faults (#DE), having changed nothing.
/// </summary>
public sealed partial class Cpu
{
    /// <summary>The handlers <see cref="RegisterOnly"/> runs.</summary>
    internal static bool IsRegisterOnly(Op op) => op is Op.XchgRR or Op.SignExtendAcc or Op.SignSplitAcc or Op.AdcRR or Op.AdcRI
        or Op.SbbRR or Op.SbbRI or Op.ShiftRI or Op.ShiftRC or Op.MulR or Op.Imul1R or Op.DivR or Op.IdivR or Op.Imul2RR
        or Op.Imul3RR or Op.BtRR or Op.BtRI or Op.BsfRR or Op.Bswap or Op.XaddRR or Op.CmpxchgRR or Op.ShiftDRI or Op.ShiftDRC
        or Op.Lahf or Op.Sahf;

    internal bool RegisterOnly(ref Insn i)
    {
        switch (i.Op)
        {
            case Op.XchgRR:
            {
                ulong a = ReadReg(i.D, i.DSh, i.Mask), b = ReadReg(i.S, i.SSh, i.Mask);
                WriteDst(ref i, b);
                WriteReg(i.S, i.SSh, i.Mask, a);
                return true;
            }
            case Op.SignExtendAcc:
            {
                ulong half = i.Mask >> (i.Size * 4);
                WriteDst(ref i, SignExtend(Gpr((int)Reg.Rax) & half, half));
                return true;
            }
            case Op.SignSplitAcc:
                WriteReg((int)Reg.Rdx, 0, i.Mask, (Gpr((int)Reg.Rax) & (i.Mask ^ (i.Mask >> 1))) != 0 ? ulong.MaxValue : 0);
                return true;
            case Op.ShiftRI: ShiftR(ref i, (int)i.Imm); return true;
            case Op.ShiftRC: ShiftR(ref i, (int)(Gpr((int)Reg.Rcx) & 0xFF)); return true;
            case Op.MulR: MulAcc(i.Size, ReadReg(i.D, i.DSh, i.Mask), signed: false); return true;
            case Op.Imul1R: MulAcc(i.Size, ReadReg(i.D, i.DSh, i.Mask), signed: true); return true;
            case Op.DivR: return Divide(i.Size, ReadReg(i.D, i.DSh, i.Mask), signed: false);
            case Op.IdivR: return Divide(i.Size, ReadReg(i.D, i.DSh, i.Mask), signed: true);
            case Op.Imul2RR: WriteDst(ref i, Imul(ReadReg(i.D, i.DSh, i.Mask), ReadReg(i.S, i.SSh, i.Mask), i.Mask)); return true;
            case Op.Imul3RR: WriteDst(ref i, Imul(ReadReg(i.S, i.SSh, i.Mask), i.Imm, i.Mask)); return true;
            case Op.BtRR: BitTestR(ref i, imm: false); return true;
            case Op.BtRI: BitTestR(ref i, imm: true); return true;
            case Op.BsfRR: BitScan(ref i, Gpr(i.S) >> i.SSh); return true;
            case Op.Bswap: Bswap(ref i); return true;
            case Op.XaddRR: XaddRR(ref i); return true;
            case Op.CmpxchgRR: CmpxchgRR(ref i); return true;
            case Op.ShiftDRI: ShiftDoubleR(ref i, (int)i.Imm); return true;
            case Op.ShiftDRC: ShiftDoubleR(ref i, (int)(Gpr((int)Reg.Rcx) & 0xFF)); return true;
            case Op.Lahf: Lahf(); return true;
            case Op.Sahf: Sahf(); return true;
            case Op.AdcRR: AluRR<AdcOp>(ref i); return true;
            case Op.AdcRI: AluRI<AdcOp>(ref i); return true;
            case Op.SbbRR: AluRR<SbbOp>(ref i); return true;
            case Op.SbbRI: AluRI<SbbOp>(ref i); return true;
            default:
                throw new InvalidOperationException($"{i.Op} is not a register-only handler");
        }
    }

    /// <summary>A compiled block's call of <see cref="RegisterOnly"/> for the instruction at <paramref name="idx"/> of its page.</summary>
    internal bool BlockRegisterOnly(CodePage page, int idx) => RegisterOnly(ref page.Insns[idx]);

    /// <summary>A branch to a non-canonical target: #GP(0) at the branch (the interpreter's GpFault and compiled ret).</summary>
    internal void BranchFault(ulong at)
    {
        trap = new Trap(Vector.GeneralProtection, 0);
        detail = compat ? $"branch target past the CS limit at 0x{at:x}" : $"non-canonical branch target at 0x{at:x}";
    }
}
