using BenchmarkDotNet.Attributes;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;

namespace L4Conf.Benchmarks;

/// <summary>
/// Throughput of the kernel core through the real call path (UTCB + system call entry), trace recording off:
/// one object map plus its unmap, one cap_valid invocation, and one gate create plus delete.
/// </summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private L4Sys _root = null!;
    private ulong _child;
    private const ulong Slot = 0x20UL << 12;

    [GlobalSetup]
    public void Setup()
    {
        var boot = BootState.Create();
        boot.Kernel.Trace.Enabled = false;
        _root = new L4Sys(boot.Kernel, boot.RootThread);
        _child = 0x100UL << 12;
        _root.CreateTask(2 << 12, _child, Fpage.Memory(0xB300_0000, 12, MemRights.RW));
    }

    /// <summary>Task::map of the log cap into the child, then Task::unmap with L4_FP_ALL_SPACES in the child.</summary>
    [Benchmark]
    public long MapThenUnmap()
    {
        var t1 = _root.TaskMap(_child, 1 << 12, Fpage.Obj(5 << 12, 0, CapRights.RWS), Slot | 8);
        var t2 = _root.TaskUnmap(_child, Fpage.Obj(Slot, 0, CapRights.RWSD), UnmapMask.AllSpaces);
        return t1.Raw + t2.Raw;
    }

    /// <summary>One object invocation: l4_task_cap_valid on the root task.</summary>
    [Benchmark]
    public long CapValid() => _root.CapValid(1 << 12, 5 << 12).Raw;

    /// <summary>Factory create of an IPC gate into a slot, then its deletion (quota charged and returned).</summary>
    [Benchmark]
    public long CreateAndDeleteGate()
    {
        var t1 = _root.FactoryCreate(2 << 12, 0, 0x200UL << 12);
        var t2 = _root.DeleteObj(1 << 12, 0x200UL << 12);
        return t1.Raw + t2.Raw;
    }
}
