using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>
/// Turns one Iced <see cref="Instruction"/> into the interpreter's <see cref="Insn"/>: picks the handler for the
/// instruction and its operand shapes and resolves registers, memory operand and immediate. Everything not in
/// the modelled subset becomes <see cref="Op.Unsupported"/> (#UD with a message) and the CPL-0/IOPL
/// instructions <see cref="Op.Privileged"/> (#GP(0)): the model never executes something it does not implement.
/// </summary>
internal static partial class Translator
{
    private enum Form { RR, RI, RM, MR, MI, None }

    public static void Translate(in Instruction ins, ReadOnlySpan<byte> bytes, out Insn d)
    {
        d = default;
        d.Len = (byte)ins.Length;
        d.Base = d.Index = d.Seg = Cpu.ZeroSlot;
        d.AMask = ulong.MaxValue;
        if (ins.IsInvalid)
        {
            d.Op = Op.Invalid;
            d.Text = Convert.ToHexString(bytes).ToLowerInvariant();
            return;
        }
        if (!TranslateSupported(in ins, ref d))
        {
            d = default;
            d.Len = (byte)ins.Length;
            d.Op = InstructionSet.IsPrivileged(in ins) ? Op.Privileged : Op.Unsupported;
        }
        if (d.Op == Op.X87) d.SMask = X87Opcode(bytes);
        if (d.Op is Op.Unsupported or Op.Privileged or Op.Ud) d.Text = $"'{ins}' [{ins.Mnemonic}]";
    }

