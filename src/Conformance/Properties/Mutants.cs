using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Model.Kernel.Rules;

namespace L4Conf.Conformance.Properties;

/// <summary>
/// Deliberately broken kernels, to show that cases, properties and proofs notice a broken rule
/// (`l4conf run --mutant NAME`). The mutant in force flows with the running case (AsyncLocal), so parallel tests do not see it.
/// </summary>
public static class Mutants
{
    private static readonly AsyncLocal<KernelConfig?> _current = new();

    public static readonly IReadOnlyDictionary<string, (string Description, KernelConfig Config)> All =
        new Dictionary<string, (string, KernelConfig)>
        {
            ["keep-s"] = ("Task::map keeps S even when a task cap lacks it (no S-masking rule)",
                KernelConfig.Default with { Mutant = "keep-s", TaskMapMaskRule = new BvRule("task-map-mask", ["srctask", "dsttask"], (BvConst)0x0F) }),
            ["ipc-keep-s"] = ("an IPC map item keeps S even when the cap it is sent through lacks S (no IPC S-masking rule)",
                KernelConfig.Default with { Mutant = "ipc-keep-s", IpcMapMaskRule = new BvRule("ipc-map-mask", ["sendcap"], (BvConst)0x0F) }),
            ["grow-rights"] = ("map hands out the requested rights instead of the intersection",
                KernelConfig.Default with { Mutant = "grow-rights", MapAttrRule = GrowRights() }),
            ["sender-label"] = ("IPC through a gate delivers the sender's RSI instead of gate label | W | S",
                KernelConfig.Default with { Mutant = "sender-label", GateLabel = (_, _, sender) => sender }),
            ["weak-counts"] = ("the 0x10 bit is not inverted: weak items give counted slots",
                KernelConfig.Default with { Mutant = "weak-counts", MapAttrRule = RightsRules.MapAttrTerm(invertRefBit: false) }),
        };

    /// <summary>The request itself instead of its intersection with the source slot.</summary>
    private static BvRule GrowRights()
    {
        Bv fp = BvRule.Var("fp"), item = BvRule.Var("item"), mask = BvRule.Var("mask");
        return new BvRule("map-attr", ["src", "fp", "item", "mask"],
            Bv.IfZero(fp & 4, 0, (fp & 0xF & ((mask & 2) | 0xD)) | ((item & 0xF0) ^ 0x10)));
    }

    /// <summary>Mutants of the MMU: one page-fault error-code bit dropped.</summary>
    public static readonly IReadOnlyDictionary<string, (string Description, ulong Bit)> PfecMutants = new Dictionary<string, (string, ulong)>
    {
        ["pfec-no-present"] = ("the MMU never sets the P bit (0x1) of the page-fault error code", 0x1),
        ["pfec-no-write"] = ("the MMU never sets the W bit (0x2)", 0x2),
        ["pfec-no-user"] = ("the MMU never sets the U bit (0x4)", 0x4),
        ["pfec-no-reserved"] = ("the MMU never sets the RSVD bit (0x8)", 0x8),
        ["pfec-no-fetch"] = ("the MMU never sets the I/D bit (0x10)", 0x10),
    };

    /// <summary>Applies a named mutant to the running flow (kernel rules or the MMU); false if the name is unknown.</summary>
    public static bool Apply(string name)
    {
        AppliedName = name;
        if (All.TryGetValue(name, out var k)) { Current = k.Config; return true; }
        if (PfecMutants.TryGetValue(name, out var p)) { Model.Machine.Mmu.ErrorCodeMutation.Value = e => e & ~p.Bit; return true; }
        return false;
    }

    public static string Describe(string name) => All.TryGetValue(name, out var k) ? k.Description : PfecMutants[name].Description;
    public static IEnumerable<string> Names => All.Keys.Concat(PfecMutants.Keys);

    /// <summary>The configuration a case should boot with: the mutant in force, or the real kernel.</summary>
    public static KernelConfig? Current { get => _current.Value; set => _current.Value = value; }

    /// <summary>The name of the mutant this run applied (for the replay hint of a failing property), or null.</summary>
    public static string? AppliedName { get; private set; }
}
