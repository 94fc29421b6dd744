using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;

namespace L4Conf.Reference.L4Re;

/// <summary>An interface an object serves: protocol and name (as L4::Meta reports them).</summary>
public sealed record Iface(long Proto, string Name);

/// <summary>
/// An object a server loop serves through an IPC gate (L4::Epiface): the gate's label identifies it. Its interface
/// list starts with its own protocol, then its bases, for the protocol check and L4::Meta.
/// </summary>
public abstract class ServerObject
{
    /// <summary>Gate label: the object's identity, low two bits zero (the kernel ORs the caller's W and S into them).</summary>
    public ulong Label { get; internal set; }
    /// <summary>The gate's selector in the server's own task (invalid until registered).</summary>
    public ulong Cap { get; internal set; } = ~0UL << 11;
    public abstract IReadOnlyList<Iface> Interfaces { get; }
    /// <summary>Whether the framework answers L4::Meta for it (objects with a raw op_dispatch, like Moe's log, do not: -39).</summary>
    public virtual bool ServesMeta => true;
    /// <summary>Answer one request whose protocol is one of <see cref="Interfaces"/>: the reply label, or -L4_ENOREPLY.</summary>
    public abstract long Dispatch(ServerCall call);
}

/// <summary>
/// One received request as the server framework hands it to an object (l4sys/include/cxx/ipc_server): the tag, the
/// full label (the object's label with the W/S bits of the cap the client used), the arguments, and the reply
/// being built in the same UTCB from offset 0.
/// </summary>
public sealed class ServerCall(L4Sys sys, MsgTag tag, ulong label)
{
    public L4Sys Sys { get; } = sys;
    public MsgTag Tag { get; } = tag;
    public ulong Label { get; } = label;
    public Utcb Utcb => Sys.Self.Utcb;
    /// <summary>The W (1) and S (2) bits of the capability the client invoked.</summary>
    public CapRights Rights => (CapRights)(Label & 3);
    public bool Has(CapRights r) => (Rights & r) == r;
    /// <summary>The request's untyped words, from byte 0 (for Rpcs interfaces the opcode comes first).</summary>
    public MsgReader Args(int offset = 0) => new(Utcb, Tag.Words, offset);
    /// <summary>The i-th typed item the client sent (as the kernel delivered it: return item word and payload).</summary>
    public (ulong Word, ulong Payload) Item(int i) => (Utcb.Mr(Tag.Words + 2 * i), Utcb.Mr(Tag.Words + 2 * i + 1));
    public int Items => Tag.Items;

    private MsgWriter? _reply;
    internal readonly List<SendItem> ReplyItems = new();
    /// <summary>The reply's data, written from offset 0 (read every argument first: they share the registers).</summary>
    public MsgWriter Reply => _reply ??= new MsgWriter(Utcb);
    public void ReplyItem(SendItem item) => ReplyItems.Add(item);
    internal int ReplyWords => _reply?.Words ?? 0;
}

/// <summary>An RPC table of an Rpcs interface: opcode ⇒ handler with the rights the caller's cap must carry.</summary>
public sealed class RpcTable
{
    private readonly Dictionary<int, (CapRights Need, Func<ServerCall, MsgReader, long> Handler)> _ops = new();

    public RpcTable Add(int opcode, Func<ServerCall, MsgReader, long> handler, CapRights need = CapRights.None)
    {
        _ops[opcode] = (need, handler);
        return this;
    }

    /// <summary>
    /// Dispatch_call + handle_svr_obj_call: no room for an opcode is -L4_EMSGTOOSHORT, an unknown opcode -L4_ENOSYS, a
    /// missing W/S bit -L4_EPERM (checked before any argument is decoded), an argument that does not fit -L4_EMSGTOOSHORT.
    /// </summary>
    public long Dispatch(ServerCall c)
    {
        var r = c.Args();
        int op = r.Opcode();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if (!_ops.TryGetValue(op, out var e)) return -(long)L4Err.NoSys;
        var need = e.Need & (CapRights.W | CapRights.S);
        if ((c.Rights & need) != need) return -(long)L4Err.Perm;
        if (c.Tag.Words + 2 * c.Tag.Items > Utcb.MrCount) return -(long)L4Err.MsgTooShort;
        return e.Handler(c, r);
    }
}

