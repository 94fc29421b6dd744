namespace L4Conf.Model.Machine;

/// <summary>
/// The descriptor tables a selector names, as user code reaches them: the GDT up to its limit, and the LDT, which
/// Fiasco leaves null (LDTR = 0, <see cref="SystemRegisters.Ldtr"/>), so every selector with TI set is outside it
/// (a table for another system may have one: <see cref="LdtEntries"/>).
/// </summary>
/// <remarks>
/// The CPU reads descriptors with implicit supervisor accesses that user paging cannot fault, so a table is plain
/// data here. Loading a segment sets the descriptor's accessed bit (SDM Vol. 3A §3.4.5.1).
/// </remarks>
public abstract class DescriptorTable
{
    /// <summary>GDTR.limit: the last byte of the GDT.</summary>
    public abstract ushort GdtLimit { get; }

    /// <summary>Raw descriptor <paramref name="index"/> of the GDT (index &lt;= limit / 8).</summary>
    protected abstract ulong Entry(int index);

    /// <summary>How many descriptors the LDT holds (0: the null LDT, Fiasco's).</summary>
    protected virtual int LdtEntries => 0;

    /// <summary>Raw descriptor <paramref name="index"/> of the LDT (index &lt; <see cref="LdtEntries"/>).</summary>
    protected virtual ulong LdtEntry(int index) => 0;

    /// <summary>Writes back descriptor <paramref name="index"/> (the accessed bit); tables without writable entries ignore it.</summary>
    protected virtual void SetEntry(int index, ulong raw) { }

    /// <summary>
    /// The descriptor <paramref name="selector"/> names; false when it lies outside its table's limit (an LDT selector
    /// always does: the LDT is null). The null selector reads entry 0: callers check for it first.
    /// </summary>
    public bool TryRead(ushort selector, out SegmentDescriptor d)
    {
        d = default;
        int index = selector >> 3;
        if ((selector & 4) != 0)                               // TI: the LDT
        {
            if (index >= LdtEntries) return false;
            d = new SegmentDescriptor(LdtEntry(index));
            return true;
        }
        if (index * 8 + 7 > GdtLimit) return false;
        d = new SegmentDescriptor(Entry(index));
        return true;
    }

    /// <summary>Sets the accessed bit of the descriptor <paramref name="selector"/> names (a GDT selector within the limit).</summary>
    public void MarkAccessed(ushort selector)
    {
        if ((selector & 4) != 0 || !TryRead(selector, out var d) || d.WithAccessed == d) return;   // LDT entries: set when made
        SetEntry(selector >> 3, d.WithAccessed.Raw);
    }
}
