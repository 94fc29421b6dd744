using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// A task's capability table. Default config: 512 directory slots x 128 entries per 4 KiB page = 65536 slots
/// (abi-facts §1.1, DERIVED); a table page is allocated from the task's quota on first use.
/// </summary>
public sealed class ObjectSpace
{
    public const ulong Slots = (ulong)KernelLimits.ObjSpaceSlots;
    public const int EntriesPerPage = 128;
    public const long PageSize = 4096;

    private readonly SortedDictionary<ulong, CapEntry> _slots = new();
    private readonly HashSet<ulong> _pages = new();

    public CapEntry? this[ulong index] => _slots.GetValueOrDefault(index);
    public int Count => _slots.Count;
    public IEnumerable<CapEntry> Entries => _slots.Values;
    public IReadOnlyCollection<ulong> Pages => _pages;

    internal bool HasPage(ulong index) => _pages.Contains(index / EntriesPerPage);
    internal void AddPage(ulong index) => _pages.Add(index / EntriesPerPage);
    internal void Put(CapEntry e) => _slots[e.Index] = e;
    internal bool Remove(ulong index) => _slots.Remove(index);
}
