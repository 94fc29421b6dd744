using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Moe;

/// <summary>An entry of a Moe name space (moe/server/src/name_space.h Entry): a name, flags, and a cap or a local object.</summary>
public sealed class NsEntry(string name, uint flags)
{
    public const uint FRw = 5, FStrong = 2, FTrusted = 8, FRightsMask = 0xF, FCap = 0x100, FLocal = 0x200, FAllocated = 0x400, FStatic = 0x800;
    public string Name { get; } = name;
    public uint Flags { get; set; } = flags;
    /// <summary>Moe's own slot of a foreign cap (F_cap without F_local).</summary>
    public ulong Cap { get; set; }
    public MoeObject? Object { get; set; }
    public ulong EntryAddr, NameAddr;
    public bool IsDynamic => (Flags & FStatic) == 0;
    public bool IsLocal => (Flags & FLocal) != 0;
    /// <summary>A valid entry holds a cap, and a local one an object that still exists.</summary>
    public bool IsValid => (Flags & FCap) != 0 && !(IsLocal && (Object == null || Object.Deleted));
    public bool IsRw => (Flags & FRw) == FRw;
    public bool IsStrong => (Flags & FStrong) != 0;
    /// <summary>The capability Moe hands out for the entry: the object's gate, or the foreign cap.</summary>
    public ulong CapSlot => IsLocal ? Object?.GateSlot ?? 0 : Cap;
}

/// <summary>
/// Moe's name space (moe/server/src/name_space.{h,cc}; moe notes §6): entries ordered by bytewise name compare,
/// shorter first on an equal prefix; query resolves one path component per call (Partly_resolved 0x20 with the rest);
/// register_obj and unlink need W on the name-space cap.
/// </summary>
public sealed class NameSpace : MoeObject
{
    public const int OpQuery = 0, OpRegister = 1, OpUnlink = 3;
    public const uint RegOverwrite = 0x200, PartlyResolved = 0x20;
    private readonly SortedList<string, NsEntry> _entries = new(Comparer<string>.Create(CompareNames));

    public override IReadOnlyList<Iface> Interfaces { get; } = [new(0x4001, "N4L4Re9NamespaceE")];
    public override ulong ObjectSize => 64;
    public IEnumerable<NsEntry> Entries => _entries.Values;
    private readonly MoeServer _moe;
    private readonly RpcTable _rpc;

    public NameSpace(MoeServer moe)
    {
        _moe = moe;
        _rpc = new RpcTable()
            .Add(OpQuery, Query)
            .Add(OpRegister, Register, CapRights.W)
            .Add(OpUnlink, Unlink, CapRights.W);
    }

