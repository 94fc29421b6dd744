using System.Buffers.Binary;

namespace L4Conf.Model.Machine;

/// <summary>
/// Simulated physical memory: sparse, in 4 KiB frames, little-endian.
/// <para>Frames come into existence on the first write (reads of a never-written frame return zeros and allocate
/// nothing) or when <see cref="AllocFrame"/> hands them out; once created a frame is never dropped, so holders of it
/// (the software TLB) never see a stale copy.</para>
/// <para>Every write bumps the version of each frame it touches. Versions are stamps from one counter shared by all
/// frames and by the mapping generations of <see cref="PageTables"/> over this memory: each bump yields a value larger
/// than any stamp handed out before, so a frame's version is never repeated and max(version, generation) changes
/// whenever either changes (used by <see cref="PagedMemoryBus.CodeVersion"/>).</para>
/// <para>The physical address width MAXPHYADDR is a configuration value, 40 bits by default as on QEMU's qemu64 CPU;
/// accesses at or above 2^MAXPHYADDR throw, and paging entries with address bits at or above it are reserved-bit faults.</para>
/// <para>A frame allocator hands out zeroed frames from a configurable region [allocBase, allocLimit) for page tables
/// and tests; freed frames are reused first. Not thread-safe.</para>
/// </summary>
public sealed class PhysicalMemory
{
    public const int FrameShift = 12;
    public const ulong FrameSize = 1UL << FrameShift;
    /// <summary>MAXPHYADDR of the modelled CPU unless configured otherwise (QEMU qemu64: CPUID 0x8000_0008 EAX[7:0] = 40).</summary>
    public const int DefaultMaxPhysAddrBits = 40;
    /// <summary>Default frame-allocator region: 16 MiB .. 1 GiB.</summary>
    public const ulong DefaultAllocBase = 0x0100_0000, DefaultAllocLimit = 0x4000_0000;

    internal sealed class Frame(ulong pfn)
    {
        public readonly ulong Pfn = pfn;
        public readonly byte[] Data = new byte[FrameSize];
        public ulong Version;
    }

    private const int CacheSize = 256;   // direct-mapped front of the frame dictionary (frames are never removed, so it is never stale)
    private readonly Dictionary<ulong, Frame> _frames = new();
    private readonly Frame?[] _cache = new Frame?[CacheSize];
    private readonly Stack<ulong> _free = new();
    private readonly HashSet<ulong> _allocated = new();
    private ulong _allocNext;
    private ulong _stamp;

    public PhysicalMemory(int maxPhysAddrBits = DefaultMaxPhysAddrBits, ulong allocBase = DefaultAllocBase, ulong allocLimit = DefaultAllocLimit)
    {
        if (maxPhysAddrBits < 32 || maxPhysAddrBits > 52) throw new ArgumentOutOfRangeException(nameof(maxPhysAddrBits), "x86-64 MAXPHYADDR is 32..52");
        MaxPhysAddrBits = maxPhysAddrBits;
        Limit = 1UL << maxPhysAddrBits;
        ReservedAddressBits = Pte.AddrMask & ~(Limit - 1);
        if ((allocBase | allocLimit) % FrameSize != 0 || allocBase >= allocLimit || allocLimit > Limit)
            throw new ArgumentException("allocator region must be frame-aligned, non-empty and below 2^MAXPHYADDR");
        AllocBase = allocBase;
        AllocLimit = allocLimit;
        _allocNext = allocBase;
    }

    /// <summary>MAXPHYADDR: the number of physical address bits.</summary>
    public int MaxPhysAddrBits { get; }
    /// <summary>2^MAXPHYADDR: the first physical address that does not exist.</summary>
    public ulong Limit { get; }
    /// <summary>Bits 51..MAXPHYADDR of a paging entry: reserved, a walk that meets one set faults with RSVD.</summary>
    public ulong ReservedAddressBits { get; }
    public ulong AllocBase { get; }
    public ulong AllocLimit { get; }
    /// <summary>Frames that exist (written at least once or handed out by the allocator).</summary>
    public int TouchedFrames => _frames.Count;
    /// <summary>Frames currently handed out by <see cref="AllocFrame"/> and not freed.</summary>
    public int AllocatedFrames => _allocated.Count;

