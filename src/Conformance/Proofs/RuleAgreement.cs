using System.Text;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;

namespace L4Conf.Conformance.Proofs;

/// <summary>
/// Ties an obligation's SMT rule to the rule the model actually runs: the define-fun must give the model's answer
/// on seeded samples (one query, expected sat). A proof about a rule the model does not run would prove nothing.
/// </summary>
public static class RuleAgreement
{
    public const int Samples = 256;

    /// <summary>Null when the obligation defines no rule the model has; otherwise the query and its expected status.</summary>
    public static string? Query(Obligation o, KernelConfig config, int seed)
    {
        var rnd = new Random(seed);
        var sb = new StringBuilder("(set-logic QF_BV)\n");
        if (o.Text.Contains("(define-fun map-attr", StringComparison.Ordinal))
        {
            sb.AppendLine(ProofRunner.ExtractDefineFun(o.Text, "map-attr")).AppendLine("(assert (and");
            for (int i = 0; i < Samples; i++)
            {
                var b = new byte[4];
                rnd.NextBytes(b);
                byte want = (byte)config.MapAttr((CapRights)b[0], b[1], b[2], (CapRights)b[3]);
                sb.AppendLine($"  (= (map-attr #x{b[0]:x2} #x{b[1]:x2} #x{b[2]:x2} #x{b[3]:x2}) #x{want:x2})");
            }
        }
        else if (o.Text.Contains("(define-fun unmap-attr", StringComparison.Ordinal))
        {
            sb.AppendLine(ProofRunner.ExtractDefineFun(o.Text, "unmap-attr")).AppendLine("(assert (and");
            for (int i = 0; i < Samples; i++)
            {
                var b = new byte[2];
                rnd.NextBytes(b);
                byte want = (byte)RightsRules.UnmapAttr((CapRights)b[0], b[1]);
                sb.AppendLine($"  (= (unmap-attr #x{b[0]:x2} #x{b[1]:x2}) #x{want:x2})");
            }
        }
        else return null;
        return sb.AppendLine("))").AppendLine("(check-sat)").ToString();
    }

    /// <summary>Null when the rule agrees with the model, else a message naming the obligation.</summary>
    public static string? Check(Obligation o, KernelConfig config, int seed, TimeSpan timeout)
    {
        var q = Query(o, config, seed);
        if (q == null) return null;
        using var z3 = new Z3Solver();
        var r = z3.Check(q, timeout);
        return r.Status == SmtStatus.Sat ? null
            : $"{o.Id}: the obligation's rule disagrees with the model's rule on seeded samples (seed {seed}, {Samples} samples, answer {r.Status})";
    }
}
