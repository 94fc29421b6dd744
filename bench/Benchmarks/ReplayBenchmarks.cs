using System.Text;
using BenchmarkDotNet.Attributes;
using L4Conf.Adapters.Jdb;
using L4Conf.Adapters.Replay;

namespace L4Conf.Benchmarks;

/// <summary>
/// Replaying the largest capture, traces/real/faults_jdb.log (11.9k lines, 11,265 trace-buffer entries, the faults
/// scenario booted twice), beside the floor any tool that reads the capture pays: a plain text scan of the same
/// file (read it, count its `ipc:`/`answ`/`pf:` lines), and the trace-buffer reader alone.
/// </summary>
[MemoryDiagnoser]
public class ReplayBenchmarks
{
    private ReplayInputs _inputs = null!;
    private string _capture = null!;

    [GlobalSetup]
    public void Setup()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Conformance.sln"))) dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("run from the repository");
        var real = Path.Combine(dir, "traces", "real");
        _capture = Path.Combine(real, "faults_jdb.log");
        _inputs = ReplayInputs.Resolve(_capture, null, null, Path.Combine(real, "rom", "modules.list"), null, Path.Combine(real, "rom"));
        Replay.Run(_inputs);   // builds the C programs with gcc once (cached)
    }

    [Benchmark(Baseline = true)]
    public int TextScan()
    {
        int n = 0;
        foreach (var line in File.ReadLines(_capture, Encoding.Latin1))
            if (line.Contains(" ipc: ", StringComparison.Ordinal) || line.Contains(" answ ", StringComparison.Ordinal) || line.Contains(" pf: ", StringComparison.Ordinal)) n++;
        return n;
    }

    [Benchmark]
    public int ReadTraceBuffer() => TraceBufferReader.ReadFile(_capture).EntryCount;

    /// <summary>One plain model run of the scenario (a replay makes two: one for the console, one stopping at the visits).</summary>
    [Benchmark]
    public int BootFaultsJdb() => ModelRun.Plain(ModelRun.Image(_inputs), Replay.DefaultMaxTimeUs).Console.Count;

    [Benchmark]
    public int ReplayFaultsJdb()
    {
        var r = Replay.Run(_inputs);
        if (!r.Passed) throw new InvalidOperationException("faults_jdb no longer replays cleanly");
        return r.TbufPairs;
    }
}
