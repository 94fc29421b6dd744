using System.Numerics;

namespace L4Conf.Model.Kernel.Sched;

/// <summary>
/// Fixed-priority ready queues with round robin inside a priority (numerically higher runs first, 0..255), as
/// Fiasco's fixed-priority scheduler (src/kern/sched_context-fixed_prio.cpp, ready_queue_fp.cpp): one list per
/// priority and a bitmap of the non-empty ones. Each thread owns its queue node, so queueing allocates nothing.
/// </summary>
public sealed class ReadyQueue
{
    private readonly LinkedList<Thread>[] _byPrio = new LinkedList<Thread>[256];
    private readonly ulong[] _nonEmpty = new ulong[4];
    public int Count { get; private set; }

    public ReadyQueue()
    {
        for (int i = 0; i < 256; i++) _byPrio[i] = new LinkedList<Thread>();
    }

    public bool Contains(Thread t) => t.ReadyNode.List != null;

    /// <summary>Appends at the end of its priority's queue (a woken or preempted thread waits its turn).</summary>
    public void Enqueue(Thread t)
    {
        if (t.ReadyNode.List != null) return;
        int p = Math.Clamp(t.Priority, 0, 255);
        _byPrio[p].AddLast(t.ReadyNode);
        _nonEmpty[p >> 6] |= 1UL << (p & 63);
        Count++;
    }

    public void Remove(Thread t)
    {
        var list = t.ReadyNode.List;
        if (list == null) return;
        list.Remove(t.ReadyNode);
        Count--;
        if (list.Count == 0)
        {
            int p = Math.Clamp(t.Priority, 0, 255);   // priorities change only while dequeued (Kernel.SetPriority)
            _nonEmpty[p >> 6] &= ~(1UL << (p & 63));
        }
    }

    public int HighestPriority
    {
        get
        {
            for (int w = 3; w >= 0; w--)
                if (_nonEmpty[w] != 0) return w * 64 + 63 - BitOperations.LeadingZeroCount(_nonEmpty[w]);
            return -1;
        }
    }

    /// <summary>The highest-priority ready thread; with a chooser, one of the threads of that priority (seeded schedules).</summary>
    public Thread? Peek(Func<int, int>? choose = null)
    {
        int p = HighestPriority;
        if (p < 0) return null;
        var q = _byPrio[p];
        if (choose == null || q.Count == 1) return q.First!.Value;
        return q.ElementAt(choose(q.Count));
    }
}
