using L4Conf.Adapters.Pictures;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Replay;

/// <summary>
/// `replay --picture`: the divergent part of the object graphs of both sides beside each other (the objects a
/// divergence names, with every slot that maps them), differences in red; SVG when the file name ends in .svg and
/// Graphviz is installed, DOT text otherwise (the report says which).
/// </summary>
public static class ReplayPicture
{
    /// <summary>Returns what was written (a line for the user).</summary>
    public static string Write(ReplayReport r, string file)
    {
        var dot = Dot(r);
        if (file.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
        {
            var svg = CapGraphDot.ToSvg(dot, out var why);
            if (svg != null) { File.WriteAllText(file, svg); return $"picture: {file} (SVG)"; }
            File.WriteAllText(file, dot);
            return $"picture: {file} holds DOT text: {why}";
        }
        File.WriteAllText(file, dot);
        return $"picture: {file} (DOT)";
    }

    public static string Dot(ReplayReport r)
    {
        var (real, model) = (r.RealGraph, r.ModelGraph);
        if (real == null || model == null)
            return "digraph replay { label=\"no object dump in this capture: nothing to draw\"; }\n";
        var objDivs = r.Unexplained.Where(d => d.Layer == ReplayLayer.Objects && d.Objects != null).ToList();
        if (objDivs.Count == 0) objDivs = r.Ordered.Where(d => d.Layer == ReplayLayer.Objects && d.Objects != null).Take(20).ToList();
        var realIds = objDivs.Select(d => d.Objects!.Value.Real).OfType<ulong>().ToHashSet();
        var modelIds = objDivs.Select(d => d.Objects!.Value.Model).OfType<ulong>().ToHashSet();
        var realSlots = objDivs.Where(d => d.Slot != null && d.Objects!.Value.Real != null).Select(d => SlotOf(real, d)).OfType<(ulong, ulong)>().ToHashSet();
        var modelSlots = objDivs.Where(d => d.Slot != null && d.Objects!.Value.Model != null).Select(d => SlotOf(model, d)).OfType<(ulong, ulong)>().ToHashSet();
        return CapGraphDot.SideBySide(
            (real, $"capture {Path.GetFileName(r.Inputs.Capture)} (dump {r.PictureDump})", new CapGraphDot.Highlight(realIds, realSlots), realIds),
            (model, "model, same point of the script", new CapGraphDot.Highlight(modelIds, modelSlots), modelIds));
    }

    private static (ulong, ulong)? SlotOf(ObjectGraph g, Divergence d)
    {
        var (space, index) = d.Slot!.Value;
        var c = g.Objects.SelectMany(o => o.Caps).FirstOrDefault(c => c.Index == index &&
            (space == $"D:{c.SpaceName}" || space.Contains($"D:{c.SpaceId:x}", StringComparison.Ordinal)));
        return c != null ? (c.SpaceId, c.Index) : null;
    }
}