    public void Read(ulong pa, Span<byte> dst)
    {
        Check(pa, dst.Length);
        while (dst.Length > 0)
        {
            int off = (int)(pa & (FrameSize - 1));
            int n = Math.Min(dst.Length, (int)FrameSize - off);
            if (Find(pa >> FrameShift) is { } f) f.Data.AsSpan(off, n).CopyTo(dst);
            else dst[..n].Clear();
            dst = dst[n..];
            pa += (ulong)n;
        }
    }

    public void Write(ulong pa, ReadOnlySpan<byte> src)
    {
        Check(pa, src.Length);
        while (src.Length > 0)
        {
            int off = (int)(pa & (FrameSize - 1));
            int n = Math.Min(src.Length, (int)FrameSize - off);
            var f = GetFrame(pa >> FrameShift);
            src[..n].CopyTo(f.Data.AsSpan(off, n));
            f.Version = ++_stamp;
            src = src[n..];
            pa += (ulong)n;
        }
    }

    public ulong ReadU64(ulong pa)
    {
        if ((pa & 7) != 0) { Span<byte> b = stackalloc byte[8]; Read(pa, b); return BinaryPrimitives.ReadUInt64LittleEndian(b); }
        Check(pa, 8);
        return Find(pa >> FrameShift) is { } f
            ? BinaryPrimitives.ReadUInt64LittleEndian(f.Data.AsSpan((int)(pa & (FrameSize - 1)), 8))
            : 0;
    }

    public void WriteU64(ulong pa, ulong value)
    {
        if ((pa & 7) != 0) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, value); Write(pa, b); return; }
        Check(pa, 8);
        var f = GetFrame(pa >> FrameShift);
        BinaryPrimitives.WriteUInt64LittleEndian(f.Data.AsSpan((int)(pa & (FrameSize - 1)), 8), value);
        f.Version = ++_stamp;
    }

    /// <summary>The version of the frame holding <paramref name="pa"/>: 0 if never written, else the stamp of its last write.</summary>
    public ulong FrameVersion(ulong pa)
    {
        Check(pa, 1);
        return Find(pa >> FrameShift) is { } f ? f.Version : 0;
    }

    /// <summary>A zeroed frame from the allocator region (freed frames first, then the lowest never-handed-out one).</summary>
    /// <exception cref="InvalidOperationException">The region is exhausted.</exception>
    public ulong AllocFrame()
    {
        ulong pa;
        if (_free.Count > 0) pa = _free.Pop();
        else if (_allocNext < AllocLimit) { pa = _allocNext; _allocNext += FrameSize; }
        else throw new InvalidOperationException($"frame allocator region 0x{AllocBase:x}..0x{AllocLimit:x} exhausted");
        _allocated.Add(pa);
        if (Find(pa >> FrameShift) is { } f)
        {
            if (f.Data.AsSpan().ContainsAnyExcept((byte)0)) { Array.Clear(f.Data); f.Version = ++_stamp; }
        }
        else GetFrame(pa >> FrameShift);
        return pa;
    }

    /// <summary>Returns a frame from <see cref="AllocFrame"/> to the allocator. Its contents stay until it is handed out again (then zeroed).</summary>
    public void FreeFrame(ulong pa)
    {
        if (!_allocated.Remove(pa)) throw new InvalidOperationException($"0x{pa:x} is not an allocated frame");
        _free.Push(pa);
    }

    /// <summary>The frame with number <paramref name="pfn"/>, created (zeroed, version 0) if it does not exist yet.</summary>
    internal Frame GetFrame(ulong pfn)
    {
        if (Find(pfn) is { } f) return f;
        _frames.Add(pfn, f = new Frame(pfn));
        return _cache[pfn % CacheSize] = f;
    }

    internal Frame? TryGetFrame(ulong pfn) => Find(pfn);

    private Frame? Find(ulong pfn)
    {
        var c = _cache[pfn % CacheSize];
        if (c != null && c.Pfn == pfn) return c;
        if (!_frames.TryGetValue(pfn, out var f)) return null;
        return _cache[pfn % CacheSize] = f;
    }

    /// <summary>A fresh stamp, larger than every stamp and frame version so far.</summary>
    internal ulong NextStamp() => ++_stamp;

    /// <summary>Records that <paramref name="f"/>'s bytes were changed directly.</summary>
    internal void Touched(Frame f) => f.Version = ++_stamp;

    private void Check(ulong pa, int len)
    {
        if (pa >= Limit || (ulong)len > Limit - pa)
            throw new ArgumentOutOfRangeException(nameof(pa), $"physical access 0x{pa:x}+{len} beyond MAXPHYADDR ({MaxPhysAddrBits} bits)");
    }
}
