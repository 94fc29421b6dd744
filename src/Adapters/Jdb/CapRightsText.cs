namespace L4Conf.Adapters.Jdb;

/// <summary>
/// Names for the bits of a dump's `rights=` column (the slot's Obj::Attr byte): the four cap rights, the
/// "counted" marker of non-weak caps and the three object-specific rights (0x20 is an IPC gate's server right).
/// </summary>
internal static class CapRightsText
{
    private static readonly (uint Bit, string Name)[] Bits =
    [
        (0x01, "W"), (0x02, "S"), (0x04, "R"), (0x08, "D"), (0x10, "counted"),
        (0x20, "obj-right-1(0x20)"), (0x40, "obj-right-2(0x40)"), (0x80, "obj-right-3(0x80)"),
    ];

    /// <summary>Comma-separated names of the set bits, lowest first; unnamed high bits as hex.</summary>
    public static string Names(uint bits)
    {
        var names = new List<string>();
        foreach (var (bit, name) in Bits)
            if ((bits & bit) != 0)
                names.Add(name);
        for (var bit = 0x100u; bit != 0; bit <<= 1)
            if ((bits & bit) != 0)
                names.Add($"0x{bit:x}");
        return string.Join(", ", names);
    }

    /// <summary>"A has D, obj-right-1(0x20) that B lacks; B has S that A lacks" (only the parts that apply).</summary>
    public static string Contrast(uint a, uint b)
    {
        var parts = new List<string>(2);
        if ((a & ~b) != 0)
            parts.Add($"A has {Names(a & ~b)} that B lacks");
        if ((b & ~a) != 0)
            parts.Add($"B has {Names(b & ~a)} that A lacks");
        return string.Join("; ", parts);
    }
}
