using System.Text;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;

namespace L4Conf.Reference.L4Re;

/// <summary>
/// A program's stdout as L4Re's C library has it (uClibc-ng stdio over the Vcon stream, runtime-misc notes §3.1):
/// line buffered with a 256-byte buffer; a piece that fits and contains a newline commits the whole buffer, a piece
/// that does not fit commits the buffer and is written directly; each write goes out as send-only Vcon writes of at
/// most 488 bytes to the environment's log capability (nothing is written when the log cap is invalid).
/// </summary>
public sealed class Stdio(Process p, ulong logCap)
{
    public const int BufSize = 256, VconWriteSize = (Utcb.MrCount - 2) * 8;
    private readonly List<byte> _buf = new(BufSize);
    public ulong LogCap { get; set; } = logCap;

    /// <summary>printf of one formatted piece.</summary>
    public void Write(string piece)
    {
        var b = Encoding.Latin1.GetBytes(piece);
        if (_buf.Count + b.Length <= BufSize)
        {
            _buf.AddRange(b);
            if (Array.IndexOf(b, (byte)'\n') >= 0) Flush();
            return;
        }
        Flush();
        Send(b);
    }

    public void Flush()
    {
        if (_buf.Count == 0) return;
        var b = _buf.ToArray();
        _buf.Clear();
        Send(b);
    }

    /// <summary>Vcon_stream::writev: chunks of L4_VCON_WRITE_SIZE, each an l4_vcon_send (MR0 = write op, MR1 = length, bytes from MR2).</summary>
    private void Send(byte[] data)
    {
        if ((LogCap & (1UL << 11)) != 0) return;                  // L4_INVALID_CAP: no log
        for (int off = 0; off < data.Length; off += VconWriteSize)
            Send(p, LogCap, data.AsSpan(off, Math.Min(VconWriteSize, data.Length - off)));
    }

    public static void Send(Process p, ulong log, ReadOnlySpan<byte> chunk)
    {
        var u = p.Utcb;
        u.SetMr(0, (ulong)VconOp.Write);
        u.SetMr(1, (ulong)chunk.Length);
        int words = (chunk.Length + 7) / 8;
        for (int i = 0; i < words; i++)
        {
            ulong w = 0;
            for (int j = 0; j < 8 && i * 8 + j < chunk.Length; j++) w |= (ulong)chunk[i * 8 + j] << (8 * j);
            u.SetMr(2 + i, w);
        }
        p.Sys.Send(log, new MsgTag((long)Protocol.Log, 2 + words, 0, MsgTagFlags.Schedule));
    }
}
