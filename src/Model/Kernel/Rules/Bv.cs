using System.Globalization;
using System.Linq.Expressions;

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

    public abstract string Smt();

    /// <summary>The term as an int-valued expression over the argument array (bytes read by parameter position).</summary>
    internal abstract Expression Compile(IReadOnlyList<string> parameters, ParameterExpression args);
}

public sealed record BvVar(string Name) : Bv
{
    public override string Smt() => Name;
    internal override Expression Compile(IReadOnlyList<string> parameters, ParameterExpression args)
    {
        int i = parameters.ToList().IndexOf(Name);
        if (i < 0) throw new ArgumentException($"variable {Name} is not a parameter of the rule");
        return Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), typeof(int));
    }
}

public sealed record BvConst(byte Value) : Bv
{
    public override string Smt() => "#x" + Value.ToString("x2", CultureInfo.InvariantCulture);
    internal override Expression Compile(IReadOnlyList<string> parameters, ParameterExpression args) => Expression.Constant((int)Value);
}

public sealed record BvOp(string Op, Bv A, Bv B) : Bv
{
    public override string Smt() => $"({Op} {A.Smt()} {B.Smt()})";
    internal override Expression Compile(IReadOnlyList<string> parameters, ParameterExpression args)
    {
        Expression a = A.Compile(parameters, args), b = B.Compile(parameters, args);
        return Op switch { "bvand" => Expression.And(a, b), "bvor" => Expression.Or(a, b), "bvxor" => Expression.ExclusiveOr(a, b), _ => throw new InvalidOperationException(Op) };
    }
}

public sealed record BvNot(Bv A) : Bv
{
    public override string Smt() => $"(bvnot {A.Smt()})";
    // an int's complement: the result is cut to 8 bits once, at the end of the rule
    internal override Expression Compile(IReadOnlyList<string> parameters, ParameterExpression args) => Expression.Not(A.Compile(parameters, args));
}

public sealed record BvIfZero(Bv Test, Bv Then, Bv Otherwise) : Bv
{
    public override string Smt() => $"(ite (= {Test.Smt()} #x00) {Then.Smt()} {Otherwise.Smt()})";
    internal override Expression Compile(IReadOnlyList<string> parameters, ParameterExpression args) =>
        Expression.Condition(Expression.Equal(Expression.And(Test.Compile(parameters, args), Expression.Constant(0xFF)), Expression.Constant(0)),
            Then.Compile(parameters, args), Otherwise.Compile(parameters, args));
}

/// <summary>A named rule: parameters and a body. The model calls <see cref="Eval"/>; `prove` uses <see cref="DefineFun"/>.</summary>
public sealed class BvRule
{
    private readonly Func<byte[], int> _compiled;

    public BvRule(string name, IReadOnlyList<string> @params, Bv body)
    {
        (Name, Params, Body) = (name, @params, body);
        // compiled once: the kernel evaluates map-attr on every mapped slot
        var args = Expression.Parameter(typeof(byte[]), "args");
        _compiled = Expression.Lambda<Func<byte[], int>>(body.Compile(@params, args), args).Compile();
    }

    public string Name { get; }
    public IReadOnlyList<string> Params { get; }
    public Bv Body { get; }

    public byte Eval(params byte[] args)
    {
        if (args.Length != Params.Count) throw new ArgumentException($"rule {Name} takes {Params.Count} arguments");
        return (byte)_compiled(args);
    }

    public string DefineFun() =>
        $"(define-fun {Name} ({string.Join(" ", Params.Select(p => $"({p} (_ BitVec 8))"))}) (_ BitVec 8)\n  {Body.Smt()})";

    public static BvVar Var(string name) => new(name);
}
