using System.Buffers.Binary;
using L4Conf.Model.Abi;
using L4Conf.Model.Machine;

namespace L4Conf.Model.Kernel;

/// <summary>The kernel's side of a vCPU thread's state area: its initial contents, and the flags that would divert a fault or an IPC.</summary>
public sealed partial class Kernel
{
    /// <summary>
    /// arch_init_vcpu_state for amd64 (thread-ia32.cpp:515-530): the version, the thread's FS/GS bases, zero data
    /// selectors and the user code/data selectors. Written to user-visible memory when the machine model backs it.
    /// </summary>
    internal void InitVcpuState(Thread t)
    {
        if (t.Task?.MemSpace is not MachineSpace || Physical == null) return;
        var bus = BusOf(t.Task);
        ulong at = t.VcpuStateAddress;
        var w = new byte[8];
        void U64(ulong off, ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(w, v); bus.Write(at + off, w, out _); }
        void U16(ulong off, ulong v) { BinaryPrimitives.WriteUInt16LittleEndian(w, (ushort)v); bus.Write(at + off, w.AsSpan(0, 2), out _); }
        U64(VcpuStateOffsets.Version, (ulong)VcpuStateAbi.Version);
        U64(VcpuStateOffsets.HostFsBase, t.FsBase);
        U64(VcpuStateOffsets.HostGsBase, t.GsBase);
        U64(VcpuStateOffsets.HostDs, 0);                 // ds, es, fs, gs
        U16(VcpuStateOffsets.UserDs32, GdtSelectors.UserData);
        U16(VcpuStateOffsets.UserCs64, GdtSelectors.UserCode64);
        U16(VcpuStateOffsets.UserCs32, GdtSelectors.UserCode32);
    }

    /// <summary>The vCPU state's `state` flags as user memory holds them (0 for a thread that is no vCPU or has no machine memory).</summary>
    private ulong VcpuFlags(Thread t)
    {
        if (t.VcpuStateAddress == 0 || t.Task?.MemSpace is not MachineSpace) return 0;
        Span<byte> b = stackalloc byte[2];
        return BusOf(t.Task).Read(t.VcpuStateAddress + VcpuStateOffsets.State, b, AccessKind.Read, out _) ? BinaryPrimitives.ReadUInt16LittleEndian(b) : 0UL;
    }

    /// <summary>
    /// A vCPU thread whose state enables page-fault or exception upcalls would enter its vCPU entry point instead of sending
    /// the message (thread-vcpu.cpp:83, thread-ipc.cpp:979): not modelled, so the thread stops there and the trace says why.
    /// </summary>
    private bool StopsForVcpuUpcall(Thread t, Trap trap)
    {
        var flag = trap.Vector == Vector.PageFault ? VcpuStateAbi.FPageFaults : VcpuStateAbi.FExceptions;
        if ((VcpuFlags(t) & (ulong)flag) == 0) return false;
        string what = $"vCPU upcall for trap {(int)trap.Vector} at RIP 0x{t.Machine!.Regs.Rip:x} (the vCPU state enables {flag}) is not modelled";
        Print(t, $"MODEL: thread D:{t.DbgId:x} stopped: {what}\n");
        if (Trace.Enabled) Trace.Add(new Trace.ModelNote(t.DbgId, what));
        Ready.Remove(t);
        t.Machine = null;
        return true;
    }
}
