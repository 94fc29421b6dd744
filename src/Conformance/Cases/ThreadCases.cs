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
            c.Equal(-22L, w.Root.Error(w.Root.ThreadControl(th, ThreadCtlFlags.BindTask, bindTask: task, utcb: World.UtcbBase + 8)), "misaligned UTCB");
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
        });
    }
}
