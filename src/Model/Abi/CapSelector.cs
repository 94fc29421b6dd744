namespace L4Conf.Model.Abi;

/// <summary>Capability selector layout (l4_cap_idx_t): index in bits 63..12, flags below.</summary>
[Source("l4re:l4sys/include/consts.h", "fiasco:src/abi/l4_types.cpp")]
public enum SelectorLayout : ulong
{
    [Real("L4_CAP_SHIFT")] CapShift = 12,
    [Real("L4_CAP_OFFSET")] CapOffset = 0x1000,
    [Real("L4_CAP_MASK")] CapMask = 0xFFFF_FFFF_FFFF_FC00,
    [Real("L4_INVALID_CAP")] InvalidCap = 0xFFFF_FFFF_FFFF_F800,
    [Real("L4_INVALID_CAP_BIT")] InvalidCapBit = 0x800,
    [Real("L4_REPLY_CAP_BIT")] ReplyCapBit = 0x400,
    [Real("L4_INVALID_REPLY_CAP")] InvalidReplyCap = 0xFFFF_FFFF_FFFF_FC00,
}

/// <summary>A selector word as the kernel classifies it (L4_obj_ref).</summary>
public readonly record struct CapSelector(ulong Raw)
{
    public ulong Index => Raw >> 12;
    public SysFlags Op => (SysFlags)(Raw & 0xF);
    public bool Invalid => (Raw & 0x800) != 0;
    /// <summary>Bit 10 or 11 set: the selector names no slot of the object space.</summary>
    public bool Special => (Raw & 0xC00) != 0;
    public bool Self => (Raw & 0xC00) == 0x800;
    public bool ExplicitReply => (Raw & 0xC00) == 0x400;
    /// <summary>L4_obj_ref::special_cap(): every bit from bit 10 up (fiasco's Special_mask, the value of L4_CAP_MASK).</summary>
    public ulong SpecialCap => Raw & (ulong)SelectorLayout.CapMask;

    public static CapSelector Of(ulong index, SysFlags op = SysFlags.None) => new((index << 12) | (ulong)op);
    public static CapSelector InvalidCap => new((ulong)SelectorLayout.InvalidCap);
    public override string ToString() => Special ? $"sel 0x{Raw:x}" : $"C:{Index:x}";
}

/// <summary>Fixed initial capability slots, as slot indexes: fiasco's Initial_kobjects::Initial_cap.</summary>
[Source("fiasco:src/kern/globals.cpp")]
public enum InitialCap : ulong
{
    [Real("Initial_kobjects::Task")] Task = 1,
    [Real("Initial_kobjects::Factory")] Factory = 2,
    [Real("Initial_kobjects::Thread")] Thread = 3,
    [Real("Initial_kobjects::Pager")] Pager = 4,
    [Real("Initial_kobjects::Log")] Log = 5,
    [Real("Initial_kobjects::Icu")] Icu = 6,
    [Real("Initial_kobjects::Scheduler")] Scheduler = 7,
    [Real("Initial_kobjects::Iommu")] Iommu = 8,
    [Real("Initial_kobjects::Jdb")] Debugger = 10,
    [Real("Initial_kobjects::Smc")] ArmSmccc = 11,
}

/// <summary>The same slots as the user-level headers name them: selectors, index &lt;&lt; L4_CAP_SHIFT (l4_default_caps_t).</summary>
[Source("l4re:l4sys/include/consts.h")]
public enum BaseCapSelector : ulong
{
    [Real("L4_BASE_TASK_CAP")] Task = 1 << 12,
    [Real("L4_BASE_FACTORY_CAP")] Factory = 2 << 12,
    [Real("L4_BASE_THREAD_CAP")] Thread = 3 << 12,
    [Real("L4_BASE_PAGER_CAP")] Pager = 4 << 12,
    [Real("L4_BASE_LOG_CAP")] Log = 5 << 12,
    [Real("L4_BASE_ICU_CAP")] Icu = 6 << 12,
    [Real("L4_BASE_SCHEDULER_CAP")] Scheduler = 7 << 12,
    [Real("L4_BASE_IOMMU_CAP")] Iommu = 8 << 12,
    [Real("L4_BASE_DEBUGGER_CAP")] Debugger = 10 << 12,
    [Real("L4_BASE_ARM_SMCCC_CAP")] ArmSmccc = 11 << 12,
    [Real("L4_BASE_CAPS_LAST")] CapsLast = 11 << 12,
}
