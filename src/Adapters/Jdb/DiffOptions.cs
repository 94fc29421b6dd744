namespace L4Conf.Adapters.Jdb;

/// <summary>
/// What an <see cref="ObjectGraphDiff"/> looks at. Filters keep only some capabilities; objects left with no kept
/// capability are dropped (the cap-less KERNEL task and thread excepted, so the kernel's own objects still count).
/// </summary>
public sealed record DiffOptions
{
    /// <summary>Slots 1..11 (l4_default_caps_t): the capabilities the kernel itself puts into the root tasks.</summary>
    public const int LastInitialCapIndex = 0xB;

    public static DiffOptions Default { get; } = new();

    /// <summary>Only capabilities in spaces with these names count (unnamed spaces never match).</summary>
    public IReadOnlySet<string>? Spaces { get; init; }

    /// <summary>Only capabilities with an index up to this one count.</summary>
    public int? MaxCapIndex { get; init; }

    private readonly bool _compareRefCount = true;

    /// <summary>
    /// Compare ref_cnt. Always false while a filter is active: ref_cnt counts every counted cap, also those the
    /// filter hides, so it would differ for reasons the diff cannot show.
    /// </summary>
    public bool CompareRefCount
    {
        get => _compareRefCount && !IsFiltered;
        init => _compareRefCount = value;
    }

    public bool IsFiltered => Spaces is not null || MaxCapIndex is not null;

    /// <summary>The kernel-created initial caps: slots up to 0xB in sigma0 and in the given root tasks (e.g. "moe").</summary>
    public static DiffOptions InitialCaps(params string[] rootSpaces) => new()
    {
        Spaces = new SortedSet<string>(rootSpaces.Prepend("sigma0"), StringComparer.Ordinal),
        MaxCapIndex = LastInitialCapIndex,
    };

    /// <summary>Whether a capability passes the filters.</summary>
    public bool Keeps(L4Conf.Model.Trace.GraphCap cap) =>
        (Spaces is null || (cap.SpaceName is not null && Spaces.Contains(cap.SpaceName)))
        && (MaxCapIndex is null || (MaxCapIndex >= 0 && cap.Index <= (ulong)MaxCapIndex.Value));
}
