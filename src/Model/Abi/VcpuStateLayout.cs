namespace L4Conf.Model.Abi;

/// <summary>The amd64 vCPU state area (l4_vcpu_state_t): the version, sizes and state flags the headers name.</summary>
[Source("l4re:l4sys/include/ARCH-amd64/__vcpu-arch.h", "l4re:l4sys/include/vcpu.h", "fiasco:src/kern/vcpu.cpp", "fiasco:src/kern/ia32/64/vcpu_host_regs-amd64.cpp")]
public enum VcpuStateAbi : ulong
{
    [Real("L4_VCPU_STATE_VERSION")] Version = 0x26,       // __vcpu-arch.h:24, vcpu_host_regs-amd64.cpp:9 (Vcpu_arch_version)
    [Real("L4_VCPU_STATE_SIZE")] Size = 0x200,            // __vcpu-arch.h:26: what user code reserves
    [Real("L4_VCPU_STATE_EXT_SIZE")] ExtSize = 0x1000,    // __vcpu-arch.h:27 (L4_PAGESIZE); Config::ext_vcpu_size(), config.cpp:305
    [Real("L4_VCPU_F_IRQ")] FIrq = 0x01,                  // vcpu.h:114; Vcpu_state::F_irqs
    [Real("L4_VCPU_F_PAGE_FAULTS")] FPageFaults = 0x02,   // vcpu.h:129; Vcpu_state::F_page_faults
    [Real("L4_VCPU_F_EXCEPTIONS")] FExceptions = 0x04,    // vcpu.h:142; Vcpu_state::F_exceptions
}

/// <summary>
/// Byte offsets in the amd64 vCPU state (l4_vcpu_state_t / fiasco Vcpu_state): version, user_data[7], the 208-byte
/// register image (Trex), the 64-byte IPC registers, then state/saved_state/sticky/reserved (4 × 16 bits), user_task,
/// entry_sp, entry_ip, the kernel's sp and the host registers (Vcpu_host_regs).
/// </summary>
public static class VcpuStateOffsets
{
    public const ulong Version = 0x0, State = 0x150, HostFsBase = 0x178, HostGsBase = 0x180, HostDs = 0x188,
        UserDs32 = 0x190, UserCs64 = 0x192, UserCs32 = 0x194;
    /// <summary>sizeof(Vcpu_state) in the kernel (what find_ku_mem checks), alignof = 8.</summary>
    public const ulong KernelSize = 0x198, Alignment = 8;
    /// <summary>MR0 bit of vcpu_control asking for the extended (hardware-virtualisation) state (thread.cpp:85).</summary>
    public const ulong ExtendedFlag = 0x10000;
}
