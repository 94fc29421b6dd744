namespace L4Conf.Model.Machine;

public sealed partial class Cpu
{
    /// <summary>
    /// The bus as compatibility-mode code sees it: every data access is checked against the segment of the effective
    /// address that produced it (<see cref="lastSeg"/>) and its linear address wraps at 4 GiB (SDM Vol. 3A §3.4.4:
    /// linear addresses are 32 bits outside 64-bit mode), then goes to the paged bus. Instruction fetches only wrap.
    /// </summary>
    /// <remarks>An access that runs across the 4 GiB end is split in two; a write checks both halves before writing either.</remarks>
    private sealed class SegmentedBus(Cpu cpu) : IMemoryBus
    {
        private const ulong Top = 1UL << 32;

        public bool Read(ulong va, Span<byte> dst, AccessKind kind, out Trap trap)
        {
            if (kind != AccessKind.Execute && !cpu.SegmentAllows(cpu.lastSeg, va, dst.Length, kind == AccessKind.Write, out trap)) return false;
            IMemoryBus bus = cpu.flatBus;
            va &= Low32;
            if (va + (ulong)dst.Length <= Top) return bus.Read(va, dst, kind, out trap);
            int first = (int)(Top - va);
            return bus.Read(va, dst[..first], kind, out trap) && bus.Read(0, dst[first..], kind, out trap);
        }

        public bool Write(ulong va, ReadOnlySpan<byte> src, out Trap trap)
        {
            if (!cpu.SegmentAllows(cpu.lastSeg, va, src.Length, write: true, out trap)) return false;
            IMemoryBus bus = cpu.flatBus;
            va &= Low32;
            if (va + (ulong)src.Length <= Top) return bus.Write(va, src, out trap);
            int first = (int)(Top - va);
            Span<byte> probe = stackalloc byte[1];
            return bus.Read(va, probe, AccessKind.Write, out trap) && bus.Read(0, probe, AccessKind.Write, out trap)
                && bus.Write(va, src[..first], out trap) && bus.Write(0, src[first..], out trap);
        }

        public ulong CodeVersion(ulong va) => cpu.flatBus.CodeVersion(va & Low32);
    }
}
