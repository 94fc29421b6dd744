namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// Host quirks of the x87 forms that are not in <see cref="CpuComparer"/> (kept apart while that file is edited
/// elsewhere); each is wired into DiffRun's quirk chain next to <see cref="CpuComparer.X87ImageQuirk"/>.
/// </summary>
public static class X87Quirks
{
    /// <summary>
    /// A known host difference, the packed BCD twin of <see cref="CpuComparer.X87ImageQuirk"/>: fbld/fbstp's m80 that
    /// crosses into an unmapped page or past the canonical boundary faults on both, but the host reports the piece its
    /// microcode accessed first (`cpu diff --seed 20261201`: fbld of 0x7ffffffffff8..0x800000000001, the host #PF for the
    /// unmapped canonical bytes, the model #GP(0) for the non-canonical ones). The SDM does not order the pieces; the model
    /// checks the whole operand and reports the first faulting page (#GP when it is not canonical). Null unless both
    /// faulted with #SS, #GP or #PF and only the vector, CR2 or error code differ.
    /// </summary>
    public static string? BcdImageQuirk(string mnemonic, CpuOutcome model, CpuOutcome host, List<string> fields) =>
        mnemonic is "fbld" or "fbstp" && fields.Count > 0
            && model.Vector is 12 or 13 or 14 && host.Vector is 12 or 13 or 14
            && fields.All(f => f.StartsWith("vector:", StringComparison.Ordinal) || f.StartsWith("cr2:", StringComparison.Ordinal)
                || f.StartsWith("errorCode:", StringComparison.Ordinal))
            ? "fbld/fbstp m80 across a page or the canonical boundary: the host reports the piece its microcode accessed first" : null;
}