    private static bool TranslateSupported(in Instruction ins, ref Insn d)
    {
        Mnemonic mn = ins.Mnemonic;
        if (IsCompat(in ins))
        {
            if (Compat(in ins, ref d, out bool compatForm)) return true;           // Translator.Compat.cs
            if (compatForm) return false;
        }
        if (Mmx(in ins, ref d)) return true; // Translator.Mmx.cs
        if (Sse(in ins, ref d, out bool sse)) return true;
        if (sse) return false;
        if (SseFloat(in ins, ref d, out sse)) return true; // Translator.SseFloat.cs
        if (sse) return false;
        if (SseInteger(in ins, ref d, out sse)) return true; // Translator.SseInteger.cs
        if (sse) return false;
        if (X87(in ins, ref d, out bool x87)) return true;
        if (x87) return false;
        if (Segments(in ins, ref d, out bool segment)) return true; // Translator.Segments.cs
        if (segment) return false;
        // Everything handled below uses only general-purpose registers; anything else (mov to/from CR, DR or a
        // segment register, push fs, ...) is privileged or unsupported.
        for (int k = 0; k < ins.OpCount; k++)
            if (ins.GetOpKind(k) == OpKind.Register && !ins.GetOpRegister(k).IsGPR()) return false;
        switch (mn)
        {
            case Mnemonic.Nop: case Mnemonic.Pause: case Mnemonic.Endbr64: case Mnemonic.Endbr32:
                d.Op = Op.Nop; return true; // `nop r/m` does not access its operand
            case Mnemonic.Cld: d.Op = Op.Cld; return true;
            case Mnemonic.Std: d.Op = Op.Std; return true;
            case Mnemonic.Clc: d.Op = Op.Clc; return true;
            case Mnemonic.Stc: d.Op = Op.Stc; return true;
            case Mnemonic.Cmc: d.Op = Op.Cmc; return true;
            case Mnemonic.Int3: d.Op = Op.Int3; return true;
            case Mnemonic.Int1: d.Op = Op.Int1; return true;
            case Mnemonic.Int: d.Op = Op.IntN; d.Imm = ins.Immediate8; return true;
            case Mnemonic.Ud0: case Mnemonic.Ud1: case Mnemonic.Ud2: d.Op = Op.Ud; return true;
            case Mnemonic.Syscall: d.Op = Op.Syscall; return true;
            case Mnemonic.Lahf: d.Op = Op.Lahf; return true;
            case Mnemonic.Sahf: d.Op = Op.Sahf; return true;
            case Mnemonic.Pushf: case Mnemonic.Pushfq: d.Op = Op.Pushf; d.Size = (byte)(ins.Code == Code.Pushfq ? 8 : 2); return true;
            case Mnemonic.Popf: case Mnemonic.Popfq: d.Op = Op.Popf; d.Size = (byte)(ins.Code == Code.Popfq ? 8 : 2); return true;
            case Mnemonic.Cpuid: d.Op = Op.Cpuid; return true;
            case Mnemonic.Rdtsc: d.Op = Op.Rdtsc; return true;

            case Mnemonic.Mov: return TwoOp(in ins, ref d, Op.MovRR, allowRM: true);
            case Mnemonic.Add: return TwoOp(in ins, ref d, Op.AddRR, allowRM: true);
            case Mnemonic.Or: return TwoOp(in ins, ref d, Op.OrRR, allowRM: true);
            case Mnemonic.Adc: return TwoOp(in ins, ref d, Op.AdcRR, allowRM: true);
            case Mnemonic.Sbb: return TwoOp(in ins, ref d, Op.SbbRR, allowRM: true);
            case Mnemonic.And: return TwoOp(in ins, ref d, Op.AndRR, allowRM: true);
            case Mnemonic.Sub: return TwoOp(in ins, ref d, Op.SubRR, allowRM: true);
            case Mnemonic.Xor: return TwoOp(in ins, ref d, Op.XorRR, allowRM: true);
            case Mnemonic.Cmp: return TwoOp(in ins, ref d, Op.CmpRR, allowRM: true);
            case Mnemonic.Test: return TwoOp(in ins, ref d, Op.TestRR, allowRM: false);

            case Mnemonic.Movzx: return Extend(in ins, ref d, Op.MovzxRR);
            case Mnemonic.Movsx: case Mnemonic.Movsxd: return Extend(in ins, ref d, Op.MovsxRR);
            case Mnemonic.Lea:
                if (ins.Op0Kind != OpKind.Register || ins.Op1Kind != OpKind.Memory) return false;
                d.Op = Op.Lea; RegOp(in ins, 0, ref d, dst: true); MemOp(in ins, ref d);
                d.Seg = Cpu.ZeroSlot; // lea computes the offset only
                return true;
            case Mnemonic.Xchg:
                if (ins.Op1Kind != OpKind.Register) return false;
                if (ins.Op0Kind == OpKind.Register) { d.Op = Op.XchgRR; RegOp(in ins, 0, ref d, dst: true); }
                else if (ins.Op0Kind == OpKind.Memory) { d.Op = Op.XchgMR; MemOp(in ins, ref d); SizeFromMem(in ins, ref d); }
                else return false;
                RegOp(in ins, 1, ref d, dst: false);
                return true;
            case Mnemonic.Cbw: Acc(ref d, Op.SignExtendAcc, 2); return true;
            case Mnemonic.Cwde: Acc(ref d, Op.SignExtendAcc, 4); return true;
            case Mnemonic.Cdqe: Acc(ref d, Op.SignExtendAcc, 8); return true;
            case Mnemonic.Cwd: Acc(ref d, Op.SignSplitAcc, 2); return true;
            case Mnemonic.Cdq: Acc(ref d, Op.SignSplitAcc, 4); return true;
            case Mnemonic.Cqo: Acc(ref d, Op.SignSplitAcc, 8); return true;

            case Mnemonic.Not: return OneOp(in ins, ref d, Op.NotR);
            case Mnemonic.Neg: return OneOp(in ins, ref d, Op.NegR);
            case Mnemonic.Inc: return OneOp(in ins, ref d, Op.IncR);
            case Mnemonic.Dec: return OneOp(in ins, ref d, Op.DecR);
            case Mnemonic.Mul: return OneOp(in ins, ref d, Op.MulR);
            case Mnemonic.Div: return OneOp(in ins, ref d, Op.DivR);
            case Mnemonic.Idiv: return OneOp(in ins, ref d, Op.IdivR);
            case Mnemonic.Imul: return Imul(in ins, ref d);

            case Mnemonic.Shl: case Mnemonic.Sal: return Shift(in ins, ref d, ShiftKind.Shl);
            case Mnemonic.Shr: return Shift(in ins, ref d, ShiftKind.Shr);
            case Mnemonic.Sar: return Shift(in ins, ref d, ShiftKind.Sar);
            case Mnemonic.Rol: return Shift(in ins, ref d, ShiftKind.Rol);
            case Mnemonic.Ror: return Shift(in ins, ref d, ShiftKind.Ror);
            case Mnemonic.Rcl: return Shift(in ins, ref d, ShiftKind.Rcl);
            case Mnemonic.Rcr: return Shift(in ins, ref d, ShiftKind.Rcr);
            case Mnemonic.Shld: return ShiftDouble(in ins, ref d, 0);
            case Mnemonic.Shrd: return ShiftDouble(in ins, ref d, 1);

            case Mnemonic.Push: return Push(in ins, ref d);
            case Mnemonic.Pop: return Pop(in ins, ref d);
            case Mnemonic.Call: return Branch(in ins, ref d, Op.CallRel, ins.Code is Code.Call_rel32_64 or Code.Call_rm64);
            case Mnemonic.Jmp: return Branch(in ins, ref d, Op.JmpRel, ins.Code is Code.Jmp_rel8_64 or Code.Jmp_rel32_64 or Code.Jmp_rm64);
            case Mnemonic.Ret:
                if (ins.Code == Code.Retnq) { d.Op = Op.Ret; return true; }
                if (ins.Code == Code.Retnq_imm16) { d.Op = Op.Ret; d.Imm = ins.Immediate16; return true; }
                return false;

            case Mnemonic.Bt: return BitTest(in ins, ref d, BitTestKind.Bt);
            case Mnemonic.Bts: return BitTest(in ins, ref d, BitTestKind.Bts);
            case Mnemonic.Btr: return BitTest(in ins, ref d, BitTestKind.Btr);
            case Mnemonic.Btc: return BitTest(in ins, ref d, BitTestKind.Btc);
            // The captured CPU has neither ABM (CPUID 0x80000001 ECX[5]) nor BMI1 (leaf 7 EBX[3]): F3 0F BD/BC are
            // bsr/bsf with an ignored rep prefix there, as on every CPU without them.
            case Mnemonic.Bsf: case Mnemonic.Tzcnt: return BitScan(in ins, ref d, 0);
            case Mnemonic.Bsr: case Mnemonic.Lzcnt: return BitScan(in ins, ref d, 1);
            case Mnemonic.Xadd: return RegOrMemWithReg(in ins, ref d, Op.XaddRR, Op.XaddMR);
            case Mnemonic.Cmpxchg: return RegOrMemWithReg(in ins, ref d, Op.CmpxchgRR, Op.CmpxchgMR);
            case Mnemonic.Cmpxchg8b: case Mnemonic.Cmpxchg16b:
                if (ins.Op0Kind != OpKind.Memory) return false;
                d.Op = Op.CmpxchgWide; MemOp(in ins, ref d); d.Size = (byte)ins.MemorySize.GetSize();
                return true;
            case Mnemonic.Bswap: d.Op = Op.Bswap; RegOp(in ins, 0, ref d, dst: true); return true;

            case Mnemonic.Enter:
                d.Op = Op.Enter; d.Size = (byte)(ins.Code == Code.Enterq_imm16_imm8 ? 8 : 2);
                d.Imm = ((ulong)ins.Immediate8_2nd << 16) | ins.Immediate16;
                return ins.Code is Code.Enterq_imm16_imm8 or Code.Enterw_imm16_imm8;
            case Mnemonic.Leave:
                d.Op = Op.Leave; d.Size = (byte)(ins.Code == Code.Leaveq ? 8 : 2);
                return ins.Code is Code.Leaveq or Code.Leavew;
            case Mnemonic.Loop: return Loop(in ins, ref d, 0);
            case Mnemonic.Loope: return Loop(in ins, ref d, 1);
            case Mnemonic.Loopne: return Loop(in ins, ref d, 2);
            case Mnemonic.Jrcxz: case Mnemonic.Jecxz: return Loop(in ins, ref d, 3);
            case Mnemonic.Sgdt: case Mnemonic.Sidt:
                if (ins.Op0Kind != OpKind.Memory) return false;
                d.Op = Op.Sdt; d.Aux = (byte)(mn == Mnemonic.Sidt ? 1 : 0); MemOp(in ins, ref d);
                return true;
            case Mnemonic.Sldt: case Mnemonic.Str: case Mnemonic.Smsw:
                d.Aux = (byte)(mn == Mnemonic.Sldt ? 0 : mn == Mnemonic.Str ? 1 : 2);
                if (ins.Op0Kind == OpKind.Register) { d.Op = Op.StoreSysR; RegOp(in ins, 0, ref d, dst: true); return true; }
                if (ins.Op0Kind != OpKind.Memory) return false;
                d.Op = Op.StoreSysM; MemOp(in ins, ref d);
                return true;
            case Mnemonic.Xlatb:
                if (ins.Op0Kind != OpKind.Memory) return false;
                d.Op = Op.Xlat; MemOp(in ins, ref d); // base RBX/EBX, segment; the AL index is added by the handler
                d.Index = Cpu.ZeroSlot; d.Disp = 0;
                return true;

            case Mnemonic.Movsb: case Mnemonic.Movsw: case Mnemonic.Movsd: case Mnemonic.Movsq:
                return StringOp(in ins, ref d, Op.Movs, ins.Code switch
                {
                    Code.Movsb_m8_m8 => 1, Code.Movsw_m16_m16 => 2, Code.Movsd_m32_m32 => 4, Code.Movsq_m64_m64 => 8, _ => 0,
                });
            case Mnemonic.Lodsb: case Mnemonic.Lodsw: case Mnemonic.Lodsd: case Mnemonic.Lodsq:
                return StringCompareOp(in ins, ref d, Op.Lods, ins.Code switch
                {
                    Code.Lodsb_AL_m8 => 1, Code.Lodsw_AX_m16 => 2, Code.Lodsd_EAX_m32 => 4, Code.Lodsq_RAX_m64 => 8, _ => 0,
                }, OpKind.MemorySegRSI);
            case Mnemonic.Scasb: case Mnemonic.Scasw: case Mnemonic.Scasd: case Mnemonic.Scasq:
                return StringCompareOp(in ins, ref d, Op.Scas, ins.Code switch
                {
                    Code.Scasb_AL_m8 => 1, Code.Scasw_AX_m16 => 2, Code.Scasd_EAX_m32 => 4, Code.Scasq_RAX_m64 => 8, _ => 0,
                }, OpKind.MemoryESRDI);
            case Mnemonic.Cmpsb: case Mnemonic.Cmpsw: case Mnemonic.Cmpsd: case Mnemonic.Cmpsq:
                return StringCompareOp(in ins, ref d, Op.Cmps, ins.Code switch
                {
                    Code.Cmpsb_m8_m8 => 1, Code.Cmpsw_m16_m16 => 2, Code.Cmpsd_m32_m32 => 4, Code.Cmpsq_m64_m64 => 8, _ => 0,
                }, OpKind.MemorySegRSI);
            case Mnemonic.Stosb: case Mnemonic.Stosw: case Mnemonic.Stosd: case Mnemonic.Stosq:
                return StringOp(in ins, ref d, Op.Stos, ins.Code switch
                {
                    Code.Stosb_m8_AL => 1, Code.Stosw_m16_AX => 2, Code.Stosd_m32_EAX => 4, Code.Stosq_m64_RAX => 8, _ => 0,
                });
        }
        if (ins.IsJccShortOrNear && ins.Op0Kind == OpKind.NearBranch64)
        {
            d.Op = Op.Jcc; d.Cc = CondIndex(in ins); d.Imm = ins.NearBranch64;
            return true;
        }
        if (InstructionSet.IsSetcc(mn))
        {
            d.Cc = CondIndex(in ins);
            if (ins.Op0Kind == OpKind.Register) { d.Op = Op.SetccR; RegOp(in ins, 0, ref d, dst: true); return true; }
            d.Op = Op.SetccM; MemOp(in ins, ref d); d.Size = 1; d.Mask = 0xFF;
            return true;
        }
        if (InstructionSet.IsCmovcc(mn))
        {
            d.Cc = CondIndex(in ins);
            RegOp(in ins, 0, ref d, dst: true);
            if (ins.Op1Kind == OpKind.Register) { d.Op = Op.CmovRR; RegOp(in ins, 1, ref d, dst: false); return true; }
            d.Op = Op.CmovRM; MemOp(in ins, ref d);
            return true;
        }
        return false;
    }

