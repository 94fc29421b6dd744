using System.Runtime.InteropServices;
using L4Conf.Model.Abi;
using L4Conf.Model.Machine;
using L4Conf.Model.Trace;

namespace L4Conf.Model.Kernel;

/// <summary>
/// Page-fault and exception IPC (fiasco src/kern/thread-ipc.cpp handle_page_fault_pager / send_exception,
/// src/kern/ia32/thread-ia32.cpp; abi-facts §9): the kernel calls the thread's pager or exception handler on its
/// behalf and interprets the reply when the thread runs again.
/// </summary>
public sealed partial class Kernel
{
    /// <summary>Logical time: the model retires 1000 instructions per µs.</summary>
    public const long InstructionsPerUs = 1000;
    private long _insnRemainder;

    /// <summary>Runs a machine-code thread for one step: a chunk of instructions up to a syscall, a trap, or the budget.</summary>
    private void RunMachine(Thread t, UserMachine m)
    {
        if (t.KernelIpc != KernelIpcKind.None) { FinishKernelIpc(t); return; }
        if (t.ExceptionTriggered)
        {
            t.ExceptionTriggered = false;
            ExceptionIpc(t, ExcRegs.TrapExRegs, 0, 0);
            return;
        }
        if (m.Retired >= m.Budget)
        {
            // Runaway code: the thread stops where it is, and the trace says so (MACH-BUDGET-1).
            Print(t, $"MODEL: thread D:{t.DbgId:x} stopped: its budget of {m.Budget} instructions is used up at RIP 0x{m.Regs.Rip:x}\n");
            if (Trace.Enabled) Trace.Add(new ModelNote(t.DbgId, $"instruction budget of {m.Budget} used up at RIP 0x{m.Regs.Rip:x}"));
            Ready.Remove(t);
            t.Machine = null;
            return;
        }
        var owner = SliceOwner(t);                                    // a switch target uses the switcher's slice (THR-4)
        long budget = Math.Min((long)Math.Min(owner.SliceLeft, 10UL) * InstructionsPerUs, m.Budget - m.Retired);
        var stop = m.Cpu(m.Regs, m.Memory, budget);
        m.Retired += stop.Retired;
        _insnRemainder += stop.Retired;
        ulong us = (ulong)(_insnRemainder / InstructionsPerUs);
        _insnRemainder %= InstructionsPerUs;
        Clock += us;
        t.CpuTime += us;
        owner.SliceLeft = owner.SliceLeft > us ? owner.SliceLeft - us : 0;
        switch (stop.Kind)
        {
            case StopKind.Budget:
                break;
            case StopKind.Syscall:
                // syscall does not save SS or CS: the entry records GDT_DATA_USER | 3 and sysretq loads SS and CS from
                // STAR (0x1B + 8, 0x1B + 16), so a syscall from compatibility mode returns in 64-bit mode (MACH-SEG-1).
                m.Regs.Ss = (ushort)GdtSelectors.UserData;
                m.Regs.Cs = (ushort)GdtSelectors.UserCode64;
                LoadUtcbForSyscall(t);
                t.KernelIpc = KernelIpcKind.Syscall;
                if (Syscall(t, m.Regs.Rdx, new MsgTag(unchecked((long)m.Regs.Rax)), m.Regs.Rsi, m.Regs.R8)) FinishKernelIpc(t);
                break;
            case StopKind.Trap:
                TakeTrap(t, stop.Trap, stop.Detail);
                break;
        }
        if (owner.SliceLeft == 0) EndSlice(owner);
    }

    /// <summary>A trap of a machine thread: a page fault goes to the trampoline or the pager, anything else to the exception handler.</summary>
    private void TakeTrap(Thread t, Trap trap, string? detail)
    {
        if (t.VcpuStateAddress != 0 && StopsForVcpuUpcall(t, trap)) return;
        if (trap.Vector == Vector.PageFault)
        {
            Cr2 = trap.Cr2;
            if (Trace.Enabled) Trace.Add(new PageFault(t.DbgId, trap.Cr2, t.Machine!.Regs.Rip, trap.ErrorCode) { Space = t.Task?.DbgId, TimeUs = Clock });
            if (ReferenceEquals(t.Task, Sigma0)) Sigma0Fault(trap.Cr2);
            else if (!DivertToTrampoline(t, trap)) PageFaultIpc(t, trap);   // the in-thread handler first (PF-TRAMP-1)
            return;
        }
        if (detail != null && Trace.Enabled) Trace.Add(new ModelNote(t.DbgId, detail));
        ExceptionIpc(t, (ulong)trap.Vector, trap.ErrorCode, Cr2);          // pfa: whatever CR2 holds (stale)
    }

