using BenchmarkDotNet.Attributes;
using Iced.Intel;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Model.Machine;
using static Iced.Intel.AssemblerRegisters;
using KThread = L4Conf.Model.Kernel.Thread;
using KTask = L4Conf.Model.Kernel.Task;

namespace L4Conf.Benchmarks;

/// <summary>
/// IPC ping-pong with both partners in x86 machine code: a client and a server thread in two tasks, connected by an IPC
/// gate, each entering the kernel through <c>syscall</c> with the real amd64 convention (RDX = cap | flags, RAX = tag,
/// RSI = label, R8 = timeouts) and the message in the UTCB (found through GS). Two words each way, checked by the
/// client, as in traces/real/pingpong.md. Beside it, the Linux peer on this host: two threads of one process pinned to
/// one CPU, futex wait/wake (peers/futex_pingpong.c).
/// </summary>
[MemoryDiagnoser]
public class MachinePingPongBenchmarks
{
    public const int RoundTrips = 10_000, LinuxRoundTrips = 100_000;
    private const ulong Code = 0x40_0000, Utcb = 0xB300_0000, GateInClient = 0x30;
    private const ulong InvalidCap = ~0UL << 11;
    private readonly Cpu _cpu = new();
    private Kernel _k = null!;
    private KThread _client = null!;
    private UserMachine _clientMachine = null!;
    private string _linux = null!;

    [GlobalSetup]
    public void Setup()
    {
        _linux = Peers.Build("futex_pingpong.c", "-O2", "-pthread");
        var boot = BootState.Create();
        _k = boot.Kernel;
        _k.AttachMachine();
        _k.Trace.Enabled = false;
        var root = new L4Sys(_k, boot.RootThread);
        var (serverTask, server) = NewThread(root, 0x100);
        var (clientTask, client) = NewThread(root, 0x110);
        root.CreateGate(2 << 12, 0x120UL << 12, 0x101UL << 12, 0x40);
        root.TaskMap(0x110UL << 12, 1 << 12, Fpage.Obj(0x120UL << 12, 0, CapRights.RW), (GateInClient << 12) | 8);
        // The code pages come from sigma0's 1:1 memory, mapped RX into each task.
        _k.Physical!.Write(0x300_0000, MachineBenchmarks.Assemble(Code, ServerCode));
        _k.Physical!.Write(0x300_1000, MachineBenchmarks.Assemble(Code, ClientCode));
        _k.MapMemory(boot.Sigma0, Fpage.Memory(0x300_0000, 12, MemRights.RX), serverTask, Code, grant: false, cache: 0);
        _k.MapMemory(boot.Sigma0, Fpage.Memory(0x300_1000, 12, MemRights.RX), clientTask, Code, grant: false, cache: 0);
        _k.StartMachine(server, Machine(serverTask));
        _client = client;
        _clientMachine = Machine(clientTask);
        // A benchmark that measures nothing is worse than none: one run must make every round trip with right answers.
        ClientRoundTrips();
        if (_clientMachine.Regs.R[12] != RoundTrips || _clientMachine.Regs.R[13] != 0)
            throw new InvalidOperationException($"setup: the client made {_clientMachine.Regs.R[12]} round trips, {_clientMachine.Regs.R[13]} bad (RIP 0x{_clientMachine.Regs.Rip:x})");
    }

    private UserMachine Machine(KTask t) =>
        new(new CpuState { Rip = Code, GsBase = Utcb + L4Conf.Model.Kernel.Utcb.OwnAddressOffset }, _k.BusOf(t), _cpu.Run);

