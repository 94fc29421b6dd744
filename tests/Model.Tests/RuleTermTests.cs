using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Model.Kernel.Rules;
using Xunit;
using Semaphore = L4Conf.Model.Kernel.Semaphore;

namespace L4Conf.Tests;

/// <summary>
/// The rule terms as `l4conf prove` writes them and the two transfer masks over all inputs (CAP-MAP-3, CAP-MAP-5).
/// The SMT-LIB2 text must be the one in spec/obligations/obl-cap-ind-1.smt2, which CapInvariant generates from
/// these terms; the masks must let S through only with S on both task caps (Task::map) or on the invoked cap (IPC).
/// </summary>
public class RuleTermTests
{
    private static string Obligation(string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Conformance.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return File.ReadAllText(Path.Combine(dir!.FullName, "spec", "obligations", file));
    }

    [Fact]
    public void The_map_and_unmap_terms_print_as_the_generated_obligation_says()
    {
        string text = Obligation("obl-cap-ind-1.smt2").Replace("\r\n", "\n");
        Assert.Contains(RightsRules.MapAttrRule.DefineFun() + "\n", text);
        Assert.Contains(RightsRules.UnmapAttrRule.DefineFun() + "\n", text);
        Assert.Equal("(define-fun unmap-attr ((old (_ BitVec 8)) (fp (_ BitVec 8))) (_ BitVec 8)\n" +
            "  (ite (= (bvand fp #x04) #x00) (bvand old (bvnot (bvand fp #x0b))) #x00))", RightsRules.UnmapAttrRule.DefineFun());
        // ModelRules puts the model's define-fun in place of the obligation's by name: the two masks as written.
        Assert.Contains(RightsRules.TaskMapMaskRule.DefineFun() + "\n", Obligation("obl-map-4.smt2").Replace("\r\n", "\n"));
        Assert.Contains(RightsRules.IpcMapMaskRule.DefineFun() + "\n", Obligation("obl-map-5.smt2").Replace("\r\n", "\n"));
        Assert.Equal("map-attr", RightsRules.MapAttrRule.Name);
        Assert.Equal(new[] { "src", "fp", "item", "mask" }, RightsRules.MapAttrRule.Params);
    }

    [Fact]
    public void The_mutants_map_rule_differs_only_in_the_weak_bit()
    {
        var weakAsIs = RightsRules.MapAttrTerm(invertRefBit: false);
        Assert.Contains("(bvand item #xf0)", weakAsIs.Body.Smt());
        Assert.DoesNotContain("bvxor", weakAsIs.Body.Smt());
        Assert.Equal(0x1F, weakAsIs.Eval(0xFF, 0xF, 0x10, 0x2));
        Assert.Equal(0x0F, weakAsIs.Eval(0xFF, 0xF, 0x00, 0x2));
        Assert.Equal(0x0F, RightsRules.MapAttrRule.Eval(0xFF, 0xF, 0x10, 0x2));
    }

    [Fact]
    public void A_rule_checks_its_variables_and_argument_count()
    {
        var e = Assert.Throws<ArgumentException>(() => new BvRule("bad", ["a"], BvRule.Var("b")));
        Assert.Contains("variable b is not a parameter", e.Message);
        var r = new BvRule("neg", ["a", "b"], ~(BvRule.Var("a") ^ BvRule.Var("b")));
        Assert.Equal(0xF0, r.Eval(0x0F, 0x00));
        Assert.Equal("(bvnot (bvxor a b))", r.Body.Smt());
        var n = Assert.Throws<ArgumentException>(() => r.Eval(1));
        Assert.Contains("rule neg takes 2 arguments", n.Message);
        // if-zero tests only the low 8 bits of the term
        var z = new BvRule("z", ["a"], Bv.IfZero(~BvRule.Var("a"), (byte)1, (byte)2));
        Assert.Equal(1, z.Eval(0xFF));
        Assert.Equal(2, z.Eval(0xFE));
    }

    [Fact]
    public void Transfer_masks_pass_S_only_with_S_and_always_R_W_D()
    {
        for (int a = 0; a < 256; a++)
        {
            Assert.Equal((byte)((a & 0x2) | 0xD), (byte)RightsRules.IpcMapMask((CapRights)a));
            for (int b = 0; b < 256; b += 3)
            {
                var m = (byte)RightsRules.TaskMapMask((CapRights)a, (CapRights)b);
                Assert.Equal(a & b & 0x2, m & 0x2);
                Assert.Equal(0xD, m & 0xD);
            }
        }
    }

    [Fact]
    public void Only_a_gate_without_the_server_right_downgrades()
    {
        var k = new Kernel();
        var g = new IpcGate(k, 0);
        var s = new Semaphore(k);
        Assert.True(RightsRules.Downgrades(g, (CapRights)0x1F));
        Assert.False(RightsRules.Downgrades(g, (CapRights)0x25));
        Assert.False(RightsRules.Downgrades(s, (CapRights)0x1F));
    }
}
