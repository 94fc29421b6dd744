namespace L4Conf.Reference.Sigma0;

/// <summary>
/// Who owns each 4 KiB page of physical memory, first come first served (l4re sigma0/server/src/memmap.cc,
/// mem_man.cc): free RAM from the KIP's Conventional descriptors, sigma0's own reserved regions, I/O memory.
/// </summary>
public sealed class MemoryOwners
{
    private readonly SortedDictionary<ulong, ulong> _owner = new();     // page -> client id
    private readonly List<(ulong Lo, ulong Hi)> _ram = new();
    private readonly List<(ulong Lo, ulong Hi)> _io = new();

    public void AddRam(ulong lo, ulong hi) => _ram.Add((lo, hi));
    public void AddIo(ulong lo, ulong hi) => _io.Add((lo, hi));
    public void Reserve(ulong lo, ulong hi, ulong owner) { for (ulong p = lo & ~0xFFFUL; p < hi; p += 0x1000) _owner[p] = owner; }

    public bool IsRam(ulong lo, ulong size) => _ram.Any(r => lo >= r.Lo && lo + size <= r.Hi);
    public bool IsIo(ulong lo, ulong size) => _io.Any(r => lo >= r.Lo && lo + size <= r.Hi);
    public ulong? OwnerOf(ulong page) => _owner.TryGetValue(page, out var o) ? o : null;

    /// <summary>Takes [lo, lo+size) for <paramref name="client"/> if every page is free or already the client's.</summary>
    public bool Take(ulong lo, ulong size, ulong client)
    {
        for (ulong p = lo; p < lo + size; p += 0x1000)
            if (_owner.TryGetValue(p, out var o) && o != client) return false;
        for (ulong p = lo; p < lo + size; p += 0x1000) _owner[p] = client;
        return true;
    }

    /// <summary>The lowest naturally aligned free RAM block of 2^order bytes, taken for <paramref name="client"/>.</summary>
    public ulong? TakeAny(int order, ulong client)
    {
        ulong size = 1UL << order;
        foreach (var (rlo, rhi) in _ram.OrderBy(r => r.Lo))
            for (ulong a = (rlo + size - 1) & ~(size - 1); a + size <= rhi; a += size)
            {
                bool free = true;
                for (ulong p = a; p < a + size && free; p += 0x1000) free = !_owner.ContainsKey(p);
                if (free) { Take(a, size, client); return a; }
            }
        return null;
    }
}
