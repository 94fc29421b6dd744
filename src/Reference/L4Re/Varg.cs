using System.Text;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;

namespace L4Conf.Reference.L4Re;

/// <summary>One variable argument: type and its value (an integer, or a string without the NUL).</summary>
public readonly record struct Varg(VargType Type, ulong Value, string? Text = null)
{
    public bool IsInt => Type is VargType.Umword or VargType.Mword;
    public long Signed => unchecked((long)Value);
    public static Varg Nil => new(VargType.Nil, 0);
}

/// <summary>
/// The factory protocol's variable arguments (l4sys/include/cxx/ipc_varg): each a tag word (type in bits 0..7,
/// length in bits 16+) and its data padded to words; missing arguments read as nil.
/// </summary>
public sealed class VargReader(Utcb u, int firstWord, int words)
{
    private int _w = firstWord;

    public Varg Next()
    {
        if (_w >= words) return Varg.Nil;
        ulong tag = u.Mr(_w);
        int len = (int)(tag >> 16);
        var type = (VargType)(tag & 0xFF);
        int dataWords = (len + 7) / 8;
        int at = _w + 1;
        _w = at + dataWords;
        if (_w > words) return Varg.Nil;
        switch (type)
        {
            case VargType.Umword or VargType.Mword or VargType.Fpage:
                return new Varg(type, u.Mr(at));
            case VargType.String:
            {
                var b = new byte[len];
                for (int i = 0; i < len; i++) b[i] = (byte)(u.Mr(at + i / 8) >> (8 * (i % 8)));
                int nul = Array.IndexOf(b, (byte)0);
                return new Varg(type, (ulong)len, Encoding.Latin1.GetString(b, 0, nul >= 0 ? nul : len));
            }
            default:
                return new Varg(type, 0);
        }
    }

    /// <summary>Writes vargs for a factory call after MR0 (the protocol); returns the number of words used.</summary>
    public static int Write(Utcb u, int firstWord, IEnumerable<Varg> args)
    {
        int w = firstWord;
        foreach (var a in args)
        {
            if (a.Type == VargType.Nil) break;               // the list ends at the first nil
            if (a.Type == VargType.String)
            {
                var b = Encoding.Latin1.GetBytes(a.Text ?? "");
                int len = b.Length + 1;
                u.SetMr(w++, (ulong)VargType.String | ((ulong)len << 16));
                for (int i = 0; i < (len + 7) / 8; i++)
                {
                    ulong v = 0;
                    for (int j = 0; j < 8 && i * 8 + j < b.Length; j++) v |= (ulong)b[i * 8 + j] << (8 * j);
                    u.SetMr(w++, v);
                }
            }
            else
            {
                u.SetMr(w++, (ulong)a.Type | (8UL << 16));
                u.SetMr(w++, a.Value);
            }
        }
        return w;
    }
}
