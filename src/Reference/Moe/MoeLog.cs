using System.Text;
using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Moe;

/// <summary>
/// A Moe log object (moe/server/src/log.{h,cc}; moe notes §7): a tag (cut to 8 characters, padded) and a colour;
/// each line written through it appears on the console as `ESC[..m` + tag + `| ` + text + `ESC[0m`. A line
/// interrupted by another log's output continues after the tag with `: `. Writes are send-only: no reply.
/// </summary>
public sealed class MoeLog : MoeObject
{
    public const int MaxTag = 8;
    private readonly MoeServer _moe;
    public string Tag { get; }
    public int Color { get; }
    internal bool InLine;
    public override IReadOnlyList<Iface> Interfaces { get; } = [new((long)Protocol.Log, "N2L44VconE")];
    public override ulong ObjectSize => 112;
    /// <summary>Moe's log dispatches raw Vcon messages itself (moe/server/src/log.cc:92): L4::Meta gets -39, as
    /// ned_t_caps.log shows ("Capability 19000 does not support the meta protocol: -39").</summary>
    public override bool ServesMeta => false;

    public MoeLog(MoeServer moe, string tag, int color)
    {
        _moe = moe;
        Tag = tag;
        Color = color & 0xFF;
    }

    /// <summary>color_value (log.cc:175-197): n r g y b m c w = 0..7, upper case adds bright (8), anything else 0.</summary>
    public static int ColorValue(string s)
    {
        if (s.Length == 0) return 0;
        const string colors = "nrgybmcw";
        char c = s[0];
        int i = colors.IndexOf(char.ToLowerInvariant(c));
        if (i < 0) return 0;
        return char.IsUpper(c) ? i + 8 : i;
    }

    public override long Dispatch(ServerCall c)
    {
        var u = c.Utcb;
        if (c.Tag.Words < 2) return -(long)L4Err.Inval;
        // One opcode only: MR0 is taken as an int (L4::Opcode), so its low 32 bits must be Print (0) (log.cc:98-103).
        if ((int)u.Mr(0) != (int)LogOp.Print) return -(long)L4Err.NoSys;
        int len = (int)Math.Min(Math.Min(1024UL, (ulong)(c.Tag.Words - 2) * 8), u.Mr(1));
        var bytes = new byte[len];
        for (int i = 0; i < len; i++) bytes[i] = (byte)(u.Mr(2 + i / 8) >> (8 * (i % 8)));
        Print(bytes);
        return ServerLoop.NoReply;
    }

    private string ColorPrefix => Color != 0 ? $"\x1b[{((Color & 8) != 0 ? "01;" : "")}3{Color & 7}m" : "\x1b[0m";

    /// <summary>op_dispatch's text processing (log.cc:116-171).</summary>
    public void Print(ReadOnlySpan<byte> text)
    {
        var sb = new StringBuilder();
        int i = 0;
        while (i < text.Length && text[i] != 0)
        {
            sb.Append(ColorPrefix);
            if (_moe.LastLog != this)
            {
                if (_moe.LastLog != null) sb.Append('\n');
                var t = Tag.Length > MaxTag ? Tag[..MaxTag] : Tag;
                sb.Append(t.PadRight(MaxTag)).Append(InLine ? ": " : "| ");
            }
            int start = i;
            while (i < text.Length && text[i] != (byte)'\n' && text[i] != 0) i++;
            sb.Append(Encoding.Latin1.GetString(text[start..i]));
            if (i < text.Length && text[i] == (byte)'\n')
            {
                sb.Append(Color != 0 ? "\x1b[0m\n" : "\n");
                InLine = false;
                _moe.LastLog = null;
                i++;
            }
            else
            {
                _moe.LastLog = this;
                InLine = true;
            }
        }
        if (InLine && Color != 0) sb.Append("\x1b[0m");
        _moe.LogOut(sb.ToString());
    }

    internal override void OnDelete(MoeServer moe)
    {
        if (moe.LastLog == this) moe.LastLog = null;
    }
}
