using System.Text.Json.Serialization;

namespace L4Conf.Model.Trace;

/// <summary>
/// One observable step, in the single vocabulary spoken by the model, the real-capture readers and the diff
/// (spec/trace-format.md, version <see cref="TraceFormat.Version"/>). Ids are kernel debug ids (JDB's D:xx).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "ev")]
[JsonDerivedType(typeof(ObjectCreated), "obj-create")]
[JsonDerivedType(typeof(ObjectDestroyed), "obj-destroy")]
[JsonDerivedType(typeof(CapInserted), "cap-insert")]
[JsonDerivedType(typeof(CapRemoved), "cap-remove")]
[JsonDerivedType(typeof(CapRightsChanged), "cap-rights")]
[JsonDerivedType(typeof(Invoke), "invoke")]
[JsonDerivedType(typeof(InvokeResultEvent), "result")]
[JsonDerivedType(typeof(ConsoleOutput), "console")]
[JsonDerivedType(typeof(PageFault), "pf")]
[JsonDerivedType(typeof(ModelNote), "note")]
[JsonDerivedType(typeof(MemMapped), "mem-map")]
[JsonDerivedType(typeof(MemUnmapped), "mem-unmap")]
public abstract record TraceEvent
{
    /// <summary>Position in the trace, 1-based; assigned by the recorder or the reader.</summary>
    public long Seq { get; init; }
    /// <summary>Source line in a capture (0 for the model).</summary>
    public int Line { get; init; }
}

/// <summary>A kernel object came into existence (boot or factory create).</summary>
public sealed record ObjectCreated(ulong Id, string Type, string? Name, ulong? Factory) : TraceEvent;
/// <summary>An object was destroyed; <paramref name="Reason"/>: delete-right, last-reference, owner-deleted.</summary>
public sealed record ObjectDestroyed(ulong Id, string Type, string Reason) : TraceEvent;
/// <summary>A slot was filled; <paramref name="Cause"/>: boot, create, map, grant.</summary>
public sealed record CapInserted(ulong Task, ulong Index, ulong Object, byte Attr, string Cause) : TraceEvent;
/// <summary>A slot was emptied; <paramref name="Cause"/>: unmap, overwrite, grant, object-deleted, task-deleted.</summary>
public sealed record CapRemoved(ulong Task, ulong Index, ulong Object, string Cause) : TraceEvent;
/// <summary>A slot's attribute byte changed without removal (partial unmap).</summary>
public sealed record CapRightsChanged(ulong Task, ulong Index, byte Old, byte New) : TraceEvent;
/// <summary>
/// A system call entering the kernel: the model's, or JDB's `ipc:` trace-buffer entry read from a capture.
/// Thread is the debug id (0 with <see cref="ThreadRef"/> set when JDB showed `p:0x...`); Selector the raw RDX
/// (JDB's `C:1003`); Tag the raw RAX; Label the RSI sent; Timeouts the raw R8 pair when known.
/// </summary>
public sealed record Invoke(ulong Thread, ulong Selector, long Tag, ulong Label, ulong Timeouts, ulong[] Mrs) : TraceEvent
{
    /// <summary>`p:0x...` for a thread without a debug id yet (JDB prints DID=??? for it).</summary>
    public string? ThreadRef { get; init; }
    /// <summary>JDB's name of the operation (send, call ipc, recv, wait, repl, ...), derived from the flags by the model.</summary>
    public string? Op { get; init; }
    /// <summary>Debug id of the invoked object (JDB's DID=), null when unknown.</summary>
    public ulong? Dest { get; init; }
    /// <summary>JDB's rendering of the timeouts (e.g. INF/INF, 0/INF, >99s) when the raw pair is not known.</summary>
    public string? TimeoutText { get; init; }
    /// <summary>JDB's decoding of the message (e.g. `Unmap,80000000,...`).</summary>
    public string? Decoded { get; init; }
    /// <summary>False when only some message words are known (JDB shows the first few and `...`).</summary>
    public bool MrsComplete { get; init; } = true;
    /// <summary>Kernel clock in µs (JDB's kclk=; the model's logical time).</summary>
    public ulong? TimeUs { get; init; }
}

/// <summary>
/// What a system call returned (the model's, or JDB's `answ` entry): result tag, received label (RSI),
/// IPC error code (TCR, 0 = none), the returned words as far as known.
/// </summary>
public sealed record InvokeResultEvent(ulong Thread, long Tag, ulong Error, ulong[] Mrs, string? NotModelled = null) : TraceEvent
{
    public ulong Label { get; init; }
    public string? ThreadRef { get; init; }
    public string? Decoded { get; init; }
    public bool MrsComplete { get; init; } = true;
    public ulong? TimeUs { get; init; }
}

/// <summary>
/// A user page fault as the kernel saw it (JDB's `pf:` entry): faulting address, instruction pointer and the x86
/// error code (bit 0 present, 1 write, 2 user, 3 reserved, 4 instruction fetch).
/// </summary>
public sealed record PageFault(ulong Thread, ulong Pfa, ulong Ip, ulong ErrorCode) : TraceEvent
{
    public string? ThreadRef { get; init; }
    /// <summary>Debug id of the task (JDB's `(DID=9)`), null when unknown.</summary>
    public ulong? Space { get; init; }
    /// <summary>JDB's access letters, e.g. `x-`, `wp`, `r-`.</summary>
    public string? Access { get; init; }
    public ulong? TimeUs { get; init; }
}

/// <summary>Bytes written to the kernel console (Vlog).</summary>
public sealed record ConsoleOutput(ulong Object, string Text) : TraceEvent;

/// <summary>A memory page was mapped (or granted) from one task's address to another's.</summary>
public sealed record MemMapped(ulong From, ulong FromVa, ulong To, ulong ToVa, int Order, byte Rights, string Cause) : TraceEvent;
/// <summary>A memory mapping was removed from a task.</summary>
public sealed record MemUnmapped(ulong Task, ulong Va, int Order) : TraceEvent;

/// <summary>Something the model did not model yet happened here; recorded so that nothing is silently skipped.</summary>
public sealed record ModelNote(ulong Thread, string Text) : TraceEvent;

public static class TraceFormat
{
    /// <summary>Bumped on any incompatible change of the event records.</summary>
    public const string Version = "l4conf-trace/2";
}
