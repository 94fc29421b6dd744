using L4Conf.Conformance.Properties;
using L4Conf.Conformance.Suite;
using Xunit;

namespace L4Conf.Tests;

/// <summary>Every conformance case of the suite, as an xunit test, with the runner's default seed.</summary>
public class ConformanceCaseTests
{
    public const int Seed = 20261121;

    public static TheoryData<string> CaseIds()
    {
        var d = new TheoryData<string>();
        foreach (var c in Registry.All) d.Add(c.Id);
        return d;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Case_passes_on_the_model(string id)
    {
        var c = Registry.All.Single(x => x.Id == id);
        var r = Runner.Run([c], Seed, null);
        Assert.True(r.Success, $"{id} failed (seed {Seed}): {r.Results[0].Message}");
    }

    [Fact]
    public void Every_clause_is_covered_and_every_reference_is_known()
    {
        var r = L4Conf.Conformance.Cli.CoverageCommand.Compute();
        Assert.Empty(r.UnknownReferences);
        Assert.Empty(r.Uncovered);
        Assert.True(r.Clauses.Count >= 70, $"only {r.Clauses.Count} clauses read");
    }

    [Fact]
    public void Case_ids_are_unique_and_sorted()
    {
        var ids = Registry.All.Select(c => c.Id).ToList();
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Equal(ids.OrderBy(i => i, StringComparer.Ordinal), ids);
    }
}

/// <summary>A deliberately broken kernel must be caught by a case and by a property, with the seed in the report.</summary>
public class MutantTests
{
    private static RunReport RunWith(string mutant, string filter)
    {
        Mutants.Current = Mutants.All[mutant].Config;
        try { return Runner.Run(Registry.Select(filter), ConformanceCaseTests.Seed, filter); }
        finally { Mutants.Current = null; }
    }

    [Fact]
    public void Keeping_S_without_the_S_rule_fails_a_case_and_the_monotonicity_property()
    {
        var r = RunWith("keep-s", "^(map/s-needs-both-task-caps|prop/rights-monotonicity)$");
        Assert.Equal(2, r.Failed);
        var prop = r.Results.Single(x => x.Case.Id == "prop/rights-monotonicity");
        Assert.Contains($"seed {ConformanceCaseTests.Seed}", prop.Message);
        Assert.Contains("lacks S", prop.Message);
        Assert.Contains("shortest failing program:", prop.Message);
    }

    [Fact]
    public void Keeping_S_in_IPC_map_items_fails_a_case_and_the_monotonicity_property_with_an_ipc_step()
    {
        var r = RunWith("ipc-keep-s", "^(ipc/map-item|prop/rights-monotonicity)$");
        Assert.Equal(2, r.Failed);
        var prop = r.Results.Single(x => x.Case.Id == "prop/rights-monotonicity");
        Assert.Contains("as an IPC", prop.Message);
        Assert.Contains("the thread cap the item was sent through lacks S", prop.Message);
    }

    [Fact]
    public void Delivering_the_senders_label_through_a_gate_fails_a_case_and_the_label_property()
    {
        var r = RunWith("sender-label", "^(ipc/gate-label|ipc/file-server-real-capture|prop/ipc-label-integrity)$");
        Assert.Equal(3, r.Failed);
        var prop = r.Results.Single(x => x.Case.Id == "prop/ipc-label-integrity");
        Assert.Contains($"seed {ConformanceCaseTests.Seed}", prop.Message);
        Assert.Contains("shortest failing program:", prop.Message);
        Assert.Contains("expected 0x", prop.Message);
    }

    [Theory]
    [InlineData("grow-rights", "map/rights-intersect")]
    [InlineData("grow-rights", "caplife/real-capture")]
    [InlineData("weak-counts", "map/weak-and-counted")]
    [InlineData("weak-counts", "caplife/real-capture")]
    public void Mutant_is_caught_by_case(string mutant, string caseId)
    {
        var r = RunWith(mutant, $"^{System.Text.RegularExpressions.Regex.Escape(caseId)}$");
        Assert.Equal(1, r.Failed);
    }

    [Theory]
    [InlineData("pfec-no-present", "mmu/pfec-present")]
    [InlineData("pfec-no-write", "mmu/pfec-write")]
    [InlineData("pfec-no-user", "mmu/pfec-user")]
    [InlineData("pfec-no-reserved", "mmu/pfec-reserved")]
    [InlineData("pfec-no-fetch", "mmu/pfec-fetch")]
    public void Dropping_one_page_fault_error_bit_fails_that_bits_case(string mutant, string caseId)
    {
        try
        {
            Assert.True(Mutants.Apply(mutant));
            var r = Runner.Run(Registry.Select($"^{System.Text.RegularExpressions.Regex.Escape(caseId)}$"), ConformanceCaseTests.Seed, null);
            Assert.Equal(1, r.Failed);
        }
        finally { L4Conf.Model.Machine.Mmu.ErrorCodeMutation.Value = null; }
    }

    [Fact]
    public void Mutant_does_not_leak_into_other_runs()
    {
        RunWith("keep-s", "^map/s-needs-both-task-caps$");
        var r = Runner.Run(Registry.Select("^map/s-needs-both-task-caps$"), ConformanceCaseTests.Seed, null);
        Assert.True(r.Success);
    }
}
