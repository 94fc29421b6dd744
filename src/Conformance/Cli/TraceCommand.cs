using System.CommandLine;
using System.Text.Json;
using L4Conf.Adapters.Check;
using L4Conf.Adapters.Jdb;
using L4Conf.Model.Trace;

namespace L4Conf.Conformance.Cli;

/// <summary>
/// `l4conf trace read CAPTURE`: reads a JDB trace-buffer capture into trace events and counts them;
/// `l4conf trace check CAPTURE`: checks every IPC event against the model's rules and reports the first violation
/// with its line and the entries before it. Exit 0 consistent, 1 violations, 2 unreadable.
/// </summary>
public static class TraceCommand
{
    public static Command Build()
    {
        var cmd = new Command("trace", "Read real JDB trace-buffer captures and check them against the model's IPC rules");
        cmd.Subcommands.Add(BuildRead());
        cmd.Subcommands.Add(BuildCheck());
        return cmd;
    }

    private static Argument<FileInfo> CaptureArg() => new("capture") { Description = "A serial capture (raw or decoded) or a trace-buffer extract" };

    private static Command BuildRead()
    {
        var file = CaptureArg();
        var jsonl = new Option<bool>("--jsonl") { Description = $"Print the events as JSON lines ({TraceFormat.Version})" };
        var cmd = new Command("read", "Read a capture and count what it holds") { file, jsonl };
        cmd.SetAction(pr => InputErrors.Guard(() =>
        {
            var cap = TraceBufferReader.ReadFile(pr.GetValue(file)!.FullName);
            if (pr.GetValue(jsonl))
            {
                TraceRecorder.WriteJsonLines(Console.Out, cap.Events);   // the reader numbered them 1..N already
                return 0;
            }
            Console.WriteLine($"{cap.FileName}: {cap.EntryCount} entries ({cap.Order}, entry numbers {cap.FirstEntry}..{cap.LastEntry})");
            Console.WriteLine($"  ipc {cap.IpcCount}, answ {cap.AnswerCount}, pf {cap.PageFaultCount}");
            Console.WriteLine("  operations: " + string.Join(", ", cap.OpCounts.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}")));
            Console.WriteLine("  protocols:  " + string.Join(", ", cap.ProtocolCounts.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}")));
            return 0;
        }));
        return cmd;
    }

    private static Command BuildCheck()
    {
        var file = CaptureArg();
        var all = new Option<bool>("--all") { Description = "List every violation, not only the first" };
        var cmd = new Command("check", "Check each IPC event of a capture for consistency with the model's rules") { file, all };
        cmd.SetAction(pr => InputErrors.Guard(() =>
        {
            var cap = TraceBufferReader.ReadFile(pr.GetValue(file)!.FullName);
            var rep = IpcConsistency.Check(cap.Events);
            Console.WriteLine($"{cap.FileName}: {rep.Events} events ({rep.Invokes} ipc, {rep.Answers} answ)");
            Console.WriteLine($"  paired {rep.PairedMessages} messages with their receivers ({rep.PairedReplies} of them replies); " +
                              $"{rep.UnpairedReceives} receives without a sender in the buffer (kernel objects, IRQs, before the buffer start)");
            if (rep.PageFaults > 0)
                Console.WriteLine($"  {rep.PageFaults} page faults, {rep.PagerIpcs} of them sent to a pager as page-fault IPC (the rest went to the L4Re page-fault trampoline)");
            foreach (var (clause, n) in rep.Checked.OrderBy(k => k.Key, StringComparer.Ordinal)) Console.WriteLine($"  {clause,-12} checked {n} times");
            foreach (var v in pr.GetValue(all) ? rep.Violations : rep.Violations.Take(1))
            {
                Console.WriteLine($"VIOLATION of {v.Clause} at line {v.Event.Line}: {v.Message}");
                Console.WriteLine(cap.Order == TraceBufferOrder.NewestFirst
                    ? "  entries before it, oldest first (the file lists newest first, so they stand below it):" : "  entries before it, oldest first:");
                foreach (var b in v.Before) Console.WriteLine($"    line {b.Line}: {Describe(b)}");
                Console.WriteLine($"  >> line {v.Event.Line}: {Describe(v.Event)}");
            }
            Console.WriteLine(rep.Ok ? "consistent with the model's rules" : $"{rep.Violations.Count} violation(s)");
            return rep.Ok ? 0 : 1;
        }));
        return cmd;
    }

    private static string Describe(TraceEvent e) => e switch
    {
        Invoke i => $"ipc {i.ThreadRef ?? i.Thread.ToString("x4")} {i.Op} sel=0x{i.Selector:x} dest={(i.Dest is { } d ? d.ToString("x") : "-")} L=0x{i.Label:x} tag={new Model.Abi.MsgTag(i.Tag)}",
        InvokeResultEvent r => $"answ {r.ThreadRef ?? r.Thread.ToString("x4")} tag={new Model.Abi.MsgTag(r.Tag)} L=0x{r.Label:x} err=0x{r.Error:x}",
        PageFault p => $"pf {p.ThreadRef ?? p.Thread.ToString("x4")} pfa=0x{p.Pfa:x} ip=0x{p.Ip:x} err=0x{p.ErrorCode:x}",
        _ => JsonSerializer.Serialize(e),
    };
}
