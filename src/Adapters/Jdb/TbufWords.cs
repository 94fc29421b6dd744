using System.Text.RegularExpressions;
using L4Conf.Model.Abi;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// The message words JDB shows in parentheses: the first two words and `...` when there are more (fiasco
/// tb_entry_output.cpp, print_words for `ipc:`, formatter_ipc_res for `answ`). The words are returned as far as
/// they are known, in their positions: a first word shown by a name whose value is not known here leaves none.
/// Complete means every word of the message is known.
/// </summary>
internal static partial class TbufWords
{
    /// <summary>Words of a sent message. <paramref name="decoded"/> is the text in parentheses, null if none.</summary>
    public static (ulong[] Mrs, bool Complete) Sent(MsgTag tag, string? decoded)
    {
        if (tag.Words == 0)
        {
            // JDB shows no words, except that an IRQ-protocol message prints "(trigger)"
            var expected = tag.Label == (long)Protocol.Irq ? "trigger" : null;
            if (decoded != expected)
                throw new TbufFieldException(expected is null
                    ? $"a message with w=0 shows no words, found '({decoded})'"
                    : $"a w=0 message of protocol Kirq shows '(trigger)', found '{(decoded is null ? "" : "(" + decoded + ")")}'");
            return ([], true);
        }
        if (decoded is null)
            throw new TbufFieldException($"a message with w={tag.Words} shows its first words in parentheses after the tag");

        if (tag.Label == (long)Protocol.Log && decoded.StartsWith("Write,", StringComparison.Ordinal))
            return LogWrite(tag, decoded);

        var tokens = decoded.Split(',');
        var first = FirstWord(tag.Label, tokens[0]);
        var more = ShownWords(tokens, tag.Words, decoded);
        if (first is not { } dw0)
            return ([], false);
        return (more is { } dw1 ? [dw0, dw1] : [dw0], tag.Words <= 2);
    }

    /// <summary>Words of a result: shown only for an operation with a receive phase that did not fail.</summary>
    public static (ulong[] Mrs, bool Complete) Received(MsgTag tag, string text)
    {
        if (text.Length == 0)
            return ([], tag.Words == 0);
        if (tag.HasError)
            throw new TbufFieldException($"an error result shows no words, found '({text})'");
        if (tag.Words == 0)
            throw new TbufFieldException($"a result with w=0 shows no words, found '({text})'");
        var tokens = text.Split(',');
        var dw0 = TbufHex.Parse(tokens[0], "the first word");
        var more = ShownWords(tokens, tag.Words, text);
        return (more is { } dw1 ? [dw0, dw1] : [dw0], tag.Words <= 2);
    }

    /// <summary>Vlog write: JDB prints the length word in decimal and never the text (`Write,len=19,'...'`).</summary>
    private static (ulong[] Mrs, bool Complete) LogWrite(MsgTag tag, string decoded)
    {
        var m = LogWriteRegex().Match(decoded);
        if (!m.Success)
            throw new TbufFieldException($"expected a log write as Write,len=<decimal>,'...', found '({decoded})'");
        var len = unchecked((ulong)TbufHex.ParseSignedDecimal(m.Groups[1].Value, "the write length"));
        return tag.Words >= 2 ? ([(ulong)VconOp.Write, len], tag.Words == 2) : ([(ulong)VconOp.Write], true);
    }

    /// <summary>The first word: hex, or for protocols JDB decodes an opcode name (null when its value is unknown).</summary>
    private static ulong? FirstWord(long label, string token)
    {
        if (TbufHex.IsHex(token))
            return TbufHex.Parse(token, "the first word");
        if (TbufOpcodeNames.PrintsNames(label) && NameRegex().IsMatch(token))
            return TbufOpcodeNames.Value(label, token);
        throw new TbufFieldException(TbufOpcodeNames.PrintsNames(label)
            ? $"expected the first word in hex or as an operation name, found '{token}'"
            : $"expected the first word in hex (JDB names no operations of this protocol), found '{token}'");
    }

    /// <summary>Checks the tokens after the first against the word count; returns the second word if shown.</summary>
    private static ulong? ShownWords(string[] tokens, int words, string text)
    {
        var expected = words switch { 1 => 1, 2 => 2, _ => 3 };
        if (tokens.Length != expected)
            throw new TbufFieldException(
                $"w={words} shows {(words == 1 ? "one word" : words == 2 ? "two words" : "two words and ',...'")}, found '({text})'");
        if (words > 2 && tokens[2] != "...")
            throw new TbufFieldException($"expected ',...' after the second word, found '({text})'");
        return words >= 2 ? TbufHex.Parse(tokens[1], "the second word") : null;
    }

    [GeneratedRegex(@"^Write,len=(-?\d{1,19}),'\.\.\.'$", RegexOptions.CultureInvariant)]
    private static partial Regex LogWriteRegex();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_:\-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();
}
