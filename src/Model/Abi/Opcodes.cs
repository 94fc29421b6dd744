namespace L4Conf.Model.Abi;

[Source("l4re:l4sys/include/task.h", "fiasco:src/kern/task.cpp")]
public enum TaskOp : ulong
{
    [Real("L4_TASK_MAP_OP")] Map = 0,
    [Real("L4_TASK_UNMAP_OP")] Unmap = 1,
    [Real("L4_TASK_CAP_INFO_OP")] CapInfo = 2,
    [Real("L4_TASK_ADD_KU_MEM_OP")] AddKuMem = 3,
    [Real("L4_TASK_LDT_SET_X86_OP")] LdtSetX86 = 0x11,
    [Real("L4_TASK_MAP_VGICC_ARM_OP")] MapVgiccArm = 0x12,
}

[Source("l4re:l4sys/include/thread.h", "fiasco:src/kern/thread_object.cpp")]
public enum ThreadOp : ulong
{
    [Real("L4_THREAD_CONTROL_OP")] Control = 0,
    [Real("L4_THREAD_EX_REGS_OP")] ExRegs = 1,
    [Real("L4_THREAD_SWITCH_OP")] Switch = 2,
    [Real("L4_THREAD_STATS_OP")] Stats = 3,
    [Real("L4_THREAD_VCPU_RESUME_OP")] VcpuResume = 4,
    [Real("L4_THREAD_REGISTER_DELETE_IRQ_OP")] RegisterDeleteIrq = 5,
    [Real("L4_THREAD_MODIFY_SENDER_OP")] ModifySender = 6,
    [Real("L4_THREAD_VCPU_CONTROL_OP")] VcpuControl = 7,
    [Real("L4_THREAD_REGISTER_DOORBELL_IRQ_OP")] RegisterDoorbellIrq = 8,
    [Real("L4_THREAD_PF_TRAMP_CONTROL_OP")] PfTrampControl = 9,
    [Real("L4_THREAD_X86_GDT_OP")] X86Gdt = 0x10,
    [Real("L4_THREAD_AMD64_SET_SEGMENT_BASE_OP")] Amd64SetSegmentBase = 0x12,
    [Real("L4_THREAD_AMD64_GET_SEGMENT_INFO_OP")] Amd64GetSegmentInfo = 0x13,
    [Real("L4_THREAD_VCPU_CONTROL_EXT_OP")] VcpuControlExt = 0x10007,
}

/// <summary>Flags in MR0 of thread control and ex_regs.</summary>
[Flags, Source("l4re:l4sys/include/thread.h")]
public enum ThreadCtlFlags : ulong
{
    None = 0,
    [Real("L4_THREAD_CONTROL_SET_PAGER")] SetPager = 0x0010000,
    [Real("L4_THREAD_CONTROL_BIND_TASK")] BindTask = 0x0200000,
    [Real("L4_THREAD_CONTROL_ALIEN")] Alien = 0x0400000,
    [Real("Thread::Ctl_ux_native")] UxNative = 0x0800000,
    [Real("L4_THREAD_CONTROL_SET_EXC_HANDLER")] SetExcHandler = 0x1000000,
}

[Flags, Source("l4re:l4sys/include/thread.h")]
public enum ExRegsFlags : ulong
{
    None = 0,
    [Real("L4_THREAD_EX_REGS_CANCEL")] Cancel = 0x10000,
    [Real("L4_THREAD_EX_REGS_TRIGGER_EXCEPTION")] TriggerException = 0x20000,
    [Real("L4_THREAD_EX_REGS_ARCH_MASK")] ArchMask = 0xFF000000,
}

/// <summary>Varg type codes of the factory create message.</summary>
[Source("l4re:l4sys/include/factory.h", "fiasco:src/kern/factory.cpp")]
public enum VargType : ulong
{
    [Real("L4_VARG_TYPE_NIL")] Nil = 0x00,
    [Real("L4_VARG_TYPE_UMWORD")] Umword = 0x01,
    [Real("L4_VARG_TYPE_MWORD")] Mword = 0x81,
    [Real("L4_VARG_TYPE_STRING")] String = 0x02,
    [Real("L4_VARG_TYPE_FPAGE")] Fpage = 0x03,
    [Real("L4_VARG_TYPE_SIGN")] Sign = 0x80,
}

[Source("l4re:l4sys/include/ipc_gate.h", "l4re:l4sys/include/rcv_endpoint.h", "l4re:l4sys/include/kernel_object.h", "fiasco:src/kern/ipc_gate.cpp")]
public enum IpcGateOp : ulong
{
    [Real("L4_KOBJECT_OP_DEC_REFCNT")] DecRefcnt = 0,
    [Real("L4_KOBJECT_OP_REGISTER_IRQ")] RegisterIrq = 1,
    [Real("L4_IPC_GATE_BIND_OP")] Bind = 0x10,
    [Real("L4_IPC_GATE_GET_INFO_OP")] GetInfo = 0x11,
}

[Source("l4re:l4sys/include/irq.h", "fiasco:src/kern/irq.cpp")]
public enum IrqOp : ulong
{
    [Real("L4_IRQ_OP_TRIGGER")] Trigger = 2,
    [Real("L4_IRQ_OP_EOI")] Eoi = 4,
}

