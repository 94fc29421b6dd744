namespace L4Conf.Model.Abi;

/// <summary>The buffer descriptor register (BDR): where each kind of receive buffer starts, and the FPU-inherit flag.</summary>
[Flags, Source("l4re:l4sys/include/consts.h", "l4re:l4sys/include/ARCH-amd64/arch/utcb.h", "fiasco:src/abi/l4_buf_desc.cpp")]
public enum BufDesc : ulong
{
    [Real("L4_BDR_MEM_SHIFT")] MemShift = 0,              // consts.h:324
    [Real("L4_BDR_IO_SHIFT")] IoShift = 5,                // consts.h:325
    [Real("L4_BDR_OBJ_SHIFT")] ObjShift = 10,             // consts.h:326
    [Real("L4_BDR_OFFSET_MASK")] OffsetMask = (1UL << 20) - 1, // consts.h:327
    [Real("L4_UTCB_INHERIT_FPU")] InheritFpu = 1UL << 24, // ARCH-amd64/arch/utcb.h:67
}

/// <summary>Width of each BDR index field (5 bits: BR 0..31; fiasco l4_buf_desc.cpp:92-107).</summary>
public static class BufDescFields
{
    public const ulong IndexMask = 0x1F;
    public static int ObjIndex(ulong bdr) => (int)((bdr >> (int)BufDesc.ObjShift) & IndexMask);
    public static int MemIndex(ulong bdr) => (int)((bdr >> (int)BufDesc.MemShift) & IndexMask);
}

/// <summary>Sub-operations of the page-fault trampoline control (the opcode 9 with the sub-op in bits 16 and up).</summary>
[Source("l4re:l4sys/include/thread.h")]
public enum PfTrampOp : ulong
{
    [Real("L4_THREAD_PF_TRAMP_CONTROL_OP_SETUP")] Setup = 9 | 0x00000,     // thread.h:928
    [Real("L4_THREAD_PF_TRAMP_CONTROL_OP_RESUME")] Resume = 9 | 0x10000,   // thread.h:930
    [Real("L4_THREAD_PF_TRAMP_CONTROL_OP_REFLECT")] Reflect = 9 | 0x20000, // thread.h:932
    [Real("L4_THREAD_PF_TRAMP_CONTROL_OP_DISABLE")] Disable = 9 | 0x30000, // thread.h:940
    [Real("L4_THREAD_PF_TRAMP_CONTROL_OP_ENABLE")] Enable = 9 | 0x40000,   // thread.h:947
}

/// <summary>IPC timeout encodings and the limits of l4_timeout_from_us.</summary>
[Source("l4re:l4sys/include/__timeout.h")]
public enum TimeoutLimits : ulong
{
    [Real("L4_IPC_TIMEOUT_NEVER")] Never = 0,                       // __timeout.h:74 ({0})
    [Real("L4_IPC_TIMEOUT_0")] Zero = 0x0400,                       // __timeout.h:73 ({0x0400}: mantissa 0, exponent 1)
    [Real("L4_TIMEOUT_US_NEVER")] UsNever = ulong.MaxValue,         // __timeout.h:85
    [Real("L4_TIMEOUT_US_MAX")] UsMax = (1UL << 41) - 1,            // __timeout.h:91
}

/// <summary>The range l4_ipc_to_errno maps IPC errors into: -(L4_EIPC_LO + the TCR's error code).</summary>
[Source("l4re:l4sys/include/err.h")]
public enum IpcErrorRange : long
{
    [Real("L4_EIPC_LO")] Lo = 2000,          // err.h:63
    [Real("L4_EIPC_HI")] Hi = 2000 + 0x1F,   // err.h:64
}
