using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// vCPU mode of a thread (thread_object.cpp:512-567 sys_vcpu_control, :211-217 sys_vcpu_resume; context-vcpu.cpp):
/// vcpu_control places the vCPU state area in kernel-user memory, writes its version and host registers and turns the
/// mode on for good. What the kernel then does differently (upcalls instead of exception, page-fault and IPC messages
/// when the state's flags ask for them, and vcpu_resume) is not modelled: each such path says so and stops.
/// </summary>
public sealed partial class Thread
{
    /// <summary>Where vcpu_control placed the vCPU state (0: not a vCPU thread).</summary>
    public ulong VcpuStateAddress { get; private set; }
    /// <summary>The extended (hardware-virtualisation) state is on too (Thread_ext_vcpu_enabled).</summary>
    public bool ExtendedVcpu { get; private set; }

    /// <summary>
    /// L4_THREAD_VCPU_CONTROL_OP: MR1 = the state's address (none, or fewer than 2 words: -EINVAL); bit 16 of MR0 asks for
    /// the extended state, a page instead of sizeof(Vcpu_state), and -ENOSYS without SVM/VMX. The area must lie in the
    /// thread's task's kernel-user memory, 8-byte aligned (Space::find_ku_mem, space.cpp:152-172). Answers 0 words.
    /// </summary>
    private InvokeResult VcpuControl(Invocation inv)
    {
        ulong vcpu = inv.Tag.Words >= 2 ? inv.Mr(1) : 0;
        if (vcpu == 0) return InvokeResult.Err(L4Err.Inval);
        ulong size = VcpuStateOffsets.KernelSize;
        bool ext = (inv.Mr(0) & VcpuStateOffsets.ExtendedFlag) != 0;
        if (ext)
        {
            // SVM or VMX (arch_ext_vcpu_enabled, thread-ia32.cpp:492-497): the captured CPU has SVM (boot_hello.log:71).
            if (!Kernel.Config.HasVm) return InvokeResult.Err(L4Err.NoSys);
            size = (ulong)VcpuStateAbi.ExtSize;
        }
        // An unbound thread has no space to look in (the real kernel would dereference none): -EINVAL here.
        if ((vcpu & (VcpuStateOffsets.Alignment - 1)) != 0 || vcpu + size - 1 < vcpu || Task is not { } task || !task.InKuMem(vcpu, size))
            return InvokeResult.Err(L4Err.Inval);
        VcpuStateAddress = vcpu;
        ExtendedVcpu |= ext;
        Kernel.InitVcpuState(this);
        return InvokeResult.Ok();
    }

    /// <summary>L4_THREAD_VCPU_RESUME_OP: -EINVAL unless a vCPU thread resumes itself; that resume is not modelled.</summary>
    private InvokeResult VcpuResume(Invocation inv) =>
        inv.Caller != this || VcpuStateAddress == 0
            ? InvokeResult.Err(L4Err.Inval)
            : InvokeResult.Unmodelled("vcpu_resume of a vCPU thread (the vCPU mode's upcalls and resume are not modelled)");
}