    /// <summary>memcmp over the common length, then the shorter first (Entry_key_compare).</summary>
    public static int CompareNames(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            int c = (byte)a[i] - (byte)b[i];
            if (c != 0) return c;
        }
        return a.Length.CompareTo(b.Length);
    }

    public NsEntry? Find(string name) => _entries.GetValueOrDefault(name);

    /// <summary>Adds a boot-time (static) entry: an object of Moe's or a capability in Moe's space.</summary>
    public NsEntry AddStatic(string name, uint flags, MoeObject? obj, ulong cap = 0)
    {
        var e = NewEntry(name, flags | NsEntry.FStatic, _moe.GlobalHeap) ?? throw new InvalidOperationException("Moe heap exhausted at boot");
        if (obj != null) SetObject(e, obj);
        else { e.Cap = cap; e.Flags |= NsEntry.FCap; }
        _entries[name] = e;
        return e;
    }

    private NsEntry? NewEntry(string name, uint flags, ObjectHeap heap)
    {
        if (heap.Alloc(72) is not { } ea) return null;
        if (heap.Alloc((ulong)name.Length + 1) is not { } na) { heap.Free(ea); return null; }
        return new NsEntry(name, flags) { EntryAddr = ea, NameAddr = na };
    }

    private void SetObject(NsEntry e, MoeObject o)
    {
        e.Object = o;
        e.Flags |= NsEntry.FCap | NsEntry.FLocal;
        _moe.AddWeakRef(o);
    }

    private void Release(NsEntry e)
    {
        var heap = Heap ?? _moe.GlobalHeap;
        if (e.IsLocal && e.Object != null) _moe.RemoveWeakRef(e.Object);
        if ((e.Flags & NsEntry.FAllocated) != 0 && e.Cap != 0) _moe.FreeSlot(e.Cap);
        heap.Free(e.NameAddr);
        heap.Free(e.EntryAddr);
    }

    public override long Dispatch(ServerCall call) => _rpc.Dispatch(call);

    /// <summary>query(name) (name_space.cc:228-286).</summary>
    private long Query(ServerCall c, MsgReader r)
    {
        var name = r.LongArray();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        string full = global::System.Text.Encoding.Latin1.GetString(name);
        int nul = full.IndexOf('\0');
        if (nul >= 0) full = full[..nul];
        int slash = full.IndexOf('/');
        string part = slash >= 0 ? full[..slash] : full;
        var e = Find(part);
        if (e == null) return -(long)L4Err.NoEnt;
        if (!e.IsValid) return -(long)L4Err.Again;
        if (!_moe.CapValid(e.CapSlot))
        {
            if (e.IsDynamic) { _entries.Remove(e.Name); Release(e); }
            return -(long)L4Err.NoEnt;
        }
        var rights = CapRights.R | (e.IsRw ? CapRights.W : 0) | (e.IsStrong ? CapRights.S : 0);
        c.ReplyItem(Rpc.CapItem(e.CapSlot << 12, rights));
        string rest = slash >= 0 ? full[(slash + 1)..] : "";
        // Reply: dummy opcode slot, then the remaining name (Ipc::Array<char, unsigned long>)
        c.Reply.U64(0).LongArray(global::System.Text.Encoding.Latin1.GetBytes(rest));
        return slash >= 0 ? PartlyResolved : 0;
    }

    /// <summary>register_obj(flags, name, cap) (name_space.cc:164-200).</summary>
    private long Register(ServerCall c, MsgReader r)
    {
        uint flags = r.U32();
        var nameBytes = r.LongArray();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        string name = global::System.Text.Encoding.Latin1.GetString(nameBytes).TrimEnd('\0');
        if (name.Length == 0 || name.Contains('/')) return -(long)L4Err.Inval;
        var existing = Find(name);
        if (existing != null && (existing.Flags & NsEntry.FCap) != 0)
        {
            if (!existing.IsDynamic) return -(long)L4Err.Exist;
            bool alive = existing.IsLocal ? existing.IsValid : _moe.CapValid(existing.Cap);
            if (alive && (flags & RegOverwrite) == 0) return -(long)L4Err.Exist;
        }
        var heap = Heap ?? _moe.GlobalHeap;
        var e = NewEntry(name, flags & NsEntry.FRightsMask, heap);
        if (e == null) return -(long)L4Err.NoMem;
        if (c.Items > 0)
        {
            var (word, payload) = c.Item(0);
            ulong rcv = word & 0x3E;
            if (rcv == 0x3C && _moe.Loop.Find(payload) is MoeObject o)
            {
                SetObject(e, o);
                // a local object keeps only the W/S rights of the cap it was registered with
                e.Flags = (e.Flags & ~3u) | (uint)(payload & 3) | (e.Flags & ~NsEntry.FRightsMask);
            }
            else if (rcv == 0x38 && (word & 6) == 0)
            {
                e.Cap = _moe.TakeReceived(0);
                e.Flags |= NsEntry.FCap | NsEntry.FAllocated;
            }
            else if (rcv == 0x3E) { heap.Free(e.NameAddr); heap.Free(e.EntryAddr); return -(long)L4Err.Inval; }
        }
        if (existing != null) { _entries.Remove(name); Release(existing); }
        _entries[name] = e;
        return 0;
    }

    /// <summary>unlink(name) (name_space.cc:203-225): only the first path component.</summary>
    private long Unlink(ServerCall c, MsgReader r)
    {
        var nameBytes = r.LongArray();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        string name = global::System.Text.Encoding.Latin1.GetString(nameBytes).TrimEnd('\0');
        int slash = name.IndexOf('/');
        if (slash >= 0) name = name[..slash];
        var e = Find(name);
        if (e == null) return -(long)L4Err.NoEnt;
        if (!e.IsDynamic) return -(long)L4Err.Access;
        _entries.Remove(name);
        Release(e);
        return 0;
    }

    internal override void OnDelete(MoeServer moe)
    {
        foreach (var e in _entries.Values.ToList()) Release(e);
        _entries.Clear();
    }
}
