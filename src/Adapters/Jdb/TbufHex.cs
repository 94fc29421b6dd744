using System.Globalization;

namespace L4Conf.Adapters.Jdb;

/// <summary>Numbers as JDB prints them: `%lx` (lowercase hex, no 0x, at most 16 digits) and `%u`/`%ld` decimals.</summary>
internal static class TbufHex
{
    public static bool IsHex(string s)
    {
        if (s.Length is 0 or > 16) return false;
        foreach (var c in s)
            if (!(c is >= '0' and <= '9' or >= 'a' and <= 'f')) return false;
        return true;
    }

    public static ulong Parse(string s, string what) =>
        IsHex(s) ? ulong.Parse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
            : throw new TbufFieldException($"expected {what} in hex digits, found '{s}'");

    public static ulong ParseDecimal(string s, string what) =>
        s.Length > 0 && s.All(char.IsAsciiDigit) && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v : throw new TbufFieldException($"expected {what} in decimal digits, found '{s}'");

    public static long ParseSignedDecimal(string s, string what) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v : throw new TbufFieldException($"expected {what} as a decimal number, found '{s}'");
}
