using L4Conf.Conformance.CpuDiff;
using L4Conf.Model.Machine;
using Xunit;

namespace L4Conf.Tests;

/// <summary>The differential tester's parts: case lines round-trip, the comparer masks only what is documented, the generator covers the subset.</summary>
public class CpuDiffTests
{
    [Fact]
    public void A_generated_case_line_reproduces_the_same_outcome_under_cpu_run()
    {
        var gen = new CaseGenerator();
        var rng = new Random(3);
        var model = new ModelCpuRunner();
        int n = 0;
        foreach (var f in gen.Forms.Where((_, k) => k % 7 == 0))
        {
            if (gen.Make(f, rng) is not { } g) continue;
            string line = CpuCaseJson.Write(g.Case);
            var back = CpuCaseJson.Parse(line, "test");
            Assert.Equal(line, CpuCaseJson.Write(back));
            Assert.Equal(CpuCaseJson.Write(f.Id, model.Run(g.Case)), CpuCaseJson.Write(f.Id, model.Run(back)));
            n++;
        }
        Assert.True(n > 100);
    }

    [Fact]
    public void Every_supported_mnemonic_has_a_form_and_every_fault_kind_is_there()
    {
        var gen = new CaseGenerator();
        var mnemonics = gen.Forms.Select(f => f.Mnemonic).ToHashSet();
        var noForm = InstructionSet.Supported.Where(m => !mnemonics.Contains(m) && !CaseGenerator.NotCompared.ContainsKey(m)).ToList();
        Assert.Empty(noForm);
        foreach (var kind in new[] { "fault:pf-read-not-present", "fault:pf-write-protection", "fault:pf-fetch-nx", "fault:gp-noncanonical-read",
            "fault:ss-push", "fault:de-zero", "fault:ud-ud2", "fault:bp-int3", "fault:gp-hlt", "fault:gp-int-n", "seq:jbe" })
            Assert.Contains(gen.Forms, f => f.Id == kind);
    }

    private static CpuOutcome Ended(ulong rflags) => new() { Status = "trap", Vector = 3, Rip = 0x1001, Rflags = rflags };

    [Fact]
    public void Comparer_masks_undefined_flags_only_after_a_completed_instruction()
    {
        const ulong af = FlagRules.AF;
        Assert.Empty(CpuComparer.Compare(Ended(0x202), Ended(0x202 | af), af));
        Assert.Single(CpuComparer.Compare(Ended(0x202), Ended(0x202 | af), 0));
        var faultM = new CpuOutcome { Status = "trap", Vector = 13, Rflags = 0x202 };
        var faultH = new CpuOutcome { Status = "trap", Vector = 13, Rflags = 0x202 | af | 0x10000 }; // RF in the frame is not compared
        Assert.Single(CpuComparer.Compare(faultM, faultH, af));
    }

    [Fact]
    public void Comparer_ignores_cr2_except_for_page_faults_and_P_only_above_task_size()
    {
        var m = new CpuOutcome { Status = "trap", Vector = 13, Cr2 = 0 };
        Assert.Empty(CpuComparer.Compare(m, new CpuOutcome { Status = "trap", Vector = 13, Cr2 = 0x1234 }, 0));
        var pm = new CpuOutcome { Status = "trap", Vector = 14, ErrorCode = 4, Cr2 = 0xFFFF_8000_0000_0000 };
        Assert.Empty(CpuComparer.Compare(pm, new CpuOutcome { Status = "trap", Vector = 14, ErrorCode = 5, Cr2 = 0xFFFF_8000_0000_0000 }, 0));
        var low = new CpuOutcome { Status = "trap", Vector = 14, ErrorCode = 4, Cr2 = 0x2000_3000 };
        Assert.Single(CpuComparer.Compare(low, new CpuOutcome { Status = "trap", Vector = 14, ErrorCode = 5, Cr2 = 0x2000_3000 }, 0));
        Assert.Single(CpuComparer.Compare(low, new CpuOutcome { Status = "trap", Vector = 14, ErrorCode = 4, Cr2 = 0x2000_3008 }, 0));
    }

    [Fact]
    public void Native_runner_agrees_with_the_model_on_a_page_fault_and_an_ss()
    {
        if (NativeRunner.Unavailable() != null) return;
        using var native = NativeRunner.Start();
        var model = new ModelCpuRunner();
        foreach (var (code, rsp) in new[] { ("48890425ff3f0020cc", 0x3000_0100UL), ("50cc", 0x8000_0000_0008UL) }) // mov [0x20003fff], rax (not mapped); push rax
        {
            var c = new CpuCase { Code = Convert.FromHexString(code), Rip = 0x1000_0000, Regs = [1, 0, 0, 0, rsp, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], Pages = [new CasePage(0x3000_0000, "rw", [])] };
            var h = native.Run(c);
            var m = model.Run(c);
            Assert.Empty(CpuComparer.Compare(m, h, 0));
            Assert.Equal(rsp == 0x3000_0100 ? 14 : 12, h.Vector);
        }
    }
}
