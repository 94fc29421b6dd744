using L4Conf.Conformance.Cases;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Model.Kernel.Ipc;
using L4Conf.Model.Trace;
using KThread = L4Conf.Model.Kernel.Thread;
using ThreadState = L4Conf.Model.Kernel.ThreadState;

namespace L4Conf.Conformance.Properties;

[Flags]
public enum IpcInvariant { NoLossNoDup = 1, LabelIntegrity = 2, ReplyOnce = 4, DeletionWakes = 8, All = 15 }

/// <summary>
/// Runs a random IPC program on four threads in four tasks under a seeded schedule. Every message carries its id
/// (sender, sequence) and its route; receivers check labels as they receive; at the end every successfully sent
/// message must have been received exactly once by its target, and no reply may arrive twice.
/// </summary>
public sealed class IpcSystem
{
    public const int Threads = 4;
    private const ulong ThreadCaps = 0x30, GateCaps = 0x40;
    private readonly World _w = new();
    private readonly UserTask[] _t = new UserTask[Threads];
    private readonly L4Sys[] _s = new L4Sys[Threads];
    private readonly IpcProgram _p;
    private readonly IpcInvariant _check;
    private readonly Dictionary<ulong, int> _sentTo = new();             // id -> target of successfully sent messages
    private readonly Dictionary<ulong, int> _received = new();           // id -> how often received
    private readonly HashSet<ulong> _replied = new();
    private readonly HashSet<ulong> _inFlight = new();
    private readonly List<string> _violations = new();

    public static ulong GateLabel(int j) => (ulong)(j + 1) << 8;
    private static ulong SenderRsi(int i) => 0xC000UL | ((ulong)i << 4);
    private static ulong ReplierRsi(int i) => 0xE000UL | ((ulong)i << 4);

    public IpcSystem(IpcProgram p, IpcInvariant check)
    {
        _p = p;
        _check = check;
        for (int i = 0; i < Threads; i++) { _t[i] = _w.NewTask($"t{i}"); _s[i] = _w.ProgramSys(_t[i].Thread); }
        for (int j = 0; j < Threads; j++)
        {
            ulong g = _w.FreeSlot();
            _w.Check(_w.Root.CreateGate(World.FactoryCap, g, _t[j].ThreadSel, GateLabel(j)), "gate");
            for (int i = 0; i < Threads; i++)
            {
                _w.Check(_w.Map(_t[i].TaskSel, (ThreadCaps + (ulong)j) << 12, CapRights.RWS, 0, _t[j].ThreadSel), "thread cap");
                _w.Check(_w.Map(_t[i].TaskSel, (GateCaps + (ulong)j) << 12, (CapRights)(p.GateRights[j] | 4), 0, g), "gate cap");
            }
        }
        _w.K.SeedSchedule(p.ScheduleSeed);
    }

    private static ulong Timeouts(IpcTimeoutKind k, bool send) => k switch
    {
        IpcTimeoutKind.Never => 0,
        IpcTimeoutKind.Zero => send ? 0x0400_0400UL : 0x0400UL,
        _ => send ? (5UL << 16) | 5 : 5,
    };

    private IEnumerable<SyscallRequest> Program(int i)
    {
        var me = _t[i].Thread;
        var s = _s[i];
        ulong seq = 0;
        foreach (var op in _p.Ops.Where(o => o.Thread == i))
        {
            switch (op.Kind)
            {
                case IpcOpKind.Send or IpcOpKind.Call:
                {
                    ulong id = ((ulong)i << 32) | ++seq;
                    me.Utcb.SetMr(0, id);
                    me.Utcb.SetMr(1, (op.ViaGate ? 1UL : 0) | ((ulong)op.Target << 8) | ((ulong)i << 16));
                    for (int k = 2; k < op.Words; k++) me.Utcb.SetMr(k, id ^ (ulong)k);
                    ulong cap = ((op.ViaGate ? GateCaps : ThreadCaps) + (ulong)op.Target) << 12;
                    var tag = new MsgTag(0, Math.Max(op.Words, 2), 0);
                    yield return s.Next(op.Kind == IpcOpKind.Send
                        ? s.Send(cap, tag, Timeouts(op.Timeout, true), SenderRsi(i))
                        : s.Call(cap, tag, op.Timeout == IpcTimeoutKind.Zero ? 0x0400_0000UL : Timeouts(op.Timeout, true), SenderRsi(i)));   // a zero-timeout call still waits for its reply
                    if (op.Kind == IpcOpKind.Call && !me.ResultTag.HasError) CheckReply(i, op, id);
                    break;
                }
                case IpcOpKind.Wait:
                    yield return s.Next(s.Wait(Timeouts(op.Timeout, false)));
                    if (me.ReplyTo != null)
                    {
                        yield return s.Next(s.Reply(new MsgTag(0, 1, 0), ReplierRsi(i)));
                    }
                    break;
                case IpcOpKind.ReplyAgain:
                    yield return s.Next(s.Reply(new MsgTag(0, 1, 0), ReplierRsi(i)));
                    if (!me.ResultTag.HasError && (_check & IpcInvariant.ReplyOnce) != 0)
                        _violations.Add($"t{i}: a reply without a pending call succeeded");
                    break;
                case IpcOpKind.Sleep:
                    yield return s.Next(s.Sleep(5));
                    break;
            }
        }
    }

