using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;

namespace L4Conf.Reference.L4Re;

/// <summary>L4Re::Dataspace client calls (l4re/include/dataspace: 0 map, 1 clear, 2 info, 3 copy_in, 4 allocate).</summary>
public static class DsClient
{
    public const long Proto = 0x4000;

    /// <summary>map(offset, spot, flags) with the receive window [window, 2^order) (a map item in BR0/BR1).</summary>
    public static long Map(L4Sys s, ulong ds, ulong offset, ulong spot, ulong flags, ulong window, int order)
    {
        var u = s.Self.Utcb;
        u.Bdr = 0;
        u.SetBr(0, (ulong)ItemBits.Map);
        u.SetBr(1, Fpage.Memory(window, order, MemRights.RWX).Raw);
        return Rpc.Call(s, ds, Proto, new MsgWriter(u).Opcode(0).U64(offset).U64(spot).U64(flags));
    }

    /// <summary>
    /// Dataspace::map(offset, flags, local_addr, min, max) (impl/dataspace_impl.h:84-96): the receive window is the
    /// largest naturally aligned block around local_addr inside [min, max]; spot = local_addr's offset in it.
    /// </summary>
    public static long MapAt(L4Sys s, ulong ds, ulong offset, ulong flags, ulong local, ulong min, ulong max)
    {
        min &= ~0xFFFUL;
        max = (max + 0xFFF) & ~0xFFFUL;
        local &= ~0xFFFUL;
        int order = 12;
        while (order < 47)
        {
            ulong b = local & ~((1UL << (order + 1)) - 1);
            if (b < min || b + (1UL << (order + 1)) > max) break;
            order++;
        }
        ulong window = local & ~((1UL << order) - 1);
        return Map(s, ds, offset, local - window, flags, window, order);
    }

    public static (long Result, ulong Size, ulong Flags) Info(L4Sys s, ulong ds)
    {
        long r = Rpc.Call(s, ds, Proto, new MsgWriter(s.Self.Utcb).Opcode(2));
        return r < 0 ? (r, 0, 0) : (r, s.Self.Utcb.Mr(0), s.Self.Utcb.Mr(1));
    }

    public static long CopyIn(L4Sys s, ulong dst, ulong dstOffs, ulong src, ulong srcOffs, ulong size) =>
        Rpc.Call(s, dst, Proto, new MsgWriter(s.Self.Utcb).Opcode(3).U64(dstOffs).U64(srcOffs).U64(size), Rpc.CapItem(src, CapRights.RWS));

    public static long Clear(L4Sys s, ulong ds, ulong offset, ulong size) =>
        Rpc.Call(s, ds, Proto, new MsgWriter(s.Self.Utcb).Opcode(1).U64(offset).U64(size));
}

/// <summary>L4::Factory create as the C++ stubs send it: MR0 = protocol, the vargs, one receive buffer for the new cap.</summary>
public static class FactoryClient
{
    public static long Create(L4Sys s, ulong factory, long proto, ulong targetSlot, params Varg[] args)
    {
        var u = s.Self.Utcb;
        u.SetMr(0, unchecked((ulong)proto));
        int words = VargReader.Write(u, 1, args);
        Rpc.ReceiveCapInto(u, targetSlot);
        var tag = s.Call(factory, new MsgTag((long)Protocol.Factory, words, 0));
        return Rpc.Result(s, tag);
    }

    public static Varg Int(long v) => new(VargType.Mword, unchecked((ulong)v));
    public static Varg Uint(ulong v) => new(VargType.Umword, v);
    public static Varg Str(string v) => new(VargType.String, (ulong)v.Length + 1, v);
}

/// <summary>L4Re::Namespace client (l4re/include/namespace, impl/namespace_impl.h): query one component per call, iterating.</summary>
public static class NsClient
{
    public const long Proto = 0x4001;

    /// <summary>query(name) into <paramref name="slot"/>: 0 on success, else the error (-ENOENT...).</summary>
    public static long Query(L4Sys s, ulong ns, string name, ulong slot)
    {
        if (name.Length == 0) return -(long)L4Err.Inval;
        ulong cur = ns;
        string rest = name;
        while (true)
        {
            var u = s.Self.Utcb;
            Rpc.ReceiveCapInto(u, slot);
            long r = Rpc.Call(s, cur, Proto, new MsgWriter(u).Opcode(0).LongArray(System.Text.Encoding.Latin1.GetBytes(rest)));
            if (r < 0) return r;
            if ((r & 0x20) == 0) return 0;
            var rd = new MsgReader(u, 63, 8);
            rest = System.Text.Encoding.Latin1.GetString(rd.LongArray());
            cur = slot << 12;
            if (rest.Length == 0) return 0;
        }
    }

    public static long Register(L4Sys s, ulong ns, string name, ulong? cap, CapRights rights, uint flags)
    {
        var w = new MsgWriter(s.Self.Utcb).Opcode(1).U32(flags).LongArray(System.Text.Encoding.Latin1.GetBytes(name));
        return cap is { } c ? Rpc.Call(s, ns, Proto, w, Rpc.CapItem(c, rights)) : Rpc.Call(s, ns, Proto, w);
    }

    public static long Unlink(L4Sys s, ulong ns, string name) =>
        Rpc.Call(s, ns, Proto, new MsgWriter(s.Self.Utcb).Opcode(3).LongArray(System.Text.Encoding.Latin1.GetBytes(name)));
}

/// <summary>L4Re::Parent signal(sig, val) (l4re/include/parent): the exit is signal 0 with the code, a call.</summary>
public static class ParentClient
{
    public static long Signal(L4Sys s, ulong parent, ulong sig, ulong val) =>
        Rpc.Call(s, parent, 0x4002, new MsgWriter(s.Self.Utcb).Opcode(0).U64(sig).U64(val));
}

/// <summary>Error texts of l4sys_errtostr (l4sys/lib/src/errtostr.c:12-76); null where the table has none.</summary>
public static class L4Errors
{
    public static string? Text(long e) => e switch
    {
        0 => "OK", -1 => "Operation not permitted", -2 => "No such object found", -5 => "I/O error", -11 => "Try again",
        -12 => "Insufficient memory", -13 => "Access not permitted", -14 => "Invalid memory address", -16 => "Function busy",
        -17 => "Object exists", -19 => "No such device", -20 => "Not a directory", -22 => "Invalid argument",
        -34 => "Argument out of range", -36 => "Name too long", -38 => "Function not implemented", -39 => "Invalid protocol",
        -99 => "Address not available",
        -1000 => "Do not reply", -1001 => "Message too short", -1002 => "Message too long",
        -1003 => "Message is missing (an) argument(s)", -1004 => "Error code range error", -1005 => "Server dropped reply capability",
        -2002 => "Send timeout", -2003 => "Receive timeout", -2004 => "Void capability invoked", -2006 => "Send operation canceled",
        -2007 => "Receive operation canceled", -2008 => "Overflow during send operation", -2009 => "Overflow during receive operation",
        -2010 => "Timeout during send page fault", -2011 => "Timeout during receive page fault", -2012 => "Page fault timeout during send",
        -2013 => "Page fault timeout during receive", -2014 => "Send operation aborted", -2015 => "Receive operation aborted",
        >= -99 and < 0 => null,
        _ => "bad, unknown runtime error",
    };
}
