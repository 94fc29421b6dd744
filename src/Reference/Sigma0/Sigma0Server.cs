using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Reference.L4Re;
using KThread = L4Conf.Model.Kernel.Thread;

namespace L4Conf.Reference.Sigma0;

/// <summary>
/// sigma0, the root pager: an open-wait server on the boot sigma0 thread that hands out physical memory first come
/// first served, answers page faults of its clients 1:1, maps the KIP, and makes gates for new clients
/// (l4re sigma0/server/src/{init.cc,mem_man.cc,memmap.cc}; abi-facts §10). It runs as a thread program: every action
/// is a real system call through its own capabilities.
/// </summary>
public sealed class Sigma0Server(Kernel kernel, KThread thread, MemoryOwners owners, ulong kipAddress, bool announce = false)
{
    private readonly L4Sys _s = new(kernel, thread, deferred: true);
    private ulong _nextGate = Sigma0Ids.FirstGateSlot;
    private Utcb U => thread.Utcb;

    public MemoryOwners Owners { get; } = owners;

    /// <summary>The server loop: wait, handle, reply-and-wait (send timeout 0, receive never).</summary>
    public IEnumerable<SyscallRequest> Program()
    {
        if (announce)
            foreach (var line in Banner())
                yield return _s.Next(_s.VconWrite((ulong)InitialCap.Log << 12, line + "\n"));
        yield return _s.Next(_s.Wait());
        while (true)
        {
            if (thread.ResultTag.HasError) { yield return _s.Next(_s.Wait()); continue; }
            MsgTag reply;
            if (thread.ResultTag.Label != (long)Protocol.Factory) reply = Handle(thread.ResultTag, thread.ResultLabel);
            else if (NewClientCheck(thread.ResultLabel) is { } refused) reply = refused;
            else
            {
                // A new client: create its gate (a system call of its own), then answer with the gate as a typed item;
                // the creation's result is not looked at (memmap.cc:71-74, SIGMA0-NEW-1).
                ulong slot = _nextGate++;
                yield return _s.Next(_s.CreateGate(2 << 12, slot << 12, 3 << 12, slot << 4));
                reply = MapBack(slot);
            }
            yield return _s.Next(_s.ReplyAndWait(reply));
        }
    }

    /// <summary>
    /// What sigma0 prints at start (sigma0/server/src/init.cc:57-93, memmap.cc dump_all; runtime-misc notes §1): the
    /// greeting, the KIP address, its one scratch page, and the dump of all resource maps. The real one writes each
    /// stream piece as its own log write; the model writes whole lines.
    /// </summary>
    public IEnumerable<string> Banner()
    {
        yield return "SIGMA0: Hello!";
        yield return $"  KIP @ {kipAddress:x}";
        yield return "  allocated 4 KiB for maintenance structures";
        yield return "SIGMA0: Dump of all resource maps";
        foreach (var l in Owners.Dump()) yield return l;
    }

    private MsgTag Handle(MsgTag tag, ulong label)
    {
        ulong client = label >> 4;                                        // client id = label >> 4 (SIGMA0-ID-1)
        return tag.Label switch
        {
            (long)Protocol.Sigma0 => Request(client),
            (long)Protocol.PageFault => PageFault(client),
            (long)Protocol.IoPageFault => IoPageFault(client),
            (long)Protocol.Meta => MetaAnswer(tag, label),
            _ => Error(L4Err.BadProto),
        };
    }

    private static MsgTag Error(L4Err e) => new(-(long)e, 0, 0);

    /// <summary>
    /// handle_io_page_fault (ioports_x86.cc:32-45): MR0 is the I/O flexpage; its ports go to the client if free or
    /// already the client's, sent with base 0 as l4_iofpage(port, order) (RW); else -ENOMEM.
    /// </summary>
    private MsgTag IoPageFault(ulong client)
    {
        var fp = new Fpage(U.Mr(0));
        ulong port = U.Mr(0) >> 12;
        if (!Owners.TakePorts(port, fp.Order, client)) return Error(L4Err.NoMem);
        U.SetMr(0, (ulong)ItemBits.Map);                                  // snd_base(0) (memmap_internal.h:23-24)
        U.SetMr(1, Fpage.Io(port, fp.Order).Raw);
        return new MsgTag(0, 0, 1);
    }

    /// <summary>sigma0's interfaces as L4::Meta lists them: its anonymous-namespace class Sigma0 (protocol -6, a
    /// Factory) (sigma0/server/src/memmap.cc:261-263,307-313). Ned finds no class by that name and keeps the cap void.</summary>
    private static readonly Iface[] Interfaces = [new((long)Protocol.Sigma0, "N12_GLOBAL__N_16Sigma0E"), new((long)Protocol.Factory, "N2L47FactoryE")];

    private MsgTag MetaAnswer(MsgTag tag, ulong label)
    {
        var call = new ServerCall(_s, tag, label);
        return ServerLoop.ReplyTag(call, Meta.Serve(call, Interfaces));
    }

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
                // RAM: first come, first served, sent RWX; I/O memory: any client, with the region's rights (memmap.cc map_mem).
                byte? rights = ram ? (Owners.Take(fp.Address, size, client) ? Region.RWX : null) : Owners.IoRights(fp.Address, size);
                if (rights == null) return Error(L4Err.NoMem);
                bool cached = request != Sigma0Request.FpageIomem;
                return Answer(fp.Address, fp.Order, (MemRights)rights.Value, cached);
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

    /// <summary>
    /// A client's page fault (memmap.cc handle_page_fault): the access needs R, RW, RX or RWX from its fetch/write bits;
    /// the page is the client's if its region is free or the client's and has those rights; it is sent with the
    /// region's full rights. Otherwise -ENOMEM.
    /// </summary>
    private MsgTag PageFault(ulong client)
    {
        ulong w = U.Mr(0);
        ulong page = w & ~0xFFFUL;
        bool fetch = (w & 4) != 0, write = (w & 2) != 0;
        byte need = fetch ? (write ? Region.RWX : Region.RX) : (write ? Region.RW : Region.R);
        return Owners.TakeFault(page, client, need) is { } rights ? Answer(page, 12, (MemRights)rights, cached: true) : Error(L4Err.NoMem);
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