    /// <summary>
    /// Accounts sends and deliveries from the kernel's own trace: a thread's result event answers its last system call;
    /// a send phase succeeded unless the error is a send-phase one (bit 0 clear); a result with a message (2+ words,
    /// routed to this thread) is a delivery, checked for its label at once.
    /// </summary>
    private void Account(int fromEvent)
    {
        var threadIx = _t.Select((u, i) => (u.Thread.DbgId, i)).ToDictionary(x => x.DbgId, x => x.i);
        var lastSend = new Dictionary<ulong, (ulong Id, int Target)>();
        foreach (var e in _w.K.Trace.Events.Skip(fromEvent))
        {
            if (e is Invoke inv && threadIx.ContainsKey(inv.Thread))
            {
                bool isSend = ((inv.Selector & 1) != 0) && (inv.Selector & 8) == 0 && inv.Mrs.Length >= 2;
                if (isSend) lastSend[inv.Thread] = (inv.Mrs[0], (int)((inv.Mrs[1] >> 8) & 0xFF));
                else lastSend.Remove(inv.Thread);
            }
            else if (e is InvokeResultEvent r && threadIx.TryGetValue(r.Thread, out int j))
            {
                if (lastSend.Remove(r.Thread, out var snd) && (r.Error == 0 || (r.Error & 1) == 1)) _sentTo[snd.Id] = snd.Target;
                var tag = new MsgTag(r.Tag);
                if (r.Error == 0 && tag.Words >= 2 && r.Mrs.Length >= 2 && (int)((r.Mrs[1] >> 8) & 0xFF) == j && (int)(r.Mrs[1] >> 16) != j)
                    Delivered(j, r.Mrs[0], r.Mrs[1], r.Label);
            }
        }
        foreach (var (thread, snd) in lastSend) _inFlight.Add(snd.Id);
    }

    private void Delivered(int j, ulong id, ulong route, ulong label)
    {
        int sender = (int)(route >> 16), target = (int)((route >> 8) & 0xFF);
        bool viaGate = (route & 1) != 0;
        _received[id] = _received.GetValueOrDefault(id) + 1;
        if ((_check & IpcInvariant.LabelIntegrity) != 0)
        {
            ulong expect = viaGate ? GateLabel(target) | ((ulong)_p.GateRights[target] & 3) : SenderRsi(sender);
            if (label != expect)
                _violations.Add($"t{j} received {id:x} from t{sender} via {(viaGate ? "gate" : "thread cap")} with label 0x{label:x}, expected 0x{expect:x}");
        }
    }

    private void CheckReply(int i, IpcOp op, ulong id)
    {
        var me = _t[i].Thread;
        if ((_check & IpcInvariant.ReplyOnce) == 0) return;
        if (me.Utcb.Mr(0) != id) _violations.Add($"t{i}: reply to call {id:x} carries {me.Utcb.Mr(0):x}");
        if (!_replied.Add(id)) _violations.Add($"t{i}: call {id:x} was answered twice");
        int replier = (int)((me.ResultLabel >> 4) & 0xFF);
        if (me.ResultLabel != ReplierRsi(op.Target)) _violations.Add($"t{i}: reply to {id:x} came with label 0x{me.ResultLabel:x}, not from t{op.Target} (0x{ReplierRsi(op.Target):x}, got t{replier})");
    }

    public void Run()
    {
        int firstEvent = _w.K.Trace.Events.Count;
        for (int i = 0; i < Threads; i++) _w.K.Start(_t[i].Thread, Program(i));
        if (_p.DeleteThread is { } d)
        {
            _w.K.Run(maxSteps: _p.DeleteAfterSteps);
            var victim = _t[d].Thread;
            var sending = _t.Select(x => x.Thread).Where(x => x != victim && x.Ipc is { Phase: IpcPhase.Sending } o && o.SendTo == victim).ToList();
            var receiving = _t.Select(x => x.Thread).Where(x => x != victim && x.Ipc is { Phase: not IpcPhase.Sending } o && o.ReceiveFrom == victim).ToList();
            _w.Check(_w.Root.DeleteObj(World.TaskCap, _t[d].ThreadSel), "delete thread");
            if ((_check & IpcInvariant.DeletionWakes) != 0)
            {
                foreach (var x in sending)
                    if (x.Ipc != null || x.Utcb.Error != IpcErr.SeCanceled || x.ResultTag != MsgTag.IpcError)
                        _violations.Add($"{x.Describe()} was queued to send to the deleted t{d} and is {(x.Ipc != null ? "still blocked" : $"woken with 0x{(ulong)x.Utcb.Error:x}, tag {x.ResultTag}")}, expected SECANCELED with the clean error tag");
                foreach (var x in receiving)
                    if (x.Ipc == null)
                        _violations.Add($"{x.Describe()} waited to receive from the deleted t{d} and was woken with 0x{(ulong)x.Utcb.Error:x}; a thread's deletion wakes no receiver");
            }
        }
        _w.K.Run(maxSteps: 200_000);
        if ((_check & IpcInvariant.DeletionWakes) != 0)
            foreach (var x in _t.Select(t => t.Thread).Where(t => t.State != ThreadState.Dead && t.Ipc is { Phase: IpcPhase.Sending } o && o.SendTo is KThread { State: ThreadState.Dead }))
                _violations.Add($"{x.Describe()} is still queued to send to a dead thread");
        Account(firstEvent);
        if ((_check & IpcInvariant.NoLossNoDup) != 0)
        {
            foreach (var (id, n) in _received.Where(kv => kv.Value > 1)) _violations.Add($"message {id:x} received {n} times");
            foreach (var id in _sentTo.Keys.Where(id => !_received.ContainsKey(id))) _violations.Add($"message {id:x} sent successfully to t{_sentTo[id]} but never received");
            foreach (var id in _received.Keys.Where(id => !_sentTo.ContainsKey(id) && !_inFlight.Contains(id))) _violations.Add($"message {id:x} received but its send did not succeed");
        }
        if (_violations.Count > 0) throw new PropertyViolation(string.Join("\n", _violations.Take(5)));
    }

}