    private (KTask, KThread) NewThread(L4Sys root, ulong slot)
    {
        root.CreateTask(2 << 12, slot << 12, Fpage.Memory(Utcb, 12, MemRights.RW));
        root.FactoryCreate(2 << 12, (long)Protocol.Thread, (slot + 1) << 12);
        root.ThreadControl((slot + 1) << 12, ThreadCtlFlags.BindTask, bindTask: slot << 12, utcb: Utcb);
        root.ExRegs((slot + 1) << 12, 0, 0);
        var space = root.Self.Task!.Space;
        return ((KTask)space[slot]!.Object, (KThread)space[slot + 1]!.Object);
    }

    /// <summary>l4_ipc_wait once, then l4_ipc_reply_and_wait for ever with MR0 + 1 and ~MR1.</summary>
    private static void ServerCode(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(rbx, __qword_ptr.gs[0]);                          // the UTCB's own address (word 63)
        a.mov(rdx, InvalidCap | (ulong)(SysFlags.Recv | SysFlags.OpenWait));
        a.xor(eax, eax); a.xor(esi, esi); a.xor(r8d, r8d);
        a.syscall();
        a.Label(ref loop);
        a.inc(__qword_ptr[rbx]);
        a.not(__qword_ptr[rbx + 8]);
        a.mov(rdx, InvalidCap | (ulong)(SysFlags.Send | SysFlags.Recv | SysFlags.OpenWait | SysFlags.Reply));
        a.mov(eax, 2);                                           // tag: label 0, 2 words
        a.xor(r8d, r8d);
        a.syscall();
        a.jmp(loop);
    }

    /// <summary>
    /// RoundTrips calls through the gate with MR0 = i, MR1 = i ^ 0x5a5a5a5a; R12 counts them, R13 counts bad answers;
    /// then a receive from nobody with no timeout, so the run ends with both threads blocked.
    /// </summary>
    private static void ClientCode(Assembler a)
    {
        var loop = a.CreateLabel();
        var ok = a.CreateLabel();
        a.mov(rbx, __qword_ptr.gs[0]);
        a.xor(r12d, r12d); a.xor(r13d, r13d);
        a.mov(r14d, RoundTrips);
        a.Label(ref loop);
        a.mov(__qword_ptr[rbx], r12);
        a.mov(rbp, r12); a.xor(rbp, 0x5a5a5a5a); a.mov(__qword_ptr[rbx + 8], rbp);
        a.mov(rdx, (GateInClient << 12) | (ulong)SysFlags.Call);
        a.mov(eax, 2);
        a.xor(esi, esi); a.xor(r8d, r8d);
        a.syscall();
        a.lea(rcx, __qword_ptr[r12 + 1]);
        a.not(rbp);
        a.test(eax, 0x8000); a.setne(dl); a.movzx(edx, dl);      // an IPC error counts as bad
        a.cmp(__qword_ptr[rbx], rcx); a.setne(al); a.movzx(eax, al); a.or(edx, eax);
        a.cmp(__qword_ptr[rbx + 8], rbp); a.setne(al); a.movzx(eax, al); a.or(edx, eax);
        a.add(r13, rdx);
        a.inc(r12);
        a.cmp(r12, r14);
        a.jne(loop);
        a.Label(ref ok);
        a.mov(rdx, InvalidCap | (ulong)SysFlags.Recv);
        a.xor(eax, eax); a.xor(r8d, r8d);
        a.syscall();
        a.ud2();
    }

    /// <summary>The model: RoundTrips round trips, both threads executing x86 code, run by the model's scheduler.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = RoundTrips)]
    public RunStop ClientRoundTrips()
    {
        _k.CancelIpc(_client);                                   // the last run ended in the client's final receive
        _clientMachine.Regs.Rip = Code;
        _k.StartMachine(_client, _clientMachine);
        return _k.Run(maxSteps: 100 * RoundTrips);
    }

    /// <summary>The Linux peer: futex ping-pong between two threads pinned to one CPU.</summary>
    [Benchmark(OperationsPerInvoke = LinuxRoundTrips)]
    public void LinuxFutexRoundTrips() => Peers.Run(_linux, LinuxRoundTrips.ToString());
}
