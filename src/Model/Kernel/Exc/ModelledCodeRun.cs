using L4Conf.Model.Machine;

namespace L4Conf.Model.Kernel;

/// <summary>
/// Threads that run modelled code (<see cref="IModelledCode"/>): the switch between machine code and host programs,
/// and the machine context a thread of a runtime-loaded task gets when it first runs.
/// </summary>
public sealed partial class Kernel
{
    /// <summary>The CPU that executes every machine thread (the run loop is single-threaded).</summary>
    private readonly Cpu _cpu = new();

    /// <summary>The programs behind marked code (<see cref="ModelledCodeMarker"/>); null when no runtime is loaded.</summary>
    public IModelledCode? ModelledCode { get; set; }

    /// <summary>The modelled entry at the thread's RIP, if any.</summary>
    private string? ModelledEntryAt(UserMachine m) => ModelledCode == null ? null : ModelledCodeMarker.Read(m.Memory, m.Regs.Rip);

    /// <summary>At a modelled address the thread runs the code's program, on the UTCB as user memory holds it.</summary>
    private bool EnterModelledCode(Thread t, UserMachine m)
    {
        if (t.KernelIpc != KernelIpcKind.None || t.ExceptionTriggered) return false;
        if (ModelledEntryAt(m) is not { } name) return false;
        LoadUtcb(t);
        if (Trace.Enabled) Trace.Add(new Trace.ModelNote(t.DbgId, $"runs modelled code '{name}' at 0x{m.Regs.Rip:x}"));
        t.Program = ModelledCode!.Enter(t, name).GetEnumerator();
        return true;
    }

    /// <summary>
    /// A thread of a task with modelled code that ex_regs started has registers from then on: RIP/RSP as set, RFLAGS
    /// 0x202, GS base at the UTCB's word 63 as the kernel sets it for l4_utcb() (captured gs_base = UTCB + 0x1f8).
    /// </summary>
    private bool EnsureMachine(Thread t)
    {
        if (t.Machine != null || Physical == null || ModelledCode == null || t.Task is not { MemSpace: MachineSpace }) return false;
        var regs = new CpuState { Rip = t.Ip, Rsp = t.Sp, FsBase = t.FsBase, GsBase = t.GsBase };
        t.Machine = new UserMachine(regs, BusOf(t.Task), _cpu.Run);
        StoreUtcb(t);
        return true;
    }

    /// <summary>A program ended: a machine thread goes on at its RIP unless that is still modelled code; others stop.</summary>
    private void EndProgram(Thread t)
    {
        var p = t.Program;
        t.Program = null;
        p?.Dispose();
        if (t.Machine is { } m)
        {
            StoreUtcb(t);
            if (ModelledEntryAt(m) == null) return;
        }
        Ready.Remove(t);           // nothing (more) to run on this thread
    }

    /// <summary>Modelled code "executed" a faulting instruction: its program ends and the thread takes the trap.</summary>
    private void RaiseModelledFault(Thread t, Trap trap)
    {
        var p = t.Program;
        t.Program = null;
        p?.Dispose();
        if (t.Machine == null) { Ready.Remove(t); return; }
        StoreUtcb(t);
        TakeTrap(t, trap, null);
    }

    /// <summary>
    /// Modelled code touched unmapped memory: page-fault IPC to the thread's pager, exactly as for machine code (the
    /// trampoline is not used: modelled code cannot be diverted). The program resumes when the pager has answered.
    /// </summary>
    private void ModelledPageFault(Thread t, Trap trap)
    {
        StoreUtcb(t);                                                  // the program's UTCB view is the current one
        Cr2 = trap.Cr2;
        if (Trace.Enabled) Trace.Add(new Trace.PageFault(t.DbgId, trap.Cr2, t.Machine?.Regs.Rip ?? 0, trap.ErrorCode) { Space = t.Task?.DbgId, TimeUs = Clock });
        if (t.Machine == null)
        {
            var p = t.Program;
            t.Program = null;
            p?.Dispose();
            Ready.Remove(t);
            return;
        }
        PageFaultIpc(t, trap);
    }

    private void FinishModelledFault(Thread t)
    {
        if (t.KernelIpc is not (KernelIpcKind.PageFault or KernelIpcKind.Exception)) { t.KernelIpc = KernelIpcKind.None; return; }
        FinishKernelIpc(t);
        LoadUtcb(t);
    }

    /// <summary>Modelled trampoline code called PF-tramp::resume or ::reflect: it is done, the saved state takes over.</summary>
    private void LeaveModelledCode(Thread t)
    {
        var p = t.Program;
        t.Program = null;
        p?.Dispose();
        FinishTrampolineReturn(t);
    }
}
