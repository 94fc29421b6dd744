using L4Conf.Conformance.Cases;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Model.Trace;
using KTask = L4Conf.Model.Kernel.Task;

namespace L4Conf.Conformance.Properties;

/// <summary>Which invariants a run checks after every step.</summary>
[Flags]
public enum Invariant { RightsMonotonic = 1, Confinement = 2, NoDangling = 4, Quota = 8, All = 15 }

/// <summary>A property violation: the step that broke it and what was wrong.</summary>
public sealed class PropertyViolation(string message) : Exception(message);

/// <summary>
/// Runs a random capability program on the model while keeping ghost provenance: for every slot of the
/// three tasks, the slot it was derived from and the rights it had then. The ghost is built only from the
/// model's own trace events, so a slot that appears without a transfer is itself a violation.
/// </summary>
public sealed class CapSystem
{
    /// <summary>One slot's provenance: created here, or derived from <see cref="Parent"/> when it held <see cref="ParentAttr"/>.</summary>
    private sealed record Ghost(ulong Obj, CapRights AttrAtInsert, Ghost? Parent, CapRights ParentAttr, ulong Creator, string Step)
    {
        public CapRights Current { get; set; } = AttrAtInsert;
    }

    public const ulong SubFactoryLimit = 64 * 1024;
    private readonly World _w;
    private readonly UserTask[] _t = new UserTask[3];
    private readonly ulong[] _fullCap = new ulong[3], _noSCap = new ulong[3];
    /// <summary>In every task: caps to the other tasks' threads, with S at PeerThreadCaps + j, without at + 4 + j (outside the random slots).</summary>
    private const ulong PeerThreadCaps = 0x30;
    private readonly Factory _f;
    private readonly ulong _fSel;
    private readonly Dictionary<(ulong Task, ulong Index), Ghost> _ghost = new();
    private readonly Dictionary<ulong, ulong> _creator = new();
    private readonly Invariant _check;
    private int _seen;

