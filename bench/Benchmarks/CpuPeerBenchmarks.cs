using BenchmarkDotNet.Attributes;
using L4Conf.Model.Machine;
using L4Conf.Reference.L4Re;

namespace L4Conf.Benchmarks;

/// <summary>
/// The CPU model's loop rate beside the same loop run natively and under QEMU's user-mode TCG (qemu-x86_64): one
/// static ELF (peers/loop.S), whose segments the model maps 1:1 into its page tables, so all three run the very
/// same bytes: add, add to memory (RIP-relative), cmp, jne. Each figure is per instruction; the native and QEMU
/// runs include one process start, made negligible by their iteration counts.
/// </summary>
[MemoryDiagnoser]
public class CpuPeerBenchmarks
{
    public const int InstructionsPerIteration = 4;
    public const int ModelIterations = 1_000_000, QemuIterations = 100_000_000, NativeIterations = 500_000_000;
    private readonly Cpu _cpu = new();
    private readonly CpuState _regs = new();
    private PagedMemoryBus _bus = null!;
    private ulong _spin;
    private string _exe = null!, _qemu = null!;

    [GlobalSetup]
    public void Setup()
    {
        _exe = Peers.Build("loop.S", "-nostdlib", "-static", "-no-pie");
        _qemu = Peers.Qemu();
        var bytes = File.ReadAllBytes(_exe);
        var elf = ElfImage.Parse(bytes) ?? throw new InvalidOperationException("loop: not an ELF file");
        _spin = SymbolOf(_exe, "spin");
        var mem = new PhysicalMemory(40, 0x1e12e000, 0x1ffdf000);
        var tables = new PageTables(mem);
        ulong phys = 0x10_0000;
        foreach (var seg in elf.Segments.Where(s => s.Type == ElfSegment.PtLoad))
        {
            ulong va = seg.VAddr & ~0xFFFUL, end = (seg.VAddr + seg.MemSize + 0xFFF) & ~0xFFFUL;
            for (ulong p = va; p < end; p += 0x1000)
                tables.Map(p, phys + (p - va), PageSize.Size4K, writable: (seg.Flags & ElfSegment.PfW) != 0, executable: (seg.Flags & ElfSegment.PfX) != 0);
            mem.Write(phys + (seg.VAddr - va), bytes.AsSpan((int)seg.Offset, (int)seg.FileSize));
            phys += end - va;
        }
        _bus = new PagedMemoryBus(tables);
        // Check once that the model really runs the loop to its exit syscall.
        var stop = ModelLoop();
        if (stop.Kind != StopKind.Syscall || stop.Retired < (long)ModelIterations * InstructionsPerIteration)
            throw new InvalidOperationException($"setup: the model's loop stopped with {stop}");
    }

    private static ulong SymbolOf(string exe, string name)
    {
        // nm is part of binutils, which gcc brings.
        foreach (var line in Peers.Output("nm", exe).Split('\n'))
        {
            var f = line.Split(' ');
            if (f.Length == 3 && f[2] == name) return Convert.ToUInt64(f[0], 16);
        }
        throw new InvalidOperationException($"symbol {name} not found in {exe}");
    }

    /// <summary>The model: the loop from <c>spin</c> to the exit syscall, paging on.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ModelIterations * InstructionsPerIteration)]
    public StopReason ModelLoop()
    {
        _regs.Rip = _spin;
        _regs.R[7] = (ulong)ModelIterations;   // rdi
        return _cpu.Run(_regs, _bus, long.MaxValue);
    }

    /// <summary>The same ELF natively on this machine's CPU.</summary>
    [Benchmark(OperationsPerInvoke = NativeIterations * InstructionsPerIteration)]
    public void NativeLoop() => Peers.Run(_exe, NativeIterations.ToString());

    /// <summary>The same ELF under qemu-x86_64 (QEMU user-mode TCG).</summary>
    [Benchmark(OperationsPerInvoke = QemuIterations * InstructionsPerIteration)]
    public void QemuLoop() => Peers.Run(_qemu, _exe, QemuIterations.ToString());
}
