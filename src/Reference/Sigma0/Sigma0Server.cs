using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using KThread = L4Conf.Model.Kernel.Thread;

namespace L4Conf.Reference.Sigma0;

/// <summary>
/// sigma0, the root pager: an open-wait server on the boot sigma0 thread that hands out physical memory first come
/// first served, answers page faults of its clients 1:1, maps the KIP, and makes gates for new clients
/// (l4re sigma0/server/src/{init.cc,mem_man.cc,memmap.cc}; abi-facts §10). It runs as a thread program: every action
/// is a real system call through its own capabilities.
/// </summary>
public sealed class Sigma0Server(Kernel kernel, KThread thread, MemoryOwners owners, ulong kipAddress)
{
    private readonly L4Sys _s = new(kernel, thread, deferred: true);
    private ulong _nextGate = Sigma0Ids.FirstGateSlot;
    private Utcb U => thread.Utcb;

    public MemoryOwners Owners { get; } = owners;

    /// <summary>The server loop: wait, handle, reply-and-wait (send timeout 0, receive never).</summary>
    public IEnumerable<SyscallRequest> Program()
    {
        yield return _s.Next(_s.Wait());
        while (true)
        {
            if (thread.ResultTag.HasError) { yield return _s.Next(_s.Wait()); continue; }
            MsgTag reply;
            if (thread.ResultTag.Label != (long)Protocol.Factory) reply = Handle(thread.ResultTag, thread.ResultLabel);
            else if (NewClientCheck(thread.ResultLabel) is { } refused) reply = refused;
            else
            {
                // A new client: create its gate (a system call of its own), then answer with the gate as a typed item.
                ulong slot = _nextGate++;
                yield return _s.Next(_s.CreateGate(2 << 12, slot << 12, 3 << 12, slot << 4));
                reply = _s.Error(thread.ResultTag) != 0 ? Error(L4Err.NoMem) : MapBack(slot);
            }
            yield return _s.Next(_s.ReplyAndWait(reply));
        }
    }

    private MsgTag Handle(MsgTag tag, ulong label)
    {
        ulong client = label >> 4;                                        // client id = label >> 4 (SIGMA0-ID-1)
        return tag.Label switch
        {
            (long)Protocol.Sigma0 => Request(client),
            (long)Protocol.PageFault => PageFault(client),
            _ => Error(L4Err.BadProto),
        };
    }

    private static MsgTag Error(L4Err e) => new(-(long)e, 0, 0);

    private MsgTag Request(ulong client)
    {
        ulong mr0 = U.Mr(0);
        if ((mr0 & ~0xFFUL) != ~0xFFUL) return Error(L4Err.NoSys);                        // SIGMA0_REQ_MAGIC
        var request = (Sigma0Request)(mr0 & ~0xFUL);
        switch (request)
        {
            case Sigma0Request.FpageRam:
            case Sigma0Request.FpageIomem:
            case Sigma0Request.FpageIomemCached:
            {
                var fp = new Fpage(U.Mr(1));
                if (fp.Order < 12 || (fp.Address & ((1UL << fp.Order) - 1)) != 0) return Error(L4Err.Inval);
                ulong size = 1UL << fp.Order;
                bool ram = request == Sigma0Request.FpageRam;
                if (ram ? !Owners.IsRam(fp.Address, size) || !Owners.Take(fp.Address, size, client) : !Owners.IsIo(fp.Address, size))
                    return Error(L4Err.NoMem);
                bool cached = request != Sigma0Request.FpageIomem;
                return Answer(fp.Address, fp.Order, ram ? MemRights.RWX : MemRights.RW, cached);
            }
            case Sigma0Request.FpageAny:
            {
                int order = new Fpage(U.Mr(1)).Order;
                if (order < 12) return Error(L4Err.Inval);
                return Owners.TakeAny(order, client) is { } a ? Answer(a, order, MemRights.RWX, cached: true) : Error(L4Err.NoMem);
            }
            case Sigma0Request.Kip:
                return Answer(kipAddress, 12, MemRights.RX, cached: true);
            case Sigma0Request.DebugDump:
                return new MsgTag(0, 0, 0);
            default:
                return Error(L4Err.NoSys);
        }
    }

    /// <summary>A client's page fault: the 4 KiB page is mapped 1:1 if free or the client's, with the region's rights.</summary>
    private MsgTag PageFault(ulong client)
    {
        ulong page = U.Mr(0) & ~0xFFFUL;
        if (!Owners.IsRam(page, 0x1000) || !Owners.Take(page, 0x1000, client)) return Error(L4Err.NoMem);
        return Answer(page, 12, MemRights.RWX, cached: true);
    }

    /// <summary>Factory protocol with MR0 = L4_PROTO_SIGMA0 makes a new client: null when allowed, else the refusal (SIGMA0-NEW-1).</summary>
    private MsgTag? NewClientCheck(ulong label)
    {
        if ((label & (ulong)CapRights.S) == 0) return Error(L4Err.Perm);
        if (unchecked((long)U.Mr(0)) != (long)Protocol.Sigma0) return Error(L4Err.NoDev);
        if (_nextGate > Sigma0Ids.MaxClient) return Error(L4Err.NoMem);
        return null;
    }

    /// <summary>The new gate (label index &lt;&lt; 4, bound to sigma0) mapped back RWS as a typed item.</summary>
    private MsgTag MapBack(ulong slot)
    {
        U.SetMr(0, (ulong)ItemBits.Map);
        U.SetMr(1, Fpage.Obj(slot << 12, 0, CapRights.RWS).Raw);
        return new MsgTag(0, 0, 1);
    }

    /// <summary>Success: tag (0 words, 1 item), MR0 = (addr &amp; ~0xfff) | 8 | cache, MR1 = the fpage (abi-facts §10.3).</summary>
    private MsgTag Answer(ulong addr, int order, MemRights rights, bool cached)
    {
        U.SetMr(0, (addr & ~0xFFFUL) | (ulong)ItemBits.Map | (cached ? Sigma0Ids.Cached : Sigma0Ids.Uncached));
        U.SetMr(1, Fpage.Memory(addr, order, rights).Raw);
        return new MsgTag(0, 0, 1);
    }
}
