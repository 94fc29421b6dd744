using System.Text;
using L4Conf.Adapters.Console;
using L4Conf.Model.Kernel;
using L4Conf.Model.Trace;
using L4Conf.Reference.Boot;

namespace L4Conf.Adapters.Replay;

/// <summary>
/// The model's run of a replayed scenario, stopped where the capture visited the debugger. A stop point is a model
/// console line (the model's copy of the capture line before the visit) and then the first moment no thread is
/// ready, which is where a person at the serial console enters JDB (a script's sleep). Runs are deterministic, so
/// the console is taken from a first run and the stops are made in a second.
/// </summary>
public sealed class ModelRun
{
    public required IReadOnlyList<string> Console { get; init; }
    public required BootResult Result { get; init; }
    /// <summary>Per debugger visit (index into the capture's sessions): the object graphs taken there.</summary>
    public Dictionary<int, List<ObjectGraph>> Dumps { get; } = new();
    /// <summary>Per visit that dumped the trace buffer: the model's events since logging was switched on.</summary>
    public Dictionary<int, List<TraceEvent>> Windows { get; } = new();
    /// <summary>Visits whose point the model never reached, and why.</summary>
    public Dictionary<int, string> Unreached { get; } = new();
    /// <summary>Per visit that dumped the trace buffer: for each window event (by its number), how many console lines the model had printed.</summary>
    public Dictionary<int, Dictionary<long, int>> ConsoleAt { get; } = new();
    /// <summary>Model debug id ⇒ object name (for reports), from the end of the second run.</summary>
    public Dictionary<ulong, string> Names { get; } = new();

    public static BootImage Image(ReplayInputs inputs) => Image(inputs.Entry, inputs.RomDir, inputs.ScriptModule, inputs.Script);

    /// <summary>The entry's boot image with <paramref name="script"/> as its Ned script module.</summary>
    public static BootImage Image(BootEntry entry, string romDir, string scriptModule, string script) =>
        BootImage.Build(entry, romDir, new Dictionary<string, string> { [scriptModule] = script });

    public static (IReadOnlyList<string> Console, BootResult Result) Plain(BootImage image, ulong maxTimeUs)
    {
        var sb = new StringBuilder();
        using var sys = BootedSystem.Start(image, new BootOptions { Console = s => sb.Append(s) });
        var r = sys.Run(maxTimeUs, untilIdle: true);
        return (ConsoleText.Lines(sb.ToString()), r);
    }

    /// <param name="plain">The first run's console and end (<see cref="Plain"/>), from which the stops were found.</param>
    /// <param name="stops">Per visit, in order: the model console line (1-based) after which it happened, or null if unmatched.</param>
    public static ModelRun Run(BootImage image, ulong maxTimeUs, (IReadOnlyList<string> Console, BootResult Result) plain,
        IReadOnlyList<JdbSession> sessions, IReadOnlyList<(int Line, string Why)?> stops)
    {
        var run = new ModelRun { Console = plain.Console, Result = plain.Result };
        if (sessions.Count == 0) return run;
        int newlines = 0;
        using var sys = BootedSystem.Start(image, new BootOptions { Console = s => { foreach (var ch in s) if (ch == '\n') newlines++; } });
        sys.Kernel.Trace.Enabled = false;
        sys.Kernel.Trace.Clear();
        var consoleAt = new Dictionary<long, int>();
        sys.Kernel.Trace.Recorded += e => consoleAt[e.Seq] = newlines;
        bool ipc = false, answ = false, pf = false;
        for (int i = 0; i < sessions.Count; i++)
        {
            var s = sessions[i];
            if (stops[i] is not { } stop) { for (int j = i; j < sessions.Count; j++) run.Unreached[j] = "the model never prints the capture's line before this visit"; break; }
            bool reached = sys.RunUntil(() => newlines >= stop.Line && sys.Kernel.Quiescent, maxTimeUs);
            if (!reached)
            {
                for (int j = i; j < sessions.Count; j++) run.Unreached[j] = $"the model's run ended (at {sys.Kernel.Clock} µs) before the point after its console line {stop.Line}";
                break;
            }
            if (s.DumpsTraceBuffer)
            {
                run.Windows[i] = sys.Kernel.Trace.Events.Where(e =>
                    (e is Invoke && ipc) || (e is InvokeResultEvent && answ) || (e is PageFault && pf)).ToList();
                run.ConsoleAt[i] = new Dictionary<long, int>(consoleAt);
            }
            if (s.ObjectDumps > 0)
                run.Dumps[i] = Enumerable.Range(0, s.ObjectDumps).Select(_ => sys.Kernel.Snapshot()).ToList();
            if (s.IpcLoggingOn) ipc = true;
            if (s.ResultsOn) answ = true;
            if (s.PfLoggingOn) pf = true;
            if (s.IpcLoggingOff) { ipc = false; answ = false; }
            if (s.PfLoggingOff) pf = false;
            if (s.IpcLoggingOn || s.PfLoggingOn) { sys.Kernel.Trace.Clear(); consoleAt.Clear(); sys.Kernel.Trace.Enabled = true; }
            else if (!ipc && !pf) sys.Kernel.Trace.Enabled = false;
        }
        foreach (var o in sys.Kernel.Objects)
            if (o.Name != null) run.Names[o.DbgId] = o.Name;
            else if (o is Model.Kernel.Thread { Task.Name: { } task }) run.Names[o.DbgId] = task;
        return run;
    }
}