/// <summary>
/// The server loop of L4Re servers (l4sys/include/cxx/ipc_server_loop, l4re/util object_registry, br_manager): open
/// wait; the object is found by the label without its W/S bits; the protocol must be one of the object's
/// interfaces (else -L4_EBADPROTO) or L4::Meta; the reply goes back with reply-and-wait (send timeout 0), unless
/// the answer is -L4_ENOREPLY. Receive buffers are small single-cap buffers with L4_RCV_ITEM_LOCAL_ID.
/// </summary>
public sealed class ServerLoop(L4Sys sys, Func<ulong>? allocBufferSlot = null, int buffers = 0, ulong[]? initialSlots = null)
{
    public const long NoReply = -(long)L4Err.NoReply;
    private readonly Dictionary<ulong, ServerObject> _objects = new();
    private readonly ulong[] _bufSlots = initialSlots ?? new ulong[buffers];
    public L4Sys Sys { get; } = sys;

    public void Add(ServerObject o, ulong label)
    {
        o.Label = label & ~3UL;
        _objects[o.Label] = o;
    }

    public void Remove(ServerObject o) => _objects.Remove(o.Label);
    public ServerObject? Find(ulong label) => _objects.GetValueOrDefault(label & ~3UL);

    /// <summary>The capability a client sent in buffer <paramref name="i"/> was mapped: the handler keeps the slot, a new one is allocated.</summary>
    public ulong TakeBuffer(int i)
    {
        ulong slot = _bufSlots[i];
        _bufSlots[i] = allocBufferSlot!();
        return slot;
    }

    public ulong BufferSlot(int i) => _bufSlots[i];

    private void SetupBuffers()
    {
        var u = Sys.Self.Utcb;
        u.Bdr = 0;
        for (int i = 0; i < _bufSlots.Length; i++)
        {
            if (_bufSlots[i] == 0) _bufSlots[i] = allocBufferSlot!();
            u.SetBr(i, (_bufSlots[i] << 12) | (ulong)ItemBits.RcvSingleCap | (ulong)ItemBits.RcvLocalId);
        }
        u.SetBr(_bufSlots.Length, 0);
    }

    /// <summary>Serves for ever (until the program is torn down). <paramref name="onIdle"/> runs before each wait.</summary>
    public void Run(Func<ServerCall, long>? fallback = null)
    {
        long reply = NoReply;
        MsgTag replyTag = default;
        while (true)
        {
            SetupBuffers();
            var tag = reply == NoReply ? Sys.Wait() : Sys.ReplyAndWait(replyTag);
            if (tag.HasError) { reply = NoReply; continue; }              // receive errors are ignored: wait again
            ulong label = Sys.Self.ResultLabel;
            var call = new ServerCall(Sys, tag, label);
            var obj = Find(label);
            long r;
            if (obj == null) r = fallback?.Invoke(call) ?? -(long)L4Err.BadProto;
            else if (tag.Label == (long)Protocol.Meta && obj.ServesMeta) r = Meta.Serve(call, obj.Interfaces);
            else if (!obj.Interfaces.Any(i => i.Proto == tag.Label)) r = -(long)L4Err.BadProto;
            else r = obj.Dispatch(call);
            reply = r;
            if (r == NoReply) continue;
            replyTag = ReplyTag(call, r);
        }
    }

    /// <summary>A negative result goes back without payload; otherwise the reply words and items, the result as label.</summary>
    public static MsgTag ReplyTag(ServerCall call, long r)
    {
        if (r < 0) return new MsgTag(r, 0, 0);
        int words = call.ReplyWords;
        var u = call.Utcb;
        for (int i = 0; i < call.ReplyItems.Count; i++)
        {
            u.SetMr(words + 2 * i, call.ReplyItems[i].Control);
            u.SetMr(words + 2 * i + 1, call.ReplyItems[i].Fpage.Raw);
        }
        return new MsgTag(r, words, call.ReplyItems.Count);
    }
}

/// <summary>
/// L4::Meta (protocol -21, l4sys/include/meta, ipc_epiface Meta_svr): 0 num_interfaces ⇒ label = count; 1 interface(idx)
/// ⇒ MR0 = protocol, then the name as a string (-L4_ERANGE past the end); 2 supports(proto) ⇒ label 1 or 0.
/// </summary>
public static class Meta
{
    public static long Serve(ServerCall c, IReadOnlyList<Iface> ifaces)
    {
        var r = c.Args();
        int op = r.Opcode();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        switch (op)
        {
            case 0:
                return ifaces.Count;
            case 1:
            {
                ulong idx = r.U64();
                if (!r.Ok) return -(long)L4Err.MsgTooShort;
                if (idx >= (ulong)ifaces.Count) return -(long)L4Err.Range;
                c.Reply.I64(ifaces[(int)idx].Proto).String(ifaces[(int)idx].Name);
                return 0;
            }
            case 2:
            {
                long proto = r.I64();
                if (!r.Ok) return -(long)L4Err.MsgTooShort;
                return proto != 0 && ifaces.Any(i => i.Proto == proto) ? 1 : 0;
            }
            default:
                return -(long)L4Err.NoSys;
        }
    }
}
