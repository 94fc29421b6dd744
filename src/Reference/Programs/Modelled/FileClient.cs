using System.Text;
using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Programs.Modelled;

/// <summary>
/// The seed's file client (traces/real/programs/file_client.cc): through "service" (rw) and "service_ro" (r) it
/// writes, reads, is refused a write through the read-only cap, reads and writes out of range, asks L4::Meta, sends a
/// Dataspace call, an unknown opcode and too-short messages by hand, and reads through an empty slot; "linger"
/// keeps it alive 20 s. The eighteen exchanges are those of file_server_jdb_tbuf_client_server.log.
/// </summary>
public static class FileClient
{
    public const string Name = "file_client";

    public static int Main(CRuntime rt)
    {
        var s = rt.P.Sys;
        ulong f = rt.Env.GetCap("service") ?? L4ReEnv.InvalidCap, ro = rt.Env.GetCap("service_ro") ?? L4ReEnv.InvalidCap;
        rt.Printf($"file_client: service=0x{f:x} service_ro=0x{ro:x}\n");
        long v1 = s.CapValid(0x1000, f).Label, v2 = s.CapValid(0x1000, ro).Label, eq = s.CapEqual(0x1000, f, ro).Label;
        rt.Printf($"file_client: cap_valid(service)={v1} cap_valid(service_ro)={v2} cap_equal(service, service_ro)={eq}\n");

        void DoWrite(string via, ulong cap, uint pos, string text)
        {
            long r = Rpc.Call(s, cap, FileServer.Proto, new MsgWriter(s.Self.Utcb).Opcode(1).U32(pos).Array(Encoding.Latin1.GetBytes(text)));
            rt.Printf($"file_client: write({pos}, \"{text}\") via {via} -> {r} ({(r < 0 ? CRuntime.ErrText(r) : "ok")})\n");
        }
        void DoRead(string via, ulong cap, uint pos, uint len)
        {
            long r = Rpc.Call(s, cap, FileServer.Proto, new MsgWriter(s.Self.Utcb).Opcode(0).U32(pos).U32(len));
            if (r >= 0)
            {
                // the reply's array: at most the client's 64-byte buffer is taken
                var rd = new MsgReader(s.Self.Utcb, Model.Kernel.Utcb.MrCount);
                var data = rd.Array();
                if (data.Length > 64) data = data[..64];
                rt.Printf($"file_client: read({pos}, {len}) via {via} -> {r}, data[{data.Length}]='{Encoding.Latin1.GetString(data)}'\n");
            }
            else rt.Printf($"file_client: read({pos}, {len}) via {via} -> {r} ({CRuntime.ErrText(r)})\n");
        }

        DoWrite("service(rw)", f, 0, "Hello, ");
        DoWrite("service(rw)", f, 7, "L4Re world!");
        DoRead("service(rw)", f, 0, 64);
        DoRead("service_ro(r)", ro, 7, 4);
        DoWrite("service_ro(r)", ro, 0, "XXXX");
        DoRead("service_ro(r)", ro, 0, 64);
        DoRead("service(rw)", f, 100, 8);
        DoRead("service(rw)", f, 18, 10);
        DoWrite("service(rw)", f, 18, "0123456789ABCDEF");
        DoWrite("service(rw)", f, 40, "gap");

        // L4::Meta::supports (opcode 2, a long protocol), answered by the framework
        long m = Rpc.Call(s, ro, (long)Protocol.Meta, new MsgWriter(s.Self.Utcb).Opcode(2).I64(FileServer.Proto));
        rt.Printf($"file_client: Meta::supports(0x{FileServer.Proto:x}) via service_ro -> {m}\n");
        m = Rpc.Call(s, ro, (long)Protocol.Meta, new MsgWriter(s.Self.Utcb).Opcode(2).I64(DsClient.Proto));
        rt.Printf($"file_client: Meta::supports(Dataspace proto {DsClient.Proto}) via service_ro -> {m}\n");
        // Dataspace::info (opcode 2) sent to the file object
        m = Rpc.Call(s, f, DsClient.Proto, new MsgWriter(s.Self.Utcb).Opcode(2));
        rt.Printf($"file_client: Dataspace::info() via service -> {m} ({(m < 0 ? CRuntime.ErrText(m) : "ok")})\n");

        // by hand: one word, opcode 7; then opcode 1 with one word (MR1 = 0 is not sent), through ro and rw
        var u = s.Self.Utcb;
        u.SetMr(0, 7);
        var t = s.Call(f, new MsgTag(FileServer.Proto, 1, 0));
        rt.Printf($"file_client: raw call opcode 7 -> ipc_error={IpcError(s, t)} label={t.Label}\n");
        u.SetMr(0, 1);
        u.SetMr(1, 0);
        t = s.Call(ro, new MsgTag(FileServer.Proto, 1, 0));
        rt.Printf($"file_client: raw call opcode 1 (short msg) via service_ro -> ipc_error={IpcError(s, t)} label={t.Label}\n");
        t = s.Call(f, new MsgTag(FileServer.Proto, 1, 0));
        rt.Printf($"file_client: raw call opcode 1 (short msg) via service -> ipc_error={IpcError(s, t)} label={t.Label}\n");

        ulong none = rt.AllocCap();
        long rn = Rpc.Call(s, none, FileServer.Proto, new MsgWriter(s.Self.Utcb).Opcode(0).U32(0).U32(4));
        rt.Printf($"file_client: read via empty cap slot 0x{none:x} -> {rn} ({CRuntime.ErrText(rn)})\n");

        DoRead("service(rw)", f, 0, 64);
        rt.Printf("file_client: done\n");
        if (rt.Argv.Count > 1 && rt.Argv[1] == "linger")
        {
            rt.Printf("FILE_CLIENT: lingering 20 s\n");
            rt.Sleep(20000);
        }
        return 0;
    }

    /// <summary>l4_ipc_error: the UTCB's error code when the tag's error flag is set, else 0.</summary>
    private static long IpcError(Model.Bindings.L4Sys s, MsgTag t) => t.HasError ? ((long)s.Self.Utcb.Error & 0x1F) : 0;
}