    private static byte CondIndex(in Instruction ins) => (byte)(ins.ConditionCode - ConditionCode.o);

    private static bool IsImm(OpKind k) => k is OpKind.Immediate8 or OpKind.Immediate16 or OpKind.Immediate32 or OpKind.Immediate64
        or OpKind.Immediate8to16 or OpKind.Immediate8to32 or OpKind.Immediate8to64 or OpKind.Immediate32to64;

    private static Form FormOf(in Instruction ins)
    {
        if (ins.OpCount != 2) return Form.None;
        OpKind a = ins.Op0Kind, b = ins.Op1Kind;
        if (a == OpKind.Register)
            return b == OpKind.Register ? Form.RR : b == OpKind.Memory ? Form.RM : IsImm(b) ? Form.RI : Form.None;
        if (a == OpKind.Memory)
            return b == OpKind.Register ? Form.MR : IsImm(b) ? Form.MI : Form.None;
        return Form.None;
    }

    /// <summary>mov and the ALU instructions: the handler id is the RR id plus the form.</summary>
    private static bool TwoOp(in Instruction ins, ref Insn d, Op rr, bool allowRM)
    {
        Form f = FormOf(in ins);
        if (f == Form.None || (f == Form.RM && !allowRM)) return false;
        d.Op = rr + (byte)f;
        switch (f)
        {
            case Form.RR: RegOp(in ins, 0, ref d, dst: true); RegOp(in ins, 1, ref d, dst: false); break;
            case Form.RI: RegOp(in ins, 0, ref d, dst: true); d.Imm = ins.GetImmediate(1) & d.Mask; break;
            case Form.RM: RegOp(in ins, 0, ref d, dst: true); MemOp(in ins, ref d); break;
            case Form.MR: MemOp(in ins, ref d); SizeFromMem(in ins, ref d); RegOp(in ins, 1, ref d, dst: false); break;
            case Form.MI: MemOp(in ins, ref d); SizeFromMem(in ins, ref d); d.Imm = ins.GetImmediate(1) & d.Mask; break;
        }
        return true;
    }

