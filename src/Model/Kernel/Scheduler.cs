using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The kernel scheduler object (JDB type "Sched"): CPU info and run_thread with fixed priorities
/// (fiasco src/kern/scheduler.cpp, sched_context-fixed_prio.cpp; abi-facts §7.7).
/// </summary>
public sealed class Scheduler(Kernel k) : KObject(k, 0x80)
{
    public override string JdbType => "Sched";

    public override InvokeResult Invoke(Invocation inv)
    {
        if (inv.Tag.Label == (long)Protocol.Irq) return OnePinIcu.Invoke(inv);
        if (inv.Tag.Label != (long)Protocol.Scheduler) return InvokeResult.Err(L4Err.BadProto);
        if (inv.Tag.Words < 1) return InvokeResult.Err(L4Err.MsgTooShort);
        return (SchedulerOp)inv.Mr(0) switch
        {
            SchedulerOp.Info => Info(inv),
            SchedulerOp.RunThread => RunThread(inv),
            SchedulerOp.IdleTime => IdleTime(inv),
            _ => InvokeResult.Err(L4Err.NoSys),
        };
    }

    /// <summary>CPU-set descriptor: bits 23..0 offset, 31..24 log2 granularity (capped at 24).</summary>
    private static (ulong Offset, int Gran) CpuSet(ulong w) => (w & 0xFF_FFFF, (int)Math.Min((w >> 24) & 0xFF, 24));

    private ulong OnlineMap(ulong offset, int gran)
    {
        ulong map = 0;
        for (int i = 0; i < 64; i++)
        {
            ulong cpu = offset + ((ulong)i << gran);
            if (cpu < (ulong)Kernel.Config.OnlineCpus) map |= 1UL << i;
            if (gran >= 6 && i > 0) break;
        }
        return map;
    }

    /// <summary>
    /// L4_SCHEDULER_INFO_OP, an RPC with the CPU-set word (2 words, else -EMSGTOOSHORT): MR0 = online map of the
    /// window, MR1 = max CPUs, MR2 = classes; -ERANGE past max (SCHED-1).
    /// </summary>
    private InvokeResult Info(Invocation inv)
    {
        if (inv.RpcTooShort(2)) return InvokeResult.Err(L4Err.MsgTooShort);
        var (off, gran) = CpuSet(inv.Mr(1));
        if (off >= (ulong)Kernel.Config.MaxCpus) return InvokeResult.Err(L4Err.Range);
        inv.Utcb.SetMr(0, OnlineMap(off, gran));
        inv.Utcb.SetMr(1, (ulong)Kernel.Config.MaxCpus);
        inv.Utcb.SetMr(2, (ulong)KernelLimits.SchedClassFixedPrio);
        return InvokeResult.Ok(3);
    }

    /// <summary>L4_SCHEDULER_RUN_THREAD_OP: 5 words, item = thread; legacy prio must be &gt; 0, clamped to 255 (SCHED-RUN-1..3).</summary>
    private InvokeResult RunThread(Invocation inv)
    {
        if (inv.Tag.Words < 5) return InvokeResult.Err(L4Err.Inval);
        if (inv.CapArg(0) is not { } arg || arg.Entry.Object is not Thread t) return inv.CapArgError(0);
        long prio = inv.SMr(3);
        if (prio >= 0)
        {
            if (prio == 0) return InvokeResult.Err(L4Err.Inval);
            Kernel.SetPriority(t, (int)Math.Min(prio, (long)KernelLimits.SchedMaxPrio));
            t.Quantum = inv.Mr(4) != 0 ? inv.Mr(4) : (ulong)KernelLimits.DefaultTimeSliceUs;   // quantum 0: default slice
            t.SliceLeft = t.Quantum;
        }
        else if (prio != -1) return InvokeResult.Err(L4Err.Inval);   // only the fixed-prio class (-1) exists
        return InvokeResult.Ok();
    }

    private InvokeResult IdleTime(Invocation inv)
    {
        var (off, gran) = CpuSet(inv.Mr(1));
        if ((OnlineMap(off, gran) & inv.Mr(2)) == 0) return InvokeResult.Err(L4Err.Inval);
        inv.Utcb.SetMr(0, 0);
        return InvokeResult.Ok(1);
    }
}

/// <summary>
/// The Log and Scheduler objects also answer the ICU protocol as a controller with one pin; they enter
/// Icu_h::icu_invoke directly (icu_helper.cpp:261-302), so 0 words is -EMSGTOOSHORT.
/// </summary>
internal static class OnePinIcu
{
    public static InvokeResult Invoke(Invocation inv)
    {
        if (inv.Tag.Words < 1) return InvokeResult.Err(L4Err.MsgTooShort);
        switch ((IcuOp)inv.Mr(0))
        {
            case IcuOp.Info:
                inv.Utcb.SetMr(0, 0);
                inv.Utcb.SetMr(1, 1);
                inv.Utcb.SetMr(2, 0);
                return InvokeResult.Ok(3);
            case IcuOp.Bind:
                // An RPC of the pin word and any Irq (ICU-1, icu_helper.cpp:132).
                if (inv.RpcTooShort(2, takesCap: true)) return InvokeResult.Err(L4Err.MsgTooShort);
                if (inv.CapArg(0) is not { } arg || arg.Entry.Object is not IIrq) return inv.CapArgError(0);
                return (arg.Rights & CapRights.W) == 0 ? InvokeResult.Err(L4Err.Perm) : InvokeResult.Ok();
            case IcuOp.Unbind:
                if (inv.RpcTooShort(2, takesCap: true)) return InvokeResult.Err(L4Err.MsgTooShort);
                return inv.CapArg(0) is not { Entry.Object: IIrq } ? inv.CapArgError(0) : InvokeResult.Ok();
            case IcuOp.Unmask or IcuOp.Mask:
                return InvokeResult.NoReply;                            // icu_helper.cpp:288-294
            case IcuOp.SetMode:
                return InvokeResult.Ok();
            default:
                return InvokeResult.Err(L4Err.NoSys);
        }
    }
}
