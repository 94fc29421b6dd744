using L4Conf.Adapters.Jdb;
using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Model.Trace;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// The seed's file server, for real (traces/real/file_server_jdb_tbuf_client_server.log, programs/file_*.cc): the
/// client's calls through its rw cap (C:18), its r cap (C:17) and an empty slot, and the server's replies, replayed on
/// the model. Every answer the real kernel gave either thread must come out the same: tag, label, error, words.
/// </summary>
public static class FileServerCase
{
    public const ulong ServerThread = 0x4c, GateLabel = 0x42d420;

    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("ipc/file-server-real-capture", "the real file-server exchange replayed on the model gives the captured labels, tags, words and errors",
            ["IPC-FS-1", "IPC-LABEL-1", "IPC-REPLY-1", "IPC-MSG-1", "INV-1"], Run);
    }

    private static void Run(CaseContext c)
    {
        var cap = TracePath.TraceBuffer("file_server_jdb_tbuf_client_server.log");
        var ev = cap.Events;
        bool IsClient(TraceEvent e) => e is Invoke { ThreadRef: not null } or InvokeResultEvent { ThreadRef: not null };
        var calls = ev.OfType<Invoke>().Where(IsClient).ToList();
        var clientAnsw = ev.OfType<InvokeResultEvent>().Where(IsClient).ToList();
        var repls = ev.OfType<Invoke>().Where(i => i.Thread == ServerThread && i.Op == "repl").ToList();
        var serverAnsw = ev.OfType<InvokeResultEvent>().Where(r => r.Thread == ServerThread).ToList();
        c.Equal(18, calls.Count, "client calls in the capture");
        c.Equal(17, repls.Count, "server replies in the capture");

        var w = new World();
        var server = w.NewTask("file_server");
        var client = w.NewTask("file_client");
        ulong gate = w.GateTo(server, GateLabel, client, 0x18 << 12, CapRights.RW);      // service, rw
        w.Check(w.Map(client.TaskSel, 0x17 << 12, CapRights.R, 0, gate), "service_ro, r");
        var ss = w.ProgramSys(server.Thread);
        var cs = w.ProgramSys(client.Thread);
        IEnumerable<SyscallRequest> Server()
        {
            yield return ss.Next(ss.Wait());
            foreach (var r in repls)
            {
                for (int i = 0; i < r.Mrs.Length; i++) server.Thread.Utcb.SetMr(i, r.Mrs[i]);
                yield return ss.Next(ss.ReplyAndWait(new MsgTag(r.Tag), label: r.Label));
            }
        }
        IEnumerable<SyscallRequest> Client()
        {
            foreach (var call in calls)
            {
                for (int i = 0; i < call.Mrs.Length; i++) client.Thread.Utcb.SetMr(i, call.Mrs[i]);
                yield return cs.Next(cs.Ipc(call.Selector, new MsgTag(call.Tag), call.Label, call.Timeouts));
            }
        }
        int before = w.K.Trace.Events.Count;
        w.K.Start(server.Thread, Server());
        w.K.Start(client.Thread, Client());
        w.K.Run();
        var model = w.K.Trace.Events.Skip(before).OfType<InvokeResultEvent>().ToList();
        Compare(c, "server", serverAnsw, model.Where(r => r.Thread == server.Thread.DbgId).ToList());
        Compare(c, "client", clientAnsw, model.Where(r => r.Thread == client.Thread.DbgId).ToList());
        c.Note($"{calls.Count} calls, {repls.Count} replies, {serverAnsw.Count + clientAnsw.Count} answers compared");
    }

    /// <summary>Each captured answer against the model's, in order: tag, label, error, and the words JDB showed.</summary>
    private static void Compare(CaseContext c, string who, List<InvokeResultEvent> real, List<InvokeResultEvent> model)
    {
        c.Equal(real.Count, model.Count, $"{who}: number of answers");
        for (int i = 0; i < real.Count; i++)
        {
            var (r, m) = (real[i], model[i]);
            string at = $"{who} answer {i + 1} (capture line {r.Line})";
            c.Equal(new MsgTag(r.Tag).ToString(), new MsgTag(m.Tag).ToString(), $"{at}: tag");
            c.Equal(r.Label, m.Label, $"{at}: label");
            c.Equal(r.Error, m.Error, $"{at}: error");
            for (int k = 0; k < r.Mrs.Length; k++) c.Equal(r.Mrs[k], m.Mrs.Length > k ? m.Mrs[k] : 0UL, $"{at}: MR{k}");
        }
    }
}
