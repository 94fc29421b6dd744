using System.Linq.Expressions;
using System.Numerics;
using System.Reflection;
using static System.Linq.Expressions.Expression;

namespace L4Conf.Model.Machine;

/// <summary>
/// Translates a basic block of decoded instructions into a .NET expression tree that the JIT compiles: registers
/// live in locals for the whole block, operand shapes, sizes and addresses are constants, and the lazy flag state is
/// kept in locals too, so flags no later instruction reads cost a register move and a condition after cmp or a logic
/// op is a plain comparison. The block ends at a branch, at an instruction the compiler does not take (the
/// interpreter runs it), at the page end, or after <see cref="MaxInstructions"/>.
/// </summary>
/// <remarks>
/// Precise state: every instruction does its memory accesses before it changes a register or a flag, so a fault
/// leaves the block with the state after the previous instruction and RIP at the faulting one, as the interpreter
/// does. After every store the block asks whether the code being run changed (self-modifying code) and stops after
/// the store if it did. The interpreter runs a block only when the instruction budget covers all of it.
/// </remarks>
internal static class BlockCompiler
{
    public const int MaxInstructions = 64;

    /// <summary>The handlers the compiler translates; everything else ends the block before it.</summary>
    public static bool Takes(Op op) => op switch
    {
        Op.Nop or Op.MovRR or Op.MovRI or Op.MovRM or Op.MovMR or Op.MovMI
            or Op.MovzxRR or Op.MovzxRM or Op.MovsxRR or Op.MovsxRM or Op.Lea
            or Op.NotR or Op.NegR or Op.IncR or Op.DecR or Op.NotM or Op.NegM or Op.IncM or Op.DecM
            or Op.PushR or Op.PopR or Op.Jcc or Op.JmpRel or Op.SetccR or Op.CmovRR or Op.Syscall
            or Op.CallRel or Op.Ret => true,
        >= Op.AddRR and <= Op.TestMI when AluKind(op) is not null => true,
        _ => Cpu.IsRegisterOnly(op),   // called out to the interpreter's handler, registers and flags written back around it
    };

    /// <summary>The lazy-flag kind of a two-operand ALU handler; adc/sbb stay with the interpreter (their carry-in).</summary>
    private static FlagOp? AluKind(Op op) => Family(op) switch
    {
        Op.AddRR => FlagOp.Add,
        Op.SubRR or Op.CmpRR => FlagOp.Sub,
        Op.AndRR or Op.OrRR or Op.XorRR or Op.TestRR => FlagOp.Logic,
        _ => null,
    };

    private static Op Family(Op op) => (Op)((int)op - (op - Op.AddRR) % 5);
    private static int Form(Op op) => (op - Op.AddRR) % 5; // 0 RR, 1 RI, 2 RM, 3 MR, 4 MI

    /// <summary>Compiles the block at <paramref name="off"/>; null when its first instruction is not taken.</summary>
    public static Block? Compile(CodePage page, int off)
    {
        var list = new List<(Insn Insn, ulong Rip, int Idx)>();
        int o = off;
        while (list.Count < MaxInstructions && o < CodePage.Size)
        {
            int idx = page.Slot[o];
            if (idx == 0) idx = page.DecodeAt(o);
            if (idx == CodePage.Straddle) break;
            Insn i = page.Insns[idx];
            if (!Takes(i.Op)) break;
            if (i.Op is Op.Jcc or Op.JmpRel or Op.CallRel && !Mmu.IsCanonical(i.Imm)) break; // the interpreter raises the #GP
            list.Add((i, page.Va + (ulong)o, idx));
            o += i.Len;
            if (i.Op is Op.Jcc or Op.JmpRel or Op.Syscall or Op.CallRel or Op.Ret) break;
        }
        if (list.Count == 0) return null;
        var fn = new Emitter(page).Emit(list);
        return new Block(fn, list.Count);
    }

    /// <summary>PF of a result: set when its low byte has an even number of ones.</summary>
    public static bool Parity(ulong r) => (BitOperations.PopCount(r & 0xFF) & 1) == 0;

