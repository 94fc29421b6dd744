using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>
/// The decoded instructions of one 4 KiB code page, keyed by the page's virtual address and valid while
/// <see cref="IMemoryBus.CodeVersion"/> returns <see cref="Version"/>. Instructions are decoded lazily at the
/// offsets execution reaches (a page may mix code and data), and <see cref="Slot"/> maps an offset to its
/// decoded instruction so the interpreter finds the next one with one array load.
/// </summary>
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
    public ulong Version;
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

    /// <summary>Forget all decoded instructions (the bytes are about to be refetched).</summary>
    public void Reset()
    {
        Array.Clear(Slot);
        Array.Clear(Insns, 0, Count);
        Count = 1;
        Blocks = null;
        Heat = null;
    }

    /// <summary>Decode the instruction at <paramref name="off"/> and return its slot value (maybe <see cref="Straddle"/>).</summary>
    public ushort DecodeAt(int off)
    {
        if (decoder is null)
        {
            reader = new ByteArrayCodeReader(Bytes);
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
