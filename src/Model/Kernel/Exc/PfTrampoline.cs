using L4Conf.Model.Abi;
using L4Conf.Model.Machine;
using L4Conf.Model.Trace;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The page-fault trampoline (fiasco src/kern/thread-pagefault.cpp handle_page_fault_trampoline,
/// thread-pf_trampoline.cpp, ia32/thread-ia32 arch_return_to_pf_trampoline; l4re l4sys/include/pf_trampoline.h):
/// an armed thread's user page fault does not become page-fault IPC; the kernel saves the trap state and MR0 in the
/// thread's l4_pf_trampoline_t (in kernel-user memory), disarms, and resumes the thread at handler_ip with
/// RDI = the state's user address and RSI = the page-fault word. The handler ends with PF-tramp::resume (retry the
/// instruction, re-armed) or PF-tramp::reflect (an exception IPC with the original fault).
/// </summary>
public sealed partial class Kernel
{
    /// <summary>l4_pf_trampoline_t layout: handler_ip, user_data[2], saved_mr0, flags, then the opaque register state.</summary>
    public const int TrampHandlerIp = 0, TrampUserData = 8, TrampSavedMr0 = 24, TrampFlags = 32, TrampState = 40;
    /// <summary>L4_pf_trampoline_flags: Page_fault_in_progress, Trigger_exception_after_resume.</summary>
    public const ulong TrampInProgress = 1, TrampTriggerException = 2;

    /// <summary>Diverts an armed thread's fault into its trampoline handler; false when the thread is not armed.</summary>
    private bool DivertToTrampoline(Thread t, Trap trap)
    {
        if (!t.PfTrampArmed || t.Machine is not { } m) return false;
        var mem = m.Memory;
        ulong at = t.PfTrampAddress;
        Span<byte> w = stackalloc byte[8];
        if (!mem.Read(at + TrampHandlerIp, w, AccessKind.Read, out _)) return false;
        ulong handler = BitConverter.ToUInt64(w);
        LoadUtcb(t);
        t.PfTrampArmed = false;                                            // disarmed while the handler runs
        WriteU64(mem, at + TrampSavedMr0, t.Utcb.Mr(0));
        ulong flags = ReadU64(mem, at + TrampFlags) | TrampInProgress;
        WriteU64(mem, at + TrampFlags, flags);
        WriteTrampState(mem, at + TrampState, m.Regs, trap);
        m.Regs.Rip = handler;
        m.Regs.Rdi = at;
        m.Regs.Rsi = PageFaultMessage.Word0(trap.Cr2, trap.ErrorCode);
        if (Trace.Enabled) Trace.Add(new ModelNote(t.DbgId, $"page fault at 0x{trap.Cr2:x} diverted to the trampoline handler at 0x{handler:x}"));
        return true;
    }

    /// <summary>sizeof(l4_pf_trampoline_t) on amd64: five words, then the 23-word register state (l4sys pf_trampoline.h).</summary>
    public const ulong TrampSize = TrampState + 23 * 8;

    /// <summary>
    /// L4_THREAD_PF_TRAMP_CONTROL_OP (fiasco thread_object.cpp:824-983): items are -EMSGTOOLONG; the sub-op is
    /// MR0 without its low 16 bits (SETUP 0, RESUME 0x10000, REFLECT 0x20000, DISABLE 0x30000, ENABLE 0x40000, else
    /// -ENOSYS). SETUP needs exactly 2 words and an 8-aligned state lying inside one kernel-user memory area
    /// (space.cpp:152-172), and arms. RESUME/REFLECT take at most 1 word, only the thread itself may call them
    /// (-EPERM), and only when set up and not armed (-EINVAL). DISABLE takes at most 1 word and answers one word,
    /// MR0 = whether the thread was armed (0 when never set up). ENABLE takes at most 1 word and needs SETUP first.
    /// </summary>
    internal InvokeResult PfTrampControl(Thread target, Invocation inv)
    {
        if (inv.Tag.Items > 0) return InvokeResult.Err(L4Err.MsgTooLong);
        ulong sub = (inv.Mr(0) & ~0xFFFFUL) | (ulong)ThreadOp.PfTrampControl;   // the opcode with its sub-op, as thread.h names them
        bool setUp = target.PfTrampAddress != 0;
        switch (sub)
        {
            case (ulong)PfTrampOp.Setup:                                    // SETUP: MR1 = address in kernel-user memory
            {
                if (inv.Tag.Words < 2) return InvokeResult.Err(L4Err.MsgTooShort);
                if (inv.Tag.Words > 2) return InvokeResult.Err(L4Err.MsgTooLong);
                ulong at = inv.Mr(1);
                if ((at & 7) != 0 || at + TrampSize - 1 < at || target.Task == null || !target.Task.InKuMem(at, TrampSize))
                    return InvokeResult.Err(L4Err.Inval);
                target.PfTrampAddress = at;
                target.PfTrampArmed = true;
                return InvokeResult.Ok();
            }
            case (ulong)PfTrampOp.Disable:
            {
                if (inv.Tag.Words > 1) return InvokeResult.Err(L4Err.MsgTooLong);
                ulong wasArmed = setUp && target.PfTrampArmed ? 1UL : 0UL;
                target.PfTrampArmed = false;
                if (inv.HasRecv) inv.Utcb.SetMr(0, wasArmed);
                return InvokeResult.Ok(1);
            }
            case (ulong)PfTrampOp.Enable:
                if (inv.Tag.Words > 1) return InvokeResult.Err(L4Err.MsgTooLong);
                if (!setUp) return InvokeResult.Err(L4Err.Inval);
                target.PfTrampArmed = true;
                return InvokeResult.Ok();
            case (ulong)PfTrampOp.Resume or (ulong)PfTrampOp.Reflect:
            {
                if (inv.Tag.Words > 1) return InvokeResult.Err(L4Err.MsgTooLong);
                if (target != inv.Caller) return InvokeResult.Err(L4Err.Perm);
                if (!setUp || target.PfTrampArmed) return InvokeResult.Err(L4Err.Inval);
                if (target.Machine is not { } m) return InvokeResult.Unmodelled("PF-tramp resume/reflect of a thread without machine state");
                ulong flags = ReadU64(m.Memory, target.PfTrampAddress + TrampFlags);
                WriteU64(m.Memory, target.PfTrampAddress + TrampFlags, flags & ~(TrampInProgress | TrampTriggerException));
                target.PfTrampArmed = true;
                // The thread goes on from the register state in the area, as the handler left it (thread-pf_trampoline-ia32.cpp:41-82).
                var (regs, trap) = ReadTrampState(m.Memory, target.PfTrampAddress + TrampState, m.Regs);
                target.PfTrampReturn = (sub >> 16, regs, trap, (flags & TrampTriggerException) != 0);
                return InvokeResult.Ok();
            }
            default:
                return InvokeResult.Err(L4Err.NoSys);
        }
    }

    /// <summary>
    /// After PF-tramp::resume or ::reflect: the thread continues from the saved state, or raises the exception. From a
    /// system call only the words the kernel wrote go back (<paramref name="fromSyscall"/>); modelled code's whole view does.
    /// </summary>
    private bool FinishTrampolineReturn(Thread t, bool fromSyscall = false)
    {
        if (t.PfTrampReturn is not { } r || t.Machine is not { } m) return false;
        t.PfTrampReturn = null;
        // MR0 as it was when the fault happened (saved_mr0; the handler's own IPC overwrote it). DERIVED.
        t.Utcb.SetMr(0, ReadU64(m.Memory, t.PfTrampAddress + TrampSavedMr0));
        if (fromSyscall) StoreUtcbWritten(t); else StoreUtcb(t);
        var regs = m.Regs;
        var s = r.Regs;
        Array.Copy(s.R, regs.R, 16);
        regs.Rip = s.Rip;
        regs.Rflags = s.Rflags;
        regs.Cs = s.Cs;
        regs.Ss = s.Ss;
        // Reflect wins: the stored fault (trapno, error, pfa as the area holds them); else a trigger deferred during the
        // handler raises the artificial exception (thread_object.cpp:886-909, thread-pf_trampoline-ia32.cpp:60-82).
        if (r.Sub == 2) ExceptionIpc(t, (ulong)r.Trap.Vector, r.Trap.ErrorCode, r.Trap.Cr2);
        else if (r.Trigger) ExceptionIpc(t, ExcRegs.TrapExRegs, 0, 0);
        return true;
    }

    /// <summary>
    /// l4_pf_trampoline_regs_t (l4sys ARCH-amd64/arch/pf_trampoline.h): r15..r8, rdi, rsi, rbp, pfa, rbx, rdx, rcx,
    /// rax, trapno, err, ip, cs, rflags, sp, ss: the trap state as the handler may read it (PF-TRAMP-3).
    /// </summary>
    private static void WriteTrampState(IMemoryBus mem, ulong at, CpuState r, Trap trap)
    {
        ulong[] w =
        [
            r.R[15], r.R[14], r.R[13], r.R[12], r.R[11], r.R[10], r.R[9], r.R[8], r.Rdi, r.Rsi, r.R[5],
            trap.Cr2, r.R[3], r.Rdx, r.Rcx, r.Rax, (ulong)trap.Vector, trap.ErrorCode, r.Rip, r.Cs, r.Rflags, r.Rsp, r.Ss,
        ];
        for (int i = 0; i < w.Length; i++) WriteU64(mem, at + (ulong)(8 * i), w[i]);
    }

    /// <summary>
    /// The register state of the area (the layout of <see cref="WriteTrampState"/>), sanitised as copy_and_sanitize does
    /// (CS a user code selector, IOPL and NT cleared, IF set: trap_state-amd64.cpp:91-107); FS/GS bases and data segments
    /// are not part of it and stay as <paramref name="current"/> has them.
    /// </summary>
    private static (CpuState Regs, Trap Trap) ReadTrampState(IMemoryBus mem, ulong at, CpuState current)
    {
        var w = new ulong[23];
        for (int i = 0; i < w.Length; i++) w[i] = ReadU64(mem, at + (ulong)(8 * i));
        var r = current.Clone();
        for (int i = 0; i < 8; i++) r.R[15 - i] = w[i];
        (r.Rdi, r.Rsi, r.R[5], r.R[3], r.Rdx, r.Rcx, r.Rax) = (w[8], w[9], w[10], w[12], w[13], w[14], w[15]);
        (r.Rip, r.Cs, r.Rflags, r.Rsp, r.Ss) = (w[18], ExcRegs.SanitizeCs(w[19]), ExcRegs.SanitizeRflags(w[20]), w[21], (ushort)w[22]);
        return (r, new Trap((Vector)(byte)w[16], w[17], w[11]));
    }

    private static ulong ReadU64(IMemoryBus mem, ulong va)
    {
        Span<byte> b = stackalloc byte[8];
        return mem.Read(va, b, AccessKind.Read, out _) ? BitConverter.ToUInt64(b) : 0;
    }

    private static void WriteU64(IMemoryBus mem, ulong va, ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BitConverter.TryWriteBytes(b, v);
        mem.Write(va, b, out _);
    }
}
