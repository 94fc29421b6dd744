using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;

namespace L4Conf.Reference.L4Re;

/// <summary>
/// The client side of L4Re::Rm (l4re/include/rm, impl/rm_impl.h): opcodes 0 attach, 1 detach, 2 find,
/// 3 reserve_area, 4 free_area, 5 get_regions, 6 get_areas, 7 get_info, 8 add_rescue_jump, 9 remove_rescue_jump,
/// 10 page_in, each marshalled as the C++ stubs do (values at natural alignment after the 4-byte opcode).
/// </summary>
public sealed class RmClient(L4Sys s, ulong cap)
{
    public const long Proto = 0x4005;
    public const int OpAttach = 0, OpDetach = 1, OpFind = 2, OpReserveArea = 3, OpFreeArea = 4, OpGetRegions = 5,
        OpGetAreas = 6, OpGetInfo = 7, OpAddRescue = 8, OpRemoveRescue = 9, OpPageIn = 10;
    public ulong Cap { get; } = cap;
    private Utcb U => s.Self.Utcb;

    /// <summary>attach: returns (result, start). The dataspace (if any) travels as a map item with its cap's rights.</summary>
    public (long Result, ulong Start) Attach(ulong start, ulong size, uint flags, ulong? ds, CapRights dsRights, ulong offset,
        int align, string name, ulong backingOffset, ulong clientCap = ~0UL << 11)
    {
        var w = new MsgWriter(U).Opcode(OpAttach).U64(start).U64(size).U32(flags).U64(offset).U8((byte)align)
            .U64(clientCap).String(name).U64(backingOffset);
        long r = ds is { } d ? Rpc.Call(s, Cap, Proto, w, Rpc.CapItem(d, dsRights)) : Rpc.Call(s, Cap, Proto, w);
        return (r, r >= 0 ? U.Mr(0) : 0);
    }

    public (long Result, ulong Start, ulong Size, ulong MemCap) Detach(ulong addr, ulong size, uint flags)
    {
        var w = new MsgWriter(U).Opcode(OpDetach).U64(addr).U64(size).U32(flags);
        long r = Rpc.Call(s, Cap, Proto, w);
        return r >= 0 ? (r, U.Mr(0), U.Mr(1), U.Mr(2)) : (r, 0, 0, 0);
    }

    public (long Result, ulong Start) ReserveArea(ulong start, ulong size, uint flags, int align)
    {
        var w = new MsgWriter(U).Opcode(OpReserveArea).U64(start).U64(size).U32(flags).U8((byte)align);
        long r = Rpc.Call(s, Cap, Proto, w);
        return (r, r >= 0 ? U.Mr(0) : 0);
    }

    public long FreeArea(ulong addr) => Rpc.Call(s, Cap, Proto, new MsgWriter(U).Opcode(OpFreeArea).U64(addr));

    /// <summary>get_regions / get_areas: up to the reply's room of {start, end, flags} entries from <paramref name="start"/>.</summary>
    public List<(ulong Start, ulong End, uint Flags)> List(int op, ulong start)
    {
        long n = Rpc.Call(s, Cap, Proto, new MsgWriter(U).Opcode(op).U64(start));
        var list = new List<(ulong, ulong, uint)>();
        for (int i = 0; i < n; i++) list.Add((U.Mr(3 * i), U.Mr(3 * i + 1), (uint)(U.Mr(3 * i + 2) & 0xFFFF)));
        return list;
    }

    public (long Result, string Name, ulong BackingOffset) GetInfo(ulong addr)
    {
        long r = Rpc.Call(s, Cap, Proto, new MsgWriter(U).Opcode(OpGetInfo).U64(addr));
        if (r < 0) return (r, "", 0);
        var rd = new MsgReader(U, 63);
        string name = rd.String();
        ulong bo = rd.U64();
        return (r, name, bo);
    }

    public long AddRescueJump(ulong begin, ulong end, ulong pc) =>
        Rpc.Call(s, Cap, Proto, new MsgWriter(U).Opcode(OpAddRescue).U64(begin).U64(end).U64(pc));

    /// <summary>page_in(min, max, rights) with the whole address space as receive window.</summary>
    public long PageIn(ulong min, ulong max, uint rights)
    {
        U.Bdr = 0;
        U.SetBr(0, (ulong)ItemBits.Map);
        U.SetBr(1, Fpage.All.Raw);
        return Rpc.Call(s, Cap, Proto, new MsgWriter(U).Opcode(OpPageIn).U64(min).U64(max).U16((ushort)rights));
    }
}
