using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;

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
                KernelConfig.Default with { Mutant = "keep-s", MapAttr = (src, fp, item, _) => RightsRules.MapAttr(src, fp, item, CapRights.S) }),
            ["grow-rights"] = ("map hands out the requested rights instead of the intersection",
                KernelConfig.Default with { Mutant = "grow-rights", MapAttr = (src, fp, item, mask) =>
                    (fp & 4) == 0 ? CapRights.None : (CapRights)((fp & 0xF & (((byte)mask & 2) | 0xD)) | ((item & 0xF0) ^ 0x10)) }),
            ["sender-label"] = ("IPC through a gate delivers the sender's RSI instead of gate label | W | S",
                KernelConfig.Default with { Mutant = "sender-label", GateLabel = (_, _, sender) => sender }),
            ["weak-counts"] = ("the 0x10 bit is not inverted: weak items give counted slots",
                KernelConfig.Default with { Mutant = "weak-counts", MapAttr = (src, fp, item, mask) => RightsRules.MapAttr(src, fp, (byte)(item ^ 0x10), mask) }),
        };

    /// <summary>The configuration a case should boot with: the mutant in force, or the real kernel.</summary>
    public static KernelConfig? Current { get => _current.Value; set => _current.Value = value; }
}
