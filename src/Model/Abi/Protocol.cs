namespace L4Conf.Model.Abi;

/// <summary>Kernel protocol labels (L4_msgtag_protocol).</summary>
[Source("l4re:l4sys/include/types.h", "fiasco:src/abi/l4_types.cpp")]
public enum Protocol : long
{
    [Real("L4_PROTO_NONE")] None = 0,
    [Real("L4_PROTO_ALLOW_SYSCALL")] AllowSyscall = 1,
    [Real("L4_PROTO_PF_EXCEPTION")] PfException = 1,   // types.h:56: the same value, a thread-control flag meaning
    [Real("L4_PROTO_IRQ")] Irq = -1,
    [Real("L4_PROTO_PAGE_FAULT")] PageFault = -2,
    [Real("L4_PROTO_EXCEPTION")] Exception = -5,
    [Real("L4_PROTO_SIGMA0")] Sigma0 = -6,
    [Real("L4_PROTO_IO_PAGE_FAULT")] IoPageFault = -8,
    [Real("L4_PROTO_THREAD_GROUP")] ThreadGroup = -9,
    [Real("L4_PROTO_KOBJECT")] Kobject = -10,
    [Real("L4_PROTO_TASK")] Task = -11,
    [Real("L4_PROTO_THREAD")] Thread = -12,
    [Real("L4_PROTO_LOG")] Log = -13,
    [Real("L4_PROTO_SCHEDULER")] Scheduler = -14,
    [Real("L4_PROTO_FACTORY")] Factory = -15,
    [Real("L4_PROTO_VM")] Vm = -16,
    [Real("L4_PROTO_DMA_SPACE")] DmaSpace = -17,
    [Real("L4_PROTO_IRQ_SENDER")] IrqSender = -18,
    [Real("L4::PROTO_EMPTY")] Empty = -19,
    [Real("L4_PROTO_SEMAPHORE")] Semaphore = -20,
    [Real("L4_PROTO_META")] Meta = -21,
    [Real("L4_PROTO_IOMMU")] Iommu = -22,
    [Real("L4_PROTO_DEBUGGER")] Debugger = -23,
    [Real("L4_PROTO_SMCCC")] Smccc = -24,
    [Real("L4_PROTO_VCPU_CONTEXT")] VcpuContext = -25,
}

/// <summary>L4Re protocol labels (l4re/include/protocols.h).</summary>
[Source("l4re:l4re/include/protocols.h")]
public enum L4ReProtocol : long
{
    [Real("L4RE_PROTO_DATASPACE")] Dataspace = 0x4000,
    [Real("L4RE_PROTO_NAMESPACE")] Namespace = 0x4001,
    [Real("L4RE_PROTO_PARENT")] Parent = 0x4002,
    [Real("L4RE_PROTO_GOOS")] Goos = 0x4003,
    [Real("L4RE_PROTO_RSVD_1")] Rsvd1 = 0x4004,
    [Real("L4RE_PROTO_RM")] Rm = 0x4005,
    [Real("L4RE_PROTO_EVENT")] Event = 0x4006,
    [Real("L4RE_PROTO_INHIBITOR")] Inhibitor = 0x4007,
    [Real("L4RE_PROTO_DMA_SPACE")] DmaSpace = 0x4008,
    [Real("L4RE_PROTO_MMIO_SPACE")] MmioSpace = 0x4009,
    [Real("L4RE_PROTO_ITAS")] Itas = 0x400A,
    [Real("L4RE_PROTO_MEM_ALLOC")] MemAlloc = 0x400B,
    [Real("L4RE_PROTO_REMOTE_ACCESS")] RemoteAccess = 0x400C,
    [Real("L4RE_PROTO_DEBUG")] Debug = -0x8000,
}
