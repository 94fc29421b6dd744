namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// The flags the Intel SDM leaves undefined after an instruction (Vol. 2, each instruction's "Flags Affected"), per
/// mnemonic. The model sets them by its own documented choice (Cpu.cs remarks; CpuShift.cs, CpuMulDiv.cs); real
/// CPUs differ between vendors and generations, so `cpu diff` masks them and reports how the host set them.
/// One line per mnemonic: an instruction added to the model that leaves flags undefined needs its line here.
/// </summary>
public static class FlagRules
{
    public const ulong CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
    public const ulong Arith = CF | PF | AF | ZF | SF | OF;
    /// <summary>The RFLAGS bits compared: the six arithmetic flags and DF (the rest are fixed in user mode).</summary>
    public const ulong Compared = Arith | DF;

    /// <summary>Fixed undefined sets, by mnemonic.</summary>
    private static readonly Dictionary<string, ulong> Fixed = new()
    {
        ["and"] = AF, ["or"] = AF, ["xor"] = AF, ["test"] = AF,   // logic: "AF is undefined"
        ["mul"] = SF | ZF | AF | PF, ["imul"] = SF | ZF | AF | PF, // "SF, ZF, AF, PF are undefined"
        ["div"] = Arith, ["idiv"] = Arith,                          // "CF, OF, SF, ZF, AF, PF are undefined"
        ["bt"] = OF | SF | AF | PF, ["bts"] = OF | SF | AF | PF,     // "OF, SF, AF, and PF flags are undefined"
        ["btr"] = OF | SF | AF | PF, ["btc"] = OF | SF | AF | PF,
        ["bsf"] = CF | OF | SF | AF | PF, ["bsr"] = CF | OF | SF | AF | PF, // "CF, OF, SF, AF, and PF are undefined"
    };

    /// <summary>
    /// Undefined flags after <paramref name="mnemonic"/> with an operand of <paramref name="bits"/> bits and, for
    /// shifts and rotates, the count operand (before masking).
    /// </summary>
    public static ulong Undefined(string mnemonic, int bits, int count)
    {
        if (Fixed.TryGetValue(mnemonic, out ulong f)) return f;
        int masked = count & (bits == 64 ? 0x3F : 0x1F);
        switch (mnemonic)
        {
            case "shl": case "sal": case "shr":
                // count 0: nothing changes; AF undefined for any other count; OF for counts > 1; CF when count >= width
                return masked == 0 ? 0 : AF | (masked > 1 ? OF : 0) | (masked >= bits ? CF : 0);
            case "sar":
                return masked == 0 ? 0 : AF | (masked > 1 ? OF : 0);
            case "rol": case "ror": case "rcl": case "rcr":
                return masked == 0 || masked == 1 ? 0 : OF; // "OF is defined only for the 1-bit rotates"
            case "shld": case "shrd":
                // AF undefined for any non-zero count, OF for counts > 1; a 16-bit count > 16 leaves result and flags
                // undefined (the generator keeps 16-bit counts <= 16, since the result cannot be masked)
                return masked == 0 ? 0 : bits == 16 && masked > 16 ? Arith : AF | (masked > 1 ? OF : 0);
            default:
                return 0;
        }
    }

    /// <summary>Names of the flags in a mask, for reports.</summary>
    public static string Names(ulong m) => string.Join("", new[] { (CF, "C"), (PF, "P"), (AF, "A"), (ZF, "Z"), (SF, "S"), (OF, "O"), (DF, "D") }
        .Where(x => (m & x.Item1) != 0).Select(x => x.Item2 + "F ")).TrimEnd();
}
