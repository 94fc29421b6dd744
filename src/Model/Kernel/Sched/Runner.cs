using L4Conf.Model.Kernel.Ipc;

namespace L4Conf.Model.Kernel;

/// <summary>Why a run stopped.</summary>
public enum RunStop { Done, Idle, StepLimit }

/// <summary>
/// Runs user programs on the model's threads over logical time: the highest-priority ready thread makes its next
/// system call (1 µs each), round robin within a priority by time slice; when nothing is ready the clock jumps to
/// the next IPC deadline. Deterministic; a seed only chooses among equally entitled threads when asked to.
/// </summary>
public sealed partial class Kernel
{
    /// <summary>Draws among the highest-priority ready threads in seeded schedules; null = first come first served.</summary>
    private Func<int, int>? _schedChoose;

    /// <summary>With a seed, the next thread among the highest-priority ready ones is drawn at random (seeded schedules).</summary>
    public void SeedSchedule(int? seed) => _schedChoose = seed is { } s ? new Random(s).Next : null;

    /// <summary>Gives a thread a program (a sequence of system calls) and makes it ready.</summary>
    public void Start(Thread t, IEnumerable<SyscallRequest> program)
    {
        t.Program = program.GetEnumerator();
        MakeReady(t);
    }

    internal void MakeReady(Thread t)
    {
        if (t.State != ThreadState.Ready || t.Task == null || Ready.Contains(t)) return;
        Ready.Enqueue(t);
        NoteWakeup(t);
    }

    /// <summary>Priority changes move a ready thread to the end of its new priority's queue.</summary>
    internal void SetPriority(Thread t, int prio)
    {
        bool was = Ready.Contains(t);
        Ready.Remove(t);
        t.Priority = prio;
        if (was) Ready.Enqueue(t);
    }

    /// <summary>
    /// A thread whose time slice ran out goes to the end of its priority's queue; a switch running on that slice ends
    /// (THR-4: the target runs on the caller's scheduling context).
    /// </summary>
    private void EndSlice(Thread t)
    {
        t.SliceLeft = t.Quantum;
        if (Ready.Contains(t)) { Ready.Remove(t); Ready.Enqueue(t); }
        if (t == _switchedFrom || t == _switchedTo) EndSwitch();
    }

    /// <summary>Runs until <paramref name="until"/> holds, nothing can run any more, or the step limit.</summary>
    public RunStop Run(Func<bool>? until = null, long maxSteps = 10_000_000)
    {
        for (long step = 0; ; step++)
        {
            if (until?.Invoke() == true) return RunStop.Done;
            if (step >= maxSteps) return RunStop.StepLimit;
            foreach (var t in Timers.Expired(Clock)) Expire(t);
            var next = PickNext();
            if (next == null)
            {
                if (Timers.Next is not { } at) return until == null ? RunStop.Done : RunStop.Idle;
                Clock = Math.Max(Clock, at);
                continue;
            }
            if (next.Program == null && next.Machine is { } machine)
            {
                if (!EnterModelledCode(next, machine)) RunMachine(next, machine);
                continue;
            }
            if (next.Program == null && EnsureMachine(next)) continue;
            if (next.Program != null && next.KernelIpc != KernelIpcKind.None)
            {
                FinishModelledFault(next);                            // the pager answered a modelled page fault
                continue;
            }
            if (next.Program == null || !next.Program.MoveNext())
            {
                EndProgram(next);
                continue;
            }
            var req = next.Program.Current;
            Clock += SyscallCostUs;
            next.CpuTime += SyscallCostUs;
            if (req.Fault is { } fault)
            {
                if (req.Resumable) ModelledPageFault(next, fault);
                else RaiseModelledFault(next, fault);
            }
            else
            {
                Syscall(next, req.Rdx, req.Tag, req.Rsi, req.R8);
                // PF-tramp::resume/reflect from modelled handler code: the handler is done, the thread continues as saved.
                if (next.PfTrampReturn != null && next.Machine != null) LeaveModelledCode(next);
            }
            var owner = SliceOwner(next);                          // a switch target uses the switcher's slice
            if (owner.SliceLeft <= SyscallCostUs) EndSlice(owner);   // round robin
            else owner.SliceLeft -= SyscallCostUs;
        }
    }

    /// <summary>For a call made outside the run loop that blocked: run the other threads until it completes.</summary>
    public RunStop RunUntilComplete(Thread t, long maxSteps = 10_000_000) =>
        Run(() => t.Ipc == null || t.State == ThreadState.Dead, maxSteps);
}
