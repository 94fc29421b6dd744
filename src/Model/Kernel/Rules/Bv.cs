using System.Globalization;

namespace L4Conf.Model.Kernel.Rules;

/// <summary>
/// A byte-wide bit-vector expression: the language the rights rules are written in once, so that the kernel model
/// evaluates exactly the term that `l4conf prove` hands to Z3 as SMT-LIB2 (QF_BV). Only what the rules need:
/// variables, constants, and, or, xor, not, and if-zero.
/// </summary>
public abstract record Bv
{
    public static implicit operator Bv(byte value) => new BvConst(value);
    public static Bv operator &(Bv a, Bv b) => new BvOp("bvand", a, b);
    public static Bv operator |(Bv a, Bv b) => new BvOp("bvor", a, b);
    public static Bv operator ^(Bv a, Bv b) => new BvOp("bvxor", a, b);
    public static Bv operator ~(Bv a) => new BvNot(a);

    /// <summary><paramref name="test"/> is zero ? <paramref name="then"/> : <paramref name="otherwise"/>.</summary>
    public static Bv IfZero(Bv test, Bv then, Bv otherwise) => new BvIfZero(test, then, otherwise);

    public abstract byte Eval(IReadOnlyDictionary<string, byte> env);
    public abstract string Smt();
}

public sealed record BvVar(string Name) : Bv
{
    public override byte Eval(IReadOnlyDictionary<string, byte> env) => env[Name];
    public override string Smt() => Name;
}

public sealed record BvConst(byte Value) : Bv
{
    public override byte Eval(IReadOnlyDictionary<string, byte> env) => Value;
    public override string Smt() => "#x" + Value.ToString("x2", CultureInfo.InvariantCulture);
}

public sealed record BvOp(string Op, Bv A, Bv B) : Bv
{
    public override byte Eval(IReadOnlyDictionary<string, byte> env)
    {
        byte a = A.Eval(env), b = B.Eval(env);
        return Op switch { "bvand" => (byte)(a & b), "bvor" => (byte)(a | b), "bvxor" => (byte)(a ^ b), _ => throw new InvalidOperationException(Op) };
    }
    public override string Smt() => $"({Op} {A.Smt()} {B.Smt()})";
}

public sealed record BvNot(Bv A) : Bv
{
    public override byte Eval(IReadOnlyDictionary<string, byte> env) => (byte)~A.Eval(env);
    public override string Smt() => $"(bvnot {A.Smt()})";
}

public sealed record BvIfZero(Bv Test, Bv Then, Bv Otherwise) : Bv
{
    public override byte Eval(IReadOnlyDictionary<string, byte> env) => Test.Eval(env) == 0 ? Then.Eval(env) : Otherwise.Eval(env);
    public override string Smt() => $"(ite (= {Test.Smt()} #x00) {Then.Smt()} {Otherwise.Smt()})";
}

/// <summary>A named rule: parameters and a body. The model calls <see cref="Eval"/>; `prove` uses <see cref="DefineFun"/>.</summary>
public sealed record BvRule(string Name, IReadOnlyList<string> Params, Bv Body)
{
    public byte Eval(params byte[] args)
    {
        if (args.Length != Params.Count) throw new ArgumentException($"rule {Name} takes {Params.Count} arguments");
        var env = new Dictionary<string, byte>(Params.Count);
        for (int i = 0; i < args.Length; i++) env[Params[i]] = args[i];
        return Body.Eval(env);
    }

    public string DefineFun() =>
        $"(define-fun {Name} ({string.Join(" ", Params.Select(p => $"({p} (_ BitVec 8))"))}) (_ BitVec 8)\n  {Body.Smt()})";

    public static BvVar Var(string name) => new(name);
}
