using System.Runtime.CompilerServices;
namespace L4Conf.Model.Machine;

/// <summary>
/// User-mode (CPL 3) memory accesses through one address space's page tables (<see cref="PageTables.Root"/> = CR3).
/// <para>An access is split at 4 KiB boundaries. All pages are checked first (canonical check of the first and last
/// byte ⇒ #GP(0); then the walk of each page in address order ⇒ the first #PF, with CR2 = the access address if the
/// first page faults, else the first byte of the faulting page); only when all succeed are A/D set and bytes copied,
/// so a faulting access changes nothing (no A/D either). An access whose last byte wraps past 2^64 is #GP(0).</para>
/// <para>A small direct-mapped software TLB per bus, one entry per 4 KiB virtual page, caches the target frame and
/// the effective rights; entries are valid only while <see cref="PageTables.Generation"/> is unchanged, so Map, Unmap,
/// Protect and Invalidate flush it implicitly. Like hardware, an entry is created only after a successful walk set
/// A, and a write through an entry whose leaf was not yet dirty walks again to set D.</para>
/// </summary>
public sealed class PagedMemoryBus : IMemoryBus
{
    public const int DefaultTlbEntries = 1024;

    private const byte TlbWrite = 1;  // effective R/W, leaf D already set
    private const byte TlbExec = 2;   // effective XD clear

    private struct TlbEntry
    {
        public ulong Vpn;
        public ulong Gen;       // 0 = never valid (generations are stamps >= 1)
        public PhysicalMemory.Frame Frame;
        public byte Flags;
    }

    private readonly PageTables _pt;
    private readonly PhysicalMemory _mem;
    private readonly TlbEntry[] _tlb;
    private readonly ulong _tlbMask;
    private readonly bool _tlbOn;
    private PhysicalMemory.Frame[] _pages = new PhysicalMemory.Frame[4];
    private Translation[] _walked = new Translation[4];
    private bool[] _needCommit = new bool[4];

