namespace L4Conf.Model.Abi;

/// <summary>Operation flags in the low 4 bits of the destination selector (RDX).</summary>
[Flags, Source("l4re:l4sys/include/consts.h", "fiasco:src/abi/l4_types.cpp")]
public enum SysFlags : ulong
{
    [Real("L4_SYSF_NONE")] None = 0x0,
    [Real("L4_SYSF_SEND")] Send = 0x1,
    [Real("L4_SYSF_RECV")] Recv = 0x2,
    [Real("L4_SYSF_OPEN_WAIT")] OpenWait = 0x4,
    [Real("L4_SYSF_REPLY")] Reply = 0x8,
    [Real("L4_SYSF_CALL")] Call = 0x3,
    [Real("L4_SYSF_WAIT")] Wait = 0x6,
    [Real("L4_SYSF_SEND_AND_WAIT")] SendAndWait = 0x7,
    [Real("L4_SYSF_REPLY_AND_WAIT")] ReplyAndWait = 0xF,
}

/// <summary>Unmap mask (MR1 of L4_TASK_UNMAP_OP).</summary>
[Flags, Source("l4re:l4sys/include/consts.h", "fiasco:src/abi/l4_types.cpp")]
public enum UnmapMask : ulong
{
    [Real("L4_FP_OTHER_SPACES")] OtherSpaces = 0x0000_0000,
    [Real("L4_FP_ALL_SPACES")] AllSpaces = 0x8000_0000,
    [Real("L4_FP_DELETE_OBJ")] DeleteObj = 0xC000_0000,
    [Real("L4_map_mask::full()")] KernelFull = 0xC000_0002,
}

/// <summary>Bits of a send map item's first word and of receive items.</summary>
[Flags, Source("l4re:l4sys/include/consts.h", "fiasco:src/abi/l4_msg_item.cpp")]
public enum ItemBits : ulong
{
    [Real("L4_ITEM_CONT")] Cont = 0x1,
    [Real("L4_MAP_ITEM_GRANT")] Grant = 0x2,
    [Real("L4_ITEM_MAP")] Map = 0x8,
    [Real("L4_MAP_ITEM_MAP")] MapItemMap = 0x0,   // consts.h:266: a plain map (no grant bit)
    [Real("L4_RCV_ITEM_FORWARD_MAPPINGS")] RcvForward = 0x1,
    [Real("L4_RCV_ITEM_SINGLE_CAP")] RcvSingleCap = 0xA,
    [Real("L4_RCV_ITEM_LOCAL_ID")] RcvLocalId = 0x4,
}
