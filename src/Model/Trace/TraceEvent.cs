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
/// <summary>A system call entering the kernel: thread, destination selector with flags, tag, label, timeouts, sent MRs.</summary>
public sealed record Invoke(ulong Thread, ulong Selector, long Tag, ulong Label, ulong Timeouts, ulong[] Mrs) : TraceEvent;
/// <summary>What the system call returned: result tag, IPC error code (TCR), returned MRs.</summary>
public sealed record InvokeResultEvent(ulong Thread, long Tag, ulong Error, ulong[] Mrs, string? NotModelled = null) : TraceEvent;
/// <summary>Bytes written to the kernel console (Vlog).</summary>
public sealed record ConsoleOutput(ulong Object, string Text) : TraceEvent;

public static class TraceFormat
{
    /// <summary>Bumped on any incompatible change of the event records.</summary>
    public const string Version = "l4conf-trace/1";
}
