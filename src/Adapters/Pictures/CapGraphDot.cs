using System.Diagnostics;
using System.Globalization;
using System.Text;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Pictures;

/// <summary>
/// A capability graph in Graphviz's DOT language: each task a box holding its slots (`C:idx` with the cap's rights
/// letters), each object a node of its own; an edge from a slot to the object it names, solid for a counted cap,
/// dashed for a weak one (no 0x10 bit), bold to an interface part (a gate's control part). Highlighted objects and
/// slots (differences) are drawn red.
/// </summary>
public static class CapGraphDot
{
    public sealed record Highlight(IReadOnlySet<ulong> Objects, IReadOnlySet<(ulong Space, ulong Index)> Slots)
    {
        public static readonly Highlight None = new(new HashSet<ulong>(), new HashSet<(ulong, ulong)>());
    }

    /// <summary>A whole graph; with <paramref name="only"/>, just those objects and the tasks whose slots name them.</summary>
    public static string Render(ObjectGraph g, string title, Highlight? hi = null, IReadOnlySet<ulong>? only = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine("digraph caps {");
        Body(sb, g, "", title, hi ?? Highlight.None, only);
        sb.AppendLine("}");
        return sb.ToString();
    }

    /// <summary>Two graphs side by side (e.g. the capture's and the model's), each in its own cluster.</summary>
    public static string SideBySide((ObjectGraph G, string Title, Highlight Hi, IReadOnlySet<ulong>? Only) a, (ObjectGraph G, string Title, Highlight Hi, IReadOnlySet<ulong>? Only) b)
    {
        var sb = new StringBuilder();
        sb.AppendLine("digraph replay {");
        sb.AppendLine("  rankdir=LR; compound=true;");
        foreach (var (side, p) in new[] { (a, "a"), (b, "b") })
        {
            sb.AppendLine($"  subgraph cluster_{p} {{ label={Q(side.Title)}; style=rounded;");
            Body(sb, side.G, p, null, side.Hi, side.Only);
            sb.AppendLine("  }");
        }
        sb.AppendLine("}");
        return sb.ToString();
    }

    private static void Body(StringBuilder sb, ObjectGraph g, string p, string? title, Highlight hi, IReadOnlySet<ulong>? only)
    {
        if (title != null) sb.AppendLine($"  label={Q(title)}; labelloc=t; rankdir=LR;");
        sb.AppendLine("  node [fontname=\"monospace\", fontsize=10]; edge [arrowsize=0.6];");
        var objects = g.Objects.Where(o => only == null || only.Contains(o.Id)).ToList();
        var spaces = objects.SelectMany(o => o.Caps).GroupBy(c => c.SpaceId).OrderBy(s => s.Key).ToList();
        foreach (var s in spaces)
        {
            var name = s.First().SpaceName is { } n ? " " + n : "";
            sb.AppendLine($"  subgraph cluster_{p}t{s.Key:x} {{ label={Q($"task D:{s.Key:x}{name}")}; style=filled; fillcolor=\"#f4f4f4\";");
            foreach (var c in s.OrderBy(c => c.Index))
            {
                bool red = hi.Slots.Contains((c.SpaceId, c.Index));
                sb.AppendLine($"    {Slot(p, c)} [shape=box, label={Q($"C:{c.Index:x} {Letters(c.Rights)}")}{(red ? ", color=red, fontcolor=red, penwidth=2" : "")}];");
            }
            sb.AppendLine("  }");
        }
        foreach (var o in objects)
        {
            bool red = hi.Objects.Contains(o.Id);
            var label = $"[{o.Type}]{(o.Name != null ? " {" + o.Name + "}" : "")}\\nD:{o.Id:x} ref_cnt={o.RefCount}";
            sb.AppendLine($"  {p}o{o.Id:x} [shape=ellipse, label=\"{Esc(label)}\"{(red ? ", color=red, fontcolor=red, penwidth=2" : "")}];");
            foreach (var c in o.Caps)
            {
                var style = (c.Rights & 0x10) != 0 ? "solid" : "dashed";
                var bold = c.ObjectAddress != o.Address ? ", penwidth=2" : "";
                sb.AppendLine($"  {Slot(p, c)} -> {p}o{o.Id:x} [style={style}{bold}{(hi.Slots.Contains((c.SpaceId, c.Index)) ? ", color=red" : "")}];");
            }
        }
    }

    private static string Slot(string p, GraphCap c) => $"{p}s{c.SpaceId:x}_{c.Index:x}";

    /// <summary>Ned's letters for a cap's rights (r, w, s, d), `n` for a weak cap, object rights as +hex.</summary>
    public static string Letters(uint r)
    {
        var s = new StringBuilder();
        if ((r & 4) != 0) s.Append('r');
        if ((r & 1) != 0) s.Append('w');
        if ((r & 2) != 0) s.Append('s');
        if ((r & 8) != 0) s.Append('d');
        if ((r & 0x10) == 0) s.Append('n');
        if ((r & 0xe0) != 0) s.Append("+" + (r & 0xe0).ToString("x", CultureInfo.InvariantCulture));
        return s.ToString();
    }

    private static string Esc(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\\\\n", "\\n", StringComparison.Ordinal);
    private static string Q(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>SVG through Graphviz's `dot` when it is installed (null otherwise, or when dot fails).</summary>
    public static string? ToSvg(string dot, out string? why)
    {
        why = null;
        try
        {
            var psi = new ProcessStartInfo("dot", "-Tsvg") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var outp = p.StandardOutput.ReadToEndAsync();
            p.StandardInput.Write(dot);
            p.StandardInput.Close();
            if (!p.WaitForExit(60_000)) { p.Kill(); why = "dot took longer than 60 s"; return null; }
            if (p.ExitCode != 0) { why = "dot failed: " + err.Result.Trim(); return null; }
            return outp.Result;
        }
        catch (System.ComponentModel.Win32Exception) { why = "Graphviz's dot is not installed (Debian package graphviz)"; return null; }
    }
}
