using System.Text.Json;

namespace L4Conf.Model.Trace;

/// <summary>Collects events in order and numbers them; can be switched off for benchmarks.</summary>
public sealed class TraceRecorder
{
    private readonly List<TraceEvent> _events = new();
    public bool Enabled { get; set; } = true;
    public IReadOnlyList<TraceEvent> Events => _events;

    /// <summary>Called with each event as it is numbered (a replay notes where the console stood then).</summary>
    public event Action<TraceEvent>? Recorded;

    public void Add(TraceEvent e)
    {
        if (!Enabled) return;
        var n = e with { Seq = _events.Count + 1 };
        _events.Add(n);
        Recorded?.Invoke(n);
    }

    public void Clear() => _events.Clear();

    /// <summary>camelCase names; 64-bit values as hex strings ("0x..."), which JSON numbers cannot carry exactly.</summary>
    /// <summary>The project's JSON convention, for every JSON the tools write (camelCase, 64-bit values as hex strings).</summary>
    public static JsonSerializerOptions JsonOptions(bool indented = false) => new(Json) { WriteIndented = indented };

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new HexU64(), new HexI64() },
    };

    private sealed class HexU64 : System.Text.Json.Serialization.JsonConverter<ulong>
    {
        public override ulong Read(ref Utf8JsonReader r, Type t, JsonSerializerOptions o) =>
            r.TokenType == JsonTokenType.String ? Convert.ToUInt64(r.GetString()!, 16) : r.GetUInt64();
        public override void Write(Utf8JsonWriter w, ulong v, JsonSerializerOptions o) => w.WriteStringValue($"0x{v:x}");
    }

    private sealed class HexI64 : System.Text.Json.Serialization.JsonConverter<long>
    {
        public override long Read(ref Utf8JsonReader r, Type t, JsonSerializerOptions o)
        {
            if (r.TokenType != JsonTokenType.String) return r.GetInt64();
            var s = r.GetString()!;
            return s.StartsWith('-') ? -Convert.ToInt64(s[1..], 16) : Convert.ToInt64(s, 16);
        }
        public override void Write(Utf8JsonWriter w, long v, JsonSerializerOptions o) =>
            w.WriteStringValue(v < 0 ? $"-0x{(ulong)(-(v + 1)) + 1:x}" : $"0x{v:x}");
    }

    /// <summary>JSON lines: a header line with the format version, then one event per line.</summary>
    public void WriteJsonLines(TextWriter w) => WriteJsonLines(w, _events);

    /// <summary>The same for events numbered elsewhere (a capture reader's).</summary>
    public static void WriteJsonLines(TextWriter w, IReadOnlyList<TraceEvent> events)
    {
        w.WriteLine(JsonSerializer.Serialize(new { format = TraceFormat.Version, events = events.Count }, Json));
        foreach (var e in events) w.WriteLine(JsonSerializer.Serialize(e, Json));
    }
}
