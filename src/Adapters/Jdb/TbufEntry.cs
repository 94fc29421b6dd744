using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>One entry read from its line: the event plus what the capture's counts are made of.</summary>
internal sealed record TbufEntry(long Number, int Line, string Kind, TraceEvent Event, string? Protocol, string? Op)
{
    /// <summary>Reads the line at 1-based <paramref name="line"/>; throws <see cref="TbufFieldException"/>.</summary>
    public static TbufEntry Parse(string text, int line)
    {
        var l = TbufLine.Parse(text);
        try
        {
            return Parse(l, line);
        }
        catch (TbufFieldException e) when (l.MayBeCut)
        {
            throw new TbufFieldException(e.Message + " (the entry fills JDB's 120-column field and may have been cut)");
        }
    }

    private static TbufEntry Parse(TbufLine l, int line)
    {
        switch (l.Kind)
        {
            case TbufKinds.Ipc:
                var (invoke, proto, op) = TbufIpcEntry.Parse(l.Body, line, l.Kclk);
                return new TbufEntry(l.Number, line, l.Kind, invoke, proto, op);
            case TbufKinds.Answer:
                var (result, answered) = TbufAnswerEntry.Parse(l.Body, line, l.Kclk);
                return new TbufEntry(l.Number, line, l.Kind, result, answered, null);
            default:
                return new TbufEntry(l.Number, line, l.Kind, TbufPageFaultEntry.Parse(l.Body, line, l.Kclk), null, null);
        }
    }
}
