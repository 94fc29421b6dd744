using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using Semaphore = L4Conf.Model.Kernel.Semaphore;
using ThreadState = L4Conf.Model.Kernel.ThreadState;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>IPC gate control, IRQ, ICU, scheduler, log and semaphore protocols.</summary>
public static class ObjectCases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("gate/bind-and-info", "bind needs S on gate and thread, a label with clear low bits; get_info returns it", ["GATE-2"], c =>
        {
            var w = new World();
            ulong g = w.Create(0);
            var gate = (IpcGate)w.Obj(g);
            c.Equal(0L, w.Root.Error(w.Root.GateBind(g, World.ThreadCap, 0x42d420)), "bind with label 0x42d420");
            c.True(gate.BoundThread == w.Boot.RootThread, "bound");
            c.Equal(0L, w.Root.Error(w.Root.GateGetInfo(g)), "get_info");
            c.Equal(0x42d420UL, w.Boot.RootThread.Utcb.Mr(0), "label");
            c.Equal(-22L, w.Root.Error(w.Root.GateBind(g, World.ThreadCap, 0x42d421)), "label with bit 0");
            ulong noS = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, noS, CapRights.RW, (byte)ObjItemAttr.IpcGateSvr, g), "server cap without S");
            c.Equal(-1L, w.Root.Error(w.Root.GateBind(noS, World.ThreadCap, 0x10)), "bind through a cap without S");
            ulong thNoS = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, thNoS, CapRights.RW, 0, World.ThreadCap), "thread cap without S");
            c.Equal(-1L, w.Root.Error(w.Root.GateBind(g, thNoS, 0x10)), "bind a thread through a cap without S");
        });
        yield return Case("gate/control-op-needs-send-phase", "label -10 through a gate's control cap is a gate operation only with a send phase; a receive-only call is IPC", ["GATE-1"], c =>
        {
            // fiasco ipc_gate.cpp:367-371 (Ipc_gate_ctl::invoke: Label_kobject and Ipc_send, else Ipc_gate::invoke),
            // 496-511 (the IPC path: a closed wait on the bound thread).
            var w = new World();
            var server = w.NewTask();
            ulong g = w.FreeSlot();
            w.Check(w.Root.CreateGate(World.FactoryCap, g, server.ThreadSel, 0x40), "create bound gate");
            var u = w.Boot.RootThread.Utcb;
            u.SetMr(0, (ulong)IpcGateOp.GetInfo);
            var t = w.Root.Enter(g | (ulong)SysFlags.Recv, new MsgTag((long)Protocol.Kobject, 1, 0), 0, 0x0400_0400);
            c.Equal(-(2000L + (long)IpcErr.ReTimeout), w.Root.Error(t), "receive-only, label -10, zero timeout: the receive times out");
            c.Equal((ulong)IpcGateOp.GetInfo, u.Mr(0), "no get_info answer in MR0");
            u.SetMr(0, (ulong)IpcGateOp.GetInfo);
            c.Equal(0L, w.Root.Error(w.Root.Enter(g | (ulong)SysFlags.Call, new MsgTag((long)Protocol.Kobject, 1, 0))), "the same as a call: get_info");
            c.Equal(0x40UL, u.Mr(0), "the gate label");
            // The closed wait is on the gate's bound thread: its send to the root thread is received.
            w.Check(w.Map(server.TaskSel, 0x30 << 12, CapRights.RWS, 0, World.ThreadCap), "root thread cap into server");
            var ss = w.ProgramSys(server.Thread);
            server.Thread.Utcb.SetMr(0, 0x77);
            w.K.Start(server.Thread, [ss.Next(ss.Send(0x30 << 12, new MsgTag(5, 1, 0)))]);
            t = w.Root.Enter(g | (ulong)SysFlags.Recv, new MsgTag((long)Protocol.Kobject, 1, 0));
            c.True(!t.HasError, "receive-only on the gate: no error");
            c.Equal(new MsgTag(5, 1, 0).Raw, t.Raw, "the bound thread's message");
            c.Equal(0x77UL, u.Mr(0), "its word");
        });
        yield return Case("gate/dec-refcnt", "dec_refcnt lowers the counted-reference counter and returns it", ["GATE-3"], c =>
        {
            var w = new World();
            ulong g = w.Create(0);
            var u = w.Boot.RootThread.Utcb;
            u.SetMr(0, (ulong)IpcGateOp.DecRefcnt);
            u.SetMr(1, 1);
            var t = w.Root.Call(g, new MsgTag((long)Protocol.Kobject, 2, 0));
            c.Equal(new MsgTag(0, 1, 0).Raw, t.Raw, "result tag");
            c.Equal(0UL, u.Mr(0), "new count");
            u.SetMr(0, (ulong)IpcGateOp.DecRefcnt);
            c.Equal(-22L, w.Root.Error(w.Root.Call(g, new MsgTag((long)Protocol.Kobject, 1, 0))), "one word");
        });
        yield return Case("irq/bind-detach", "IRQ bind (KOBJECT 0x10) and detach need S; detach when unbound is -ENOENT; op 0 is reserved", ["IRQ-1"], c =>
        {
            var w = new World();
            ulong irq = w.Create((long)Protocol.IrqSender);
            var u = w.Boot.RootThread.Utcb;
            u.SetMr(0, (ulong)IrqSenderOp.Detach);
            c.Equal(-2L, w.Root.Error(w.Root.Call(irq, new MsgTag((long)Protocol.IrqSender, 1, 0))), "detach unbound");
            c.Equal(0L, w.Root.Error(w.Root.IrqBind(irq, World.ThreadCap, 0x67768)), "bind");
            c.Equal(0x67768UL, ((IrqSender)w.Obj(irq)).BindLabel, "label");
            u.SetMr(0, (ulong)IrqSenderOp.Detach);
            c.Equal(0L, w.Root.Error(w.Root.Call(irq, new MsgTag((long)Protocol.IrqSender, 1, 0))), "detach bound");
            u.SetMr(0, (ulong)IrqSenderOp.Reserved1);
            c.Equal(-38L, w.Root.Error(w.Root.Call(irq, new MsgTag((long)Protocol.IrqSender, 1, 0))), "op 0 (ex attach)");
        });
        yield return Case("irq/op-word-check-and-mask", "an IRQ call without words is -EINVAL on every label but -1; the op is MR0 & 0xffff; bind reads MR1 with no word check", ["IRQ-1"], c =>
        {
            // fiasco irq.cpp:308-318 (get_irq_opcode), 1139-1142 (~0 is -EINVAL before the label switch),
            // 1147-1150 (Op{op} on the kobject label), 597-601 (bind reads MR1 whatever the word count).
            var w = new World();
            ulong irq = w.Create((long)Protocol.IrqSender);
            var u = w.Boot.RootThread.Utcb;
            c.Equal(-(long)L4Err.Inval, w.Root.Error(w.Root.Call(irq, new MsgTag((long)Protocol.Log, 0, 0))), "unknown label, 0 words");
            u.SetMr(0, 0);
            c.Equal(-(long)L4Err.BadProto, w.Root.Error(w.Root.Call(irq, new MsgTag((long)Protocol.Log, 1, 0))), "unknown label, 1 word");
            u.SetMr(0, 0x1_0000 | (ulong)IpcGateOp.Bind);
            u.SetMr(1, 0x50);
            u.SetMr(2, (ulong)ItemBits.Map);
            u.SetMr(3, Fpage.Obj(World.ThreadCap, 0, CapRights.RWS).Raw);
            c.Equal(0L, w.Root.Error(w.Root.Call(irq, new MsgTag((long)Protocol.Kobject, 2, 1))), "bind with bits above the low 16 of MR0");
            c.Equal(0x50UL, ((IrqSender)w.Obj(irq)).BindLabel, "label from MR1");
            u.SetMr(0, (ulong)IpcGateOp.Bind);
            u.SetMr(1, (ulong)ItemBits.Map);
            u.SetMr(2, Fpage.Obj(World.ThreadCap, 0, CapRights.RWS).Raw);
            c.Equal(0L, w.Root.Error(w.Root.Call(irq, new MsgTag((long)Protocol.Kobject, 1, 1))), "bind with 1 word");
            c.Equal((ulong)ItemBits.Map, ((IrqSender)w.Obj(irq)).BindLabel, "the label is MR1, the item's control word");
        });
        yield return Case("irq/pending-while-unbound", "a trigger while unbound stays pending and is reported by detach after bind", ["IRQ-2"], c =>
        {
            var w = new World();
            ulong irq = w.Create((long)Protocol.IrqSender);
            var t = w.Root.IrqTrigger(irq);
            c.Equal(new MsgTag((long)Protocol.Irq, 0, 0).Raw, t.Raw, "send-only trigger returns its tag");
            w.Check(w.Root.IrqBind(irq, World.ThreadCap, 8), "bind");
            w.Boot.RootThread.Utcb.SetMr(0, (ulong)IrqSenderOp.Detach);
            c.Equal(1L, w.Root.Call(irq, new MsgTag((long)Protocol.IrqSender, 1, 0)).Label, "detach reports 'was pending'");
        });
        yield return Case("icu/bind-info", "ICU bind needs W on the IRQ cap; info reports lines and MSIs", ["ICU-1"], c =>
        {
            var w = new World();
            ulong irq = w.Create((long)Protocol.IrqSender);
            var u = w.Boot.RootThread.Utcb;
            u.SetMr(0, (ulong)IcuOp.Info);
            var t = w.Root.Call(World.IcuCap, new MsgTag((long)Protocol.Irq, 1, 0));
            c.Equal(3, t.Words, "info words");
            c.Equal((ulong)w.K.Config.IcuLines, u.Mr(1), "lines");
            ulong ro = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, ro, CapRights.R, 0, irq), "irq cap without W");
            void Bind(ulong cap) { u.SetMr(0, (ulong)IcuOp.Bind); u.SetMr(1, 3); u.SetMr(2, 8); u.SetMr(3, Fpage.Obj(cap, 0, CapRights.RWS).Raw); }
            Bind(ro);
            c.Equal(-1L, w.Root.Error(w.Root.Call(World.IcuCap, new MsgTag((long)Protocol.Irq, 2, 1))), "bind without W");
            Bind(irq);
            c.Equal(0L, w.Root.Error(w.Root.Call(World.IcuCap, new MsgTag((long)Protocol.Irq, 2, 1))), "bind with W");
        });
        yield return Case("icu/rpc-arity-and-irq-type", "ICU calls without words are -EMSGTOOSHORT; bind needs the pin word and an item; any IRQ, a semaphore too, can be bound", ["ICU-1"], c =>
        {
            // fiasco icu_helper.cpp:306-319 (Icu_h::kinvoke: check_basics, -EMSGTOOSHORT), 261-272 (icu_invoke, the
            // Vlog's and Scheduler's entry), 132-133 (bind/unbind: pin word and Ko::Cap<Irq>), kobject_rpc.h:386-402.
            var w = new World();
            var u = w.Boot.RootThread.Utcb;
            c.Equal(-(long)L4Err.MsgTooShort, w.Root.Error(w.Root.Call(World.IcuCap, new MsgTag((long)Protocol.Irq, 0, 0))), "ICU, 0 words");
            c.Equal(-(long)L4Err.MsgTooShort, w.Root.Error(w.Root.Call(World.LogCap, new MsgTag((long)Protocol.Irq, 0, 0))), "Vlog's ICU, 0 words");
            c.Equal(-(long)L4Err.MsgTooShort, w.Root.Error(w.Root.Call(World.SchedCap, new MsgTag((long)Protocol.Irq, 0, 0))), "Scheduler's ICU, 0 words");
            ulong irq = w.Create((long)Protocol.IrqSender);
            u.SetMr(0, (ulong)IcuOp.Bind); u.SetMr(1, (ulong)ItemBits.Map); u.SetMr(2, Fpage.Obj(irq, 0, CapRights.RWS).Raw);
            c.Equal(-(long)L4Err.MsgTooShort, w.Root.Error(w.Root.Call(World.IcuCap, new MsgTag((long)Protocol.Irq, 1, 1))), "bind without the pin word");
            u.SetMr(0, (ulong)IcuOp.Bind); u.SetMr(1, 3);
            c.Equal(-(long)L4Err.MsgTooShort, w.Root.Error(w.Root.Call(World.IcuCap, new MsgTag((long)Protocol.Irq, 2, 0))), "bind without an item");
            u.SetMr(0, (ulong)IcuOp.Unbind); u.SetMr(1, 3);
            c.Equal(-(long)L4Err.MsgTooShort, w.Root.Error(w.Root.Call(World.IcuCap, new MsgTag((long)Protocol.Irq, 2, 0))), "unbind without an item");
            ulong sem = w.Create((long)Protocol.Semaphore);
            u.SetMr(0, (ulong)IcuOp.Bind); u.SetMr(1, 3); u.SetMr(2, (ulong)ItemBits.Map); u.SetMr(3, Fpage.Obj(sem, 0, CapRights.RWS).Raw);
            c.Equal(0L, w.Root.Error(w.Root.Call(World.IcuCap, new MsgTag((long)Protocol.Irq, 2, 1))), "bind a semaphore");
            u.SetMr(0, (ulong)IcuOp.Bind); u.SetMr(1, 4); u.SetMr(2, (ulong)ItemBits.Map); u.SetMr(3, Fpage.Obj(World.LogCap, 0, CapRights.RWS).Raw);
            c.Equal(-(long)L4Err.Inval, w.Root.Error(w.Root.Call(World.IcuCap, new MsgTag((long)Protocol.Irq, 2, 1))), "bind a non-IRQ");
        });
        yield return Case("sched/info", "scheduler info: online map, max CPUs, fixed-priority class; -ERANGE past the last CPU", ["SCHED-1"], c =>
        {
            var w = new World();
            var t = w.Root.SchedInfo(World.SchedCap);
            var u = w.Boot.RootThread.Utcb;
            c.Equal(new MsgTag(0, 3, 0).Raw, t.Raw, "tag");
            c.Equal(1UL, u.Mr(0), "CPU 0 online");
            c.Equal(2UL, u.Mr(2), "L4_SCHEDULER_CLASS_FIXED_PRIO");
            c.Equal(-34L, w.Root.Error(w.Root.SchedInfo(World.SchedCap, (ulong)w.K.Config.MaxCpus)), "offset past max");
        });
        yield return Case("sched/info-needs-cpu-set-word", "scheduler info is an RPC with one argument word: with only the opcode it is -EMSGTOOSHORT", ["SCHED-1"], c =>
        {
            // fiasco scheduler.cpp:25-26, 189 (Msg_sched_info::call), kobject_rpc.h:386-402 (opcode + L4_cpu_set_descr = 2 words).
            var w = new World();
            w.Boot.RootThread.Utcb.SetMr(0, (ulong)SchedulerOp.Info);
            c.Equal(-(long)L4Err.MsgTooShort, w.Root.Error(w.Root.Call(World.SchedCap, new MsgTag((long)Protocol.Scheduler, 1, 0))), "info with 1 word");
        });
        yield return Case("sched/run-thread", "run_thread needs 5 words; legacy priority must be > 0 and is clamped to 255", ["SCHED-2"], c =>
        {
            var w = new World();
            var th = w.Create((long)Protocol.Thread);
            var thread = (Model.Kernel.Thread)w.Obj(th);
            c.Equal(0L, w.Root.Error(w.Root.RunThread(World.SchedCap, th, 300)), "prio 300");
            c.Equal(255, thread.Priority, "clamped");
            c.Equal(-22L, w.Root.Error(w.Root.RunThread(World.SchedCap, th, 0)), "prio 0");
            w.Boot.RootThread.Utcb.SetMr(0, (ulong)SchedulerOp.RunThread);
            c.Equal(-22L, w.Root.Error(w.Root.Call(World.SchedCap, new MsgTag((long)Protocol.Scheduler, 4, 1))), "4 words");
        });
        yield return Case("vlog/write-limits", "log write prints; a count beyond 488 bytes is silently ignored", ["VLOG-1"], c =>
        {
            var w = new World();
            w.Root.VconWrite(World.LogCap, "MOE: hello\n");
            c.Equal("MOE: hello\n", w.K.Console.ToString(), "console");
            var u = w.Boot.RootThread.Utcb;
            u.SetMr(0, 0);
            u.SetMr(1, 489);
            var t = w.Root.Send(World.LogCap, new MsgTag((long)Protocol.Log, 63, 0));
            c.Equal(new MsgTag((long)Protocol.Log, 63, 0).Raw, t.Raw, "no error: the send-only call returns its own tag");
            c.Equal("MOE: hello\n", w.K.Console.ToString(), "nothing printed");
        });
        yield return Case("vlog/write-count-and-output-flags", "log write takes the count's low 32 bits and applies OCRNL and ONLRET", ["VLOG-1"], c =>
        {
            // fiasco vlog.cpp:83 (unsigned len = MR1), 86-87 (the 488-byte limit), 100-104 (OCRNL, ONLRET).
            var w = new World();
            var u = w.Boot.RootThread.Utcb;
            void SetOFlags(VconFlags o)
            {
                u.SetMr(0, (ulong)VconOp.SetAttr); u.SetMr(1, (ulong)VconFlags.Icrnl); u.SetMr(2, (ulong)o); u.SetMr(3, 0);
                w.Check(w.Root.Call(World.LogCap, new MsgTag((long)Protocol.Log, 4, 0)), "set_attr");
            }
            SetOFlags(VconFlags.Ocrnl);
            w.Root.VconWrite(World.LogCap, "a\rb|");
            SetOFlags(VconFlags.Onlret);
            w.Root.VconWrite(World.LogCap, "c\rd|");
            SetOFlags(VconFlags.None);
            w.Root.VconWrite(World.LogCap, "xyz");
            u.SetMr(1, 0x1_0000_0003);
            w.Root.Send(World.LogCap, new MsgTag((long)Protocol.Log, 3, 0));
            c.Equal("a\nb|cd|xyzxyz", w.K.Console.ToString(), "OCRNL: CR printed as NL; ONLRET: CR dropped; count 0x1_0000_0003 prints 3 bytes");
        });
        yield return Case("vlog/read-and-attrs", "log read needs W; set_attr forces ONLCR; get_attr returns 4 words", ["VLOG-2"], c =>
        {
            var w = new World();
            var u = w.Boot.RootThread.Utcb;
            ulong ro = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, ro, CapRights.R, 0, World.LogCap), "log cap without W");
            u.SetMr(0, (64UL << 16) | 1);
            c.Equal(-1L, w.Root.Error(w.Root.Call(ro, new MsgTag((long)Protocol.Log, 1, 0))), "read without W");
            w.Boot.Log.Input.Enqueue((byte)'k');
            u.SetMr(0, (64UL << 16) | 1);
            var t = w.Root.Call(World.LogCap, new MsgTag((long)Protocol.Log, 1, 0));
            c.Equal(0x8000_0001UL, u.Mr(0), "one byte, no more input");
            c.Equal((ulong)'k', u.Mr(1), "the byte");
            u.SetMr(0, (ulong)VconOp.SetAttr); u.SetMr(1, 0); u.SetMr(2, 0); u.SetMr(3, 0);
            w.Check(w.Root.Call(World.LogCap, new MsgTag((long)Protocol.Log, 4, 0)), "set_attr");
            u.SetMr(0, (ulong)VconOp.GetAttr);
            t = w.Root.Call(World.LogCap, new MsgTag((long)Protocol.Log, 1, 0));
            c.Equal(4, t.Words, "get_attr words");
            c.Equal((ulong)VconFlags.Onlcr, u.Mr(2), "o_flags keeps ONLCR");
        });
        yield return Case("vlog/read-answer-and-input-flags", "log read answers no words and applies the input flags; set_attr takes MR1..3 whatever the word count", ["VLOG-2"], c =>
        {
            // fiasco vlog.cpp:119-120 (no receive phase: nothing read), 133-140 (INLCR, IGNCR, ICRNL), 147-150
            // (count in MR0, answer commit_result(0)), 157-171 (set_attr: no word check).
            var w = new World();
            var u = w.Boot.RootThread.Utcb;
            u.SetMr(0, (ulong)VconOp.SetAttr); u.SetMr(1, (ulong)VconFlags.Icrnl); u.SetMr(2, 0); u.SetMr(3, 0);
            c.Equal(0L, w.Root.Error(w.Root.Call(World.LogCap, new MsgTag((long)Protocol.Log, 1, 0))), "set_attr with 1 word");
            w.Boot.Log.Input.Enqueue((byte)'\r');
            u.SetMr(0, (64UL << 16) | (ulong)VconOp.Read);
            var t = w.Root.Call(World.LogCap, new MsgTag((long)Protocol.Log, 1, 0));
            c.Equal(MsgTag.Result(0, 0).Raw, t.Raw, "read answers label 0, no words");
            c.Equal(0x8000_0001UL, u.Mr(0), "one byte, no more input");
            c.Equal((ulong)'\n', u.Mr(1) & 0xFF, "ICRNL: CR read as NL");
            foreach (var b in "a\rb\n"u8.ToArray()) w.Boot.Log.Input.Enqueue(b);
            u.SetMr(0, (ulong)VconOp.SetAttr); u.SetMr(1, (ulong)(VconFlags.Igncr | VconFlags.Inlcr)); u.SetMr(2, 0); u.SetMr(3, 0);
            w.Check(w.Root.Call(World.LogCap, new MsgTag((long)Protocol.Log, 4, 0)), "set_attr IGNCR|INLCR");
            u.SetMr(0, (64UL << 16) | (ulong)VconOp.Read);
            w.Root.Send(World.LogCap, new MsgTag((long)Protocol.Log, 1, 0));
            c.Equal(4, w.Boot.Log.Input.Count, "a send-only read takes no input");
            u.SetMr(0, (64UL << 16) | (ulong)VconOp.Read);
            w.Check(w.Root.Call(World.LogCap, new MsgTag((long)Protocol.Log, 1, 0)), "read");
            // INLCR turns the NL into CR, and IGNCR then drops it (vlog.cpp:133-137): "a", CR dropped, "b", NL dropped.
            c.Equal(0x8000_0002UL, u.Mr(0), "two bytes kept");
            c.Equal((ulong)'a' | ((ulong)'b' << 8), u.Mr(1) & 0xFFFF, "CR and NL dropped");
        });
        yield return Case("sem/down-up", "semaphore down needs S, counts, and times out at once with a zero receive timeout", ["SEM-1"], c =>
        {
            var w = new World();
            ulong s = w.Create((long)Protocol.Semaphore);
            c.Equal(-(2000L + 3), w.Root.Error(w.Root.SemDown(s, 0x0400)), "down on 0 with timeout 0: RETIMEOUT");
            w.Root.IrqTrigger(s);
            w.Root.IrqTrigger(s);
            c.Equal(2L, ((Semaphore)w.Obj(s)).Count, "two ups");
            c.Equal(0L, w.Root.Error(w.Root.SemDown(s, 0x0400)), "down");
            ulong noS = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, noS, CapRights.RW, 0, s), "sem cap without S");
            c.Equal(-1L, w.Root.Error(w.Root.SemDown(noS, 0x0400)), "down without S");
        });
        yield return Case("sem/op-word-check", "a semaphore call without words is -EINVAL on every label but -1; the op is MR0's low 16 bits", ["SEM-1"], c =>
        {
            // fiasco irq.cpp:308-318 (get_irq_opcode: label -1 with 0 words is trigger, else < 1 word is ~0, else MR0 & 0xffff),
            // semaphore.cpp:257-260 (~0 is -EINVAL before the label switch).
            var w = new World();
            ulong s = w.Create((long)Protocol.Semaphore);
            c.Equal(-(long)L4Err.Inval, w.Root.Error(w.Root.Call(s, new MsgTag((long)Protocol.Semaphore, 0, 0))), "label -20, 0 words");
            c.Equal(-(long)L4Err.Inval, w.Root.Error(w.Root.Call(s, new MsgTag((long)Protocol.Log, 0, 0))), "unknown label, 0 words: the word check comes first");
            w.Boot.RootThread.Utcb.SetMr(0, 0);
            c.Equal(-(long)L4Err.BadProto, w.Root.Error(w.Root.Call(s, new MsgTag((long)Protocol.Log, 1, 0))), "unknown label, 1 word");
            w.Root.IrqTrigger(s);
            w.Boot.RootThread.Utcb.SetMr(0, 0x1_0000 | (ulong)SemaphoreOp.Down);
            c.Equal(0L, w.Root.Error(w.Root.Call(s, new MsgTag((long)Protocol.Semaphore, 1, 0), 0x0400)), "down with bits above the low 16 set");
            c.Equal(0L, ((Semaphore)w.Obj(s)).Count, "the down took the count");
        });
    }
}
