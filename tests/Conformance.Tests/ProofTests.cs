using System.Text;
using L4Conf.Conformance.Proofs;
using Xunit;
using Xunit.Abstractions;

namespace L4Conf.Tests;

/// <summary>The SMT-LIB2 proof obligations in spec/obligations, run through libz3, plus the plumbing they rely on.</summary>
public sealed class ProofTests(ITestOutputHelper output)
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(30);

    // Wrong on purpose: S is kept whatever the transfer cap has (no S mask).
    private const string MapAttrWithoutSMask = """
        (define-fun map-attr ((src (_ BitVec 8)) (fp (_ BitVec 8)) (item (_ BitVec 8)) (mask (_ BitVec 8))) (_ BitVec 8)
          (let ((fpm (bvand fp #x0F)))
            (let ((req (bvor fpm (bvxor (bvand item #xF0) #x10))))
              (let ((new (bvand src req)))
                (ite (= (bvand new #x04) #x00) #x00 new)))))
        """;

    // Wrong on purpose: unmap ORs the fpage rights in.
    private const string UnmapAttrThatAdds = """
        (define-fun unmap-attr ((old (_ BitVec 8)) (fp (_ BitVec 8))) (_ BitVec 8) (bvor old fp))
        """;

    [Fact]
    public void Every_obligation_is_discharged()
    {
        RequireZ3();
        var obligations = Obligation.LoadAll(ObligationsDir());
        Assert.Contains(obligations, o => o.Id == "OBL-MAP-1");
        Assert.True(obligations.Count >= 6, $"expected at least 6 obligations, found {obligations.Count}");

        var results = ProofRunner.Run(obligations, QueryTimeout);
        foreach (var r in results)
            output.WriteLine($"{r.Obligation.Id,-12} {r.Status,-7} {r.Elapsed.TotalMilliseconds,8:F1} ms  {r.Obligation.Title}");
        var failed = results.Where(r => !r.Discharged)
            .Select(r => $"{r.Obligation.Id}: {r.Status} {r.Error} {r.Counterexample}").ToList();
        Assert.True(failed.Count == 0, string.Join("\n", failed));
    }

    [Fact]
    public void Map_rule_without_the_S_mask_breaks_OBL_MAP_2_with_a_counterexample()
    {
        RequireZ3();
        var r = CheckWithRule("OBL-MAP-2", "map-attr", MapAttrWithoutSMask);
        output.WriteLine(r.Model);
        Assert.Equal(SmtStatus.Sat, r.Status);
        Assert.False(string.IsNullOrWhiteSpace(r.Model));
        Assert.Contains("mask", r.Model);
        Assert.Contains("src", r.Model);
        Assert.Contains("fp", r.Model);
    }

    [Fact]
    public void Unmap_rule_that_adds_rights_breaks_OBL_UNMAP_1()
    {
        RequireZ3();
        var r = CheckWithRule("OBL-UNMAP-1", "unmap-attr", UnmapAttrThatAdds);
        Assert.Equal(SmtStatus.Sat, r.Status);
        Assert.Contains("old", r.Model);
    }

    [Fact]
    public void Solver_answers_sat_with_a_model_and_unsat_without()
    {
        RequireZ3();
        using var z3 = new Z3Solver();
        Assert.StartsWith("4.", z3.Version);

        var sat = z3.Check("(declare-fun x () (_ BitVec 8)) (assert (= (bvadd x #x01) #x00)) (check-sat)", QueryTimeout);
        Assert.Equal(SmtStatus.Sat, sat.Status);
        Assert.Contains("#xff", sat.Model);

        var unsat = z3.Check("(declare-fun x () (_ BitVec 8)) (assert (distinct x x))", QueryTimeout);
        Assert.Equal(new SmtResult(SmtStatus.Unsat, null, null), unsat);
    }

    [Fact]
    public void Parse_error_is_an_SmtException_with_Z3s_message_and_the_context_stays_usable()
    {
        RequireZ3();
        using var z3 = new Z3Solver();
        var e = Assert.Throws<SmtException>(() => z3.Check("(assert (= y #x00))", QueryTimeout));
        output.WriteLine(e.Message);
        Assert.Contains("unknown constant y", e.Message);

        Assert.Equal(SmtStatus.Unsat, z3.Check("(assert false)", QueryTimeout).Status);
    }

    [Fact]
    public void Hard_query_with_a_tiny_timeout_is_unknown_with_a_reason()
    {
        RequireZ3();
        using var z3 = new Z3Solver();
        // Factoring a 64-bit semiprime by bit-blasting takes far longer than 1 ms.
        var r = z3.Check("""
            (declare-fun a () (_ BitVec 64)) (declare-fun b () (_ BitVec 64))
            (assert (= (bvmul a b) #xb504f32d70c1a3e5))
            (assert (bvult #x0000000000000001 a)) (assert (bvult a #x00000000ffffffff))
            (assert (bvult #x0000000000000001 b)) (assert (bvult b #x00000000ffffffff))
            """, TimeSpan.FromMilliseconds(1));
        output.WriteLine($"{r.Status}: {r.Reason}");
        Assert.Equal(SmtStatus.Unknown, r.Status);
        Assert.False(string.IsNullOrWhiteSpace(r.Reason));
    }

    [Fact]
    public void Dispose_twice_is_harmless_and_use_after_dispose_throws()
    {
        RequireZ3();
        var z3 = new Z3Solver();
        z3.Dispose();
        z3.Dispose();
        Assert.Throws<ObjectDisposedException>(() => z3.Check("(assert true)", QueryTimeout));
    }

    [Fact]
    public void Header_without_id_names_the_file_and_line()
    {
        var path = TempFile("; title: no id here\n; expect: unsat\n(assert true)\n(check-sat)\n");
        try
        {
            var e = Assert.Throws<FormatException>(() => Obligation.Load(path));
            Assert.Contains($"{Path.GetFileName(path)}:3:", e.Message);
            Assert.Contains("'; id: ...'", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Bad_expect_value_names_its_line()
    {
        var path = TempFile("; id: OBL-X-1\n; title: t\n; expect: maybe\n(check-sat)\n");
        try
        {
            var e = Assert.Throws<FormatException>(() => Obligation.Load(path));
            Assert.Contains($"{Path.GetFileName(path)}:3:", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Header_is_parsed_and_duplicate_ids_are_rejected()
    {
        var dir = Directory.CreateTempSubdirectory("l4conf-obl-").FullName;
        try
        {
            const string text = "; id: OBL-X-1\n; title: a title\n; clauses: A-1, B-2 ,\n; expect: UNSAT\n(check-sat)\n";
            File.WriteAllText(Path.Combine(dir, "a.smt2"), text);
            var o = Assert.Single(Obligation.LoadAll(dir));
            Assert.Equal(("OBL-X-1", "a title", "unsat"), (o.Id, o.Title, o.Expect));
            Assert.Equal(["A-1", "B-2"], o.Clauses);

            File.WriteAllText(Path.Combine(dir, "b.smt2"), text);
            var e = Assert.Throws<FormatException>(() => Obligation.LoadAll(dir));
            Assert.Contains("duplicate", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void WithRule_replaces_exactly_the_named_sexpr_and_ignores_parens_in_comments()
    {
        const string text = "; (define-fun f ((x Bool)) Bool x)\n(define-fun g () Bool true)\n(define-fun f ((x Bool)) Bool (and x (not x)))\n(assert (f g))";
        var swapped = ProofRunner.WithRule(text, "f", "(define-fun f ((x Bool)) Bool x)");
        Assert.Equal("; (define-fun f ((x Bool)) Bool x)\n(define-fun g () Bool true)\n(define-fun f ((x Bool)) Bool x)\n(assert (f g))", swapped);
        Assert.Throws<ArgumentException>(() => ProofRunner.WithRule(text, "h", "(define-fun h () Bool true)"));
    }

    [Fact]
    public void Smt_map_attr_agrees_with_the_reference_formula_on_256_samples()
    {
        RequireZ3();
        var mapAttr = ProofRunner.ExtractDefineFun(Load("OBL-MAP-1").Text, "map-attr");
        var rng = new Random(20261121);
        var samples = Enumerable.Range(0, 256).Select(_ =>
        {
            var b = new byte[4];
            rng.NextBytes(b);
            return (Src: b[0], Fp: b[1], Item: b[2], Mask: b[3], Expected: ExpectedMapAttr(b[0], b[1], b[2], b[3]));
        }).ToList();

        using var z3 = new Z3Solver();
        Assert.Equal(SmtStatus.Sat, z3.Check(AgreementQuery(mapAttr, samples), QueryTimeout).Status);

        // The same query with one expectation flipped must fail, or the check above proves nothing.
        samples[0] = samples[0] with { Expected = (byte)(samples[0].Expected ^ 0x04) };
        Assert.Equal(SmtStatus.Unsat, z3.Check(AgreementQuery(mapAttr, samples), QueryTimeout).Status);
    }

    /// <summary>The map rule written out in C#, independent of the SMT text (see spec/obligations/obl-map-1.smt2).</summary>
    private static byte ExpectedMapAttr(byte src, byte fp, byte item, byte mask)
    {
        const int W = 0x01, S = 0x02, R = 0x04, D = 0x08, Counted = 0x10;
        var fpm = fp & 0x0F & ((mask & S) | R | W | D);
        var req = fpm | ((item & 0xF0) ^ Counted);
        var result = src & req;
        return (result & R) == 0 ? (byte)0 : (byte)result;
    }

    private static string AgreementQuery(string mapAttr, IEnumerable<(byte Src, byte Fp, byte Item, byte Mask, byte Expected)> samples)
    {
        var sb = new StringBuilder("(set-logic QF_BV)\n").AppendLine(mapAttr).AppendLine("(assert (and");
        foreach (var s in samples)
            sb.AppendLine($"  (= (map-attr #x{s.Src:x2} #x{s.Fp:x2} #x{s.Item:x2} #x{s.Mask:x2}) #x{s.Expected:x2})");
        return sb.AppendLine("))").AppendLine("(check-sat)").ToString();
    }

    private static SmtResult CheckWithRule(string id, string name, string rule)
    {
        using var z3 = new Z3Solver();
        return z3.Check(ProofRunner.WithRule(Load(id).Text, name, rule), QueryTimeout);
    }

    private static Obligation Load(string id) => Assert.Single(Obligation.LoadAll(ObligationsDir()), o => o.Id == id);

    private static void RequireZ3() => Assert.True(Z3Solver.IsAvailable(out var reason), reason);

    private static string TempFile(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"l4conf-{Guid.NewGuid():N}.smt2");
        File.WriteAllText(path, text);
        return path;
    }

    private static string ObligationsDir() => Path.Combine(L4Conf.Conformance.Cli.Paths.Spec(), "obligations");
}

/// <summary>The inductive obligation is generated from the model's rules; the committed file must be that text.</summary>
public class GeneratedObligationTests
{
    [Fact]
    public void Obl_cap_ind_1_is_what_its_generator_writes()
    {
        var path = Path.Combine(Repo.Root, "spec", "obligations", "obl-cap-ind-1.smt2");
        var text = L4Conf.Conformance.Proofs.CapInvariant.Text();
        if (Environment.GetEnvironmentVariable("L4CONF_APPROVE") == "1") File.WriteAllText(path, text);
        Assert.True(File.Exists(path) && File.ReadAllText(path) == text,
            $"{path} is not what src/Conformance/Proofs/CapInvariant.cs writes: regenerate it with L4CONF_APPROVE=1 dotnet test tests/Conformance.Tests --filter FullyQualifiedName~GeneratedObligationTests");
    }

    [Fact]
    public void Obl_cap_ind_1_is_not_vacuous_its_states_and_steps_exist()
    {
        Assert.True(L4Conf.Conformance.Proofs.Z3Solver.IsAvailable(out var reason), reason);
        // without the negated goal the premises must be satisfiable, else the proof would hold for no state at all
        var text = L4Conf.Conformance.Proofs.CapInvariant.Text();
        var goal = text.IndexOf("(assert (not (and", StringComparison.Ordinal);
        Assert.True(goal > 0);
        using var z3 = new L4Conf.Conformance.Proofs.Z3Solver();
        // a map, and a grant that moves a counted slot as a weak one (the count drops): both steps exist
        foreach (var step in new[] { "(assert (= step #b00)) (assert (not (= new #x00)))", "(assert weakens)" })
        {
            var premises = text[..goal] + step + "\n(check-sat)\n";
            Assert.Equal(L4Conf.Conformance.Proofs.SmtStatus.Sat, z3.Check(premises, TimeSpan.FromSeconds(30)).Status);
        }
    }
}
