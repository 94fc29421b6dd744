using System.Collections.ObjectModel;
using System.Text;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// Reads a JDB trace-buffer dump (`tbufdumptext`, or the `Trace buffer:` part of the system report `Y`) into
/// trace events: `ipc:` entries become <see cref="Invoke"/>, `answ` entries <see cref="InvokeResultEvent"/>,
/// `pf:` entries <see cref="PageFault"/>. Accepts whole console sessions (other output is ignored), raw serial
/// bytes (CR and ANSI escapes are applied as a terminal would) and plain extracts with a header paragraph.
/// The entries may be newest first, as JDB prints them, or oldest first; events come out oldest first with
/// Seq 1..N and Line = the entry's 1-based line in the input. Every line inside the dump must read, or
/// <see cref="TraceBufferFormatException"/> says which and why.
/// </summary>
public static class TraceBufferReader
{
    /// <summary>Reads a file; serial captures are read as Latin-1 so no byte can fail to decode.</summary>
    public static TraceBufferCapture ReadFile(string path) => Read(File.ReadAllText(path, Encoding.Latin1), path);

    public static TraceBufferCapture Read(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var lines = TbufConsoleText.Lines(text);
        var section = TbufSection.Find(lines, fileName);
        var entries = new List<TbufEntry>(section.End - section.Start);
        for (var i = section.Start; i < section.End; i++)
        {
            // a file that ends inside an entry (no line end after it) has lost the rest of it: a cut number such as
            // `kclk=15` would read as a smaller value, so the entry is refused rather than read
            if (i == lines.Length - 1 && text.Length > 0 && text[^1] is not ('\n' or '\r'))
                throw new TraceBufferFormatException(fileName, i + 1, lines[i], "the file ends inside this entry (no line end after it): the capture is cut short");
            try
            {
                entries.Add(TbufEntry.Parse(lines[i], i + 1));
            }
            catch (TbufFieldException e)
            {
                throw new TraceBufferFormatException(fileName, i + 1, lines[i], e.Message);
            }
        }
        var order = Chronological(entries, lines, fileName);
        return Capture(fileName, entries, order);
    }

    /// <summary>Puts the entries oldest first after checking that the numbers run one way without repeats.</summary>
    private static TraceBufferOrder Chronological(List<TbufEntry> entries, string[] lines, string fileName)
    {
        var order = entries.Count > 1 && entries[0].Number > entries[1].Number
            ? TraceBufferOrder.NewestFirst : TraceBufferOrder.OldestFirst;
        for (var i = 1; i < entries.Count; i++)
        {
            var (prev, cur) = (entries[i - 1], entries[i]);
            var fine = order == TraceBufferOrder.NewestFirst ? cur.Number < prev.Number : cur.Number > prev.Number;
            if (!fine)
                throw new TraceBufferFormatException(fileName, cur.Line, lines[cur.Line - 1],
                    $"entry {cur.Number} follows entry {prev.Number}, but the dump is ordered " +
                    (order == TraceBufferOrder.NewestFirst ? "newest first (falling numbers)" : "oldest first (rising numbers)"));
        }
        if (order == TraceBufferOrder.NewestFirst)
            entries.Reverse();
        return order;
    }

    private static TraceBufferCapture Capture(string fileName, List<TbufEntry> entries, TraceBufferOrder order)
    {
        var events = new TraceEvent[entries.Count];
        for (var i = 0; i < events.Length; i++)
            events[i] = entries[i].Event with { Seq = i + 1 };
        return new TraceBufferCapture(
            fileName,
            Array.AsReadOnly(events),
            Array.AsReadOnly(entries.Select(e => e.Number).ToArray()),
            order,
            Count(entries.Select(e => e.Kind)),
            Count(entries.Select(e => e.Protocol).OfType<string>()),
            Count(entries.Select(e => e.Op).OfType<string>()));
    }

    private static ReadOnlyDictionary<string, int> Count(IEnumerable<string> keys)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var k in keys)
            counts[k] = counts.GetValueOrDefault(k) + 1;
        return new ReadOnlyDictionary<string, int>(counts);
    }
}
