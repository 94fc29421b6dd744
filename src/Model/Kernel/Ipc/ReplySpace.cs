namespace L4Conf.Model.Kernel.Ipc;

/// <summary>
/// A task's explicit reply-capability space (fiasco src/kern/reply_space.cpp:204-372): 512 x 512 slots in a
/// directory page and table pages of 512 slots, each 4 KiB page charged to the task's quota when first needed. Only
/// the tables are kept here; the slots' contents are <see cref="Task.ReplySlots"/>.
/// </summary>
public sealed class ReplySpace
{
    public const ulong SlotsPerTable = 512, NumSlots = SlotsPerTable * SlotsPerTable, TableSize = 0x1000;
    private bool _directory;
    private readonly HashSet<ulong> _tables = new();

    /// <summary>Pages allocated for the tables (what the task's destruction gives back).</summary>
    public ulong Pages => (_directory ? 1UL : 0UL) + (ulong)_tables.Count;

    /// <summary>access_reply_cap(index, alloc = true): false when the index is out of range or a table cannot be charged.</summary>
    public bool Access(ulong index, RamQuota? quota)
    {
        if (index >= NumSlots) return false;
        if (!_directory)
        {
            if (quota != null && !quota.TryAlloc(TableSize)) return false;
            _directory = true;
        }
        ulong l1 = index / SlotsPerTable;
        if (_tables.Contains(l1)) return true;
        if (quota != null && !quota.TryAlloc(TableSize)) return false;
        _tables.Add(l1);
        return true;
    }
}
