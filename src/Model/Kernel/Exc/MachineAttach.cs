using L4Conf.Model.Abi;
using L4Conf.Model.Machine;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The machine under the kernel: physical memory, one set of page tables per task, kernel-user memory (UTCB areas)
/// backed by frames of the kernel's own memory pool, and the KIP in memory.
/// </summary>
public sealed partial class Kernel
{
    /// <summary>The kernel's memory pool of the captured boot (KIP descriptor 19, Reserved): page tables and UTCBs come from here.</summary>
    public const ulong KmemStart = 0x1e12e000, KmemEnd = 0x1ffdf000;

    public PhysicalMemory? Physical { get; private set; }

    /// <summary>Gives every task (existing and future) real page tables and writes the KIP into physical memory.</summary>
    public void AttachMachine(PhysicalMemory? mem = null, IReadOnlyList<MemDesc>? kipDescriptors = null)
    {
        Physical = mem ?? new PhysicalMemory(PhysicalMemory.DefaultMaxPhysAddrBits, KmemStart, KmemEnd);
        Kip.WriteTo(Physical, kipDescriptors ?? Kip.CapturedDescriptors);
        foreach (var t in _objects.OfType<Task>()) AttachSpace(t);
    }

    /// <summary>A task's address space: page tables, its kernel-user memory mapped RW, and the mappings it already has.</summary>
    internal void AttachSpace(Task t)
    {
        if (Physical == null || t.MemSpace != null || t is Vm) return;
        var space = new MachineSpace(Physical);
        t.MemSpace = space;
        foreach (var fp in t.KuMem.Append(t.UtcbArea)) BackKuMem(space, fp);
        foreach (var m in t.MemMappings.Values) space.Insert(m.Va, m.Pa, m.Order, m.Rights, m.Cache);
    }

    /// <summary>
    /// Backs kernel-user memory with fresh frames, RW and not executable, where nothing is mapped yet: at most its first
    /// 2 MiB (the model's bound; UTCB areas are far smaller).
    /// </summary>
    internal void BackKuMem(MachineSpace space, Fpage fp)
    {
        if (Physical == null || fp.Type != FpageType.Memory || fp.Order < 12) return;
        for (ulong va = fp.Address; va < fp.Address + (1UL << Math.Min(fp.Order, 21)); va += 0x1000)
            if (space.Tables.Lookup(va) == null)
                space.Tables.Map(va, Physical.AllocFrame(), PageSize.Size4K, writable: true, executable: false);
    }

    /// <summary>The bus a thread of <paramref name="t"/> runs on.</summary>
    public IMemoryBus BusOf(Task t) => (t.MemSpace as MachineSpace)?.Bus ?? throw new InvalidOperationException("the machine model is not attached");
}