    /// <summary>movzx/movsx/movsxd: destination register size in Size/Mask, source size in Aux/SMask.</summary>
    private static bool Extend(in Instruction ins, ref Insn d, Op rr)
    {
        if (ins.Op0Kind != OpKind.Register) return false;
        RegOp(in ins, 0, ref d, dst: true);
        int srcSize;
        if (ins.Op1Kind == OpKind.Register)
        {
            d.Op = rr;
            (d.S, d.SSh) = Slot(ins.Op1Register);
            srcSize = ins.Op1Register.GetSize();
        }
        else if (ins.Op1Kind == OpKind.Memory)
        {
            d.Op = rr + 1;
            MemOp(in ins, ref d);
            srcSize = ins.MemorySize.GetSize();
        }
        else return false;
        d.Aux = (byte)srcSize;
        d.SMask = Cpu.MaskOf(srcSize);
        return true;
    }

    private static void Acc(ref Insn d, Op op, int size)
    {
        d.Op = op; d.Size = (byte)size; d.Mask = Cpu.MaskOf(size);
        d.D = (byte)Reg.Rax; d.Keep = size >= 4 ? 0 : ~d.Mask;
    }

    /// <summary>One r/m operand: the handler id is the register form, +1 for memory.</summary>
    private static bool OneOp(in Instruction ins, ref Insn d, Op r)
    {
        if (ins.OpCount != 1) return false;
        if (ins.Op0Kind == OpKind.Register) { d.Op = r; RegOp(in ins, 0, ref d, dst: true); return true; }
        if (ins.Op0Kind == OpKind.Memory) { d.Op = r + 1; MemOp(in ins, ref d); SizeFromMem(in ins, ref d); return true; }
        return false;
    }

