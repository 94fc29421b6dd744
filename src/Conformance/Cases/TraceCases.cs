using L4Conf.Adapters.Check;
using L4Conf.Adapters.Jdb;
using L4Conf.Conformance.Suite;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>Real trace-buffer captures: they read completely and every IPC event is consistent with the model's rules.</summary>
public static class TraceCases
{
    /// <summary>Each capture with its entry, ipc, answ and pf counts (counted independently with grep).</summary>
    public static readonly (string File, int Entries, int Ipc, int Answ, int Pf)[] Captures =
    [
        ("jdb_tbuf.log", 2310, 1115, 1015, 180),
        ("jdb_session.raw", 2310, 1115, 1015, 180),
        ("file_server_jdb_tbuf_client_server.log", 71, 36, 35, 0),
        ("file_server_jdb.raw", 2272, 1182, 1090, 0),
        ("faults_jdb.log", 11265, 5483, 5119, 663),
        ("faults_jdb_tbuf_pf_exc.log", 1433, 387, 383, 663),
    ];

    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("trace/real-captures-consistent", "every real trace-buffer capture reads completely and is consistent with the model's IPC rules",
            ["TRACE-2", "IPC-ERR-1", "IPC-ERR-2", "IPC-ERR-3", "INV-3", "IPC-MSG-1", "IPC-LABEL-1", "IPC-LABEL-2", "IPC-REPLY-1", "PF-ERR-U", "PF-IPC-1", "PF-IPC-5"], c =>
        {
            int total = 0, paired = 0, pfIpc = 0;
            foreach (var (file, entries, ipc, answ, pf) in Captures)
            {
                var cap = TracePath.TraceBuffer(file);
                c.Equal((entries, ipc, answ, pf), (cap.EntryCount, cap.IpcCount, cap.AnswerCount, cap.PageFaultCount), $"{file}: entries, ipc, answ, pf");
                var rep = IpcConsistency.Check(cap.Events);
                c.True(rep.Ok, $"{file}: " + string.Join("; ", rep.Violations.Take(3).Select(v => $"{v.Clause} at line {v.Event.Line}: {v.Message}")));
                total += rep.Answers;
                paired += rep.PairedMessages;
                pfIpc += rep.PagerIpcs;
            }
            c.True(pfIpc >= 339 + 92, $"page-fault IPCs checked: {pfIpc}");
            c.Note($"{total} answers checked, {paired} messages paired with their receivers, {pfIpc} page-fault IPCs");
        });
    }
}
