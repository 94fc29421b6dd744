using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// One JDB trace-buffer dump read into trace events, oldest first (<see cref="TraceEvent.Seq"/> 1..N), with the
/// counts a test or report wants without walking the events again.
/// </summary>
/// <param name="FileName">The name the text was read under.</param>
/// <param name="Events">Invoke (`ipc:`), InvokeResultEvent (`answ`) and PageFault (`pf:`) events, chronological.</param>
/// <param name="EntryNumbers">JDB's entry number of each event, parallel to <paramref name="Events"/>.</param>
/// <param name="Order">How the entries were ordered in the text.</param>
/// <param name="KindCounts">Entries by kind: `ipc`, `answ`, `pf`.</param>
/// <param name="ProtocolCounts">`ipc` and `answ` entries with a tag, by the protocol text JDB printed
/// (`Klog`, `4649`, `E` for an error result).</param>
/// <param name="OpCounts">`ipc` entries by JDB's operation text (`call ipc`, `send`, `repl`, ...).</param>
public sealed record TraceBufferCapture(
    string FileName,
    IReadOnlyList<TraceEvent> Events,
    IReadOnlyList<long> EntryNumbers,
    TraceBufferOrder Order,
    IReadOnlyDictionary<string, int> KindCounts,
    IReadOnlyDictionary<string, int> ProtocolCounts,
    IReadOnlyDictionary<string, int> OpCounts)
{
    public int EntryCount => Events.Count;
    public int IpcCount => KindCounts.GetValueOrDefault(TbufKinds.Ipc);
    public int AnswerCount => KindCounts.GetValueOrDefault(TbufKinds.Answer);
    public int PageFaultCount => KindCounts.GetValueOrDefault(TbufKinds.PageFault);

    /// <summary>Lowest entry number in the dump.</summary>
    public long FirstEntry => EntryNumbers[0];

    /// <summary>Highest entry number in the dump.</summary>
    public long LastEntry => EntryNumbers[^1];
}
