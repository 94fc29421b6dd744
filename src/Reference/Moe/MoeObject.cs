using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Moe;

/// <summary>
/// A Moe server object (moe/server/src/server_obj.{h,cc}): its label is its address in Moe's heap, it is reached
/// through an IPC gate bound to Moe's thread, and the first weak reference to it (a name-space entry, a region)
/// takes a counted copy of the gate in a second slot so that the gate outlives the clients' caps.
/// </summary>
public abstract class MoeObject : ServerObject
{
    /// <summary>Moe's slot of the gate, 0 until the object is served.</summary>
    public ulong GateSlot { get; internal set; }
    /// <summary>The counted copy taken by the first weak reference (0 when there is none).</summary>
    public ulong WeakSlot { get; internal set; }
    internal int WeakRefs;
    /// <summary>The heap the object lives in (its creator's), and its size class.</summary>
    internal ObjectHeap? Heap;
    /// <summary>The allocator that created the object (dynamic objects), for its life list.</summary>
    internal Allocator? Creator;
    public bool Deleted { get; internal set; }
    /// <summary>The object's C++ size in the real Moe (amd64), which decides its heap slot (moe notes §0.4).</summary>
    public abstract ulong ObjectSize { get; }
    /// <summary>Called when the object is destroyed: free what it holds.</summary>
    internal virtual void OnDelete(MoeServer moe) { }
}
