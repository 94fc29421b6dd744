namespace L4Conf.Conformance.Properties;

/// <summary>What a thread of a random IPC program does next.</summary>
public enum IpcOpKind { Send, Call, Wait, ReplyAgain, Sleep }

/// <summary>How long a phase may block: never, not at all, or 5 µs of logical time.</summary>
public enum IpcTimeoutKind { Never, Zero, Short }

/// <summary>One step of thread <paramref name="Thread"/>: to <paramref name="Target"/>, through its gate or its thread cap.</summary>
public sealed record IpcOp(int Thread, IpcOpKind Kind, int Target, bool ViaGate, int Words, IpcTimeoutKind Timeout)
{
    public override string ToString() => Kind switch
    {
        IpcOpKind.Send or IpcOpKind.Call => $"t{Thread}: {Kind.ToString().ToLowerInvariant()} t{Target} via {(ViaGate ? "gate" : "thread cap")} w={Words} to={Timeout}",
        _ => $"t{Thread}: {Kind.ToString().ToLowerInvariant()} to={Timeout}",
    };
}

/// <summary>A whole random program: per-thread steps, the rights of each client gate cap, a schedule seed, and an optional deletion.</summary>
public sealed record IpcProgram(IpcOp[] Ops, byte[] GateRights, int ScheduleSeed, int? DeleteThread, int DeleteAfterSteps)
{
    public override string ToString() =>
        $"schedule seed {ScheduleSeed}; gate rights [{string.Join(",", GateRights.Select(r => $"0x{r:x}"))}]" +
        (DeleteThread is { } d ? $"; root deletes t{d} after {DeleteAfterSteps} steps" : "") + "; " + string.Join("; ", Ops.Select(o => o.ToString()));
}
