using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>
/// The decoded instructions of one 4 KiB code page, keyed by the page's virtual address and valid while
/// <see cref="IMemoryBus.CodeVersion"/> returns <see cref="Version"/>. Instructions are decoded lazily at the
/// offsets execution reaches (a page may mix code and data), and <see cref="Slot"/> maps an offset to its
/// decoded instruction so the interpreter finds the next one with one array load.
/// </summary>
/// <remarks>
/// In compatibility mode a code segment's base need not be page-aligned: the page of offsets then lies across two
/// linear pages, fetched apart. Only the bytes of the pages that could be fetched (<see cref="ValidStart"/> to
/// <see cref="ValidEnd"/>) are decoded from here; an instruction that reaches outside them goes the straddle way,
/// through the bus, so it faults where hardware's fetch would.
/// </remarks>
internal sealed class CodePage
{
    public const int Size = 4096;
    /// <summary>Slot value for an instruction that straddles into the next page: decoded afresh each time it runs.</summary>
    public const ushort Straddle = ushort.MaxValue;

    /// <summary>The page's address as the code sees it: RIP, or in compatibility mode EIP/IP, an offset in CS.</summary>
    public readonly ulong Va;
    /// <summary>Where the bytes are: <see cref="Va"/> plus the code segment's base (the same in 64-bit mode).</summary>
    public readonly ulong Linear;
    /// <summary>64, or 32/16 for compatibility-mode code: the same bytes decode differently (inc/dec, push, addressing).</summary>
    public readonly int Bitness;
    /// <summary>The code versions of the linear page holding <see cref="Linear"/> and, when it is not page-aligned, of the next one.</summary>
    public ulong Version, Version2;
    /// <summary>The offsets whose bytes were fetched: all of them, unless one of two linear pages could not be.</summary>
    public int ValidStart, ValidEnd = Size;
    /// <summary>The page's bytes as fetched (AccessKind.Execute) when it was (re)built.</summary>
    public readonly byte[] Bytes = new byte[Size];
    /// <summary>Offset → index into <see cref="Insns"/>; 0 = not decoded yet.</summary>
    public readonly ushort[] Slot = new ushort[Size];
    public Insn[] Insns = new Insn[32];
    public int Count = 1; // index 0 is "not decoded"
    /// <summary>The interpreter's run and write epoch when the version was last checked: no re-check while neither moved.</summary>
    public long CheckedRun = -1, CheckedEpoch = -1;

    /// <summary>The physical frame the bytes came from, when the bus can tell (a paged bus): a store elsewhere cannot change them.</summary>
    public object? Frame;
    /// <summary>Compiled blocks by start offset, and how often each offset was entered (allocated when first needed).</summary>
    public Block?[]? Blocks;
    public byte[]? Heat;

    private Decoder? decoder;
    private ByteArrayCodeReader? reader;

    public CodePage(ulong va, int bitness = 64, ulong linear = ulong.MaxValue)
    {
        Va = va;
        Bitness = bitness;
        Linear = linear == ulong.MaxValue ? va : linear;
    }

    /// <summary>Whether the page's bytes lie across two linear pages (a CS base that is not page-aligned).</summary>
    public bool Unaligned => (Linear & (Size - 1)) != 0;

    /// <summary>The second linear page of an unaligned page.</summary>
    public ulong SecondLinear => (Linear & ~(ulong)(Size - 1)) + Size;

    /// <summary>Whether the bus still has the bytes and mappings this page was built from.</summary>
    public bool IsCurrent(IMemoryBus mem) =>
        mem.CodeVersion(Linear) == Version && (!Unaligned || mem.CodeVersion(SecondLinear) == Version2);

    /// <summary>Forget all decoded instructions (the bytes are about to be refetched).</summary>
    public void Reset()
    {
        decoder = null;
        ValidStart = 0;
        ValidEnd = Size;
        Array.Clear(Slot);
        Array.Clear(Insns, 0, Count);
        Count = 1;
        Blocks = null;
        Heat = null;
    }

    /// <summary>Decode the instruction at <paramref name="off"/> and return its slot value (maybe <see cref="Straddle"/>).</summary>
    public ushort DecodeAt(int off)
    {
        if (off < ValidStart) return Slot[off] = Straddle;                 // bytes not fetched with the page
        if (decoder is null)
        {
            reader = new ByteArrayCodeReader(Bytes, 0, ValidEnd);
            decoder = Decoder.Create(Bitness, reader, DecoderOptions.None);
        }
        reader!.Position = off;
        decoder.IP = Va + (ulong)off;
        decoder.Decode(out Instruction ins);
        if (ins.IsInvalid && decoder.LastError == DecoderError.NoMoreBytes) return Slot[off] = Straddle;
        if (Count == Insns.Length) Array.Resize(ref Insns, Insns.Length * 2);
        Translator.Translate(in ins, Bytes.AsSpan(off, Math.Min(15, Size - off)), out Insns[Count]);
        return Slot[off] = (ushort)Count++;
    }
}