    private static bool Imul(in Instruction ins, ref Insn d)
    {
        switch (ins.OpCount)
        {
            case 1: return OneOp(in ins, ref d, Op.Imul1R);
            case 2:
                RegOp(in ins, 0, ref d, dst: true);
                if (ins.Op1Kind == OpKind.Register) { d.Op = Op.Imul2RR; RegOp(in ins, 1, ref d, dst: false); return true; }
                d.Op = Op.Imul2RM; MemOp(in ins, ref d);
                return true;
            case 3:
                RegOp(in ins, 0, ref d, dst: true);
                d.Imm = ins.GetImmediate(2) & d.Mask;
                if (ins.Op1Kind == OpKind.Register) { d.Op = Op.Imul3RR; RegOp(in ins, 1, ref d, dst: false); return true; }
                d.Op = Op.Imul3RM; MemOp(in ins, ref d);
                return true;
        }
        return false;
    }

    private static bool Shift(in Instruction ins, ref Insn d, ShiftKind kind)
    {
        bool byCl = ins.Op1Kind == OpKind.Register; // the only register count is CL
        if (!byCl && ins.Op1Kind != OpKind.Immediate8) return false;
        if (ins.Op0Kind == OpKind.Register) { d.Op = byCl ? Op.ShiftRC : Op.ShiftRI; RegOp(in ins, 0, ref d, dst: true); }
        else if (ins.Op0Kind == OpKind.Memory) { d.Op = byCl ? Op.ShiftMC : Op.ShiftMI; MemOp(in ins, ref d); SizeFromMem(in ins, ref d); }
        else return false;
        d.Aux = (byte)kind;
        if (!byCl) d.Imm = ins.Immediate8;
        return true;
    }

    /// <summary>shld/shrd r/m, r, imm8|CL: the handler id is RI/RC/MI/MC as for the shifts.</summary>
    private static bool ShiftDouble(in Instruction ins, ref Insn d, byte right)
    {
        if (ins.OpCount != 3 || ins.Op1Kind != OpKind.Register) return false;
        bool byCl = ins.Op2Kind == OpKind.Register;
        if (!byCl && ins.Op2Kind != OpKind.Immediate8) return false;
        if (ins.Op0Kind == OpKind.Register) { d.Op = byCl ? Op.ShiftDRC : Op.ShiftDRI; RegOp(in ins, 0, ref d, dst: true); }
        else if (ins.Op0Kind == OpKind.Memory) { d.Op = byCl ? Op.ShiftDMC : Op.ShiftDMI; MemOp(in ins, ref d); SizeFromMem(in ins, ref d); }
        else return false;
        RegOp(in ins, 1, ref d, dst: false);
        d.Aux = right;
        if (!byCl) d.Imm = ins.Immediate8;
        return true;
    }

    private static bool Push(in Instruction ins, ref Insn d)
    {
        switch (ins.Code)
        {
            case Code.Push_r64: case Code.Push_r16:
                d.Op = Op.PushR; RegOp(in ins, 0, ref d, dst: false); (d.D, d.DSh) = (d.S, d.SSh);
                d.Size = (byte)ins.Op0Register.GetSize();
                break;
            case Code.Pushq_imm8: case Code.Pushq_imm32:
                d.Op = Op.PushI; d.Size = 8; d.Imm = ins.GetImmediate(0);
                break;
            case Code.Push_imm16: case Code.Pushw_imm8:
                d.Op = Op.PushI; d.Size = 2; d.Imm = ins.GetImmediate(0) & 0xFFFF;
                break;
            case Code.Push_rm64: case Code.Push_rm16:
                if (ins.Op0Kind == OpKind.Register) goto case Code.Push_r64;
                d.Op = Op.PushM; MemOp(in ins, ref d); SizeFromMem(in ins, ref d);
                break;
            default: return false;
        }
        d.Mask = Cpu.MaskOf(d.Size);
        return true;
    }

    private static bool Pop(in Instruction ins, ref Insn d)
    {
        switch (ins.Code)
        {
            case Code.Pop_r64: case Code.Pop_r16:
                d.Op = Op.PopR; RegOp(in ins, 0, ref d, dst: true);
                return true;
            case Code.Pop_rm64: case Code.Pop_rm16:
                if (ins.Op0Kind == OpKind.Register) goto case Code.Pop_r64;
                d.Op = Op.PopM; MemOp(in ins, ref d); SizeFromMem(in ins, ref d);
                return true;
        }
        return false;
    }

