namespace L4Conf.Conformance.Properties;

/// <summary>
/// One step of a random capability program over three tasks (T0..T2). Slots are small indices so that
/// overwrites and collisions happen often. Each step prints the way its failure report should read.
/// </summary>
public abstract record CapOp;

/// <summary>Task <paramref name="Task"/> creates an object of <paramref name="Kind"/> with its factory (slot 2) into <paramref name="Slot"/>.</summary>
public sealed record CreateOp(int Task, ObjKind Kind, int Slot) : CapOp
{
    public override string ToString() => $"T{Task}: create {Kind} -> C:{Slot:x}";
}

/// <summary>
/// The root task maps (or grants) T<paramref name="Src"/>'s slot into T<paramref name="Dst"/> through its caps to both tasks;
/// <paramref name="DstCapHasS"/> chooses a destination task cap with or without S.
/// </summary>
public sealed record MapOp(int Src, int SrcSlot, int Dst, int DstSlot, byte Rights, byte Extra, bool Grant, bool DstCapHasS) : CapOp
{
    public override string ToString() =>
        $"root: {(Grant ? "grant" : "map")} T{Src} C:{SrcSlot:x} -> T{Dst} C:{DstSlot:x} rights=0x{Rights:x} extra=0x{Extra:x2}{(DstCapHasS ? "" : " via dst cap without S")}";
}

/// <summary>Task <paramref name="Task"/> unmaps one of its own slots with the given rights and mask.</summary>
public sealed record UnmapOp(int Task, int Slot, byte Rights, UnmapKind Mask) : CapOp
{
    public override string ToString() => $"T{Task}: unmap C:{Slot:x} rights=0x{Rights:x} {Mask}";
}

/// <summary>
/// T<paramref name="Src"/> sends its slot to T<paramref name="Dst"/> as a map (or grant) item of an IPC, through its cap
/// to T<paramref name="Dst"/>'s thread (with or without S); T<paramref name="Dst"/> waits with a one-slot object
/// receive window at <paramref name="DstSlot"/>.
/// </summary>
public sealed record IpcMapOp(int Src, int SrcSlot, int Dst, int DstSlot, byte Rights, bool Grant, bool SendCapHasS) : CapOp
{
    public override string ToString() =>
        $"T{Src}: send C:{SrcSlot:x} rights=0x{Rights:x} as an IPC {(Grant ? "grant" : "map")} item to T{Dst} (window C:{DstSlot:x}){(SendCapHasS ? "" : " via a thread cap without S")}";
}

public enum ObjKind { Gate, Irq, Semaphore, Thread, Factory }
public enum UnmapKind { OtherSpaces, AllSpaces, DeleteObj }
