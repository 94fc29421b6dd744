using System.Collections.Concurrent;
using L4Conf.Adapters.Jdb;
using L4Conf.Model.Trace;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// Finds the captures shipped with the tool (copied next to the binary) or in the source tree, and reads each one once
/// per process: several cases and tests look at the same real capture, and the readers' results are not changed.
/// </summary>
public static class TracePath
{
    private static readonly ConcurrentDictionary<string, Lazy<TraceBufferCapture>> TraceBuffers = new();
    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<ObjectGraph>>> ObjectDumpFiles = new();

    public static string Real(string file)
    {
        foreach (var dir in Candidates())
        {
            var p = Path.Combine(dir, "real", file);
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException($"capture traces/real/{file} not found next to the tool or in the source tree");
    }

    /// <summary>traces/mbt/<paramref name="file"/>: the model-based-testing plugin examples.</summary>
    public static string Mbt(string file)
    {
        foreach (var dir in Candidates())
        {
            var p = Path.Combine(dir, "mbt", file);
            if (File.Exists(p) || Directory.Exists(p)) return p;
        }
        throw new FileNotFoundException($"traces/mbt/{file} not found next to the tool or in the source tree");
    }

    /// <summary>The trace buffer of traces/real/<paramref name="file"/>, read once.</summary>
    public static TraceBufferCapture TraceBuffer(string file) =>
        TraceBuffers.GetOrAdd(file, f => new(() => TraceBufferReader.ReadFile(Real(f)))).Value;

    /// <summary>The object dumps of traces/real/<paramref name="file"/>, read once.</summary>
    public static IReadOnlyList<ObjectGraph> ObjectDumps(string file) =>
        ObjectDumpFiles.GetOrAdd(file, f => new(() => ObjectDumpReader.ReadFile(Real(f)))).Value;

    private static IEnumerable<string> Candidates()
    {
        yield return Path.Combine(AppContext.BaseDirectory, "traces");
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Conformance.sln"))) { yield return Path.Combine(d.FullName, "traces"); break; }
    }
}
