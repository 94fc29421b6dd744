using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// One occupied capability slot (Obj::Entry): the object it names and the slot's attribute byte
/// (W, S, R implied, D, 0x10 counted, 0x20..0x80 object rights).
/// </summary>
public sealed class CapEntry(Task space, ulong index, KObject obj, CapRights attr)
{
    public Task Space { get; } = space;
    public ulong Index { get; } = index;
    public KObject Object { get; } = obj;
    public CapRights Attr { get; internal set; } = attr | CapRights.R;

    public bool Counted => (Attr & CapRights.Counted) != 0;
    /// <summary>The W/S bits the holder can use; the only rights an object sees on invocation.</summary>
    public CapRights UserRights => Attr & (CapRights.W | CapRights.S);
    /// <summary>
    /// The slot points to the object's plain interface: after a downgrade, when copied from such a slot, or when the
    /// kernel inserted the object itself at boot (the real dump shows moe's C:4 naming the gate's own address).
    /// </summary>
    public bool Plain { get; init; }
    /// <summary>True when the slot points to the object's control interface (an IPC gate's control part).</summary>
    public bool ControlInterface => Object.HasControlInterface && !Plain;

    public override string ToString() => $"{Space.Label} C:{Index:x} -> {Object.Describe()} attr=0x{(byte)Attr:x2}";
}
