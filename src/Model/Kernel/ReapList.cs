namespace L4Conf.Model.Kernel;

/// <summary>
/// Fiasco's Reap_list (kobject.cpp:288-294 initiate_deletion, map_util.cpp): within a map or unmap, an object whose
/// deletion a flush starts loses every capability at once, but its destroy() (a task's teardown of its spaces, a
/// thread's death) runs when the whole operation ends. So a map whose destination flush deletes the source or the
/// destination task still reads and writes both spaces, and the teardown then flushes what it finds (CAP-OVR-1).
/// </summary>
public sealed partial class Kernel
{
    private int _reapDepth;
    private readonly List<KObject> _reap = [];

    /// <summary>Opens a reap list; disposing the outermost one runs the queued destructions in order.</summary>
    private ReapScope ReapList()
    {
        _reapDepth++;
        return new ReapScope(this);
    }

    /// <summary>Queues <paramref name="obj"/>'s destroy() when a reap list is open; false when it must run now.</summary>
    private bool Reaping(KObject obj)
    {
        if (_reapDepth == 0) return false;
        _reap.Add(obj);
        return true;
    }

    /// <summary>Whether <paramref name="obj"/> is deleted but its destroy() still waits for the operation's end.</summary>
    private bool AwaitsReaping(KObject obj) => _reap.Contains(obj);

    private void EndReap()
    {
        if (--_reapDepth > 0) return;
        while (_reap.Count > 0)
        {
            var o = _reap[0];
            _reap.RemoveAt(0);
            o.OnDestroy();
            if (!o.IsBoot) o.Release();
        }
    }

    private readonly struct ReapScope(Kernel k) : IDisposable
    {
        public void Dispose() => k.EndReap();
    }
}
