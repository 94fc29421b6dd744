using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using L4Conf.Model.Kernel;
using L4Conf.Model.Kernel.Rules;

namespace L4Conf.Conformance.Proofs;

/// <summary>
/// Ties the obligations to the rules the kernel model runs. The model's rights rules are bit-vector terms
/// (<see cref="RightsRules"/>); for every rule an obligation defines, `prove` (1) proves that the define-fun written
/// in the file equals the model's term for all inputs (the file stays readable and cannot go stale silently), and
/// (2) proves the obligation with the model's term in place of the written one, so a rule broken in the model
/// (a mutant, or a bug) fails the proof itself.
/// </summary>
public static partial class ModelRules
{
    /// <summary>The rules in force for <paramref name="config"/>, by their SMT names.</summary>
    public static IReadOnlyList<BvRule> Of(KernelConfig config) =>
        [config.MapAttrRule, config.TaskMapMaskRule, config.IpcMapMaskRule, RightsRules.UnmapAttrRule];

    /// <summary>The model's rules that <paramref name="o"/> defines.</summary>
    public static IEnumerable<BvRule> In(Obligation o, KernelConfig config) =>
        Of(config).Where(r => o.Text.Contains($"(define-fun {r.Name} ", StringComparison.Ordinal));

    /// <summary>The obligation with each rule it defines replaced by the model's term.</summary>
    public static Obligation WithModelRules(Obligation o, KernelConfig config)
    {
        var text = o.Text;
        foreach (var r in In(o, config)) text = ProofRunner.WithRule(text, r.Name, r.DefineFun());
        return o with { Text = text };
    }

    /// <summary>Null when the file's define-fun equals the model's term on all inputs; else where they differ.</summary>
    public static string? Equivalence(Obligation o, BvRule rule, TimeSpan timeout)
    {
        var written = ProofRunner.ExtractDefineFun(o.Text, rule.Name);
        var renamed = Regex.Replace(written, @"^\(define-fun\s+\S+", $"(define-fun written-{rule.Name}");
        var sb = new StringBuilder("(set-logic QF_BV)\n").AppendLine(renamed).AppendLine(rule.DefineFun());
        foreach (var p in rule.Params) sb.AppendLine($"(declare-fun {p} () (_ BitVec 8))");
        var args = string.Join(" ", rule.Params);
        sb.AppendLine($"(assert (not (= (written-{rule.Name} {args}) ({rule.Name} {args}))))").AppendLine("(check-sat)");
        using var z3 = new Z3Solver();
        var r = z3.Check(sb.ToString(), timeout);
        if (r.Status == SmtStatus.Unsat) return null;
        if (r.Status != SmtStatus.Sat) return $"{o.Id}: could not compare the written {rule.Name} with the model's ({r.Status}: {r.Reason})";
        var v = Values(r.Model);
        var at = string.Join(" ", rule.Params.Select(p => $"{p}=#x{v.GetValueOrDefault(p):x2}"));
        var model = rule.Eval(rule.Params.Select(p => v.GetValueOrDefault(p)).ToArray());
        return $"{o.Id}: the {rule.Name} written in {Path.GetFileName(o.Path)} is not the model's: at {at} the model gives #x{model:x2}";
    }

    /// <summary>The 8-bit constants of a Z3 model text.</summary>
    public static Dictionary<string, byte> Values(string? model) =>
        Constants(model).Where(c => c.Value.StartsWith("#x", StringComparison.Ordinal) && c.Value.Length == 4)
            .ToDictionary(c => c.Key, c => byte.Parse(c.Value[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>Every constant of a Z3 model text, by name (quotes dropped), with its SMT value (`true`, `#x06`, `#b1`).</summary>
    private static Dictionary<string, string> Constants(string? model)
    {
        var v = new Dictionary<string, string>(StringComparer.Ordinal);
        if (model == null) return v;
        foreach (Match m in Constant().Matches(model))
        {
            var (name, value) = m.Groups[1].Success ? (m.Groups[1].Value, m.Groups[2].Value) : (m.Groups["n"].Value, m.Groups["v"].Value);
            v[name.Trim('|')] = value;
        }
        return v;
    }

    // libz3's model text: `name -> #x06` lines (4.8), or `(define-fun name () (_ BitVec 8) #x06)`
    [GeneratedRegex(@"(\|[^|]+\||[A-Za-z][A-Za-z0-9_'-]*) -> (true|false|#x[0-9a-fA-F]+|#b[01]+)|\(define-fun\s+(?<n>\S+)\s+\(\)\s+\S+(?:\s+\S+\s+\S+\))?\s+(?<v>true|false|#x[0-9a-fA-F]+|#b[01]+)\)")]
    private static partial Regex Constant();

    /// <summary>A counterexample as a step of the kernel: the obligation's `; trace:` template with the values filled in.</summary>
    public static string? Trace(Obligation o, string? model)
    {
        if (o.Trace == null || model == null) return null;
        var v = Constants(model);
        return Placeholder().Replace(o.Trace, m => v.TryGetValue(m.Groups[1].Value, out var s) ? Show(s) : m.Value);
    }

    /// <summary>An 8-bit value as hex with its rights letters, a narrower one as a number, a Boolean as yes/no.</summary>
    private static string Show(string smt) => smt switch
    {
        "true" => "yes",
        "false" => "no",
        _ when smt.StartsWith("#x", StringComparison.Ordinal) && smt.Length == 4 => $"0x{smt[2..]} ({Letters(byte.Parse(smt[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture))})",
        _ when smt.StartsWith("#x", StringComparison.Ordinal) => Convert.ToUInt64(smt[2..], 16).ToString(CultureInfo.InvariantCulture),
        _ when smt.StartsWith("#b", StringComparison.Ordinal) => Convert.ToUInt64(smt[2..], 2).ToString(CultureInfo.InvariantCulture),
        _ => smt,
    };


    [GeneratedRegex(@"\{([A-Za-z0-9_'-]+)\}")]
    private static partial Regex Placeholder();

    /// <summary>A slot attribute byte in Ned's letters (the pictures' form), "-" for no bit at all.</summary>
    public static string Letters(byte b) => Adapters.Pictures.CapGraphDot.Letters(b) is { Length: > 0 } l ? l : "-";
}
