using BenchmarkDotNet.Attributes;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using KThread = L4Conf.Model.Kernel.Thread;

namespace L4Conf.Benchmarks;

/// <summary>
/// Call/reply round trips between two threads in two tasks through an IPC gate (two words each way), run by the
/// model's scheduler exactly as a program runs: the client calls, the server answers with reply-and-wait.
/// </summary>
[MemoryDiagnoser]
public class IpcBenchmarks
{
    public const int RoundTrips = 10_000;
    private Kernel _k = null!;
    private KThread _client = null!, _server = null!;
    private L4Sys _cs = null!, _ss = null!;

    [GlobalSetup]
    public void Setup()
    {
        var boot = BootState.Create();
        _k = boot.Kernel;
        _k.Trace.Enabled = false;
        var root = new L4Sys(_k, boot.RootThread);
        (_server, _ss) = NewThread(root, 0x100, "server");
        (_client, _cs) = NewThread(root, 0x110, "client");
        root.CreateGate(2 << 12, 0x120UL << 12, 0x101UL << 12, 0x40);
        root.TaskMap(0x110UL << 12, 1 << 12, Fpage.Obj(0x120UL << 12, 0, CapRights.RW), (0x30UL << 12) | 8);
        _k.Start(_server, Server());
    }

    private (KThread, L4Sys) NewThread(L4Sys root, ulong slot, string name)
    {
        root.CreateTask(2 << 12, slot << 12, Fpage.Memory(0xB300_0000, 12, MemRights.RW));
        root.FactoryCreate(2 << 12, (long)Protocol.Thread, (slot + 1) << 12);
        root.ThreadControl((slot + 1) << 12, ThreadCtlFlags.BindTask, bindTask: slot << 12, utcb: 0xB300_0000);
        root.ExRegs((slot + 1) << 12, 0, 0);
        var t = (KThread)root.Self.Task!.Space[slot + 1]!.Object;
        t.Task!.Name = name;
        return (t, new L4Sys(_k, t, deferred: true));
    }

    private IEnumerable<SyscallRequest> Server()
    {
        yield return _ss.Next(_ss.Wait());
        while (true)
        {
            _server.Utcb.W[0]++;
            yield return _ss.Next(_ss.ReplyAndWait(new MsgTag(0, 2, 0)));
        }
    }

    private IEnumerable<SyscallRequest> Client(int n)
    {
        for (int i = 0; i < n; i++)
        {
            _client.Utcb.W[0] = (ulong)i;
            _client.Utcb.W[1] = 42;
            yield return _cs.Next(_cs.Call(0x30UL << 12, new MsgTag(0, 2, 0)));
        }
    }

    [Benchmark(OperationsPerInvoke = RoundTrips)]
    public RunStop CallReplyRoundTrip()
    {
        _k.Start(_client, Client(RoundTrips));
        return _k.Run(() => _client.Program == null && _client.Ipc == null);
    }
}