    /// <summary>call/jmp: relative (id), through a register (id+1) or memory (id+2). Only the 64-bit forms.</summary>
    private static bool Branch(in Instruction ins, ref Insn d, Op rel, bool is64)
    {
        if (!is64) return false;
        switch (ins.Op0Kind)
        {
            case OpKind.NearBranch64: d.Op = rel; d.Imm = ins.NearBranch64; return true;
            case OpKind.Register: d.Op = rel + 1; RegOp(in ins, 0, ref d, dst: true); return true;
            case OpKind.Memory: d.Op = rel + 2; MemOp(in ins, ref d); d.Size = 8; d.Mask = ulong.MaxValue; return true;
        }
        return false;
    }

    /// <summary>bt/bts/btr/btc r/m, r|imm8: the four forms RR, RI, MR, MI in that order.</summary>
    private static bool BitTest(in Instruction ins, ref Insn d, BitTestKind kind)
    {
        Form f = FormOf(in ins);
        if (f is Form.None or Form.RM) return false;
        d.Op = Op.BtRR + (byte)(f == Form.RR ? 0 : f == Form.RI ? 1 : f == Form.MR ? 2 : 3);
        d.Aux = (byte)kind;
        if (f is Form.RR or Form.RI) RegOp(in ins, 0, ref d, dst: true);
        else { MemOp(in ins, ref d); SizeFromMem(in ins, ref d); }
        if (f is Form.RR or Form.MR) RegOp(in ins, 1, ref d, dst: false);
        else d.Imm = ins.Immediate8;
        return true;
    }

    /// <summary>xadd/cmpxchg r/m, r: a register (<paramref name="rr"/>) or memory (<paramref name="mr"/>) destination.</summary>
    private static bool RegOrMemWithReg(in Instruction ins, ref Insn d, Op rr, Op mr)
    {
        Form f = FormOf(in ins);
        if (f == Form.RR) { d.Op = rr; RegOp(in ins, 0, ref d, dst: true); }
        else if (f == Form.MR) { d.Op = mr; MemOp(in ins, ref d); SizeFromMem(in ins, ref d); }
        else return false;
        RegOp(in ins, 1, ref d, dst: false);
        return true;
    }

    /// <summary>loop/loope/loopne/jrcxz: RCX, or ECX with a 0x67 prefix (AMask).</summary>
    private static bool Loop(in Instruction ins, ref Insn d, byte kind)
    {
        if (ins.Op0Kind != OpKind.NearBranch64) return false;
        d.Op = Op.Loop; d.Aux = kind; d.Imm = ins.NearBranch64;
        d.AMask = ins.Code is Code.Loop_rel8_64_ECX or Code.Loope_rel8_64_ECX or Code.Loopne_rel8_64_ECX or Code.Jecxz_rel8_64
            ? 0xFFFF_FFFF : ulong.MaxValue;
        return true;
    }

    private static byte XmmNumber(Register r) => (byte)(r - Register.XMM0);

    /// <summary>
    /// The SSE/SSE2 moves and the three integer ops (see CpuSse.cs). <paramref name="isSse"/> tells whether the
    /// instruction belongs to this group at all (then a false result means an unmodelled form: #UD).
    /// </summary>
    private static bool Sse(in Instruction ins, ref Insn d, out bool isSse)
    {
        isSse = true;
        switch (ins.Code)
        {
            case Code.Movdqa_xmm_xmmm128: case Code.Movaps_xmm_xmmm128: case Code.Movapd_xmm_xmmm128:
                return XmmLoadOrMove(in ins, ref d, 16, aligned: true);
            case Code.Movdqu_xmm_xmmm128: case Code.Movups_xmm_xmmm128: case Code.Movupd_xmm_xmmm128:
                return XmmLoadOrMove(in ins, ref d, 16, aligned: false);
            case Code.Movdqa_xmmm128_xmm: case Code.Movaps_xmmm128_xmm: case Code.Movapd_xmmm128_xmm:
                return XmmStoreOrMove(in ins, ref d, 16, aligned: true);
            case Code.Movdqu_xmmm128_xmm: case Code.Movups_xmmm128_xmm: case Code.Movupd_xmmm128_xmm:
                return XmmStoreOrMove(in ins, ref d, 16, aligned: false);
            case Code.Movq_xmm_xmmm64:
                if (ins.Op1Kind == OpKind.Register) { d.Op = Op.XmmMovqRR; d.D = XmmNumber(ins.Op0Register); d.S = XmmNumber(ins.Op1Register); return true; }
                return XmmLoadOrMove(in ins, ref d, 8, aligned: false);
            case Code.Movq_xmmm64_xmm:
                if (ins.Op0Kind == OpKind.Register) { d.Op = Op.XmmMovqRR; d.D = XmmNumber(ins.Op0Register); d.S = XmmNumber(ins.Op1Register); return true; }
                return XmmStoreOrMove(in ins, ref d, 8, aligned: false);
            case Code.Movd_xmm_rm32: case Code.Movq_xmm_rm64:
            {
                int size = ins.Code == Code.Movd_xmm_rm32 ? 4 : 8;
                if (ins.Op1Kind == OpKind.Memory) return XmmLoadOrMove(in ins, ref d, size, aligned: false);
                d.Op = Op.XmmFromGpr; d.D = XmmNumber(ins.Op0Register); d.S = (byte)ins.Op1Register.GetFullRegister().GetNumber();
                d.Mask = Cpu.MaskOf(size);
                return true;
            }
            case Code.Movd_rm32_xmm: case Code.Movq_rm64_xmm:
            {
                int size = ins.Code == Code.Movd_rm32_xmm ? 4 : 8;
                if (ins.Op0Kind == OpKind.Memory) return XmmStoreOrMove(in ins, ref d, size, aligned: false);
                d.Op = Op.XmmToGpr; RegOp(in ins, 0, ref d, dst: true); d.S = XmmNumber(ins.Op1Register);
                return true;
            }
            case Code.Pxor_xmm_xmmm128: return XmmOp(in ins, ref d, Op.PxorRR);
            case Code.Pcmpeqb_xmm_xmmm128: return XmmOp(in ins, ref d, Op.PcmpeqbRR);
            case Code.Por_xmm_xmmm128: d.Cc = (byte)XmmAlu.Por; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Pand_xmm_xmmm128: d.Cc = (byte)XmmAlu.Pand; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Pandn_xmm_xmmm128: d.Cc = (byte)XmmAlu.Pandn; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Pminub_xmm_xmmm128: d.Cc = (byte)XmmAlu.Pminub; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Punpcklbw_xmm_xmmm128: d.Cc = (byte)XmmAlu.Punpcklbw; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Punpcklwd_xmm_xmmm128: d.Cc = (byte)XmmAlu.Punpcklwd; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Punpckldq_xmm_xmmm128: d.Cc = (byte)XmmAlu.Punpckldq; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Punpcklqdq_xmm_xmmm128: d.Cc = (byte)XmmAlu.Punpcklqdq; return XmmOp(in ins, ref d, Op.XmmAluRR);
            case Code.Pshufd_xmm_xmmm128_imm8: d.Imm = ins.Immediate8; return XmmOp(in ins, ref d, Op.PshufdRR);
            case Code.Pmovmskb_r32_xmm: case Code.Pmovmskb_r64_xmm:
                d.Op = Op.Pmovmskb; RegOp(in ins, 0, ref d, dst: true); d.S = XmmNumber(ins.Op1Register);
                return true;
        }
        isSse = false;
        return false;
    }

