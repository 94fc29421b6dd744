using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using Semaphore = L4Conf.Model.Kernel.Semaphore;
using ThreadState = L4Conf.Model.Kernel.ThreadState;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>Thread control (pager, exception handler, binding) and ex_regs.</summary>
public static class ThreadCases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("thread/control-checks", "control needs S on thread and task caps, 6 words, an unbound thread and a UTCB in kernel-user memory", ["THR-1"], c =>
        {
            var w = new World();
            ulong task = w.Create((long)Protocol.Task, Model.Bindings.L4Sys.FpageArg(Fpage.Memory(World.UtcbBase, 12, MemRights.RW)));
            ulong th = w.Create((long)Protocol.Thread);
            ulong thNoS = w.FreeSlot(), taskNoS = w.FreeSlot();
            w.Check(w.Map(World.TaskCap, thNoS, CapRights.RW, 0, th), "thread cap without S");
            w.Check(w.Map(World.TaskCap, taskNoS, CapRights.RW, 0, task), "task cap without S");
            c.Equal(-1L, w.Root.Error(w.Root.ThreadControl(thNoS, ThreadCtlFlags.BindTask, bindTask: task, utcb: World.UtcbBase)), "thread cap without S");
            c.Equal(-1L, w.Root.Error(w.Root.ThreadControl(th, ThreadCtlFlags.BindTask, bindTask: taskNoS, utcb: World.UtcbBase)), "task cap without S");
            c.Equal(-22L, w.Root.Error(w.Root.ThreadControl(th, ThreadCtlFlags.BindTask, bindTask: task, utcb: 0x1000)), "UTCB outside kernel-user memory");
            c.Equal(-22L, w.Root.Error(w.Root.ThreadControl(th, ThreadCtlFlags.BindTask, bindTask: task, utcb: World.UtcbBase + 4)), "UTCB not word-aligned");
            c.Equal(-22L, w.Root.Error(w.Root.ThreadControl(th, ThreadCtlFlags.BindTask, bindTask: task, utcb: World.UtcbBase + 0xE00)), "UTCB running past kernel-user memory");
            ulong th2 = w.Create((long)Protocol.Thread);
            c.Equal(0L, w.Root.Error(w.Root.ThreadControl(th2, ThreadCtlFlags.BindTask, bindTask: task, utcb: World.UtcbBase + 0x8E0)),
                "a word-aligned UTCB off the 1 KiB grid (libpthread's first, 0xb30008e0)");
            c.Equal(0L, w.Root.Error(w.Root.ThreadControl(th, ThreadCtlFlags.BindTask, bindTask: task, utcb: World.UtcbBase)), "bind");
            c.Equal(-22L, w.Root.Error(w.Root.ThreadControl(th, ThreadCtlFlags.BindTask, bindTask: task, utcb: World.UtcbBase + 0x400)), "bind twice");
            w.Boot.RootThread.Utcb.SetMr(0, 0);
            c.Equal(-22L, w.Root.Error(w.Root.Call(th, new MsgTag((long)Protocol.Thread, 5, 0))), "5 words");
        });
        yield return Case("thread/control-pager", "control sets pager and exception handler as cap indices and returns the previous ones", ["THR-2"], c =>
        {
            var w = new World();
            ulong th = w.Create((long)Protocol.Thread);
            var thread = (Model.Kernel.Thread)w.Obj(th);
            var u = w.Boot.RootThread.Utcb;
            var t = w.Root.ThreadControl(th, ThreadCtlFlags.SetPager | ThreadCtlFlags.SetExcHandler, pager: 0x10 << 12, excHandler: 0x11 << 12);
            c.Equal(new MsgTag(0, 3, 0).Raw, t.Raw, "result tag");
            c.Equal(Model.Kernel.Thread.NoCap << 12, u.Mr(1), "previous pager: invalid");
            c.Equal(0x10UL, thread.PagerIndex, "pager index");
            c.Equal(0x11UL, thread.ExcHandlerIndex, "exception handler index");
            w.Root.ThreadControl(th, ThreadCtlFlags.SetPager, pager: 0x12 << 12);
            c.Equal(0x10UL << 12, u.Mr(1), "previous pager returned");
        });
        yield return Case("thread/control-keeps-mr0", "control answers 3 words but writes only MR1 and MR2: MR0 keeps the caller's flags word", ["THR-2"], c =>
        {
            var w = new World();
            ulong th = w.Create((long)Protocol.Thread);
            var u = w.Boot.RootThread.Utcb;
            var t = w.Root.ThreadControl(th, ThreadCtlFlags.SetPager, pager: 0x10 << 12);
            c.Equal(new MsgTag(0, 3, 0).Raw, t.Raw, "result tag: 3 words");
            // thread_object.cpp:501-504: out->values[1] and [2] only, then commit_result(0, 3).
            c.Equal((ulong)ThreadOp.Control | (ulong)ThreadCtlFlags.SetPager, u.Mr(0), "MR0: the caller's op and flags word");
        });
        yield return Case("thread/ex-regs", "ex_regs needs exactly 3 words, returns the old flags, IP and SP, and revives a bound thread", ["THR-3"], c =>
        {
            var w = new World();
            var p = w.NewTask();
            var u = w.Boot.RootThread.Utcb;
            var t = w.Root.ExRegs(p.ThreadSel, 0x4000, 0x8000);
            c.Equal(new MsgTag(0, 3, 0).Raw, t.Raw, "result tag");
            c.Equal(0x1000UL, u.Mr(1), "old IP (set by the fixture)");
            c.Equal(0x4000UL, p.Thread.Ip, "new IP");
            w.Root.ExRegs(p.ThreadSel, ulong.MaxValue, ulong.MaxValue);
            c.Equal(0x4000UL, p.Thread.Ip, "~0 keeps the IP");
            c.Equal(ThreadState.Ready, p.Thread.State, "ready");
            u.SetMr(0, (ulong)ThreadOp.ExRegs | 0x0100_0000);
            c.Equal(-22L, w.Root.Error(w.Root.Call(p.ThreadSel, new MsgTag((long)Protocol.Thread, 3, 0))), "arch flags set");
            u.SetMr(0, (ulong)ThreadOp.ExRegs);
            c.Equal(-22L, w.Root.Error(w.Root.Call(p.ThreadSel, new MsgTag((long)Protocol.Thread, 2, 0))), "2 words");
            ulong unbound = w.Create((long)Protocol.Thread);
            c.Equal(-22L, w.Root.Error(w.Root.ExRegs(unbound, 0x4000, 0x8000)), "thread not bound to a task");
            c.Equal(ThreadState.Dead, ((Model.Kernel.Thread)w.Obj(unbound)).State, "unbound thread stays dead");
        });
        yield return Case("thread/switch", "switch runs a ready target at once, even of lower priority, and answers label 0 with no words", ["THR-4"], c =>
        {
            var w = new World();
            var a = w.NewTask(); var b = w.NewTask();
            w.Check(w.Root.RunThread(World.SchedCap, a.ThreadSel, 5), "a at priority 5");
            w.Check(w.Root.RunThread(World.SchedCap, b.ThreadSel, 2), "b at priority 2");
            ulong bInA = w.FreeSlot();
            w.Check(w.Map(a.TaskSel, bInA, CapRights.RW, 0, b.ThreadSel), "b's thread cap in a (no S needed)");
            var log = new List<string>();
            var results = new List<(MsgTag Tag, ulong Mr0)>();
            IEnumerable<SyscallRequest> A()
            {
                var s = w.ProgramSys(a.Thread);
                log.Add("a"); yield return s.Next(s.SchedInfo(World.SchedCap));
                log.Add("a:switch"); yield return s.Next(s.ThreadSwitch(bInA));
                results.Add((a.Thread.ResultTag, a.Thread.Utcb.Mr(0)));
                log.Add("a"); yield return s.Next(s.SchedInfo(World.SchedCap));
            }
            IEnumerable<SyscallRequest> B()
            {
                var s = w.ProgramSys(b.Thread);
                for (int i = 0; i < 3; i++) { log.Add("b"); yield return s.Next(s.SchedInfo(World.SchedCap)); }
            }
            foreach (var t in new[] { a, b }) w.Check(w.Map(t.TaskSel, World.SchedCap, CapRights.RWS, 0, World.SchedCap), "scheduler cap");
            w.K.Start(a.Thread, A());
            w.K.Start(b.Thread, B());
            w.K.Run();
            c.Equal("a a:switch b b b a", string.Join(' ', log), "b runs on the switch until its program ends, then a again");
            // thread_object.cpp:695-705: commit_result(0), the UTCB is not written.
            c.Equal(new MsgTag(0, 0, 0).Raw, results[0].Tag.Raw, "switch to a ready thread: no words");
            c.Equal((ulong)ThreadOp.Switch, results[0].Mr0, "MR0 keeps the opcode");

            var u = w.Boot.RootThread.Utcb;
            c.Equal(new MsgTag(0, 0, 0).Raw, w.Root.ThreadSwitch((ulong)SelectorLayout.InvalidCap).Raw, "switch to oneself: empty tag");
            var root = w.Boot.RootThread;
            ulong dead = w.Create((long)Protocol.Thread);
            var t2 = w.Root.ThreadSwitch(dead);
            c.Equal(new MsgTag(0, 0, 0).Raw, t2.Raw, "switch to a thread that is not ready (dead): no words");
            c.Equal((ulong)ThreadOp.Switch, u.Mr(0), "MR0 keeps the opcode");
            c.True(root.State == ThreadState.Ready, "the caller stays ready");
            c.True(w.K.SwitchedTo == null, "no switch to a thread that is not ready");
        });
        yield return Case("thread/switch-on-callers-context", "switch answers label 0 with no words and MR0 untouched; the target runs on the caller's priority and slice", ["THR-4"], c =>
        {
            var w = new World();
            var a = w.NewTask(); var b = w.NewTask();
            w.Check(w.Root.RunThread(World.SchedCap, a.ThreadSel, 5, quantum: 10), "a at priority 5, slice 10 µs");
            w.Check(w.Root.RunThread(World.SchedCap, b.ThreadSel, 2), "b at priority 2, default slice");
            ulong bInA = w.FreeSlot();
            w.Check(w.Map(a.TaskSel, bInA, CapRights.RW, 0, b.ThreadSel), "b's thread cap in a");
            foreach (var t in new[] { a, b }) w.Check(w.Map(t.TaskSel, World.SchedCap, CapRights.RWS, 0, World.SchedCap), "scheduler cap");
            var log = new List<string>();
            var results = new List<(MsgTag Tag, ulong Mr0)>();
            ulong bSlice = 0;
            IEnumerable<SyscallRequest> A()
            {
                var s = w.ProgramSys(a.Thread);
                log.Add("a"); yield return s.Next(s.SchedInfo(World.SchedCap));
                log.Add("a:switch"); yield return s.Next(s.ThreadSwitch(bInA));
                results.Add((a.Thread.ResultTag, a.Thread.Utcb.Mr(0)));
                log.Add("a"); yield return s.Next(s.SchedInfo(World.SchedCap));
            }
            IEnumerable<SyscallRequest> B()
            {
                var s = w.ProgramSys(b.Thread);
                for (int i = 0; i < 20; i++)
                {
                    if (i == 1) bSlice = b.Thread.SliceLeft;
                    log.Add("b"); yield return s.Next(s.SchedInfo(World.SchedCap));
                }
            }
            w.K.Start(a.Thread, A());
            w.K.Start(b.Thread, B());
            w.K.Run();
            // thread_object.cpp:695-705: commit_result(0) in every case: label 0, no words; the UTCB is not written.
            c.Equal(0L, results[0].Tag.Raw, "switch to a ready thread: tag [0,w=0,i=0]");
            c.Equal((ulong)ThreadOp.Switch, results[0].Mr0, "MR0 keeps the opcode");
            // context.cpp:1147-1226: the ready queue's current scheduling context stays a's, so b is charged to a's slice
            // (10 µs: a's two calls, then b's calls of 1 µs each until it runs out, the model's clock) and b's own is untouched.
            c.Equal("a a:switch " + string.Join(' ', Enumerable.Repeat("b", 8)) + " a " + string.Join(' ', Enumerable.Repeat("b", 12)),
                string.Join(' ', log), "b runs on a's slice; when it ends a's priority 5 picks a again");
            c.Equal(b.Thread.Quantum, bSlice, "b's own slice is not used while it runs on a's");

            var u = w.Boot.RootThread.Utcb;
            ulong dead = w.Create((long)Protocol.Thread);
            c.Equal(0L, w.Root.ThreadSwitch(dead).Raw, "switch to a thread that is not ready: tag [0,w=0,i=0]");
            c.Equal((ulong)ThreadOp.Switch, u.Mr(0), "MR0 keeps the opcode");
            u.SetMr(0, (ulong)ThreadOp.Switch);
            var tag = new MsgTag((long)Protocol.Thread, 1, 0);
            c.Equal(tag.Raw, w.Root.Send(dead, tag).Raw, "send-only switch returns the input tag (INV-3)");
        });
        yield return Case("thread/switch-preempted", "a thread that wakes during a switch preempts it only if neither the caller's nor the target's priority is above its own", ["THR-4"], c =>
        {
            // Ready_queue::deblock (sched_context.cpp:120-148): the woken thread does not preempt when the current
            // scheduling context (the caller's, context.cpp:1147-1226) or the running thread's dominates it.
            string Run(int rPrio)
            {
                var w = new World();
                var a = w.NewTask(); var b = w.NewTask(); var r = w.NewTask();
                w.Check(w.Root.RunThread(World.SchedCap, a.ThreadSel, 5), "a at priority 5");
                w.Check(w.Root.RunThread(World.SchedCap, r.ThreadSel, rPrio), $"r at priority {rPrio}");
                w.Check(w.Root.RunThread(World.SchedCap, b.ThreadSel, 2), "b at priority 2");
                ulong bInA = w.FreeSlot(), rInB = w.FreeSlot();
                w.Check(w.Map(a.TaskSel, bInA, CapRights.RW, 0, b.ThreadSel), "b's thread cap in a");
                w.Check(w.Map(b.TaskSel, rInB, CapRights.RW, 0, r.ThreadSel), "r's thread cap in b");
                foreach (var t in new[] { a, b, r }) w.Check(w.Map(t.TaskSel, World.SchedCap, CapRights.RWS, 0, World.SchedCap), "scheduler cap");
                var log = new List<string>();
                IEnumerable<SyscallRequest> A()
                {
                    var s = w.ProgramSys(a.Thread);
                    log.Add("a:switch"); yield return s.Next(s.ThreadSwitch(bInA));
                    log.Add("a"); yield return s.Next(s.SchedInfo(World.SchedCap));
                }
                IEnumerable<SyscallRequest> B()
                {
                    var s = w.ProgramSys(b.Thread);
                    // The Schedule flag: no time-slice donation to r (thread-ipc.cpp:755-774), r is only woken.
                    log.Add("b:send"); yield return s.Next(s.Send(rInB, new MsgTag(0, 0, 0, MsgTagFlags.Schedule)));
                    for (int i = 0; i < 2; i++) { log.Add("b"); yield return s.Next(s.SchedInfo(World.SchedCap)); }
                }
                IEnumerable<SyscallRequest> R()
                {
                    var s = w.ProgramSys(r.Thread);
                    log.Add("r:wait"); yield return s.Next(s.Wait());
                    log.Add("r"); yield return s.Next(s.SchedInfo(World.SchedCap));
                }
                w.K.Start(r.Thread, R());
                w.K.Run();
                w.K.Start(a.Thread, A());
                w.K.Start(b.Thread, B());
                w.K.Run();
                return string.Join(' ', log);
            }
            c.Equal("r:wait a:switch b:send b b a r", Run(4),
                "r (4) wakes below a (5), whose context b runs on: b keeps running, then a, then r");
            c.Equal("r:wait a:switch b:send r a b b", Run(6),
                "r (6) wakes above a (5) and b (2): the switch ends, r runs, then a, then b");
        });
        yield return Case("thread/gdt-and-vcpu-resume", "gdt with 1 word answers the first user entry (11); with descriptors it writes safe ones and answers the selector; an unsafe one is -EINVAL; vcpu_resume outside vCPU mode is -EINVAL",
            ["THR-GDT-1"], c =>
        {
            var w = new World();
            var t = w.NewTask();
            var u = w.Boot.RootThread.Utcb;
            MsgTag Op(params ulong[] mrs)
            {
                for (int i = 0; i < mrs.Length; i++) u.SetMr(i, mrs[i]);
                return w.Root.Call(t.ThreadSel, new MsgTag((long)Protocol.Thread, mrs.Length, 0));
            }
            var q = Op((ulong)ThreadOp.X86Gdt);
            c.Equal(new MsgTag(0, 1, 0).Raw, q.Raw, "query: 1 word");
            c.Equal(11UL, u.Mr(0), "first user entry: GDT_USER_ENTRY1 0x58 >> 3");
            const ulong userData = 0x00CF_F200_0000_FFFF;     // present, DPL 3, code/data (S), writable data
            const ulong kernelData = 0x00CF_9200_0000_FFFF;   // the same with DPL 0
            c.Equal(0x63L, Op((ulong)ThreadOp.X86Gdt, 1, userData).Label, "entry 1 written: selector (1 << 3) + 0x58 + 3");
            c.Equal(userData, t.Thread.GdtUserEntries[1], "the descriptor is the thread's entry 1");
            c.Equal(-(long)L4Err.Inval, Op((ulong)ThreadOp.X86Gdt, 2, userData, kernelData).Label, "a DPL-0 descriptor is unsafe");
            c.Equal(userData, t.Thread.GdtUserEntries[2], "the safe descriptor before it stays written");
            c.Equal(-(long)L4Err.Inval, Op((ulong)ThreadOp.X86Gdt, 0, 0x0000_E900_0000_0067UL).Label, "a system descriptor (an available TSS), even with DPL 3, is unsafe");
            c.Equal(0x5BL, Op((ulong)ThreadOp.X86Gdt, 0, 0).Label, "a non-present descriptor is safe");
            c.Equal(-(long)L4Err.Inval, Op((ulong)ThreadOp.VcpuResume).Label, "vcpu_resume outside vCPU mode");
        });
        yield return Case("thread/modify-senders", "modify_senders rewrites the label of each queued sender (thread or IRQ) by the first matching group of test mask, value, clear and set bits; under 5 words nothing changes",
            ["THR-MOD-1"], c =>
        {
            string Run(ulong[] groups)
            {
                var w = new World();
                var r = w.NewTask("r");
                var a = w.NewTask("a");
                var b = w.NewTask("b");
                w.Check(w.Map(a.TaskSel, 0x30 << 12, CapRights.RWS, 0, r.ThreadSel), "r into a");
                w.Check(w.Map(b.TaskSel, 0x30 << 12, CapRights.RWS, 0, r.ThreadSel), "r into b");
                ulong irq = w.Create((long)Protocol.IrqSender);
                w.Check(w.Root.IrqBind(irq, r.ThreadSel, 0x1240), "irq bound to r");
                IEnumerable<SyscallRequest> Send(UserTask t, ulong label)
                {
                    var s = w.ProgramSys(t.Thread);
                    yield return s.Next(s.Send(0x30 << 12, new MsgTag(0, 0, 0), 0, label));
                }
                w.K.Start(a.Thread, Send(a, 0x1230));
                w.K.Start(b.Thread, Send(b, 0x5670));
                w.K.Run();                                           // both queued on r, which is not receiving
                w.Root.IrqTrigger(irq);                              // pending on r too
                var u = w.Boot.RootThread.Utcb;
                u.SetMr(0, (ulong)ThreadOp.ModifySender);
                for (int i = 0; i < groups.Length; i++) u.SetMr(1 + i, groups[i]);
                var tag = w.Root.Call(r.ThreadSel, new MsgTag((long)Protocol.Thread, 1 + groups.Length, 0));
                c.Equal(0L, tag.Label, "answer 0");
                var got = new List<ulong>();
                IEnumerable<SyscallRequest> Receive()
                {
                    var s = w.ProgramSys(r.Thread);
                    for (int i = 0; i < 3; i++) { yield return s.Next(s.Wait()); got.Add(r.Thread.ResultLabel); }
                }
                w.K.Start(r.Thread, Receive());
                w.K.Run();
                return string.Join(",", got.Order().Select(l => l.ToString("x")));
            }
            // Group 1 matches labels 0x12x0 (a's 0x1230 and the IRQ's 0x1240): clear 0xF0, set 0x5; group 2 matches b's.
            c.Equal("1205,1205,5678", Run([0xFF0F, 0x1200, 0xF0, 0x5, 0xFFFF, 0x5670, 0x0, 0x8]), "a and the IRQ by the first group, b by the second");
            c.Equal("1230,1240,5670", Run([0xFF0F, 0x1200, 0xF0]), "4 words: nothing changes");
            c.Equal("1230,1240,5670", Run([0xFFFF, 0x9999, 0xFF, 0x1]), "no group matches: nothing changes");
        });
        yield return Case("thread/stats", "stats returns the consumed CPU time of the thread, in µs of the model's clock", ["THR-5"], c =>
        {
            var w = new World();
            var a = w.NewTask(); var b = w.NewTask();
            foreach (var t in new[] { a, b }) w.Check(w.Map(t.TaskSel, World.SchedCap, CapRights.RWS, 0, World.SchedCap), "scheduler cap");
            IEnumerable<SyscallRequest> Spin(UserTask t, int n)
            {
                var s = w.ProgramSys(t.Thread);
                for (int i = 0; i < n; i++) yield return s.Next(s.SchedInfo(World.SchedCap));
            }
            ulong a0 = a.Thread.CpuTime, b0 = b.Thread.CpuTime;
            w.K.Start(a.Thread, Spin(a, 7));
            w.K.Start(b.Thread, Spin(b, 3));
            w.K.Run();
            var u = w.Boot.RootThread.Utcb;
            var tag = w.Root.ThreadStats(a.ThreadSel);
            c.Equal(new MsgTag(0, 1, 0).Raw, tag.Raw, "1 word");
            c.Equal(a0 + 7 * Model.Kernel.Kernel.SyscallCostUs, u.Mr(0), "a: 7 system calls of 1 µs");
            w.Root.ThreadStats(b.ThreadSel);
            c.Equal(b0 + 3 * Model.Kernel.Kernel.SyscallCostUs, u.Mr(0), "b: 3 system calls, not a's time");
        });
    }
}
