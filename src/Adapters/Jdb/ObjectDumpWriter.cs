using System.Text;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// Prints an <see cref="ObjectGraph"/> as the kernel's `dumpmapdbobjs` does with the plain (non-gzip) console:
/// block markers, version and tag lines, then one object line and its capability lines per object, LF line ends.
/// <see cref="ObjectDumpReader"/> reads the result back to an equal graph (line numbers aside).
/// </summary>
public static class ObjectDumpWriter
{
    public static string Write(ObjectGraph g)
    {
        var sb = new StringBuilder();
        // The kernel starts with a newline so the marker is at the start of a line whatever came before.
        sb.Append('\n').Append(ObjectDumpReader.BlockStart).Append('\n');
        sb.Append("dump format version number: ").Append(g.FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("user space tag:");
        if (g.UserTag.Length > 0)
            sb.Append(' ').Append(Checked(g.UserTag, "user tag"));
        sb.Append('\n');
        foreach (var o in g.Objects)
        {
            CheckObject(o);
            sb.Append(ObjectDumpLine.FormatObject(o)).Append('\n');
            foreach (var c in o.Caps)
            {
                if (c.SpaceName is not null)
                    Checked(c.SpaceName, "space name");
                sb.Append(ObjectDumpLine.FormatCap(c)).Append('\n');
            }
        }
        sb.Append(ObjectDumpReader.BlockEnd).Append('\n');
        return sb.ToString();
    }

    /// <summary>Refuses texts the line format cannot carry, rather than writing a dump that reads back differently.</summary>
    private static void CheckObject(GraphObject o)
    {
        Checked(o.Type, "type");
        if (o.Type.Length == 0 || o.Type.Contains(']'))
            throw new ArgumentException($"object {o.Id:x}: type '{o.Type}' cannot be written (empty or contains ']')");
        if (o.Name is not null && Checked(o.Name, "name").Contains('}'))
            throw new ArgumentException($"object {o.Id:x}: name '{o.Name}' cannot be written (contains '}}')");
        Checked(o.Attributes, "attributes");
        if (o.Name is null && o.Attributes.StartsWith('{'))
            throw new ArgumentException($"object {o.Id:x}: attributes of an unnamed object must not start with '{{' (it would read as a name)");
    }

    private static string Checked(string text, string what)
    {
        if (text.Contains('\n') || text.Contains('\r') || text.Contains('\x1b'))
            throw new ArgumentException($"{what} '{text}' cannot be written: it contains a line break or an escape character");
        return text;
    }
}
