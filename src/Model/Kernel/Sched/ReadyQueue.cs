namespace L4Conf.Model.Kernel.Sched;

/// <summary>
/// Fixed-priority ready queues with round robin inside a priority (numerically higher runs first, 1..255),
/// as Fiasco's fixed-priority scheduler (src/kern/sched_context-fixed_prio.cpp, ready_queue_fp.cpp).
/// </summary>
public sealed class ReadyQueue
{
    private readonly SortedDictionary<int, LinkedList<Thread>> _byPrio = new(Comparer<int>.Create((a, b) => b.CompareTo(a)));
    private readonly Dictionary<Thread, LinkedListNode<Thread>> _nodes = new();

    public int Count => _nodes.Count;
    public bool Contains(Thread t) => _nodes.ContainsKey(t);

    /// <summary>Appends at the end of its priority's queue (a woken or preempted thread waits its turn).</summary>
    public void Enqueue(Thread t)
    {
        if (_nodes.ContainsKey(t)) return;
        if (!_byPrio.TryGetValue(t.Priority, out var q)) _byPrio[t.Priority] = q = new LinkedList<Thread>();
        _nodes[t] = q.AddLast(t);
    }

    public void Remove(Thread t)
    {
        if (!_nodes.Remove(t, out var n)) return;
        var q = n.List!;
        q.Remove(n);
        if (q.Count == 0) _byPrio.Remove(t.Priority);
    }

    /// <summary>The highest-priority ready thread; with a chooser, one of the threads of that priority (seeded schedules).</summary>
    public Thread? Peek(Func<int, int>? choose = null)
    {
        foreach (var (_, q) in _byPrio)
        {
            if (q.Count == 0) continue;
            if (choose == null || q.Count == 1) return q.First!.Value;
            return q.ElementAt(choose(q.Count));
        }
        return null;
    }

    public int HighestPriority => _byPrio.Count == 0 ? 0 : _byPrio.First().Key;
}
