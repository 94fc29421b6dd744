using System.Text.Json;

namespace L4Conf.Model.Trace;

/// <summary>Collects events in order and numbers them; can be switched off for benchmarks.</summary>
public sealed class TraceRecorder
{
    private readonly List<TraceEvent> _events = new();
    public bool Enabled { get; set; } = true;
    public IReadOnlyList<TraceEvent> Events => _events;

    public void Add(TraceEvent e)
    {
        if (!Enabled) return;
        _events.Add(e with { Seq = _events.Count + 1 });
    }

    public void Clear() => _events.Clear();

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>JSON lines: a header line with the format version, then one event per line.</summary>
    public void WriteJsonLines(TextWriter w) => WriteJsonLines(w, _events);

    /// <summary>The same for events numbered elsewhere (a capture reader's).</summary>
    public static void WriteJsonLines(TextWriter w, IReadOnlyList<TraceEvent> events)
    {
        w.WriteLine(JsonSerializer.Serialize(new { format = TraceFormat.Version, events = events.Count }, Json));
        foreach (var e in events) w.WriteLine(JsonSerializer.Serialize(e, Json));
    }
}
