using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// L4_THREAD_SWITCH_OP (fiasco src/kern/thread_object.cpp, sys_thread_switch): the answer is always label 0 with no
/// words and the UTCB untouched. A ready target on this CPU runs at once on the caller's scheduling context (the
/// ready queue's current one does not change: its priority and what is left of its slice); otherwise the scheduler
/// decides as usual. The caller stays ready either way (THR-4).
/// </summary>
public sealed partial class Kernel
{
    /// <summary>The thread a switch handed the CPU to; it runs until it blocks, the caller's slice ends or a thread wakes that the caller's and its own priority do not dominate.</summary>
    private Thread? _switchedTo;

    /// <summary>Whose scheduling context the switch target runs on: the thread that switched (or the one it ran on itself).</summary>
    private Thread? _switchedFrom;

    /// <summary>The thread currently running on a switch, if any (THR-4).</summary>
    public Thread? SwitchedTo => SwitchActive ? _switchedTo : null;

    private bool SwitchActive => _switchedTo != null && Ready.Contains(_switchedTo) && _switchedFrom != null && Ready.Contains(_switchedFrom);

    internal InvokeResult ThreadSwitch(Thread caller, Thread target)
    {
        if (caller != target && target.State == ThreadState.Ready && Ready.Contains(target))
        {
            // A target switching on keeps running on the context it was given (switch_exec_locked again).
            _switchedFrom = SwitchActive && _switchedTo == caller ? _switchedFrom : caller;
            _switchedTo = target;
        }
        return InvokeResult.Ok();                                       // commit_result(0): label 0, no words
    }

    /// <summary>The next thread to run: the switch target while it may keep the CPU, else the ready queue's choice.</summary>
    private Thread? PickNext()
    {
        if (_switchedTo != null)
        {
            if (SwitchActive) return _switchedTo;
            EndSwitch();
        }
        return Ready.Peek(_schedChoose);
    }

    /// <summary>The thread whose slice a running thread uses: the switcher's while it runs on a switch, else its own.</summary>
    private Thread SliceOwner(Thread running) => SwitchActive && running == _switchedTo ? _switchedFrom! : running;

    private void EndSwitch()
    {
        _switchedTo = null;
        _switchedFrom = null;
    }

    /// <summary>
    /// A woken thread preempts the switch target only if neither the caller's scheduling context (the current one)
    /// nor the target's own priority is above it (Ready_queue::deblock); then the switch ends.
    /// </summary>
    private void NoteWakeup(Thread woken)
    {
        if (SwitchActive && woken != _switchedTo && woken != _switchedFrom
            && woken.Priority >= _switchedFrom!.Priority && woken.Priority >= _switchedTo!.Priority)
            EndSwitch();
    }
}
