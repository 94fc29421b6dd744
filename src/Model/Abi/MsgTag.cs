namespace L4Conf.Model.Abi;

/// <summary>Message tag flags (bits 15..12).</summary>
[Flags, Source("l4re:l4sys/include/types.h", "fiasco:src/abi/l4_types.cpp")]
public enum MsgTagFlags : long
{
    None = 0,
    [Real("L4_MSGTAG_TRANSFER_FPU")] TransferFpu = 0x1000,
    [Real("L4_MSGTAG_SCHEDULE")] Schedule = 0x2000,
    [Real("L4_MSGTAG_PROPAGATE")] Propagate = 0x4000,
    [Real("L4_MSGTAG_ERROR")] Error = 0x8000,
    [Real("L4_MSGTAG_FLAGS")] All = 0xF000,
}

/// <summary>l4_msgtag_t: words 5..0, items 11..6, flags 15..12, signed label 63..16.</summary>
public readonly record struct MsgTag(long Raw)
{
    public MsgTag(long label, int words, int items, MsgTagFlags flags = MsgTagFlags.None)
        : this((label << 16) | (long)(words & 0x3F) | ((long)(items & 0x3F) << 6) | ((long)flags & 0xF000)) { }

    public long Label => Raw >> 16;
    public int Words => (int)(Raw & 0x3F);
    public int Items => (int)((Raw >> 6) & 0x3F);
    public MsgTagFlags Flags => (MsgTagFlags)(Raw & 0xF000);
    public bool HasError => (Raw & (long)MsgTagFlags.Error) != 0;

    /// <summary>The tag the kernel returns for an IPC error: label 0, no words, error flag.</summary>
    public static MsgTag IpcError => new(0, 0, 0, MsgTagFlags.Error);
    /// <summary>This tag with the error flag set and everything else kept (the kernel's commit_error on a given tag).</summary>
    public MsgTag WithError() => new(Raw | (long)MsgTagFlags.Error);
    /// <summary>Kobject_iface::commit_result(label, words, items).</summary>
    public static MsgTag Result(long label, int words = 0, int items = 0) => new(label, words, items);

    public override string ToString() =>
        $"[{Label},w={Words},i={Items}{(Flags != 0 ? ",f=0x" + ((long)Flags).ToString("x") : "")}]";
}
