using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>
/// Decodes an instruction that starts in one page and ends in the next. Its bytes in the first page come from
/// the (validated) cached page; the next page's bytes are fetched through the bus (AccessKind.Execute) every
/// time, so a missing or non-executable next page faults exactly as hardware's fetch does (CR2 = that page's
/// start) and a change to either page is always seen. Not cached: such instructions are rare.
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
        int tail = CodePage.Size - off;
        page.Bytes.AsSpan(off, tail).CopyTo(bytes);
        if (!mem.Read(page.Linear + CodePage.Size, bytes.AsSpan(tail, 15 - tail), AccessKind.Execute, out trap)) return false;
        reader.Position = 0;
        var decoder = page.Bitness switch { 32 => decoder32, 16 => decoder16, _ => decoder64 }; // the page's mode
        decoder.IP = page.Va + (ulong)off;
        decoder.Decode(out Instruction ins);
        Translator.Translate(in ins, bytes.AsSpan(0, 15), out Insn);
        return true;
    }
}
