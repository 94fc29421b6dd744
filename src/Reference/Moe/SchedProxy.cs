using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Moe;

/// <summary>
/// Moe's scheduler proxy (moe/server/src/sched_proxy.{h,cc}; moe notes §9): L4::Scheduler with full-word opcodes
/// 0 info, 1 run_thread, 2 idle_time; run_thread adds the base priority (capped at the maximum) and forwards to
/// the kernel scheduler.
/// </summary>
public sealed class SchedProxy(MoeServer moe, long prioBase, long prioMax, IReadOnlyList<ulong>? cpus) : MoeObject
{
    public override IReadOnlyList<Iface> Interfaces { get; } = [new((long)Protocol.Scheduler, "N2L49SchedulerE"), new(-1, "N2L43IcuE")];
    public override ulong ObjectSize => 112;
    public long PrioBase { get; } = prioBase;
    public long PrioMax { get; } = prioMax;
    public IReadOnlyList<ulong>? Cpus { get; } = cpus;

    public override long Dispatch(ServerCall c)
    {
        if (c.Tag.Label != (long)Protocol.Scheduler) return -(long)L4Err.NoSys;
        if (c.Tag.Words < 1) return -(long)L4Err.MsgTooShort;
        var u = c.Utcb;
        switch (u.Mr(0))
        {
            case 0:                                                   // info: the CPU map the proxy allows, from the kernel
            {
                ulong mask = Cpus is { Count: > 0 } m ? m[0] & 1 : 1;
                u.SetMr(0, mask);
                u.SetMr(1, 1);
                u.SetMr(2, 1);
                c.Reply.U64(mask).U64(1).U64(1);
                return 0;
            }
            case 1:                                                   // run_thread(thread, params): prio + base, at most max
            {
                if (c.Items == 0 || (c.Item(0).Word & 0x3E) != 0x38) return -(long)L4Err.Inval;
                long prio = unchecked((long)u.Mr(3));
                prio = Math.Min(prio + PrioBase, PrioMax);
                ulong slot = moe.TakeReceived(0);
                long r = moe.RunThread(slot, prio);
                moe.FreeSlot(slot);
                return r;
            }
            default:
                return -(long)L4Err.NoSys;
        }
    }
}