    /// <summary>xmm, xmm/m: a register copy, or a load of <paramref name="size"/> bytes zero-extended to 128 bits.</summary>
    private static bool XmmLoadOrMove(in Instruction ins, ref Insn d, int size, bool aligned)
    {
        d.D = XmmNumber(ins.Op0Register);
        if (ins.Op1Kind == OpKind.Register) { d.Op = Op.XmmMovRR; d.S = XmmNumber(ins.Op1Register); return true; }
        d.Op = Op.XmmLoad; MemOp(in ins, ref d); d.Size = (byte)size; d.Aux = (byte)(aligned ? 1 : 0);
        return true;
    }

    /// <summary>xmm/m, xmm: a register copy, or a store of the low <paramref name="size"/> bytes.</summary>
    private static bool XmmStoreOrMove(in Instruction ins, ref Insn d, int size, bool aligned)
    {
        d.S = XmmNumber(ins.Op1Register);
        if (ins.Op0Kind == OpKind.Register) { d.Op = Op.XmmMovRR; d.D = XmmNumber(ins.Op0Register); return true; }
        d.Op = Op.XmmStore; MemOp(in ins, ref d); d.Size = (byte)size; d.Aux = (byte)(aligned ? 1 : 0);
        return true;
    }

    /// <summary>pxor/pcmpeqb xmm, xmm/m128 (a legacy-SSE m128 operand must be 16-byte aligned).</summary>
    private static bool XmmOp(in Instruction ins, ref Insn d, Op rr)
    {
        d.D = XmmNumber(ins.Op0Register);
        if (ins.Op1Kind == OpKind.Register) { d.Op = rr; d.S = XmmNumber(ins.Op1Register); return true; }
        d.Op = rr + 1; MemOp(in ins, ref d); d.Size = 16; d.Aux = 1;
        return true;
    }

    /// <summary>bsf/bsr r, r/m (and tzcnt/lzcnt, decoded as them).</summary>
    private static bool BitScan(in Instruction ins, ref Insn d, byte bsr)
    {
        Form f = FormOf(in ins);
        if (f is not (Form.RR or Form.RM)) return false;
        RegOp(in ins, 0, ref d, dst: true);
        if (f == Form.RR) { d.Op = Op.BsfRR; RegOp(in ins, 1, ref d, dst: false); }
        else { d.Op = Op.BsfRM; MemOp(in ins, ref d); }
        d.Aux = bsr;
        return true;
    }

    private static bool StringOp(in Instruction ins, ref Insn d, Op op, int size)
    {
        if (StringNarrow(in ins, ref d, op == Op.Movs ? StringKind.Movs : StringKind.Stos, size, out _)) return true;
        if (size == 0 || ins.Op0Kind != OpKind.MemoryESRDI) return false;
        d.Op = op; d.Size = (byte)size; d.Mask = Cpu.MaskOf(size);
        d.Aux = (byte)(ins.HasRepPrefix || ins.HasRepnePrefix ? 1 : 0);
        d.Seg = SegSlot(ins.MemorySegment); // source segment (movs); the destination is always ES (base 0)
        return true;
    }

