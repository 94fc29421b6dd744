using System.Text;
using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Programs.Modelled;

/// <summary>
/// The seed's file server (traces/real/programs/file_server.cc, file_if.h): one File object, a 32-byte buffer,
/// served with the L4Re server framework on the capability named "service". Protocol 0x4649: opcode 0 read(u32 pos,
/// u32 len, out Array&lt;char&gt;), opcode 1 write(u32 pos, Array&lt;char const&gt;) needing W (Call_t&lt;RW&gt;). The
/// framework hands the whole label (object address | W/S of the cap used) to the ops, which print it as "rights".
/// </summary>
public sealed class FileServer : ServerObject
{
    public const string Name = "file_server";
    public const long Proto = 0x4649;
    public const int Capacity = 32;
    /// <summary>The address of `fs` (a static) in the real binary, which the framework uses as the gate label
    /// (file_server_plain.log: "registered object 0x42d420").</summary>
    public const ulong ObjectAddress = 0x42d420;

    private readonly CRuntime _rt;
    private readonly byte[] _buf = new byte[Capacity];
    private uint _size;
    private readonly RpcTable _rpc;

    public override IReadOnlyList<Iface> Interfaces { get; } = [new(Proto, "4File")];

    private FileServer(CRuntime rt)
    {
        _rt = rt;
        _rpc = new RpcTable().Add(0, Read).Add(1, Write, CapRights.W);
    }

    public override long Dispatch(ServerCall call) => _rpc.Dispatch(call);

    private long Read(ServerCall c, MsgReader r)
    {
        uint pos = r.U32(), len = r.U32();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        const uint bufmax = MsgWriter.MaxBytes - 2;                    // the reply: a 2-byte length, then the bytes
        _rt.Printf($"file_server: read(pos={pos}, len={len}) rights=0x{c.Label:x} bufmax={bufmax} size={_size}\n");
        if (pos > _size)
        {
            _rt.Printf("file_server:   -> -L4_ERANGE\n");
            return -(long)L4Err.Range;
        }
        uint n = Math.Min(Math.Min(_size - pos, len), bufmax);
        var data = _buf.AsSpan((int)pos, (int)n);
        _rt.Printf($"file_server:   -> {n} bytes '{Encoding.Latin1.GetString(data)}'\n");
        c.Reply.Array(data);
        return n;
    }

    private long Write(ServerCall c, MsgReader r)
    {
        uint pos = r.U32();
        var data = r.Array();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        _rt.Printf($"file_server: write(pos={pos}, len={data.Length}, '{Encoding.Latin1.GetString(data)}') rights=0x{c.Label:x} size={_size}\n");
        if (pos > _size)
        {
            _rt.Printf("file_server:   -> -L4_ERANGE (hole)\n");
            return -(long)L4Err.Range;
        }
        if (pos + data.Length > Capacity)
        {
            _rt.Printf("file_server:   -> -L4_ENOSPC\n");
            return -(long)L4Err.NoSpc;
        }
        data.CopyTo(_buf, (int)pos);
        _size = Math.Max(_size, pos + (uint)data.Length);
        _rt.Printf($"file_server:   -> {data.Length} bytes written, size now {_size}\n");
        return data.Length;
    }

    public static int Main(CRuntime rt)
    {
        var fs = new FileServer(rt);
        var loop = new ServerLoop(rt.P.Sys);
        // Registry_server::register_obj(&fs, "service"): the env cap, bound to the main thread with the object's address
        ulong cap = rt.Env.GetCap("service") ?? L4ReEnv.InvalidCap;
        if ((cap & (1UL << 11)) != 0 || rt.P.Sys.Error(rt.P.Sys.GateBind(cap, rt.Env.MainThread, ObjectAddress)) < 0)
        {
            rt.Printf($"file_server: could not register 'service' (cap=0x{cap:x})\n");
            return 1;
        }
        loop.Add(fs, ObjectAddress);
        rt.Printf($"file_server: registered object 0x{ObjectAddress:x} on cap 0x{cap:x}, entering server loop\n");
        loop.Run();
        return 0;
    }
}
