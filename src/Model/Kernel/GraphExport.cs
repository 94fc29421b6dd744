using L4Conf.Model.Trace;

namespace L4Conf.Model.Kernel;

/// <summary>The model's object graph in the shape of JDB's dumpmapdbobjs, for writing and diffing.</summary>
public static class GraphExport
{
    /// <summary>Model cap-table base; each 128-slot page of a task gets its own 4 KiB page (entries are 32 bytes).</summary>
    private const ulong CapTableBase = 0xffff_fffe_e200_0000;

    public static ObjectGraph Snapshot(this Kernel k, string userTag = "")
    {
        var objs = new List<GraphObject>();
        foreach (var o in k.Objects)
        {
            var caps = o.Caps.Select(e => new GraphCap(
                MappingAddress: CapTableBase + (e.Space.DbgId << 24) + e.Index * 0x20 + 8,
                Index: e.Index, SpaceId: e.Space.DbgId, SpaceName: e.Space.Name,
                Rights: (byte)e.Attr, Flags: (ulong)((byte)e.Attr & 0xF8),
                ObjectAddress: o.Address + (e.ControlInterface ? IpcGate.ControlOffset : 0))).ToList();
            objs.Add(new GraphObject(o.DbgId, o.Address, o.JdbType, o.Name, o.JdbAttributes, o.RefCnt, caps));
        }
        return new ObjectGraph(ObjectGraph.JdbFormatVersion, userTag, objs);
    }
}
