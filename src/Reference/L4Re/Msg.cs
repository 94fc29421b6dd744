using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using L4Conf.Model.Kernel;

namespace L4Conf.Reference.L4Re;

/// <summary>
/// Writes an RPC message into the message registers as the L4 C++ marshalling does (l4sys/include/cxx/ipc_basics
/// msg_add, ipc_array, ipc_string): the registers are one byte buffer of 63 words, each value at its natural
/// alignment, arrays as a 2-byte length then the elements, strings as an 8-byte length that counts the NUL.
/// </summary>
public sealed class MsgWriter(Utcb u, int offset = 0)
{
    public const int MaxBytes = Utcb.MrCount * 8;
    private int _off = offset;
    private Span<byte> Bytes => MemoryMarshal.AsBytes(u.W.AsSpan(0, Utcb.MrCount));

    /// <summary>Untyped words the message occupies (rounded up).</summary>
    public int Words => (_off + 7) / 8;
    public int Offset => _off;

    private Span<byte> Take(int align, int size)
    {
        _off = (_off + align - 1) & ~(align - 1);
        if (_off + size > MaxBytes) throw new InvalidOperationException($"RPC message longer than {MaxBytes} bytes");
        var s = Bytes.Slice(_off, size);
        _off += size;
        return s;
    }

    /// <summary>The opcode of an Rpcs interface: an int at offset 0 (L4::Opcode).</summary>
    public MsgWriter Opcode(int op) => I32(op);
    public MsgWriter U8(byte v) { Take(1, 1)[0] = v; return this; }
    public MsgWriter U16(ushort v) { BinaryPrimitives.WriteUInt16LittleEndian(Take(2, 2), v); return this; }
    public MsgWriter I32(int v) { BinaryPrimitives.WriteInt32LittleEndian(Take(4, 4), v); return this; }
    public MsgWriter U32(uint v) { BinaryPrimitives.WriteUInt32LittleEndian(Take(4, 4), v); return this; }
    public MsgWriter U64(ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(Take(8, 8), v); return this; }
    public MsgWriter I64(long v) => U64(unchecked((ulong)v));

    /// <summary>L4::Ipc::Array&lt;char&gt; with the default 2-byte length.</summary>
    public MsgWriter Array(ReadOnlySpan<byte> data)
    {
        U16((ushort)data.Length);
        data.CopyTo(Take(1, data.Length));
        return this;
    }

    /// <summary>An array with an 8-byte length (Array&lt;char const, unsigned long&gt;, as Namespace names).</summary>
    public MsgWriter LongArray(ReadOnlySpan<byte> data)
    {
        U64((ulong)data.Length);
        data.CopyTo(Take(1, data.Length));
        return this;
    }

    /// <summary>L4::Ipc::String&lt;&gt;: 8-byte length including the terminating NUL, then the bytes and the NUL.</summary>
    public MsgWriter String(string s)
    {
        var b = Encoding.Latin1.GetBytes(s);
        U64((ulong)b.Length + 1);
        var dst = Take(1, b.Length + 1);
        b.CopyTo(dst);
        dst[^1] = 0;
        return this;
    }

    /// <summary>Pads to the next word (typed items follow the untyped words).</summary>
    public MsgWriter AlignWord() { _off = (_off + 7) & ~7; return this; }
}

/// <summary>Reads an RPC message from the message registers, with the limit the tag gives (words × 8 bytes).</summary>
public sealed class MsgReader(Utcb u, int words, int offset = 0)
{
    private int _off = offset;
    private readonly int _limit = Math.Min(words, Utcb.MrCount) * 8;
    private ReadOnlySpan<byte> Bytes => MemoryMarshal.AsBytes(u.W.AsSpan(0, Utcb.MrCount));
    /// <summary>False once a value did not fit in the message: the server answers -L4_EMSGTOOSHORT.</summary>
    public bool Ok { get; private set; } = true;
    public int Offset => _off;

    private ReadOnlySpan<byte> Take(int align, int size)
    {
        int at = (_off + align - 1) & ~(align - 1);
        if (!Ok || size < 0 || at + size > _limit) { Ok = false; return new byte[Math.Max(size, 0)]; }
        _off = at + size;
        return Bytes.Slice(at, size);
    }

    public int Opcode() => I32();
    /// <summary>Skips to the next word boundary (where the next word-sized argument starts).</summary>
    public void AlignWord() { _off = (_off + 7) & ~7; }
    public byte U8() => Take(1, 1)[0];
    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, 2));
    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4, 4));
    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, 4));
    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, 8));
    public long I64() => unchecked((long)U64());

    /// <summary>Array&lt;char&gt; (2-byte length).</summary>
    public byte[] Array()
    {
        int n = U16();
        return Ok ? Take(1, n).ToArray() : [];
    }

    /// <summary>Array with an 8-byte length.</summary>
    public byte[] LongArray()
    {
        ulong n = U64();
        if (!Ok || n > MsgWriter.MaxBytes) { Ok = false; return []; }
        return Take(1, (int)n).ToArray();
    }

    /// <summary>L4::Ipc::String&lt;&gt;: the server forces a NUL at the end and needs a length of at least 1 (ipc_string).</summary>
    public string String()
    {
        ulong n = U64();
        if (!Ok || n == 0 || n > MsgWriter.MaxBytes) { Ok = false; return ""; }
        var b = Take(1, (int)n);
        if (!Ok) return "";
        int end = b.IndexOf((byte)0);
        return Encoding.Latin1.GetString(end >= 0 ? b[..end] : b[..^1]);
    }
}