[Source("l4re:l4sys/include/irq.h", "fiasco:src/kern/irq.cpp")]
public enum IrqSenderOp : ulong
{
    [Real("L4_IRQ_SENDER_OP_RESERVED1")] Reserved1 = 0,
    [Real("L4_IRQ_SENDER_OP_DETACH")] Detach = 1,
    [Real("L4_IRQ_SENDER_OP_BIND_VCPU")] BindVcpu = 2,
}

[Source("l4re:l4sys/include/icu.h", "fiasco:src/kern/icu_helper.cpp")]
public enum IcuOp : ulong
{
    [Real("L4_ICU_OP_BIND")] Bind = 0,
    [Real("L4_ICU_OP_UNBIND")] Unbind = 1,
    [Real("L4_ICU_OP_INFO")] Info = 2,
    [Real("L4_ICU_OP_MSI_INFO")] MsiInfo = 3,
    [Real("L4_ICU_OP_UNMASK")] Unmask = 4,
    [Real("L4_ICU_OP_MASK")] Mask = 5,
    [Real("L4_ICU_OP_SET_MODE")] SetMode = 6,
}

[Source("l4re:l4sys/include/scheduler.h", "fiasco:src/kern/scheduler.cpp")]
public enum SchedulerOp : ulong
{
    [Real("L4_SCHEDULER_INFO_OP")] Info = 0,
    [Real("L4_SCHEDULER_RUN_THREAD_OP")] RunThread = 1,
    [Real("L4_SCHEDULER_IDLE_TIME_OP")] IdleTime = 2,
}

[Source("l4re:l4sys/include/vcon.h", "fiasco:src/kern/vlog.cpp")]
public enum VconOp : ulong
{
    [Real("L4_VCON_WRITE_OP")] Write = 0,
    [Real("L4_VCON_READ_OP")] Read = 1,
    [Real("L4_VCON_SET_ATTR_OP")] SetAttr = 2,
    [Real("L4_VCON_GET_ATTR_OP")] GetAttr = 3,
}

[Source("l4re:l4sys/include/semaphore.h", "fiasco:src/kern/semaphore.cpp")]
public enum SemaphoreOp : ulong
{
    [Real("L4_SEMAPHORE_OP_DOWN")] Down = 0,
}

/// <summary>Fixed numbers the model's objects report or check.</summary>
[Source("l4re:l4sys/include/vcon.h", "l4re:l4sys/include/scheduler.h", "fiasco:src/kern/config.cpp", "l4re:l4sys/include/icu.h", "l4re:l4sys/include/ARCH-amd64/arch/utcb.h")]
public enum KernelLimits : long
{
    [Real("L4_VCON_WRITE_SIZE")] VconWriteSize = 488,
    [Real("L4_VCON_READ_SIZE")] VconReadSize = 496,
    [Real("L4_VCON_READ_STAT_DONE")] VconReadStatDone = 1L << 31,
    [Real("L4_VCON_READ_STAT_BREAK")] VconReadStatBreak = 1L << 30,   // vcon.h:173
    [Real("L4_VCON_READ_SIZE_MASK")] VconReadSizeMask = 0x3FFF_FFFF,   // vcon.h:172
    [Real("L4_UTCB_OFFSET")] UtcbOffset = 1024,                        // ARCH-amd64/arch/utcb.h:68
    [Real("L4_SCHED_MIN_PRIO")] SchedMinPrio = 1,
    [Real("L4_SCHED_MAX_PRIO")] SchedMaxPrio = 255,
    [Real("L4_SCHEDULER_CLASS_FIXED_PRIO")] SchedClassFixedPrio = 2,
    [Real("L4_SCHEDULER_CLASS_WFQ")] SchedClassWfq = 4,                // scheduler.h:51
    [Real("derived: CONFIG_SCHED_DEF_TIME_SLICE * CONFIG_SCHED_GRANULARITY, Kconfig defaults 10 x 1000 (µs); configuration-dependent")] DefaultTimeSliceUs = 10000,
    [Real("L4_ICU_FLAG_MSI")] IcuFlagMsi = 0x80000000,
    [Real("L4_UTCB_GENERIC_DATA_SIZE")] UtcbMrs = 63,
    [Real("L4_UTCB_GENERIC_BUFFERS_SIZE")] UtcbBrs = 58,
    [Real("L4_UTCB_BUF_REGS_OFFSET")] UtcbBufRegsOffset = 64 * 8,
    [Real("L4_UTCB_THREAD_REGS_OFFSET")] UtcbThreadRegsOffset = 123 * 8,
    [Real("derived: object-space slots, 512 cap directories x 128 entries (4096 / sizeof(Obj::Entry))")] ObjSpaceSlots = 65536,
}

/// <summary>Vcon attribute flags (octal in the header) and the kernel Vlog defaults.</summary>
[Flags, Source("l4re:l4sys/include/vcon.h", "fiasco:src/kern/vlog.cpp")]
public enum VconFlags : ulong
{
    None = 0,
    [Real("L4_VCON_ONLCR")] Onlcr = 0x04,
    [Real("L4_VCON_OCRNL")] Ocrnl = 0x08,
    [Real("L4_VCON_ONLRET")] Onlret = 0x20,
    [Real("L4_VCON_INLCR")] Inlcr = 0x40,
    [Real("L4_VCON_IGNCR")] Igncr = 0x80,
    [Real("L4_VCON_ICRNL")] Icrnl = 0x100,
    [Real("L4_VCON_ICANON")] Icanon = 0x02,
    [Real("L4_VCON_ECHO")] Echo = 0x08 << 0,
}
