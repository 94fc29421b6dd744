using System.Runtime.CompilerServices;

namespace L4Conf.Model.Machine;

/// <summary>
/// A two-operand ALU operation. Static abstract members on struct type arguments make the JIT compile one
/// specialised copy of each operand-form helper per operation, so the form code is written once.
/// </summary>
internal interface IAluOp
{
    /// <summary>Compute the masked result and record the flags.</summary>
    static abstract ulong Apply(Cpu c, ulong a, ulong b, ulong m);
    /// <summary>False for cmp/test: flags only.</summary>
    static abstract bool WritesBack { get; }
}

internal struct AddOp : IAluOp
{
    public static ulong Apply(Cpu c, ulong a, ulong b, ulong m) { ulong r = (a + b) & m; c.SetLazy(FlagOp.Add, a, b, r, m); return r; }
    public static bool WritesBack => true;
}

internal struct OrOp : IAluOp
{
    public static ulong Apply(Cpu c, ulong a, ulong b, ulong m) { ulong r = a | b; c.SetLazy(FlagOp.Logic, a, b, r, m); return r; }
    public static bool WritesBack => true;
}

internal struct AdcOp : IAluOp
{
    public static ulong Apply(Cpu c, ulong a, ulong b, ulong m) => c.AddWithCarry(a, b, m);
    public static bool WritesBack => true;
}

internal struct SbbOp : IAluOp
{
    public static ulong Apply(Cpu c, ulong a, ulong b, ulong m) => c.SubWithBorrow(a, b, m);
    public static bool WritesBack => true;
}

internal struct AndOp : IAluOp
{
    public static ulong Apply(Cpu c, ulong a, ulong b, ulong m) { ulong r = a & b; c.SetLazy(FlagOp.Logic, a, b, r, m); return r; }
    public static bool WritesBack => true;
}

internal struct SubOp : IAluOp
{
    public static ulong Apply(Cpu c, ulong a, ulong b, ulong m) { ulong r = (a - b) & m; c.SetLazy(FlagOp.Sub, a, b, r, m); return r; }
    public static bool WritesBack => true;
}

internal struct XorOp : IAluOp
{
    public static ulong Apply(Cpu c, ulong a, ulong b, ulong m) { ulong r = a ^ b; c.SetLazy(FlagOp.Logic, a, b, r, m); return r; }
    public static bool WritesBack => true;
}

internal struct CmpOp : IAluOp
{
    public static ulong Apply(Cpu c, ulong a, ulong b, ulong m) { ulong r = (a - b) & m; c.SetLazy(FlagOp.Sub, a, b, r, m); return r; }
    public static bool WritesBack => false;
}

internal struct TestOp : IAluOp
{
    public static ulong Apply(Cpu c, ulong a, ulong b, ulong m) { ulong r = a & b; c.SetLazy(FlagOp.Logic, a, b, r, m); return r; }
    public static bool WritesBack => false;
}

/// <summary>The two-operand ALU in its five operand forms, plus the one-operand not/neg/inc/dec.</summary>
public sealed partial class Cpu
{
    internal ulong AddWithCarry(ulong a, ulong b, ulong m)
    {
        bool cin = Carry();
        ulong r = (a + b + (cin ? 1UL : 0)) & m;
        SetLazy(FlagOp.Adc, a, b, r, m);
        flCin = cin;
        return r;
    }

    internal ulong SubWithBorrow(ulong a, ulong b, ulong m)
    {
        bool cin = Carry();
        ulong r = (a - b - (cin ? 1UL : 0)) & m;
        SetLazy(FlagOp.Sbb, a, b, r, m);
        flCin = cin;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AluRR<T>(ref Insn i) where T : struct, IAluOp
    {
        ref ulong d = ref Gpr(i.D);
        ulong r = T.Apply(this, (d >> i.DSh) & i.Mask, (Gpr(i.S) >> i.SSh) & i.Mask, i.Mask);
        if (T.WritesBack) d = (d & i.Keep) | (r << i.DSh);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AluRI<T>(ref Insn i) where T : struct, IAluOp
    {
        ref ulong d = ref Gpr(i.D);
        ulong r = T.Apply(this, (d >> i.DSh) & i.Mask, i.Imm, i.Mask);
        if (T.WritesBack) d = (d & i.Keep) | (r << i.DSh);
    }

    private bool AluRM<T>(ref Insn i) where T : struct, IAluOp
    {
        if (!Load(Ea(ref i), i.Size, out ulong b)) return false;
        ref ulong d = ref Gpr(i.D);
        ulong r = T.Apply(this, (d >> i.DSh) & i.Mask, b & i.Mask, i.Mask);
        if (T.WritesBack) d = (d & i.Keep) | (r << i.DSh);
        return true;
    }

    /// <summary>Memory destination: read, compute, write; a failing write leaves flags as they were too.</summary>
    private bool AluMem<T>(ref Insn i, ulong b) where T : struct, IAluOp
    {
        ulong ea = Ea(ref i);
        if (!T.WritesBack)
        {
            if (!Load(ea, i.Size, out ulong c)) return false;
            T.Apply(this, c & i.Mask, b, i.Mask);
            return true;
        }
        if (!LoadForWrite(ea, i.Size, out ulong a)) return false;
        var saved = SaveFlags();
        ulong r = T.Apply(this, a & i.Mask, b, i.Mask);
        if (Store(ea, i.Size, r)) return true;
        RestoreFlags(saved);
        return false;
    }

    private bool AluMR<T>(ref Insn i) where T : struct, IAluOp => AluMem<T>(ref i, (Gpr(i.S) >> i.SSh) & i.Mask);
    private bool AluMI<T>(ref Insn i) where T : struct, IAluOp => AluMem<T>(ref i, i.Imm);

    /// <summary>The whole lazy-flag state, to undo a flag update when the instruction's write faults.</summary>
    private readonly record struct FlagSave(ulong Rflags, FlagOp Op, ulong A, ulong B, ulong Res, ulong Mask, bool Cin);
    private FlagSave SaveFlags() => new(rflags, flOp, flA, flB, flRes, flMask, flCin);
    private void RestoreFlags(FlagSave f) { rflags = f.Rflags; flOp = f.Op; flA = f.A; flB = f.B; flRes = f.Res; flMask = f.Mask; flCin = f.Cin; }

    /// <summary>not/neg/inc/dec on a value; <paramref name="op"/> is the handler id's register form.</summary>
    private ulong Unary(Op op, ulong a, ulong m)
    {
        switch (op)
        {
            case Op.NotR: return ~a & m; // no flags
            case Op.NegR: { ulong r = (0 - a) & m; SetLazy(FlagOp.Sub, 0, a, r, m); return r; }
            case Op.IncR: { bool c = Carry(); ulong r = (a + 1) & m; SetLazy(FlagOp.Inc, a, 1, r, m); flCin = c; return r; }
            default: { bool c = Carry(); ulong r = (a - 1) & m; SetLazy(FlagOp.Dec, a, 1, r, m); flCin = c; return r; }
        }
    }

    private void UnaryR(ref Insn i, Op op)
    {
        ref ulong d = ref Gpr(i.D);
        d = (d & i.Keep) | (Unary(op, (d >> i.DSh) & i.Mask, i.Mask) << i.DSh);
    }

    private bool UnaryM(ref Insn i, Op op)
    {
        ulong ea = Ea(ref i);
        if (!LoadForWrite(ea, i.Size, out ulong a)) return false;
        var saved = SaveFlags();
        if (Store(ea, i.Size, Unary(op, a & i.Mask, i.Mask))) return true;
        RestoreFlags(saved);
        return false;
    }
}