    private sealed class Emitter(CodePage page)
    {
        private static readonly FieldInfo FlOp = CpuField("flOp"), FlA = CpuField("flA"), FlB = CpuField("flB"), FlRes = CpuField("flRes"),
            FlMask = CpuField("flMask"), FlCin = CpuField("flCin"), BlockNext = CpuField("blockNext"), BlockStatus = CpuField("blockStatus");
        private static readonly MethodInfo LoadRmwM = CpuMethod(nameof(Cpu.BlockLoadRmw)), StoreRmwM = CpuMethod(nameof(Cpu.BlockStoreRmw));
        private static readonly MethodInfo RegisterOnlyM = CpuMethod(nameof(Cpu.BlockRegisterOnly)), BranchFaultM = CpuMethod(nameof(Cpu.BranchFault)),
            CanonicalM = typeof(Mmu).GetMethod(nameof(Mmu.IsCanonical))!;
        private static readonly MethodInfo LoadM = CpuMethod(nameof(Cpu.BlockLoad)), LoadWM = CpuMethod(nameof(Cpu.BlockLoadForWrite)), StoreM = CpuMethod(nameof(Cpu.BlockStore)),
            SyscallFlagsM = CpuMethod(nameof(Cpu.BlockSyscallFlags)), CondM = CpuMethod(nameof(Cpu.BlockCond)), CarryM = CpuMethod(nameof(Cpu.BlockCarry)),
            ParityM = typeof(BlockCompiler).GetMethod(nameof(Parity))!;