    /// <summary>
    /// sigma0's own faults are resolved by the kernel: mapped 1:1 with all rights in the CPU's largest page size
    /// (handle_sigma0_page_fault, thread-ia32.cpp:453-466; abi-facts §10.1).
    /// </summary>
    private void Sigma0Fault(ulong pfa)
    {
        ulong size = 1UL << LargestPageOrder;
        FabricateSigma0(pfa & ~(size - 1), size);
    }

    /// <summary>
    /// The page-fault IPC: a call to the pager with tag (-2, 2 words), MR0 = (pfa &amp; ~7) | (err &amp; 3) | (4 if a fetch),
    /// MR1 = IP, receive window everything (BDR = INHERIT_FPU, BR0 = map item, BR1 = all spaces). MR0, MR1, BDR, BR0, BR1
    /// are saved and restored around it. No pager capability: the thread is killed.
    /// </summary>
    private void PageFaultIpc(Thread t, Trap trap)
    {
        var u = t.Utcb;
        LoadUtcb(t);
        if (t.Task!.Space[t.PagerIndex] == null)
        {
            // The kernel's own WARN line (thread-ipc.cpp:255-268): CPU, thread, pfa, error code, pager cap index, IP.
            KernelPrint($"\n\x1b[31mKERNEL\x1b[m: Warning: CPU0: Pager of {t.DbgId:x} is invalid (pfa={trap.Cr2:x16}, " +
                $"errorcode/info={trap.ErrorCode:x16}) to {t.PagerIndex:x} (pc={t.Machine!.Regs.Rip:x})\n");
            t.Kill();
            return;
        }
        t.SavedFaultWords = [u.Mr(0), u.Mr(1), u.Bdr, u.Br(0), u.Br(1)];
        t.PendingTrap = trap;
        u.SetMr(0, PageFaultMessage.Word0(trap.Cr2, trap.ErrorCode));
        u.SetMr(1, t.Machine!.Regs.Rip);
        SetFaultReceiveWindow(u);
        t.KernelIpc = KernelIpcKind.PageFault;
        if (Syscall(t, (t.PagerIndex << 12) | (ulong)SysFlags.Call, new MsgTag((long)Protocol.PageFault, 2, 0), 0, 0, recordInvoke: false))
            FinishKernelIpc(t);
    }

    /// <summary>
    /// The exception IPC: a call to the exception handler with tag (-5, 26 words, FPU flag) and the register image; with
    /// no exception handler the thread blocks for ever (abi-facts §9.3).
    /// </summary>
    private void ExceptionIpc(Thread t, ulong trapno, ulong err, ulong pfa)
    {
        var u = t.Utcb;
        LoadUtcb(t);
        t.SavedFaultWords = [0, 0, u.Bdr, u.Br(0), u.Br(1)];
        if (t.Task!.Space[t.ExcHandlerIndex] == null)
        {
            t.KernelIpc = KernelIpcKind.Exception;
            // Blocks on itself, with no timeout: nothing will ever answer (fiasco: "blocks forever").
            Block(new Ipc.IpcOperation { Caller = t, Selector = CapSelector.InvalidCap, Tag = default, Timeouts = 0, HasRecv = true, ReceiveFrom = t },
                Ipc.IpcPhase.Receiving, new Ipc.IpcTimeout(0));
            return;
        }
        ExcRegs.Store(t.Machine!.Regs, trapno, err, pfa, u);
        SetFaultReceiveWindow(u);
        t.KernelIpc = KernelIpcKind.Exception;
        if (Syscall(t, (t.ExcHandlerIndex << 12) | (ulong)SysFlags.Call, new MsgTag((long)Protocol.Exception, ExcRegs.Words, 0, MsgTagFlags.TransferFpu), 0, 0, recordInvoke: false))
            FinishKernelIpc(t);
    }

    /// <summary>The receive window of a fault IPC: one map item accepted anywhere in the address space (BDR = 1 << 24, BR0/BR1).</summary>
    private static void SetFaultReceiveWindow(Utcb u)
    {
        u.Bdr = (ulong)BufDesc.InheritFpu;
        u.SetBr(0, (ulong)ItemBits.Map);
        u.SetBr(1, Fpage.All.Raw);
    }