    /// <summary>lods/scas/cmps: <paramref name="firstMem"/> is the operand kind that proves 64-bit addressing.</summary>
    private static bool StringCompareOp(in Instruction ins, ref Insn d, Op op, int size, OpKind firstMem)
    {
        var kind = op == Op.Lods ? StringKind.Lods : op == Op.Scas ? StringKind.Scas : StringKind.Cmps;
        if (StringNarrow(in ins, ref d, kind, size, out _)) return true;
        bool mem64 = false;
        for (int k = 0; k < ins.OpCount; k++) mem64 |= ins.GetOpKind(k) == firstMem;
        if (size == 0 || !mem64) return false;
        d.Op = op; d.Size = (byte)size; d.Mask = Cpu.MaskOf(size);
        d.Aux = (byte)(ins.HasRepePrefix ? 1 : ins.HasRepnePrefix ? 2 : 0);
        d.Seg = op == Op.Scas ? Cpu.ZeroSlot : SegSlot(ins.MemorySegment); // scas reads ES:RDI only
        return true;
    }

    private static (byte slot, byte shift) Slot(Register r) => r switch
    {
        Register.AH => (0, 8), Register.CH => (1, 8), Register.DH => (2, 8), Register.BH => (3, 8),
        _ => ((byte)r.GetFullRegister().GetNumber(), 0),
    };

    /// <summary>Operand <paramref name="k"/> is a register: the destination also fixes the operand size.</summary>
    private static void RegOp(in Instruction ins, int k, ref Insn d, bool dst)
    {
        Register r = ins.GetOpRegister(k);
        var (slot, sh) = Slot(r);
        if (!dst) { d.S = slot; d.SSh = sh; if (d.Size == 0) { d.Size = (byte)r.GetSize(); d.Mask = Cpu.MaskOf(d.Size); } return; }
        d.D = slot; d.DSh = sh;
        d.Size = (byte)r.GetSize();
        d.Mask = Cpu.MaskOf(d.Size);
        d.Keep = d.Size >= 4 ? 0 : ~(d.Mask << sh);
    }

    private static void SizeFromMem(in Instruction ins, ref Insn d)
    {
        d.Size = (byte)ins.MemorySize.GetSize();
        d.Mask = Cpu.MaskOf(d.Size);
    }

    /// <summary>The slot added to an effective address: the FS/GS base, or zero.</summary>
    private static byte SegSlot(Register seg) => seg switch { Register.FS => Cpu.FsSlot, Register.GS => Cpu.GsSlot, _ => Cpu.ZeroSlot };

    /// <summary>
    /// The segment slot of a memory operand. Without an FS/GS override, a base of RSP or RBP (ESP/EBP with 0x67) makes it
    /// an SS reference (<see cref="Cpu.SsSlot"/>, zero, for #SS); a CS/DS/ES/SS override is ignored in 64-bit mode, so it
    /// changes neither the base nor the fault (seen on the host CPU by `l4conf cpu diff`).
    /// </summary>
    private static byte MemSegSlot(in Instruction ins)
    {
        byte s = SegSlot(ins.SegmentPrefix);
        if (s != Cpu.ZeroSlot) return s;
        return ins.MemoryBase is Register.RSP or Register.RBP or Register.ESP or Register.EBP ? Cpu.SsSlot : Cpu.ZeroSlot;
    }

    private static void MemOp(in Instruction ins, ref Insn d)
    {
        Register b = ins.MemoryBase, x = ins.MemoryIndex;
        bool addr32 = false, addr16 = b.IsGPR16() || x.IsGPR16() || (b == Register.None && x == Register.None && ins.MemoryDisplSize == 2);
        if (b is Register.RIP or Register.EIP)
        {
            d.Base = Cpu.ZeroSlot;
            d.Disp = ins.IPRelativeMemoryAddress;
            addr32 = b == Register.EIP;
        }
        else
        {
            d.Base = b == Register.None ? Cpu.ZeroSlot : (byte)b.GetNumber();
            d.Disp = ins.MemoryDisplacement64;
            addr32 = b.IsGPR32();
        }
        d.Index = x == Register.None ? Cpu.ZeroSlot : (byte)x.GetNumber();
        addr32 |= x.IsGPR32();
        // [disp32] with a 0x67 prefix: no register tells the address size, Iced's displacement size does (8 without it).
        // Matters where a computed offset is added to the address (bt* with a register offset wraps at 2^32).
        addr32 |= b == Register.None && x == Register.None && ins.MemoryDisplSize == 4;
        d.Scale = (byte)System.Numerics.BitOperations.Log2((uint)Math.Max(1, ins.MemoryIndexScale));
        d.AMask = addr16 ? 0xFFFF : addr32 ? 0xFFFF_FFFF : ulong.MaxValue;
        d.Seg = IsCompat(in ins) ? CompatSegSlot(ins.MemorySegment) : MemSegSlot(in ins);
    }
}