    public CapSystem(Invariant check)
    {
        _check = check;
        _w = new World();
        _fSel = _w.Create((long)Protocol.Factory, L4Sys.Umword(SubFactoryLimit));
        _f = (Factory)_w.Obj(_fSel);
        for (int i = 0; i < 3; i++)
        {
            _t[i] = _w.NewTask($"T{i}");
            _fullCap[i] = _t[i].TaskSel;
            _noSCap[i] = _w.FreeSlot();
            _w.Check(_w.Map(World.TaskCap, _noSCap[i], CapRights.RWD, 0, _t[i].TaskSel), "task cap without S");
            _w.Check(_w.Map(_t[i].TaskSel, World.FactoryCap, CapRights.RWS, 0, _fSel), "sub-factory into task");
        }
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                _w.Check(_w.Map(_t[i].TaskSel, (PeerThreadCaps + (ulong)j) << 12, CapRights.RWS, 0, _t[j].ThreadSel), "peer thread cap");
                _w.Check(_w.Map(_t[i].TaskSel, (PeerThreadCaps + 4 + (ulong)j) << 12, CapRights.RW, 0, _t[j].ThreadSel), "peer thread cap without S");
            }
        // Random programs can block a task for ever (a call through a slot that now holds an unbound gate): such a
        // call ends as cancelled, as the real kernel would leave it blocked.
        _w.Root.CancelBlockedCalls = true;
        foreach (var p in _t) p.Sys.CancelBlockedCalls = true;
        // Everything in the tasks now was set up by the root task: those slots are provenance roots.
        foreach (var p in _t)
            foreach (var e in p.Task.Space.Entries)
            {
                _ghost[(p.Task.DbgId, e.Index)] = new Ghost(e.Object.DbgId, e.Attr, null, CapRights.None, _w.Boot.Root.DbgId, "setup");
                _creator[e.Object.DbgId] = _w.Boot.Root.DbgId;
            }
        _seen = _w.K.Trace.Events.Count;
    }

    private bool Tracked(ulong task) => _t.Any(p => p.Task.DbgId == task);

    public void Step(CapOp op)
    {
        CapEntry? src = null;
        Ghost? srcGhost = null;
        switch (op)
        {
            case CreateOp c:
                _t[c.Task].Sys.FactoryCreate(World.FactoryCap, c.Kind switch
                {
                    ObjKind.Gate => 0, ObjKind.Irq => (long)Protocol.IrqSender, ObjKind.Semaphore => (long)Protocol.Semaphore,
                    ObjKind.Thread => (long)Protocol.Thread, _ => (long)Protocol.Factory,
                }, (ulong)c.Slot << 12, c.Kind == ObjKind.Factory ? [L4Sys.Umword(4096)] : []);
                break;
            case MapOp m:
                src = _t[m.Src].Task.Space[(ulong)m.SrcSlot];
                srcGhost = _ghost.GetValueOrDefault((_t[m.Src].Task.DbgId, (ulong)m.SrcSlot));
                _w.Root.TaskMap(m.DstCapHasS ? _fullCap[m.Dst] : _noSCap[m.Dst], _fullCap[m.Src], Fpage.Obj((ulong)m.SrcSlot << 12, 0, (CapRights)m.Rights),
                    ((ulong)m.DstSlot << 12) | 8 | m.Extra | (m.Grant ? (ulong)ItemBits.Grant : 0));
                break;
            case IpcMapOp im:
                src = _t[im.Src].Task.Space[(ulong)im.SrcSlot];
                srcGhost = _ghost.GetValueOrDefault((_t[im.Src].Task.DbgId, (ulong)im.SrcSlot));
                IpcMap(im);
                break;
            case UnmapOp u:
                _t[u.Task].Sys.TaskUnmap(World.TaskCap, Fpage.Obj((ulong)u.Slot << 12, 0, (CapRights)u.Rights),
                    u.Mask switch { UnmapKind.OtherSpaces => UnmapMask.OtherSpaces, UnmapKind.AllSpaces => UnmapMask.AllSpaces, _ => UnmapMask.DeleteObj });
                break;
        }
        var srcAttr = src?.Attr ?? CapRights.None;
        var srcObj = src?.Object.DbgId;
        Absorb(op, srcGhost, srcAttr, srcObj);
        CheckState(op);
    }

    /// <summary>
    /// The receiver waits (open wait, zero send timeout after) with a one-slot window; the sender sends no words and
    /// one item with a zero timeout, so nothing blocks beyond the step; a receiver still waiting is then cancelled.
    /// </summary>
    private void IpcMap(IpcMapOp im)
    {
        var rcv = _t[im.Dst].Thread;
        var rs = _w.ProgramSys(rcv);
        IEnumerable<SyscallRequest> Receive()
        {
            rcv.Utcb.Bdr = 0;
            rcv.Utcb.SetBr(0, ((ulong)im.DstSlot << 12) | (ulong)ItemBits.RcvSingleCap);
            yield return rs.Next(rs.Wait());
        }
        _w.K.Start(rcv, Receive());
        _w.K.Run(() => rcv.Ipc != null || rcv.Program == null);
        var snd = _t[im.Src];
        snd.Thread.Utcb.SetMr(0, ((ulong)im.SrcSlot << 12) | (ulong)ItemBits.Map | (im.Grant ? (ulong)ItemBits.Grant : 0));
        snd.Thread.Utcb.SetMr(1, Fpage.Obj((ulong)im.SrcSlot << 12, 0, (CapRights)im.Rights).Raw);
        ulong cap = (PeerThreadCaps + (im.SendCapHasS ? 0UL : 4UL) + (ulong)im.Dst) << 12;
        snd.Sys.Send(cap, new MsgTag(0, 0, 1), timeouts: 0x0400_0400);
        _w.K.Run(() => rcv.Program == null || rcv.Ipc == null);
        if (rcv.Ipc != null) _w.K.CancelIpc(rcv);
        _w.K.Run(() => rcv.Program == null);
    }

    /// <summary>Replays the step's trace events into the ghost, checking each transfer as it happens.</summary>
    private void Absorb(CapOp op, Ghost? srcGhost, CapRights srcAttr, ulong? srcObj)
    {
        var evs = _w.K.Trace.Events;
        for (; _seen < evs.Count; _seen++)
        {
            switch (evs[_seen])
            {
                case CapInserted ins when Tracked(ins.Task):
                {
                    var attr = (CapRights)ins.Attr;
                    if (ins.Cause == "create" && op is CreateOp c && _t[c.Task].Task.DbgId == ins.Task)
                    {
                        _creator[ins.Object] = ins.Task;
                        _ghost[(ins.Task, ins.Index)] = new Ghost(ins.Object, attr, null, CapRights.None, ins.Task, op.ToString()!);
                    }
                    else if ((ins.Cause is "map" or "grant") && op is MapOp or IpcMapOp)
                    {
                        if ((_check & Invariant.Confinement) != 0 && (srcObj != ins.Object || srcGhost == null))
                            Fail(op, $"T? C:{ins.Index:x} received object D:{ins.Object:x}, which the source slot did not hold");
                        if ((_check & Invariant.RightsMonotonic) != 0)
                        {
                            if ((attr & ~srcAttr) != 0)
                                Fail(op, $"new slot C:{ins.Index:x} has 0x{(byte)attr:x2}, beyond its source's 0x{(byte)srcAttr:x2} (extra: {string.Join(",", (attr & ~srcAttr).BitNames())})");
                            if (op is MapOp { DstCapHasS: false } && (attr & CapRights.S) != 0)
                                Fail(op, $"new slot C:{ins.Index:x} has S although the destination task cap lacks S (0x{(byte)attr:x2})");
                            if (op is IpcMapOp { SendCapHasS: false } && (attr & CapRights.S) != 0)
                                Fail(op, $"new slot C:{ins.Index:x} has S although the thread cap the item was sent through lacks S (0x{(byte)attr:x2})");
                        }
                        _ghost[(ins.Task, ins.Index)] = new Ghost(ins.Object, attr, srcGhost, srcAttr, srcGhost?.Creator ?? 0, op.ToString()!);
                    }
                    else Fail(op, $"slot {ins.Task:x}/C:{ins.Index:x} filled by '{ins.Cause}' without a matching transfer");
                    break;
                }
                case CapRemoved rem when Tracked(rem.Task):
                    _ghost.Remove((rem.Task, rem.Index));
                    break;
                case CapRightsChanged ch when Tracked(ch.Task):
                    if ((_check & Invariant.RightsMonotonic) != 0 && ((CapRights)ch.New & ~(CapRights)ch.Old) != 0)
                        Fail(op, $"unmap raised C:{ch.Index:x} from 0x{ch.Old:x2} to 0x{ch.New:x2}");
                    if (_ghost.TryGetValue((ch.Task, ch.Index), out var g)) g.Current = (CapRights)ch.New;
                    break;
            }
        }
    }

    private void CheckState(CapOp op)
    {
        foreach (var p in _t)
        {
            foreach (var e in p.Task.Space.Entries)
            {
                if (!_ghost.TryGetValue((p.Task.DbgId, e.Index), out var g))
                    Fail(op, $"{p.Task.Name} C:{e.Index:x} holds {e.Object.Describe()} but no recorded transfer put it there");
                if (g!.Obj != e.Object.DbgId || g.Current != e.Attr)
                    Fail(op, $"{p.Task.Name} C:{e.Index:x}: trace says D:{g.Obj:x} 0x{(byte)g.Current:x2}, state has D:{e.Object.DbgId:x} 0x{(byte)e.Attr:x2}");
                if ((_check & Invariant.RightsMonotonic) != 0)
                    for (var a = g; a != null; a = a.Parent)
                        if ((e.Attr & ~a.AttrAtInsert) != 0 || (a.Parent != null && (a.AttrAtInsert & ~a.ParentAttr) != 0))
                            Fail(op, $"{p.Task.Name} C:{e.Index:x} (0x{(byte)e.Attr:x2}) exceeds an ancestor on its derivation chain (step '{a.Step}', 0x{(byte)a.AttrAtInsert:x2})");
                if ((_check & Invariant.Confinement) != 0)
                {
                    var root = g;
                    while (root.Parent != null) root = root.Parent;
                    if (root.Obj != e.Object.DbgId || !_creator.TryGetValue(e.Object.DbgId, out var cr) || cr != root.Creator)
                        Fail(op, $"{p.Task.Name} C:{e.Index:x} reaches D:{e.Object.DbgId:x} through a chain that does not start at its creator");
                }
                if ((_check & Invariant.NoDangling) != 0 && (!e.Object.Alive || !_w.K.Objects.Contains(e.Object)))
                    Fail(op, $"{p.Task.Name} C:{e.Index:x} names destroyed object D:{e.Object.DbgId:x}");
            }
        }
        if ((_check & Invariant.NoDangling) != 0)
            foreach (var o in _w.K.Objects)
            {
                long counted = o.Caps.Count(c => c.Counted);
                if (o.RefCnt != counted) Fail(op, $"{o.Describe()} ref_cnt={o.RefCnt} but {counted} counted slots");
                foreach (var c in o.Caps)
                    if (c.Space.Space[c.Index] != c) Fail(op, $"{o.Describe()} lists {c.Space.Label} C:{c.Index:x}, which holds something else");
            }
        if ((_check & Invariant.Quota) != 0 && _f.Quota.Used > _f.Quota.Limit)
            Fail(op, $"sub-factory quota used {_f.Quota.Used} exceeds its limit {_f.Quota.Limit}");
    }

    /// <summary>Deletes the three tasks and the sub-factory; everything charged must come back.</summary>
    public void Finish()
    {
        foreach (var p in _t) _w.Root.DeleteObj(World.TaskCap, p.TaskSel);
        foreach (var p in _t) _w.Root.DeleteObj(World.TaskCap, p.ThreadSel);
        if ((_check & Invariant.Quota) != 0 && _f.Quota.Used != 0)
            throw new PropertyViolation($"after deleting every task the sub-factory still has {_f.Quota.Used} bytes charged; live: " +
                string.Join(", ", _w.K.Objects.Where(o => o.ChargedTo == _f.Quota).Select(o => o.Describe())));
        _w.Root.DeleteObj(World.TaskCap, _fSel);
        if ((_check & Invariant.Quota) != 0 && (_w.Boot.RootFactory.Quota.Used != 0 || _f.Alive))
            throw new PropertyViolation("the sub-factory was not released after deleting everything");
    }

    private static void Fail(CapOp op, string what) => throw new PropertyViolation($"after step '{op}': {what}");

    /// <summary>Runs a whole program; returns normally when every invariant held.</summary>
    public static void Run(IEnumerable<CapOp> ops, Invariant check)
    {
        var s = new CapSystem(check);
        foreach (var op in ops) s.Step(op);
        s.Finish();
    }
}
