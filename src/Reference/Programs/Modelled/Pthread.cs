using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Programs.Modelled;

/// <summary>
/// pthread_create as L4Re's libpthread does it (libpthread/src/manager.cc:379-470, l4.cc): the first call makes the
/// manager thread, then each thread gets a thread cap and a semaphore from L4Re::Util::cap_alloc, a UTCB from the
/// free list libpthread took over (the rest of the UTCB area after the main thread's), is registered with the
/// L4Re runtime (L4Re::Itas::register_thread: binding, pager, exception handler, page-fault trampoline), started at
/// its entry with ex_regs and scheduled at priority 2. Entries are the program's own modelled-code markers.
/// </summary>
public sealed class Pthread(CRuntime rt, Func<string, ulong> entryAddress)
{
    /// <summary>L4_UTCB_OFFSET on amd64 (l4sys/include/ARCH-amd64/arch/utcb.h:68): the UTCB free list's chunk.</summary>
    public const ulong UtcbSize = 0x400;
    public const string ManagerEntry = "pthread:manager";
    private readonly Queue<ulong> _freeUtcbs = new();
    private bool _utcbsInit, _manager;

    /// <summary>Creates a thread running <paramref name="entry"/>; returns its capability (as pthread_l4_cap).</summary>
    public ulong Create(string entry)
    {
        if (!_utcbsInit)
        {
            // __pthread_initialize_minimal (pthread.c:148-157): [first_free_utcb, end of the UTCB area) in chunks
            _utcbsInit = true;
            var area = new Fpage(rt.Env.UtcbArea);
            AddUtcbs(rt.InitialFirstFreeUtcb, area.Address + (1UL << area.Order));
        }
        if (!_manager)
        {
            _manager = true;
            if (Spawn(ManagerEntry) is not { }) return L4ReEnv.InvalidCap;
        }
        return Spawn(entry) ?? L4ReEnv.InvalidCap;
    }

    private ulong? Spawn(string entry)
    {
        var s = rt.P.Sys;
        var e = rt.Env;
        ulong thread = rt.AllocCap(), sem = rt.AllocCap();
        if (s.Error(s.FactoryCreate(e.Factory, (long)Protocol.Thread, thread)) < 0) return null;
        if (s.Error(s.FactoryCreate(e.Factory, (long)Protocol.Semaphore, sem)) < 0) return null;
        if (_freeUtcbs.Count == 0 && !MoreUtcbs()) return null;
        ulong utcb = _freeUtcbs.Dequeue();
        if (!Register(thread, utcb))
        {
            // without the runtime's services the thread binds itself: pager and exception handler are the region map
            s.ThreadControl(thread, ThreadCtlFlags.SetPager | ThreadCtlFlags.SetExcHandler | ThreadCtlFlags.BindTask,
                pager: e.Rm, excHandler: e.Rm, bindTask: 0x1000, utcb: utcb);
        }
        if (s.Error(s.ExRegs(thread, entryAddress(entry), 0)) < 0) return null;
        s.RunThread(e.Scheduler, thread, 2);
        return thread;
    }

    private void AddUtcbs(ulong start, ulong end)
    {
        for (ulong u = start; u + UtcbSize <= end; u += UtcbSize) _freeUtcbs.Enqueue(u);
    }

    /// <summary>l4pthr_allocate_more_utcbs_and_claim_utcb (manager.cc:494-531): a reserved page of the region map
    /// becomes kernel-user memory for four more UTCBs.</summary>
    private bool MoreUtcbs()
    {
        var s = rt.P.Sys;
        var rm = new RmClient(s, rt.Env.Rm);
        var (r, at) = rm.ReserveArea(0, 0x1000, RmFlags.Reserved | RmFlags.SearchAddr, 12);
        if (r < 0) return false;
        var u = s.Self.Utcb;
        u.SetMr(0, (ulong)TaskOp.AddKuMem);
        u.SetMr(1, Fpage.Memory(at, 12, MemRights.RW).Raw);
        if (s.Error(s.Call(0x1000, new MsgTag((long)Protocol.Task, 2, 0))) < 0) { rm.FreeArea(at); return false; }
        AddUtcbs(at, at + 0x1000);
        return true;
    }

    /// <summary>L4Re::Itas::register_thread (l4re/include/itas:48-50, opcode 0): parent and new thread as caps.</summary>
    private bool Register(ulong thread, ulong utcb)
    {
        var s = rt.P.Sys;
        if ((rt.Env.Itas & (1UL << 11)) != 0) return false;
        var w = new MsgWriter(s.Self.Utcb).Opcode(0).AlignWord();
        int words = w.Words;
        s.Self.Utcb.SetMr(words, utcb);
        long r = Rpc.Call(s, rt.Env.Itas, (long)L4ReProtocol.Itas, words + 1,
            Rpc.CapItem(rt.Env.MainThread, CapRights.RWS), Rpc.CapItem(thread, CapRights.RWS));
        return r >= 0;
    }
}
