using System.Runtime.CompilerServices;

namespace L4Conf.Model.Machine;

/// <summary>
/// The decoded-instruction cache: one <see cref="CodePage"/> per code page, per bus (an address space), keyed by the
/// page's virtual address. A page is trusted without asking the bus while neither a new run started nor a store
/// happened since its version was last checked; otherwise <see cref="IMemoryBus.CodeVersion"/> decides whether it
/// is refetched and decoded anew.
/// </summary>
public sealed partial class Cpu
{
    /// <summary>Bound on the cached pages per bus; the cache is dropped and rebuilt past it.</summary>
    private const int MaxCachedPages = 1024;

    /// <summary>Bumped per run (the bus may have changed anything in between) and per store.</summary>
    private long runId, writeEpoch;
    /// <summary>One cache per bus: the same virtual address means different code in another address space.</summary>
    private readonly ConditionalWeakTable<IMemoryBus, Dictionary<ulong, CodePage>> caches = new();
    private IMemoryBus? cacheOwner;
    private Dictionary<ulong, CodePage> pages = new();
    private readonly StraddleDecoder straddle = new();

    private void SelectCache(IMemoryBus bus)
    {
        runId++;
        if (ReferenceEquals(cacheOwner, bus)) return;
        // Two address spaces taking turns (a client and its server) swap between the last two caches without a lookup.
        if (ReferenceEquals(previousOwner, bus))
        {
            (previousOwner, cacheOwner) = (cacheOwner, previousOwner);
            (previousPages, pages) = (pages, previousPages);
            return;
        }
        previousOwner = cacheOwner;
        previousPages = pages;
        pages = caches.GetValue(bus, _ => new Dictionary<ulong, CodePage>());
        cacheOwner = bus;
    }

    private IMemoryBus? previousOwner;
    private Dictionary<ulong, CodePage> previousPages = new();

    /// <summary>
    /// After a store (by the interpreter or compiled code): is the code being run unchanged? Moves the write epoch, so
    /// other cached pages are re-checked when entered.
    /// </summary>
    private bool CodeStillCurrent(CodePage page)
    {
        wrote = false;
        writeEpoch++;
        if (!page.IsCurrent(mem)) return false;
        page.CheckedEpoch = writeEpoch;
        return true;
    }

    /// <summary>
    /// The decoded page at <paramref name="pva"/> (an offset in CS) for the current mode, keyed by where its bytes are
    /// and how they decode (bits 0-1 of the key: 32- or 16-bit code), rebuilt if its code version moved; null with the
    /// fetch trap. A page reached through another CS base with the same bytes is decoded afresh (its IPs differ).
    /// </summary>
    private CodePage? FetchPage(ulong pva, ulong rip)
    {
        ulong linear = pva + csBase, key = (linear & ~PageMask) | (codeBits == 32 ? 1UL : codeBits == 16 ? 2UL : 0);
        if (pages.TryGetValue(key, out CodePage? p) && (p.Va != pva || p.Linear != linear)) { pages.Remove(key); p = null; }
        if (p is not null)
        {
            if (p.CheckedRun == runId && p.CheckedEpoch == writeEpoch) return p;
            if (!p.IsCurrent(mem))
            {
                p.Reset();
                if (!Fill(p, rip)) { pages.Remove(key); return null; }
            }
        }
        else
        {
            p = new CodePage(pva, codeBits, linear);
            if (!Fill(p, rip)) return null;
            if (pages.Count >= MaxCachedPages) pages.Clear();
            pages[key] = p;
        }
        p.CheckedRun = runId;
        p.CheckedEpoch = writeEpoch;
        return p;
    }

    /// <summary>Fetch the page's bytes (AccessKind.Execute). On failure the trap is the one for fetching at RIP.</summary>
    private bool Fill(CodePage p, ulong rip)
    {
        if (p.Unaligned) return FillApart(p, rip);
        if (mem.Read(p.Linear, p.Bytes, AccessKind.Execute, out trap))
        {
            // Taken after the fetch: the fetch itself may set accessed bits, and the version must describe these bytes.
            p.Version = mem.CodeVersion(p.Linear);
            p.Frame = pagedBus?.TlbFrame(p.Linear);
            return true;
        }
        // Report what fetching the instruction itself raises (CR2 = its linear address, not the page start).
        Span<byte> one = stackalloc byte[1];
        if (!mem.Read(rip + csBase, one, AccessKind.Execute, out Trap atRip)) trap = atRip;
        return false;
    }

    /// <summary>
    /// An unaligned page's two linear pieces, fetched apart: the page holds what could be fetched (the straddle way
    /// fetches the rest and faults there); it fails, with the fault of fetching at RIP, only when neither could be.
    /// </summary>
    private bool FillApart(CodePage p, ulong rip)
    {
        int split = CodePage.Size - (int)(p.Linear & PageMask);
        bool first = mem.Read(p.Linear, p.Bytes.AsSpan(0, split), AccessKind.Execute, out _);
        bool second = mem.Read(p.SecondLinear, p.Bytes.AsSpan(split), AccessKind.Execute, out _);
        p.Version = mem.CodeVersion(p.Linear);
        p.Version2 = mem.CodeVersion(p.SecondLinear);
        p.Frame = null;
        if (first || second)
        {
            p.ValidStart = first ? 0 : split;
            p.ValidEnd = second ? CodePage.Size : split;
            return true;
        }
        Span<byte> one = stackalloc byte[1];
        mem.Read(rip + csBase, one, AccessKind.Execute, out trap);
        return false;
    }
}