    /// <param name="tables">The address space.</param>
    /// <param name="tlbEntries">TLB size, a power of two; 0 disables the TLB (every access walks).</param>
    public PagedMemoryBus(PageTables tables, int tlbEntries = DefaultTlbEntries)
    {
        if (tlbEntries < 0 || (tlbEntries & (tlbEntries - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(tlbEntries), "power of two or 0");
        _pt = tables;
        _mem = tables.Memory;
        _tlbOn = tlbEntries > 0;
        _tlb = new TlbEntry[Math.Max(1, tlbEntries)];
        _tlbMask = (ulong)_tlb.Length - 1;
    }

    public PageTables Tables => _pt;
    /// <summary>Page walks done so far (TLB misses, including the walk that faults).</summary>
    public long Walks { get; private set; }

    public bool Read(ulong va, Span<byte> dst, AccessKind kind, out Trap trap)
    {
        int off = (int)(va & (PhysicalMemory.FrameSize - 1));
        if (off + dst.Length <= (int)PhysicalMemory.FrameSize)
        {
            if (Cached(va >> PhysicalMemory.FrameShift, kind) is { } f)
            {
                f.Data.AsSpan(off, dst.Length).CopyTo(dst);
                trap = default;
                return true;
            }
        }
        if (!Prepare(va, dst.Length, kind, out trap)) return false;
        for (int i = 0; dst.Length > 0; i++, off = 0)
        {
            int n = Math.Min(dst.Length, (int)PhysicalMemory.FrameSize - off);
            _pages[i].Data.AsSpan(off, n).CopyTo(dst);
            dst = dst[n..];
        }
        return true;
    }

    public bool Write(ulong va, ReadOnlySpan<byte> src, out Trap trap)
    {
        int off = (int)(va & (PhysicalMemory.FrameSize - 1));
        if (off + src.Length <= (int)PhysicalMemory.FrameSize)
        {
            if (Cached(va >> PhysicalMemory.FrameShift, AccessKind.Write) is { } f)
            {
                src.CopyTo(f.Data.AsSpan(off, src.Length));
                _mem.Touched(f);
                trap = default;
                return true;
            }
        }
        if (!Prepare(va, src.Length, AccessKind.Write, out trap)) return false;
        for (int i = 0; src.Length > 0; i++, off = 0)
        {
            int n = Math.Min(src.Length, (int)PhysicalMemory.FrameSize - off);
            src[..n].CopyTo(_pages[i].Data.AsSpan(off, n));
            _mem.Touched(_pages[i]);
            src = src[n..];
        }
        return true;
    }

    /// <summary>
    /// The compiled CPU's fast path: an access of 1, 2, 4 or 8 bytes inside one page whose translation is in the TLB
    /// (so the walk, its A/D bits and its checks already happened, exactly as <see cref="Read"/> would find them).
    /// False means "take the general path", never a fault.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryReadTlb(ulong va, bool forWrite, out ulong v)
    {
        int off = (int)(va & (PhysicalMemory.FrameSize - 1));
        if (off <= (int)PhysicalMemory.FrameSize - 8
            && Cached(va >> PhysicalMemory.FrameShift, forWrite ? AccessKind.Write : AccessKind.Read) is { } f)
        {
            v = Unsafe.ReadUnaligned<ulong>(ref f.Data[off]);   // callers mask to the operand size
            return true;
        }
        v = 0;
        return false;
    }

    /// <summary>
    /// <see cref="TryReadTlb"/> with write intent that also hands back the frame, so the store of the same
    /// read-modify-write instruction (nothing can change the translation in between) needs no second lookup.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryReadTlbForWrite(ulong va, out ulong v, out PhysicalMemory.Frame? frame)
    {
        int off = (int)(va & (PhysicalMemory.FrameSize - 1));
        if (off <= (int)PhysicalMemory.FrameSize - 8 && Cached(va >> PhysicalMemory.FrameShift, AccessKind.Write) is { } f)
        {
            v = Unsafe.ReadUnaligned<ulong>(ref f.Data[off]);
            frame = f;
            return true;
        }
        v = 0;
        frame = null;
        return false;
    }

    /// <summary>The store into a frame the TLB gave (the access lies inside it); the frame's version moves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteFrame(PhysicalMemory.Frame f, ulong va, int size, ulong v)
    {
        ref byte d = ref f.Data[(int)(va & (PhysicalMemory.FrameSize - 1))];
        switch (size)
        {
            case 1: d = (byte)v; break;
            case 2: Unsafe.WriteUnaligned(ref d, (ushort)v); break;
            case 4: Unsafe.WriteUnaligned(ref d, (uint)v); break;
            default: Unsafe.WriteUnaligned(ref d, v); break;
        }
        _mem.Touched(f);
    }

    /// <summary>The frame a TLB-cached page is in (to tell a store into running code from any other), or null.</summary>
    internal object? TlbFrame(ulong va) => Cached(va >> PhysicalMemory.FrameShift, AccessKind.Read);

    /// <inheritdoc cref="TryReadTlb"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryWriteTlb(ulong va, int size, ulong v, out object? frame)
    {
        int off = (int)(va & (PhysicalMemory.FrameSize - 1));
        if (off > (int)PhysicalMemory.FrameSize - size || Cached(va >> PhysicalMemory.FrameShift, AccessKind.Write) is not { } f)
        {
            frame = null;
            return false;
        }
        frame = f;
        WriteFrame(f, va, size, v);
        return true;
    }

    /// <summary>
    /// max(version of the frame va's page maps to, <see cref="PageTables.Generation"/>): both are stamps of one
    /// increasing counter, so the value changes whenever the frame is written or any translation changes. An
    /// unmapped or non-executable page yields the generation. Sets no A/D bits.
    /// </summary>
    public ulong CodeVersion(ulong va)
    {
        ulong gen = _pt.Generation;
        if (Cached(va >> PhysicalMemory.FrameShift, AccessKind.Execute) is { } f) return Math.Max(f.Version, gen);
        if (!Mmu.Probe(_mem, _pt.Root, va, AccessKind.Execute, true, out var t, out _)) return gen;
        return Math.Max(_mem.TryGetFrame(t.Pa >> PhysicalMemory.FrameShift)?.Version ?? 0, gen);
    }

    /// <summary>
    /// The TLB slot of a page number. The low bits alone put a program's code at 0x400000 and its UTCB at 0xb3000000
    /// into the same slot, so every system call evicted the code page; folding in the next bits spreads them. The TLB
    /// is a cache of valid walks only (any page-table change empties it), so the slot choice is not visible.
    /// </summary>
    private int Slot(ulong vpn) => (int)((vpn ^ (vpn >> 10) ^ (vpn >> 20)) & _tlbMask);

    /// <summary>The frame of page <paramref name="vpn"/> when the TLB holds a current translation that allows <paramref name="kind"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private PhysicalMemory.Frame? Cached(ulong vpn, AccessKind kind)
    {
        ref var e = ref _tlb[Slot(vpn)];
        return e.Vpn == vpn && e.Gen == _pt.Generation && Allows(e.Flags, kind) ? e.Frame : null;
    }

    private static bool Allows(byte flags, AccessKind kind) => kind switch
    {
        AccessKind.Read => true,
        AccessKind.Write => (flags & TlbWrite) != 0,
        _ => (flags & TlbExec) != 0,
    };

    /// <summary>Checks every page of [va, va+len), then sets A/D and fills _pages with the frames; all or nothing.</summary>
    private bool Prepare(ulong va, int len, AccessKind kind, out Trap trap)
    {
        trap = default;
        if (len == 0) return true;
        ulong last = va + (ulong)(len - 1);
        if (last < va && Mmu.IsCanonical(va))
        {
            // The access wraps past 2^64: its first bytes lie in the top page, which the CPU checks like any page (the
            // host CPU raises #PF there, not #GP). A user mapping of the top page is not modelled: #GP if it existed.
            if (!Mmu.Probe(_mem, _pt.Root, va, kind, true, out _, out trap)) return false;
            trap = new Trap(Vector.GeneralProtection, 0);
            return false;
        }
        if (last < va || !Mmu.IsCanonical(va) || !Mmu.IsCanonical(last)) { trap = new Trap(Vector.GeneralProtection, 0); return false; }

        ulong first = va >> PhysicalMemory.FrameShift;
        int n = (int)((last >> PhysicalMemory.FrameShift) - first + 1);
        if (_pages.Length < n)
        {
            _pages = new PhysicalMemory.Frame[n];
            _walked = new Translation[n];
            _needCommit = new bool[n];
        }
        ulong gen = _pt.Generation;
        for (int i = 0; i < n; i++)
        {
            ulong vpn = first + (ulong)i;
            if (Cached(vpn, kind) is { } f)
            {
                _pages[i] = f;
                _needCommit[i] = false;
                continue;
            }
            Walks++;
            if (!Mmu.Probe(_mem, _pt.Root, i == 0 ? va : vpn << PhysicalMemory.FrameShift, kind, true, out _walked[i], out trap))
                return false;
            _needCommit[i] = true;
        }
        for (int i = 0; i < n; i++)
        {
            if (!_needCommit[i]) continue;
            ref readonly var t = ref _walked[i];
            Mmu.Commit(_mem, t, kind);
            var frame = _mem.GetFrame(t.Pa >> PhysicalMemory.FrameShift);
            _pages[i] = frame;
            if (_tlbOn)
            {
                ref var e = ref _tlb[Slot(first + (ulong)i)];
                e.Vpn = first + (ulong)i;
                e.Gen = gen;
                e.Frame = frame;
                e.Flags = (byte)((t.Writable && (kind == AccessKind.Write || t.LeafDirty) ? TlbWrite : 0) | (t.Executable ? TlbExec : 0));
            }
        }
        return true;
    }
}
