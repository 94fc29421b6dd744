namespace L4Conf.Model.Trace;

/// <summary>
/// The whole object graph of a kernel at one moment, in the shape JDB's `dumpmapdbobjs` prints it
/// (fiasco src/jdb/jdb_mapdb.cpp, format version 0). The model produces it from its state and the
/// capture readers produce it from real dumps, so the two can be compared.
/// </summary>
public sealed record ObjectGraph(int FormatVersion, string UserTag, IReadOnlyList<GraphObject> Objects)
{
    public const int JdbFormatVersion = 0;
}

/// <summary>
/// One kernel object: the dump line `&lt;id&gt; &lt;addr&gt; [&lt;type&gt;] {name} attrs ref_cnt=N`.
/// <paramref name="Type"/> is JDB's type text (Factory, Task, Thread, Gate, IRQ ipc, IRQ sem, Icu/Pfc, Sched, Jdb, Vlog);
/// <paramref name="Attributes"/> the type-specific rest of the description, verbatim.
/// <paramref name="Line"/> is the 1-based source line when read from a file (0 for the model).
/// </summary>
public sealed record GraphObject(ulong Id, ulong Address, string Type, string? Name, string Attributes, long RefCount,
    IReadOnlyList<GraphCap> Caps, int Line = 0);

/// <summary>
/// One capability slot that maps an object: `&lt;mapping&gt;[C:&lt;idx&gt;]: space=D:&lt;id&gt;(&lt;name&gt;) rights=&lt;hex&gt; flags=&lt;hex&gt; obj=0x&lt;addr&gt;`.
/// <paramref name="Rights"/> is the slot's Obj::Attr byte (W,S,R,D, 0x10 counted, 0x20..0x80 object rights);
/// <paramref name="Flags"/> the raw per-slot flags word (the attribute bits above 0x7).
/// <paramref name="ObjectAddress"/> differs from the object's own address when the slot points to an
/// interface part (an IPC gate's control part for caps holding the server right).
/// </summary>
public sealed record GraphCap(ulong MappingAddress, ulong Index, ulong SpaceId, string? SpaceName, uint Rights, ulong Flags,
    ulong ObjectAddress, int Line = 0);
