using BenchmarkDotNet.Attributes;
using L4Conf.Reference.Boot;

namespace L4Conf.Benchmarks;

/// <summary>
/// The whole reference system: `boot-hello` booted in process (kernel, sigma0, Moe, the L4Re runtime, Ned running
/// boot_hello.lua, gcc's hello on the x86 model) until nothing can run. The real system's figure for the same entry
/// under QEMU is 1.16 s from QEMU's start to "BOOT_HELLO: hello exited with 0" (traces/real/README.md); QEMU and
/// a Fiasco image are not available in this run, so that figure is the capture's.
/// </summary>
[MemoryDiagnoser]
public class RuntimeBenchmarks
{
    private BootImage _image = null!;

    [GlobalSetup]
    public void Setup()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Conformance.sln"))) dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("run from the repository");
        var real = Path.Combine(dir, "traces", "real");
        var entry = ModulesList.Load(Path.Combine(real, "programs", "modules.list"), "boot-hello");
        _image = BootImage.Build(entry, Path.Combine(real, "rom"));           // builds hello with gcc once (cached)
    }

    [Benchmark]
    public ulong BootHello()
    {
        using var sys = BootedSystem.Start(_image, new BootOptions());
        var r = sys.Run(3_600_000_000, untilIdle: true);
        if (r.Stop != BootStop.Idle) throw new InvalidOperationException($"boot-hello ended with {r.Stop}");
        return r.TimeUs;
    }
}
