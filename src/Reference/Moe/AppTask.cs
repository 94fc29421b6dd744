using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Moe;

/// <summary>
/// The init task's parent object in Moe (moe/server/src/app_task.{h,cc}; moe notes §8): L4Re::Parent signal(sig,
/// val). Signal 0 is the exit: Moe prints the code if it is not 0, deletes the task's region map, thread and task,
/// and does not reply.
/// </summary>
public sealed class AppTask : MoeObject
{
    public const int OpSignal = 0;
    private readonly MoeServer _moe;
    public RegionMap Rm { get; }
    public ulong TaskSlot { get; internal set; }
    public ulong ThreadSlot { get; internal set; }
    public override IReadOnlyList<Iface> Interfaces { get; } = [new(0x4002, "N4L4Re6ParentE")];
    public override ulong ObjectSize => 104;
    /// <summary>The exit code, once the task signalled its exit.</summary>
    public long? ExitCode { get; private set; }

    public AppTask(MoeServer moe, RegionMap rm)
    {
        _moe = moe;
        Rm = rm;
    }

    public override long Dispatch(ServerCall c)
    {
        var r = c.Args();
        int op = r.Opcode();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if (op != OpSignal) return -(long)L4Err.NoSys;
        ulong sig = r.U64(), val = r.U64();
        if (!r.Ok) return -(long)L4Err.MsgTooShort;
        if (sig != 0) return 0;
        if (val != 0) _moe.Print($"MOE: task {Label:x} exited with {val}\n");
        ExitCode = unchecked((long)val);
        _moe.InitExited(this);
        return ServerLoop.NoReply;
    }
}
