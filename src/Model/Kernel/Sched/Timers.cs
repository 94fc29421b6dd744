namespace L4Conf.Model.Kernel.Sched;

/// <summary>IPC deadlines in logical µs; ties fire in the order they were set, so runs are deterministic.</summary>
public sealed class Timers
{
    private readonly SortedSet<(ulong At, long Seq, Thread T)> _set = new(Comparer<(ulong, long, Thread)>.Create((a, b) =>
        a.Item1 != b.Item1 ? a.Item1.CompareTo(b.Item1) : a.Item2.CompareTo(b.Item2)));
    private readonly Dictionary<Thread, (ulong, long, Thread)> _of = new();
    private long _seq;

    public void Set(Thread t, ulong at)
    {
        Cancel(t);
        var e = (at, _seq++, t);
        _set.Add(e);
        _of[t] = e;
    }

    public void Cancel(Thread t)
    {
        if (_of.Remove(t, out var e)) _set.Remove(e);
    }

    public ulong? Next => _set.Count == 0 ? null : _set.Min.At;

    /// <summary>Removes and returns the threads whose deadline is at or before <paramref name="now"/>.</summary>
    public IReadOnlyList<Thread> Expired(ulong now)
    {
        if (_set.Count == 0 || _set.Min.At > now) return [];          // the common case allocates nothing
        var list = new List<Thread>();
        while (_set.Count > 0 && _set.Min.At <= now)
        {
            var e = _set.Min;
            _set.Remove(e);
            _of.Remove(e.T);
            list.Add(e.T);
        }
        return list;
    }
}
