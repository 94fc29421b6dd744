using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// L4_THREAD_SWITCH_OP (fiasco src/kern/thread_object.cpp, sys_thread_switch): a ready target on this CPU runs
/// at once on its own time (not helping) and the caller is told 0 µs left; otherwise the caller learns what is
/// left of its time slice and the scheduler decides as usual. The caller stays ready either way.
/// </summary>
public sealed partial class Kernel
{
    /// <summary>The thread a switch handed the CPU to; it runs until it blocks, its slice ends or a higher-priority thread wakes.</summary>
    private Thread? _switchedTo;

    /// <summary>The thread currently running on a switch, if any (THR-4).</summary>
    public Thread? SwitchedTo => _switchedTo != null && Ready.Contains(_switchedTo) ? _switchedTo : null;

    internal InvokeResult ThreadSwitch(Thread caller, Thread target, Utcb utcb)
    {
        if (caller == target) return InvokeResult.Ok();                 // switch to self: empty tag, nothing changes
        if (target.State == ThreadState.Ready && Ready.Contains(target))
        {
            _switchedTo = target;
            utcb.SetMr(0, 0);                                           // "assume timeslice was used up"
            return InvokeResult.Ok(1);
        }
        utcb.SetMr(0, caller.SliceLeft);
        return InvokeResult.Ok(1);
    }

    /// <summary>The next thread to run: the switch target while it may keep the CPU, else the ready queue's choice.</summary>
    private Thread? PickNext()
    {
        if (_switchedTo is { } s)
        {
            if (Ready.Contains(s)) return s;
            _switchedTo = null;
        }
        return Ready.Peek(_schedChoose);
    }

    /// <summary>A woken thread of higher priority than the switch target preempts it: the switch ends.</summary>
    private void NoteWakeup(Thread woken)
    {
        if (_switchedTo is { } s && woken.Priority > s.Priority) _switchedTo = null;
    }
}
