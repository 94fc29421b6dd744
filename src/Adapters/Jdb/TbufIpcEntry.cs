using L4Conf.Model.Abi;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// An `ipc:` entry, a system call as it entered the kernel (fiasco tb_entry_output.cpp, formatter_ipc):
/// `ipc: <thread> <op>->[C:<selector>|C:INV] DID=<id> L=<label> [<tag>] (<words>) TO=<timeouts>`.
/// The selector is printed raw, op bits included; a special selector (bit 11) prints `C:INV` and is read as
/// L4_INVALID_CAP with the op bits JDB's name stands for. The tag and words appear only when the operation
/// sends. DID is the debug id of the object the selector named, ~0 when it named none (an empty slot).
/// </summary>
internal static class TbufIpcEntry
{
    private const ulong NoObject = ulong.MaxValue;

    public static (Invoke Event, string? Protocol, string Op) Parse(string body, int line, ulong kclk)
    {
        var s = new TbufScanner(body);
        s.Expect("ipc: ", "'ipc: '");
        var (thread, threadRef) = TbufThread.Parse(s.Until(" ", "the thread"));
        var opText = s.Until("->", "the operation");
        var op = TbufOperation.Flags(opText);
        s.Expect("[C:", "the selector '[C:<hex>]' or '[C:INV]'");
        var selectorText = s.Until("]", "the selector");
        var selector = Selector(selectorText, opText, op);
        // `unk ipc` hides the op bits, but a printed selector still carries them
        op ??= selectorText == "INV" ? null : (SysFlags)(selector & 0xf);
        s.Expect(" DID=", "' DID=<hex>' after the selector");
        var did = TbufHex.Parse(s.Until(" ", "the debug id"), "the debug id after DID=");
        s.Expect("L=", "'L=<hex>' after the debug id");
        var label = TbufHex.Parse(s.Until(" ", "the label"), "the label after L=");

        TbufTag? tag = null;
        string? decoded = null;
        if (s.TryExpect("["))
        {
            tag = TbufTag.Parse(s.Until("]", "the tag"));
            if (s.TryExpect(" ("))
                decoded = s.Until(")", "the message words");
            s.Expect(" TO=", "' TO=<timeouts>' after the tag");
        }
        else
            s.Expect("TO=", "'[<tag>]' or 'TO=<timeouts>' after the label");
        var timeout = TbufTimeout.Parse(s.Last("the timeouts"), op);

        if (op is { } flags && ((flags & SysFlags.Send) != 0) != tag.HasValue)
            throw new TbufFieldException(tag.HasValue
                ? $"'{opText}' does not send, yet the entry shows a tag"
                : $"'{opText}' sends, so the entry must show the tag '[<protocol>,w=..,i=..]' before TO=");

        var msgTag = tag?.Tag ?? new MsgTag(0);
        var (mrs, complete) = tag.HasValue ? TbufWords.Sent(msgTag, decoded) : ([], true);
        var ev = new Invoke(thread, selector, msgTag.Raw, label, timeout.Raw, mrs)
        {
            ThreadRef = threadRef,
            Op = opText,
            Dest = did == NoObject ? null : did,
            TimeoutText = timeout.Text,
            Decoded = decoded,
            MrsComplete = complete,
            TimeUs = kclk,
            Line = line,
        };
        return (ev, tag?.Protocol, opText);
    }

    /// <summary>The raw selector; for `C:INV` the invalid cap with the op bits of the name (none for `unk ipc`).</summary>
    private static ulong Selector(string text, string opText, SysFlags? op)
    {
        if (text == "INV")
            return (ulong)SelectorLayout.InvalidCap | (ulong)(op ?? SysFlags.None);
        var raw = TbufHex.Parse(text, "the selector after C:");
        if ((raw & (ulong)SelectorLayout.InvalidCapBit) != 0)
            throw new TbufFieldException($"selector C:{text} has bit 11 set, which JDB prints as C:INV");
        var printed = TbufOperation.Text((SysFlags)(raw & 0xf));
        if (printed != opText)
            throw new TbufFieldException($"selector C:{text} carries op bits {raw & 0xf:x}, which JDB names '{printed}', not '{opText}'");
        return raw;
    }
}
