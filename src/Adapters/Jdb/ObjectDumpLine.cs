using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// The two line shapes of a `dumpmapdbobjs` listing (format version 0), read and printed in one place so the
/// reader and the writer cannot drift apart. Shapes follow fiasco's jdb_mapdb.cpp / jdb_kobject.cpp printfs:
/// object `"%lx %lx [%s]"` + name/attribute handlers + `" ref_cnt=%ld"`, capability
/// `"\t" L4_PTR_FMT "[C:%lx]: space=D:%lx%s rights=%x flags=%lx obj=%p"`.
/// </summary>
internal static partial class ObjectDumpLine
{
    public const string ObjectShape = "'<id> <addr> [<type>] {<name>} <attrs> ref_cnt=<n>'";
    public const string CapShape = @"'\t<addr>[C:<idx>]: space=D:<id>(<name>) rights=<hex> flags=<hex> obj=0x<addr>'";

    // `rest` holds the optional " {name}" and the type-specific attributes; greedy so the last ref_cnt wins.
    [GeneratedRegex(@"^(?<id>[0-9a-fA-F]+) (?<addr>[0-9a-fA-F]+) \[(?<type>[^\]]+)\](?<rest>.*) ref_cnt=(?<rc>-?[0-9]+)$",
        RegexOptions.CultureInvariant)]
    private static partial Regex ObjectRegex();

    // The space name is optional (unnamed tasks); %p prints "(nil)" for a null pointer in some libcs.
    [GeneratedRegex(@"^[\t ]+(?<map>[0-9a-fA-F]+)\[C:(?<idx>[0-9a-fA-F]+)\]: space=D:(?<sid>[0-9a-fA-F]+)(?:\((?<sname>.*?)\))? rights=(?<r>[0-9a-fA-F]+) flags=(?<f>[0-9a-fA-F]+) obj=(?:0x(?<obj>[0-9a-fA-F]+)|(?<nil>\(nil\)))$",
        RegexOptions.CultureInvariant)]
    private static partial Regex CapRegex();

    /// <summary>Capability lines are the only indented ones.</summary>
    public static bool IsCapShaped(string line) => line.Length > 0 && (line[0] == '\t' || line[0] == ' ');

    /// <summary>Object lines start with the hex debug id.</summary>
    public static bool IsObjectShaped(string line) => line.Length > 0 && char.IsAsciiHexDigit(line[0]);

    /// <summary>Parses an object line; the result has no caps yet. Null when the line does not fit.</summary>
    public static GraphObject? ParseObject(string line, int lineNo)
    {
        var m = ObjectRegex().Match(line);
        if (!m.Success
            || !TryHex(m.Groups["id"].Value, out var id)
            || !TryHex(m.Groups["addr"].Value, out var addr)
            || !long.TryParse(m.Groups["rc"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var rc))
            return null;

        var rest = m.Groups["rest"].Value;
        string? name = null;
        if (rest.StartsWith(" {", StringComparison.Ordinal))
        {
            var close = rest.IndexOf('}', 2);
            if (close < 0)
                return null;
            name = rest[2..close];
            rest = rest[(close + 1)..];
        }
        // The handlers print " attr ..."; drop exactly that one separator so inner spacing stays verbatim.
        var attrs = rest.StartsWith(' ') ? rest[1..] : rest;
        return new GraphObject(id, addr, m.Groups["type"].Value, name, attrs, rc, [], lineNo);
    }

    /// <summary>Parses a capability line. Null when the line does not fit.</summary>
    public static GraphCap? ParseCap(string line, int lineNo)
    {
        var m = CapRegex().Match(line);
        if (!m.Success
            || !TryHex(m.Groups["map"].Value, out var map)
            || !TryHex(m.Groups["idx"].Value, out var idx)
            || !TryHex(m.Groups["sid"].Value, out var sid)
            || !TryHex(m.Groups["r"].Value, out var rights) || rights > uint.MaxValue
            || !TryHex(m.Groups["f"].Value, out var flags))
            return null;
        ulong obj = 0;
        if (!m.Groups["nil"].Success && !TryHex(m.Groups["obj"].Value, out obj))
            return null;
        var sname = m.Groups["sname"].Success ? m.Groups["sname"].Value : null;
        return new GraphCap(map, idx, sid, sname, (uint)rights, flags, obj, lineNo);
    }

    /// <summary>Object line as the kernel prints it (ids and addresses with %lx, i.e. unpadded).</summary>
    public static string FormatObject(GraphObject o)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{o.Id:x} {o.Address:x} [{o.Type}]");
        if (o.Name is not null)
            sb.Append(" {").Append(o.Name).Append('}');
        if (o.Attributes.Length > 0)
            sb.Append(' ').Append(o.Attributes);
        sb.Append(CultureInfo.InvariantCulture, $" ref_cnt={o.RefCount}");
        return sb.ToString();
    }

    /// <summary>Capability line, tab included: mapping address as L4_PTR_FMT (16 digits), obj as %p.</summary>
    public static string FormatCap(GraphCap c)
    {
        var space = c.SpaceName is null ? "" : $"({c.SpaceName})";
        return string.Create(CultureInfo.InvariantCulture,
            $"\t{c.MappingAddress:x16}[C:{c.Index:x}]: space=D:{c.SpaceId:x}{space} rights={c.Rights:x} flags={c.Flags:x} obj=0x{c.ObjectAddress:x}");
    }

    private static bool TryHex(string s, out ulong value) =>
        ulong.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
}
