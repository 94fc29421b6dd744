using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>
/// Decodes an instruction that starts in one page and ends in the next, or lies where its page's bytes could not be
/// fetched (CodePage.ValidStart/ValidEnd). Its bytes within the page's fetched ones come from the (validated) cached
/// page; the rest are fetched through the bus (AccessKind.Execute) every time, page by page as far as they go, so a
/// missing or non-executable page faults exactly where hardware's fetch does (CR2 = the first byte it could not
/// fetch, when the instruction needs it) and a change to either page is always seen. Not cached: such instructions
/// are rare.
/// </summary>
internal sealed class StraddleDecoder
{
    public Insn Insn;
    private readonly byte[] bytes = new byte[16];
    private readonly ByteArrayCodeReader reader;
    private readonly Decoder decoder64, decoder32, decoder16;

    public StraddleDecoder()
    {
        reader = new ByteArrayCodeReader(bytes, 0, 15);
        decoder64 = Decoder.Create(64, reader, DecoderOptions.None);
        decoder32 = Decoder.Create(32, reader, DecoderOptions.None);
        decoder16 = Decoder.Create(16, reader, DecoderOptions.None);
    }

    public bool Decode(CodePage page, int off, IMemoryBus mem, out Trap trap)
    {
        trap = default;
        int have = off < page.ValidStart ? 0 : Math.Clamp(page.ValidEnd - off, 0, 15);
        page.Bytes.AsSpan(off, have).CopyTo(bytes);
        int n = have;
        ulong at = page.Linear + (ulong)(off + have);
        while (n < 15)
        {
            int chunk = (int)Math.Min((ulong)(15 - n), CodePage.Size - (at & (CodePage.Size - 1)));
            if (!mem.Read(at, bytes.AsSpan(n, chunk), AccessKind.Execute, out trap)) break;
            n += chunk;
            at += (ulong)chunk;
        }
        var decoder = page.Bitness switch { 32 => decoder32, 16 => decoder16, _ => decoder64 }; // the page's mode
        if (n < 15) decoder = Decoder.Create(page.Bitness, new ByteArrayCodeReader(bytes, 0, n), DecoderOptions.None); // rare: a fetch failed
        else reader.Position = 0;
        decoder.IP = page.Va + (ulong)off;
        decoder.Decode(out Instruction ins);
        if (ins.IsInvalid && decoder.LastError == DecoderError.NoMoreBytes) return false; // needs a byte it could not fetch: trap
        trap = default;
        Translator.Translate(in ins, bytes.AsSpan(0, n), out Insn);
        return true;
    }
}