    /// <summary>The kernel-made IPC of a thread completed: give the syscall its results, or interpret the pager's or handler's reply.</summary>
    private void FinishKernelIpc(Thread t)
    {
        var kind = t.KernelIpc;
        t.KernelIpc = KernelIpcKind.None;
        var m = t.Machine!;
        var u = t.Utcb;
        switch (kind)
        {
            case KernelIpcKind.Syscall:
                if (FinishTrampolineReturn(t, fromSyscall: true)) break;    // resume/reflect do not return to the caller (it stores the UTCB)
                StoreUtcbWritten(t);
                m.Regs.Rax = unchecked((ulong)t.ResultTag.Raw);
                m.Regs.Rsi = t.ResultLabel;
                break;
            case KernelIpcKind.PageFault:
            {
                var tag = t.ResultTag;
                var err = u.Error;
                var s = t.SavedFaultWords!;
                u.SetMr(0, s[0]); u.SetMr(1, s[1]); u.Bdr = s[2]; u.SetBr(0, s[3]); u.SetBr(1, s[4]);
                StoreUtcb(t);
                var trap = t.PendingTrap;
                // Pager gone in the send phase, or a negative reply label: the fault becomes an exception (trapno 14).
                if ((tag.HasError && err == IpcErr.NotExistent) || (!tag.HasError && tag.Label < 0))
                    ExceptionIpc(t, (ulong)Vector.PageFault, trap.ErrorCode, trap.Cr2);
                break;   // otherwise the instruction is simply retried
            }
            case KernelIpcKind.Exception:
            {
                var tag = t.ResultTag;
                if (!tag.HasError && tag.Words >= ExcRegs.Words) ExcRegs.Load(m.Regs, u);
                var s = t.SavedFaultWords!;
                u.Bdr = s[2]; u.SetBr(0, s[3]); u.SetBr(1, s[4]);
                StoreUtcb(t);
                break;
            }
        }
    }

    /// <summary>
    /// Copies the thread's UTCB from user memory into the kernel's view (the UTCB is user-writable memory): one block
    /// copy into the words' own bytes (x86-64 is little-endian, as the word array is on every host .NET runs on here).
    /// </summary>
    private static void LoadUtcb(Thread t)
    {
        if (t.Machine is not { } m || t.UtcbAddress == 0) return;
        m.Memory.Read(t.UtcbAddress, MemoryMarshal.AsBytes(t.Utcb.W.AsSpan()), AccessKind.Read, out _);
        t.Utcb.Synchronised();
    }

    /// <summary>
    /// A system call's entry: the message words (MR0-62 and word 63) now, the BDR and buffer registers when the kernel
    /// first uses them (<see cref="Utcb.LoadBuffers"/>); the rest (the error word, the user words) the kernel never reads.
    /// </summary>
    private static void LoadUtcbForSyscall(Thread t)
    {
        if (t.Machine is not { } m || t.UtcbAddress == 0) return;
        t.Utcb.Synchronised();
        m.Memory.Read(t.UtcbAddress, MemoryMarshal.AsBytes(t.Utcb.W.AsSpan(0, Utcb.BdrIndex)), AccessKind.Read, out _);
        t.Utcb.DeferBuffers(m.Memory, t.UtcbAddress);
    }

    /// <summary>Writes the kernel's view of the UTCB back to user memory before the thread runs again (one block copy).</summary>
    private static void StoreUtcb(Thread t)
    {
        if (t.Machine is not { } m || t.UtcbAddress == 0) return;
        t.Utcb.LoadBuffers();                // a deferred part is current in memory only
        m.Memory.Write(t.UtcbAddress, MemoryMarshal.AsBytes(t.Utcb.W.AsSpan()), out _);
        t.Utcb.Synchronised();
    }

    /// <summary>
    /// A system call's completion: only the words the kernel wrote go back to user memory (the message words, the
    /// error word, ...), one block copy per run of them, as the real kernel stores only what it sets.
    /// </summary>
    private static void StoreUtcbWritten(Thread t)
    {
        if (t.Machine is not { } m || t.UtcbAddress == 0) return;
        var u = t.Utcb;
        UInt128 dirty = u.Dirty;
        var bytes = MemoryMarshal.AsBytes(u.W.AsSpan());
        while (dirty != UInt128.Zero)
        {
            int first = (int)UInt128.TrailingZeroCount(dirty);
            int count = (int)UInt128.TrailingZeroCount(~(dirty >> first));
            m.Memory.Write(t.UtcbAddress + (ulong)first * 8, bytes.Slice(first * 8, count * 8), out _);
            dirty &= count + first >= Utcb.Words ? UInt128.Zero : UInt128.MaxValue << (first + count);
        }
        u.Synchronised();
    }

    /// <summary>Starts a thread on machine code with the given registers in the given address space; from then on ex_regs reads and sets them.</summary>
    public void StartMachine(Thread t, UserMachine m)
    {
        t.Machine = m;
        t.Program = null;
        StoreUtcb(t);                       // word 63 (the UTCB's own address) becomes visible to user code
        MakeReady(t);
    }
}
