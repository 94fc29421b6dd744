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
    public const ulong IF = 0x200, IOPL = 0x3000, NT = 0x4000, AC = 0x4_0000, ID = 0x20_0000;
    /// <summary>
    /// The RFLAGS bits compared: the six arithmetic flags, DF, NT, AC and ID, which popf and iret may change at CPL 3, and
    /// IF and IOPL, which they must not (TF and RF are not modelled and never set by a case).
    /// </summary>
    public const ulong Compared = Arith | DF | IF | IOPL | NT | AC | ID;

    /// <summary>Fixed undefined sets, by mnemonic.</summary>
    private static readonly Dictionary<string, ulong> Fixed = new()
    {
        ["and"] = AF, ["or"] = AF, ["xor"] = AF, ["test"] = AF,   // logic: "AF is undefined"
        ["mul"] = SF | ZF | AF | PF, ["imul"] = SF | ZF | AF | PF, // "SF, ZF, AF, PF are undefined"
        ["div"] = Arith, ["idiv"] = Arith,                          // "CF, OF, SF, ZF, AF, PF are undefined"
        ["bt"] = OF | SF | AF | PF, ["bts"] = OF | SF | AF | PF,    // BT*: "The OF, SF, AF, and PF flags are undefined"
        ["btr"] = OF | SF | AF | PF, ["btc"] = OF | SF | AF | PF,
        ["bsf"] = CF | OF | SF | AF | PF, ["bsr"] = CF | OF | SF | AF | PF, // BSF/BSR: "The CF, OF, SF, AF, and PF flags are undefined"
        ["daa"] = OF, ["das"] = OF,                                 // DAA/DAS: "The OF flag is undefined"
        ["aaa"] = OF | SF | ZF | PF, ["aas"] = OF | SF | ZF | PF,   // AAA/AAS: "The OF, SF, ZF, and PF flags are undefined"
        ["aam"] = OF | AF | CF, ["aad"] = OF | AF | CF,             // AAM/AAD: "The OF, AF, and CF flags are undefined"
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
            case "rol": case "ror":
            case "rcl": case "rcr": // RCL/RCR: a masked count of 0 affects no flags (also for rcl r8 by 9: CF kept, OF undefined)
                return masked == 0 || masked == 1 ? 0 : OF; // "OF is defined only for the 1-bit rotates"
            case "shld": case "shrd":
                // "If the count operand is 0, the flags are not affected. If the count is greater than the operand
                // size, the flags are undefined." Else: "If a shift occurs, the AF flag is undefined"; OF only for 1-bit shifts.
                return masked == 0 ? 0 : masked > bits ? Arith : AF | (masked > 1 ? OF : 0);
            default:
                return 0;
        }
    }

    /// <summary>Names of the flags in a mask, for reports.</summary>
    public static string Names(ulong m) => string.Join("", new[] { (CF, "C"), (PF, "P"), (AF, "A"), (ZF, "Z"), (SF, "S"), (OF, "O"), (DF, "D") }
        .Where(x => (m & x.Item1) != 0).Select(x => x.Item2 + "F ")).TrimEnd();
}

/// <summary>
/// A destination the SDM leaves undefined for this case's operands, masked like an undefined flag when the instruction
/// completed (see <see cref="ResultRules"/>): register <see cref="Reg"/>'s bits <see cref="RegBits"/>, or the
/// <see cref="MemLen"/> bytes at <see cref="MemAddr"/>; with <see cref="WhenZf"/> only when the host's ZF says so.
/// </summary>
public sealed record ResultRule(string Name, int Reg = -1, ulong RegBits = 0, ulong MemAddr = 0, int MemLen = 0, bool WhenZf = false);

/// <summary>
/// The destinations the Intel SDM leaves undefined, by instruction and operands (Vol. 2, each instruction's
/// "Operation"/"Description"). The model's choice is documented at its handler; `cpu diff` masks them and reports
/// how often the host kept the old value and how often the model matched the host.
/// </summary>
public static class ResultRules
{
    /// <summary>
    /// bsf/bsr with a zero source: "the content of the destination operand is undefined" (Intel); AMD's APM documents
    /// it unchanged. Known only from the outcome: ZF = 1 exactly when the source was 0 (ZF is defined).
    /// </summary>
    public static ResultRule BitScanZero(string mnemonic, int reg, int bits) =>
        new($"{mnemonic} destination (zero source)", reg, bits == 16 ? 0xFFFF : ulong.MaxValue, WhenZf: true);

    /// <summary>
    /// shld/shrd with a masked count greater than the operand size (16-bit operands, counts 17..31): "the result
    /// is undefined" (and so are the flags, <see cref="FlagRules"/>). Null for other counts.
    /// </summary>
    public static ResultRule? ShiftDoubleOverWidth(string mnemonic, int bits, int count, int reg, ulong memAddr)
    {
        int masked = count & (bits == 64 ? 0x3F : 0x1F);
        if (masked <= bits) return null;
        ulong m = bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;
        return reg >= 0 ? new ResultRule($"{mnemonic} destination (count > width)", reg, m)
                        : new ResultRule($"{mnemonic} destination (count > width)", MemAddr: memAddr, MemLen: bits / 8);
    }
}