        private static FieldInfo CpuField(string name) =>
            typeof(Cpu).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            ?? throw new InvalidOperationException($"Cpu has no field {name}");
        private static MethodInfo CpuMethod(string name) =>
            typeof(Cpu).GetMethod(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            ?? throw new InvalidOperationException($"Cpu has no method {name}");

        private readonly ParameterExpression c = Parameter(typeof(Cpu), "cpu"), regs = Parameter(typeof(ulong[]), "regs"),
            budget = Parameter(typeof(int), "budget"), done = Variable(typeof(int), "done");
        private readonly LabelTarget top = Label("top");
        private readonly ParameterExpression?[] r = new ParameterExpression?[Cpu.SsSlot + 1];
        private readonly bool[] written = new bool[Cpu.SsSlot + 1];
        private readonly ParameterExpression fOp = Variable(typeof(FlagOp), "flOp"), fA = Variable(typeof(ulong), "flA"),
            fB = Variable(typeof(ulong), "flB"), fRes = Variable(typeof(ulong), "flRes"), fMask = Variable(typeof(ulong), "flMask"),
            fCin = Variable(typeof(bool), "flCin");
        private readonly ParameterExpression next = Variable(typeof(ulong), "next"), count = Variable(typeof(int), "count"),
            status = Variable(typeof(int), "status"), v = Variable(typeof(ulong), "v"), a = Variable(typeof(ulong), "a"),
            b = Variable(typeof(ulong), "b"), res = Variable(typeof(ulong), "res"), ea = Variable(typeof(ulong), "ea"),
            cond = Variable(typeof(bool), "cond"), carry = Variable(typeof(bool), "carry"), stored = Variable(typeof(int), "stored"),
            frame = Variable(typeof(object), "frame");
        /// <summary>The block's code page in a local: a constant object is a closure-array load and a type check at each use.</summary>
        private ParameterExpression? pageVar;
        private ParameterExpression PageVar() => pageVar ??= Variable(typeof(CodePage), "page");
        private readonly LabelTarget exit = Label("exit");
        private readonly List<Expression> body = [];
        /// <summary>The latest flag-setting instruction of the block so far (null: the state came in with the block).</summary>
        private FlagOp? producer;
        private ulong producerMask;
        private bool flagsTouched;
        /// <summary>Something read the flags before the block's first producer, straight from the CPU's fields.</summary>
        private bool readsIncomingFlags;

        public BlockFn Emit(List<(Insn Insn, ulong Rip, int Idx)> list)
        {
            ulong end = 0;
            bool branched = false;
            for (int j = 0; j < list.Count; j++)
            {
                var (i, rip, idx) = list[j];
                ulong after = rip + i.Len;
                end = after;
                branched = Cpu.IsRegisterOnly(i.Op) ? CallOut(idx, j, rip) : Instruction(ref i, j, rip, after);
            }
            if (!branched) body.Add(Assign(next, Constant(end)));
            body.Add(Assign(done, Add(done, Constant(list.Count))));
            // A loop that is this one block: run the next pass here while the budget covers all of it.
            if (branched && BranchesTo(list[^1].Insn, list[0].Rip))
            {
                // Code before the block's first flag producer reads the fields: make them current for the next pass.
                Expression again = readsIncomingFlags ? Block(FlushFlags().Append(Goto(top))) : Goto(top);
                body.Add(IfThen(AndAlso(Equal(next, Constant(list[0].Rip)), LessThanOrEqual(done, Subtract(budget, Constant(list.Count)))), again));
            }
            body.Add(Assign(count, done));
            body.Add(Assign(status, Constant(Block.Completed)));
            body.Add(Label(exit));

            var all = new List<Expression>();
            for (int k = 0; k < r.Length; k++)
                if (r[k] is { } x) all.Add(Assign(x, ArrayIndex(regs, Constant(k))));
            if (flagsTouched)
                all.AddRange([Assign(fOp, Field(c, FlOp)), Assign(fA, Field(c, FlA)), Assign(fB, Field(c, FlB)),
                    Assign(fRes, Field(c, FlRes)), Assign(fMask, Field(c, FlMask)), Assign(fCin, Field(c, FlCin))]);
            if (pageVar is not null) all.Add(Assign(pageVar, Constant(page)));
            all.Add(Assign(done, Constant(0)));
            all.Add(Label(top));
            all.AddRange(body);
            for (int k = 0; k < r.Length; k++)
                if (written[k]) all.Add(Assign(ArrayAccess(regs, Constant(k)), r[k]!));
            if (flagsTouched) all.AddRange(FlushFlags());
            all.Add(Assign(Field(c, BlockNext), next));
            all.Add(Assign(Field(c, BlockStatus), status));
            all.Add(count);
            var vars = r.Where(x => x is not null).Select(x => x!).Concat([fOp, fA, fB, fRes, fMask, fCin, next, count, status, done, v, a, b, res, ea, cond, carry, stored, frame]).Concat(pageVar is null ? [] : [pageVar]);
            return Lambda<BlockFn>(Block(typeof(int), vars, all), $"block_{list[0].Rip:x}", [c, regs, budget]).Compile();
        }

        private static bool BranchesTo(Insn last, ulong start) => last.Op is Op.Jcc or Op.JmpRel && last.Imm == start;

        private IEnumerable<Expression> FlushFlags() =>
        [
            Assign(Field(c, FlOp), fOp), Assign(Field(c, FlA), fA), Assign(Field(c, FlB), fB),
            Assign(Field(c, FlRes), fRes), Assign(Field(c, FlMask), fMask), Assign(Field(c, FlCin), fCin),
        ];

        private IEnumerable<Expression> ReloadFlags() =>
        [
            Assign(fOp, Field(c, FlOp)), Assign(fA, Field(c, FlA)), Assign(fB, Field(c, FlB)),
            Assign(fRes, Field(c, FlRes)), Assign(fMask, Field(c, FlMask)), Assign(fCin, Field(c, FlCin)),
        ];

        // ---- registers ----

        private Expression Rd(int slot) => slot is Cpu.ZeroSlot or Cpu.SsSlot ? Constant(0UL) : (r[slot] ??= Variable(typeof(ulong), $"r{slot}"));

        private ParameterExpression RegVar(int slot)
        {
            written[slot] = true;
            return (ParameterExpression)Rd(slot);
        }

        private Expression ReadReg(int slot, int sh, ulong mask)
        {
            Expression e = Rd(slot);
            if (sh != 0) e = RightShift(e, Constant(sh));
            return mask == ulong.MaxValue ? e : And(e, Constant(mask));
        }

        /// <summary>The x86-64 write rule with the instruction's constants: 32/64-bit writes replace, 8/16-bit merge.</summary>
        private Expression WriteDst(ref Insn i, Expression value)
        {
            var d = RegVar(i.D);
            Expression m = i.Mask == ulong.MaxValue ? value : And(value, Constant(i.Mask));
            if (i.DSh != 0) m = LeftShift(m, Constant((int)i.DSh));
            return Assign(d, i.Keep == 0 ? m : Or(And(d, Constant(i.Keep)), m));
        }

        private Expression Ea(ref Insn i)
        {
            Expression? e = null;
            if (i.Base is not (Cpu.ZeroSlot or Cpu.SsSlot)) e = Rd(i.Base);
            if (i.Index is not (Cpu.ZeroSlot or Cpu.SsSlot))
            {
                Expression x = i.Scale == 0 ? Rd(i.Index) : LeftShift(Rd(i.Index), Constant((int)i.Scale));
                e = e is null ? x : Add(e, x);
            }
            if (i.Disp != 0 || e is null) e = e is null ? Constant(i.Disp) : Add(e, Constant(i.Disp));
            if (i.AMask != ulong.MaxValue) e = And(e, Constant(i.AMask));
            if (i.Seg is Cpu.FsSlot or Cpu.GsSlot) e = Add(e, Rd(i.Seg));
            return e;
        }

        // ---- memory, with the fault exit ----

        private Expression FaultExit(int j, ulong rip) =>
            Block(Assign(next, Constant(rip)), Assign(count, Add(done, Constant(j))), Assign(status, Constant(Block.Faulted)), Goto(exit));

        /// <summary>v = the operand at ea (garbage above the size: callers mask); a failed access leaves the block.</summary>
        private Expression Load(Expression address, int size, bool ss, int j, ulong rip, bool forWrite = false) =>
            IfThen(Not(Call(c, forWrite ? LoadWM : LoadM, address, Constant(size), Constant(ss), v)), FaultExit(j, rip));

        /// <summary>The store (a fault leaves the block); `stored` says whether it changed the code being run.</summary>
        private Expression Store(Expression address, int size, bool ss, Expression value, int j, ulong rip) =>
            Block(Assign(stored, Call(c, StoreM, address, Constant(size), Constant(ss), value, PageVar())),
                IfThen(Equal(stored, Constant(1)), FaultExit(j, rip)));

        /// <summary>The load of a read-modify-write operand, keeping the frame for <see cref="StoreRmw"/>.</summary>
        private Expression LoadRmw(Expression address, int size, bool ss, int j, ulong rip) =>
            IfThen(Not(Call(c, LoadRmwM, address, Constant(size), Constant(ss), v, frame)), FaultExit(j, rip));

        /// <summary>The store of a read-modify-write operand into the frame its load found (else as <see cref="Store"/>).</summary>
        private Expression StoreRmw(Expression address, int size, bool ss, Expression value, int j, ulong rip) =>
            Block(Assign(stored, Call(c, StoreRmwM, frame, address, Constant(size), Constant(ss), value, PageVar())),
                IfThen(Equal(stored, Constant(1)), FaultExit(j, rip)));

        /// <summary>After the instruction that stored is complete: stop after it if the code being run changed.</summary>
        private Expression CodeCheck(int j, ulong after) =>
            IfThen(Equal(stored, Constant(2)),
                Block(Assign(next, Constant(after)), Assign(count, Add(done, Constant(j + 1))), Assign(status, Constant(Block.CodeChanged)), Goto(exit)));

        // ---- flags ----

        private IEnumerable<Expression> SetFlags(FlagOp kind, Expression fa, Expression fb, Expression fr, ulong mask)
        {
            flagsTouched = true;
            producer = kind;
            producerMask = mask;
            return [Assign(fOp, Constant(kind)), Assign(fA, fa), Assign(fB, fb), Assign(fRes, fr), Assign(fMask, Constant(mask))];
        }

        /// <summary>Condition <paramref name="cc"/> as an expression: inline after cmp/sub and logic ops, else asked of the CPU.</summary>
        private Expression Cond(int cc)
        {
            flagsTouched = true;
            Expression t;
            ulong m = producerMask, sign = m ^ (m >> 1);
            int sh = BitOperations.LeadingZeroCount(m);
            Expression Signed(Expression x) => Convert(sh == 0 ? x : LeftShift(x, Constant(sh)), typeof(long));
            if (producer == FlagOp.Sub)
            {
                t = (cc >> 1) switch
                {
                    0 => NotEqual(And(And(ExclusiveOr(fA, fB), ExclusiveOr(fA, fRes)), Constant(sign)), Constant(0UL)),
                    1 => LessThan(fA, fB),
                    2 => Equal(fRes, Constant(0UL)),
                    3 => LessThanOrEqual(fA, fB),
                    4 => NotEqual(And(fRes, Constant(sign)), Constant(0UL)),
                    5 => Call(ParityM, fRes),
                    6 => LessThan(Signed(fA), Signed(fB)),
                    _ => LessThanOrEqual(Signed(fA), Signed(fB)),
                };
            }
            else if (producer == FlagOp.Logic)
            {
                Expression zf = Equal(fRes, Constant(0UL)), sf = NotEqual(And(fRes, Constant(sign)), Constant(0UL));
                t = (cc >> 1) switch
                {
                    0 or 1 => Constant(false),   // OF = CF = 0
                    2 or 3 => zf,
                    4 or 6 => sf,                // SF != OF with OF = 0
                    5 => Call(ParityM, fRes),
                    _ => OrElse(zf, sf),
                };
            }
            else
            {
                // The CPU's own evaluation from the current lazy state (it may materialize it: take it back).
                readsIncomingFlags |= producer is null;
                var steps = new List<Expression>(producer is null ? [] : FlushFlags());
                steps.Add(Assign(cond, Call(c, CondM, Constant(cc))));
                steps.AddRange(ReloadFlags());
                steps.Add(cond);
                return Block(steps);   // the CPU's Cond applies the negation of odd codes itself
            }
            return (cc & 1) != 0 ? Not(t) : t;
        }

        /// <summary>CF as it stands (inc/dec keep it).</summary>
        private Expression Carry()
        {
            flagsTouched = true;
            readsIncomingFlags |= producer is null;
            return producer switch
            {
                FlagOp.Sub => LessThan(fA, fB),
                FlagOp.Add => LessThan(fRes, fA),
                FlagOp.Logic => Constant(false),
                FlagOp.Inc or FlagOp.Dec => fCin,
                _ => Call(c, CarryM),   // the state came in with the block: the fields are current
            };
        }

        // ---- instructions ----

        /// <summary>Emits one instruction; true when it set `next` itself (a branch, which ends the block).</summary>
        private bool Instruction(ref Insn i, int j, ulong rip, ulong after)
        {
            bool ss = i.Seg == Cpu.SsSlot;
            switch (i.Op)
            {
                case Op.Nop: return false;
                case Op.MovRR: body.Add(WriteDst(ref i, ReadReg(i.S, i.SSh, ulong.MaxValue))); return false;
                case Op.MovRI: body.Add(WriteDst(ref i, Constant(i.Imm))); return false;
                case Op.MovRM:
                    body.Add(Load(Ea(ref i), i.Size, ss, j, rip));
                    body.Add(WriteDst(ref i, v));
                    return false;
                case Op.MovMR:
                    body.Add(Assign(a, ReadReg(i.S, i.SSh, ulong.MaxValue)));
                    body.Add(Store(Ea(ref i), i.Size, ss, a, j, rip));
                    body.Add(CodeCheck(j, after));
                    return false;
                case Op.MovMI:
                    body.Add(Store(Ea(ref i), i.Size, ss, Constant(i.Imm), j, rip));
                    body.Add(CodeCheck(j, after));
                    return false;
                case Op.MovzxRR: body.Add(WriteDst(ref i, ReadReg(i.S, i.SSh, i.SMask))); return false;
                case Op.MovzxRM:
                    body.Add(Load(Ea(ref i), i.Aux, ss, j, rip));
                    body.Add(WriteDst(ref i, And(v, Constant(i.SMask))));
                    return false;
                case Op.MovsxRR: body.Add(WriteDst(ref i, SignExtend(ReadReg(i.S, i.SSh, i.SMask), i.SMask))); return false;
                case Op.MovsxRM:
                    body.Add(Load(Ea(ref i), i.Aux, ss, j, rip));
                    body.Add(WriteDst(ref i, SignExtend(And(v, Constant(i.SMask)), i.SMask)));
                    return false;
                case Op.Lea: body.Add(WriteDst(ref i, Ea(ref i))); return false;

                case Op.NotR: body.Add(WriteDst(ref i, Not(ReadReg(i.D, i.DSh, i.Mask)))); return false;
                case Op.NegR:
                    body.Add(Assign(a, ReadReg(i.D, i.DSh, i.Mask)));
                    body.Add(Assign(res, And(Subtract(Constant(0UL), a), Constant(i.Mask))));
                    body.AddRange(SetFlags(FlagOp.Sub, Constant(0UL), a, res, i.Mask));
                    body.Add(WriteDst(ref i, res));
                    return false;
                case Op.IncR:
                case Op.DecR:
                {
                    bool inc = i.Op == Op.IncR;
                    body.Add(Assign(carry, Carry()));
                    body.Add(Assign(a, ReadReg(i.D, i.DSh, i.Mask)));
                    body.Add(Assign(res, And(inc ? Add(a, Constant(1UL)) : Subtract(a, Constant(1UL)), Constant(i.Mask))));
                    body.AddRange(SetFlags(inc ? FlagOp.Inc : FlagOp.Dec, a, Constant(1UL), res, i.Mask));
                    body.Add(Assign(fCin, carry));
                    body.Add(WriteDst(ref i, res));
                    return false;
                }

                case Op.NotM: case Op.NegM: case Op.IncM: case Op.DecM:
                {
                    // Read with write intent, store, and only then the flags (a failing store leaves them as they were).
                    body.Add(Assign(ea, Ea(ref i)));
                    body.Add(LoadRmw(ea, i.Size, ss, j, rip));
                    body.Add(Assign(a, And(v, Constant(i.Mask))));
                    if (i.Op is Op.IncM or Op.DecM) body.Add(Assign(carry, Carry()));
                    Expression r = i.Op switch
                    {
                        Op.NotM => And(Not(a), Constant(i.Mask)),
                        Op.NegM => And(Subtract(Constant(0UL), a), Constant(i.Mask)),
                        Op.IncM => And(Add(a, Constant(1UL)), Constant(i.Mask)),
                        _ => And(Subtract(a, Constant(1UL)), Constant(i.Mask)),
                    };
                    body.Add(Assign(res, r));
                    body.Add(StoreRmw(ea, i.Size, ss, res, j, rip));
                    if (i.Op == Op.NegM) body.AddRange(SetFlags(FlagOp.Sub, Constant(0UL), a, res, i.Mask));
                    else if (i.Op != Op.NotM)
                    {
                        body.AddRange(SetFlags(i.Op == Op.IncM ? FlagOp.Inc : FlagOp.Dec, a, Constant(1UL), res, i.Mask));
                        body.Add(Assign(fCin, carry));
                    }
                    body.Add(CodeCheck(j, after));
                    return false;
                }

                case Op.PushR:
                {
                    var sp = RegVar((int)Reg.Rsp);
                    body.Add(Assign(a, ReadReg(i.D, i.DSh, i.Mask)));
                    body.Add(Assign(b, Subtract(sp, Constant((ulong)i.Size))));
                    body.Add(Store(b, i.Size, true, a, j, rip));
                    body.Add(Assign(sp, b));
                    body.Add(CodeCheck(j, after));
                    return false;
                }
                case Op.PopR:
                {
                    var sp = RegVar((int)Reg.Rsp);
                    body.Add(Load(sp, i.Size, true, j, rip));
                    body.Add(Assign(sp, Add(sp, Constant((ulong)i.Size))));
                    body.Add(WriteDst(ref i, And(v, Constant(Cpu.MaskOf(i.Size))))); // pop rsp: the loaded value wins
                    return false;
                }

                case Op.Jcc:
                    body.Add(Assign(next, Condition(Cond(i.Cc), Constant(i.Imm), Constant(after))));
                    return true;
                case Op.JmpRel:
                    body.Add(Assign(next, Constant(i.Imm)));
                    return true;
                case Op.CallRel:
                {
                    // The push first (its fault leaves the call undone), then the target; the block ends at it.
                    var sp = RegVar((int)Reg.Rsp);
                    body.Add(Assign(b, Subtract(sp, Constant(8UL))));
                    body.Add(Store(b, 8, true, Constant(after), j, rip));
                    body.Add(Assign(sp, b));
                    body.Add(Assign(next, Constant(i.Imm)));
                    body.Add(IfThen(Equal(stored, Constant(2)),
                        Block(Assign(count, Add(done, Constant(j + 1))), Assign(status, Constant(Block.CodeChanged)), Goto(exit))));
                    return true;
                }
                case Op.Ret:
                {
                    // The return address, #GP(0) at the ret when it is not canonical (nothing popped), then RSP += 8 + imm16.
                    var sp = RegVar((int)Reg.Rsp);
                    body.Add(Load(sp, 8, true, j, rip));
                    body.Add(IfThen(Not(Call(CanonicalM, v)), Block(Call(c, BranchFaultM, Constant(rip)), FaultExit(j, rip))));
                    body.Add(Assign(sp, Add(sp, Constant(8 + i.Imm))));
                    body.Add(Assign(next, v));
                    return true;
                }
                case Op.Syscall:
                {
                    // RCX = the next RIP, R11 = RFLAGS without RF, as the interpreter (and hardware) leave them; then the
                    // block stops with the syscall retired.
                    flagsTouched = true;
                    var steps = new List<Expression>(producer is null ? [] : FlushFlags());
                    steps.Add(Assign(RegVar((int)Reg.Rcx), Constant(after)));
                    steps.Add(Assign(RegVar((int)Reg.R11), Call(c, SyscallFlagsM)));
                    steps.AddRange(ReloadFlags());
                    steps.Add(Assign(next, Constant(after)));
                    steps.Add(Assign(count, Add(done, Constant(j + 1))));
                    steps.Add(Assign(status, Constant(Block.Syscall)));
                    steps.Add(Goto(exit));
                    body.Add(Block(steps));
                    return true;
                }
                case Op.SetccR: body.Add(WriteDst(ref i, Condition(Cond(i.Cc), Constant(1UL), Constant(0UL)))); return false;
                case Op.CmovRR:
                    // A false 32-bit cmov still zero-extends its destination.
                    body.Add(WriteDst(ref i, Condition(Cond(i.Cc), Rd(i.S), Rd(i.D))));
                    return false;
            }
            Alu(ref i, j, rip, after, ss);
            return false;
        }

        /// <summary>
        /// An instruction the compiler leaves to the interpreter's <see cref="Cpu.RegisterOnly"/> without ending the block:
        /// every GPR and the lazy flags are written back, the handler runs on them, and they are read again (a #DE leaves
        /// them untouched and the block with the state before the instruction).
        /// </summary>
        private bool CallOut(int idx, int j, ulong rip)
        {
            flagsTouched = true;
            var steps = new List<Expression>();
            for (int k = 0; k < 16; k++) steps.Add(Assign(ArrayAccess(regs, Constant(k)), RegVar(k)));
            steps.AddRange(FlushFlags());
            steps.Add(IfThen(Not(Call(c, RegisterOnlyM, PageVar(), Constant(idx))), FaultExit(j, rip)));
            for (int k = 0; k < 16; k++) steps.Add(Assign(RegVar(k), ArrayIndex(regs, Constant(k))));
            steps.AddRange(ReloadFlags());
            body.Add(Block(steps));
            producer = null;                 // the flags are the CPU's fields again
            readsIncomingFlags = true;       // (a loop pass must leave them current)
            return false;
        }

        private static Expression SignExtend(Expression x, ulong m)
        {
            int sh = BitOperations.LeadingZeroCount(m);
            return sh == 0 ? x : Convert(RightShift(Convert(LeftShift(x, Constant(sh)), typeof(long)), Constant(sh)), typeof(ulong));
        }

        /// <summary>add/sub/and/or/xor/cmp/test in their five forms: operands, result, flags; memory destinations store first.</summary>
        private void Alu(ref Insn i, int j, ulong rip, ulong after, bool ss)
        {
            Op fam = Family(i.Op);
            FlagOp kind = AluKind(i.Op)!.Value;
            bool writes = fam is not (Op.CmpRR or Op.TestRR);
            int form = Form(i.Op);
            ulong m = i.Mask;
            if (form >= 3)
            {
                body.Add(Assign(ea, Ea(ref i)));
                body.Add(writes ? LoadRmw(ea, i.Size, ss, j, rip) : Load(ea, i.Size, ss, j, rip));   // read-modify-write: write intent from the start
                body.Add(Assign(a, And(v, Constant(m))));
                body.Add(Assign(b, form == 3 ? ReadReg(i.S, i.SSh, m) : Constant(i.Imm)));
            }
            else
            {
                if (form == 2) body.Add(Load(Ea(ref i), i.Size, ss, j, rip));
                body.Add(Assign(a, ReadReg(i.D, i.DSh, m)));
                body.Add(Assign(b, form switch { 0 => ReadReg(i.S, i.SSh, m), 1 => Constant(i.Imm), _ => And(v, Constant(m)) }));
            }
            Expression result = fam switch
            {
                Op.AddRR => And(Add(a, b), Constant(m)),
                Op.SubRR or Op.CmpRR => And(Subtract(a, b), Constant(m)),
                Op.AndRR or Op.TestRR => And(a, b),
                Op.OrRR => Or(a, b),
                _ => ExclusiveOr(a, b),
            };
            body.Add(Assign(res, result));
            if (form >= 3 && writes)
            {
                body.Add(StoreRmw(ea, i.Size, ss, res, j, rip));   // a failing store leaves the flags as they were
                body.AddRange(SetFlags(kind, a, b, res, m));
                body.Add(CodeCheck(j, after));
                return;
            }
            body.AddRange(SetFlags(kind, a, b, res, m));
            if (writes) body.Add(WriteDst(ref i, res));
        }
    }
}
