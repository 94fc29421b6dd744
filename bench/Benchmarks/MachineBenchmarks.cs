using BenchmarkDotNet.Attributes;
using Iced.Intel;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Model.Machine;
using static Iced.Intel.AssemblerRegisters;
using KThread = L4Conf.Model.Kernel.Thread;

namespace L4Conf.Benchmarks;

/// <summary>
/// The machine: instructions per second of the CPU model with paging on (code and data through 4-level page tables
/// and the TLB-backed bus), and page faults handled per second end to end (fault, page-fault IPC to the pager, the
/// pager's map reply, retry).
/// </summary>
[MemoryDiagnoser]
public class MachineBenchmarks
{
    public const int LoopIterations = 1_000_000, InstructionsPerIteration = 4, Faults = 512;
    private readonly Cpu _cpu = new();
    private CpuState _regs = null!;
    private PagedMemoryBus _bus = null!;
    private ulong _start;

    internal static byte[] Assemble(ulong at, Action<Assembler> code)
    {
        var a = new Assembler(64);
        code(a);
        var s = new MemoryStream();
        a.Assemble(new StreamCodeWriter(s), at);
        return s.ToArray();
    }

    [GlobalSetup(Target = nameof(CountingLoop))]
    public void SetupLoop()
    {
        var mem = new PhysicalMemory(40, 0x1e12e000, 0x1ffdf000);
        var t = new PageTables(mem);
        _start = 0x40_0000;
        t.Map(_start, 0x10_0000, PageSize.Size4K, writable: false, executable: true);
        t.Map(0x60_0000, 0x20_0000, PageSize.Size4K, writable: true, executable: false);
        // add, add to memory, cmp, jnz: 4 instructions per iteration, one of them a load-modify-store through the bus.
        mem.Write(0x10_0000, Assemble(_start, a =>
        {
            var loop = a.CreateLabel();
            a.xor(eax, eax);
            a.Label(ref loop);
            a.add(rax, 1);
            a.add(__qword_ptr[0x60_0000], rax);
            a.cmp(rax, LoopIterations);
            a.jne(loop);
            a.ud2();
        }));
        _bus = new PagedMemoryBus(t);
        _regs = new CpuState();
    }

    /// <summary>One million iterations of a 4-instruction loop with paging on; OperationsPerInvoke counts instructions.</summary>
    [Benchmark(OperationsPerInvoke = LoopIterations * InstructionsPerIteration)]
    public StopReason CountingLoop()
    {
        _regs.Rip = _start;
        return _cpu.Run(_regs, _bus, long.MaxValue);
    }

    private Kernel _k = null!;
    private KThread _app = null!;
    private UserMachine _machine = null!;
    private ulong _appTask;
    private L4Sys _root = null!;

    [GlobalSetup(Target = nameof(PageFaultsHandled))]
    public void SetupFaults()
    {
        var boot = BootState.Create();
        _k = boot.Kernel;
        _k.AttachMachine();
        _k.Trace.Enabled = false;
        _root = new L4Sys(_k, boot.RootThread);
        _appTask = 0x100UL << 12;
        _root.CreateTask(2 << 12, _appTask, Fpage.Memory(0xB300_0000, 12, MemRights.RW));
        _root.FactoryCreate(2 << 12, (long)Protocol.Thread, 0x101UL << 12);
        _root.ThreadControl(0x101UL << 12, ThreadCtlFlags.BindTask | ThreadCtlFlags.SetPager, pager: 0x30UL << 12, bindTask: _appTask, utcb: 0xB300_0000);
        _root.ExRegs(0x101UL << 12, 0, 0);
        _app = (KThread)boot.Root.Space[0x101]!.Object;
        // The pager is sigma0's thread, reached through root's pager gate (C:4) mapped into the app at 0x30; it answers
        // each fault with its 1:1 page at 0x4000000 + (fault offset).
        _root.TaskMap(_appTask, 1 << 12, Fpage.Obj(4 << 12, 0, CapRights.RWS), (0x30UL << 12) | 8);
        var s0 = boot.Sigma0Thread;
        var s = new L4Sys(_k, s0, deferred: true);
        IEnumerable<SyscallRequest> Pager()
        {
            yield return s.Next(s.Wait());
            while (true)
            {
                ulong pfa = s0.Utcb.Mr(0) & ~0xFFFUL;
                s0.Utcb.SetMr(0, pfa | 8);
                s0.Utcb.SetMr(1, Fpage.Memory(0x400_0000 + (pfa - 0x1000_0000), 12, MemRights.RW).Raw);
                yield return s.Next(s.ReplyAndWait(new MsgTag(0, 0, 1)));
            }
        }
        _k.Start(s0, Pager());
        // App: touch 512 new pages, one write each, then ud2 (no exception handler: the thread stops there).
        ulong code = 0x40_0000;
        var codeBytes = Assemble(code, a =>
        {
            var loop = a.CreateLabel();
            a.mov(rdi, 0x1000_0000);
            a.mov(ecx, Faults);
            a.Label(ref loop);
            a.mov(__qword_ptr[rdi], rcx);
            a.add(rdi, 0x1000);
            a.dec(ecx);
            a.jnz(loop);
            a.ud2();
        });
        // The code page comes from sigma0's memory too (1:1 at 0x3000000), mapped RX by root through sigma0's task cap.
        _k.Physical!.Write(0x300_0000, codeBytes);
        _machine = new UserMachine(new CpuState(), _k.BusOf((L4Conf.Model.Kernel.Task)boot.Root.Space[0x100]!.Object), _cpu.Run);
        _boot = boot;
        // A benchmark that measures nothing is worse than none: check that one run really takes every fault.
        PageFaultsHandled();
        int pages = ((L4Conf.Model.Kernel.Task)boot.Root.Space[0x100]!.Object).Memory.Count();
        if (pages != Faults + 1) throw new InvalidOperationException($"setup: expected {Faults} faulted pages plus code, found {pages}");
    }

    private BootState _boot = null!;

    /// <summary>512 page faults, each resolved by page-fault IPC to the pager and its map reply; OperationsPerInvoke counts faults.</summary>
    [Benchmark(OperationsPerInvoke = Faults)]
    public RunStop PageFaultsHandled()
    {
        var task = (L4Conf.Model.Kernel.Task)_boot.Root.Space[0x100]!.Object;
        // Fresh address space content: drop the data pages, (re)map the code page from sigma0's 1:1 memory.
        _k.UnmapMemory(task, Fpage.Memory(0x1000_0000, 24, MemRights.RWX), UnmapMask.AllSpaces);
        _k.MapMemory(_boot.Sigma0, Fpage.Memory(0x300_0000, 12, MemRights.RX), task, 0x40_0000, grant: false, cache: 0);
        _machine.Regs.Rip = 0x40_0000;
        _k.CancelIpc(_app);                         // the last run ended blocked in its ud2 exception (no handler)
        _k.StartMachine(_app, _machine);
        return _k.Run(maxSteps: 100_000);
    }
}
