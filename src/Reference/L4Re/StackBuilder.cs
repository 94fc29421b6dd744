using System.Buffers.Binary;
using System.Text;

namespace L4Conf.Reference.L4Re;

/// <summary>
/// Builds a new program's initial stack as libloader does (libloader/include/remote_mem Remote_stack, loader
/// Loader::launch): values are copied below the stack pointer, align(8) clears the low four bits; the bytes are
/// kept here and written to the stack's memory at the end. Addresses are the target's.
/// </summary>
public sealed class StackBuilder(ulong top)
{
    private readonly byte[] _buf = new byte[0x4000];
    public ulong Top { get; } = top;
    public ulong Sp { get; private set; } = top;
    public ulong Bottom => Top - (ulong)_buf.Length;

    private Span<byte> At(ulong addr, int len)
    {
        if (addr < Bottom || addr + (ulong)len > Top) throw new InvalidOperationException("initial stack larger than the model's 16 KiB");
        return _buf.AsSpan((int)(addr - Bottom), len);
    }

    public ulong Push(ReadOnlySpan<byte> data)
    {
        Sp -= (ulong)data.Length;
        data.CopyTo(At(Sp, data.Length));
        return Sp;
    }

    public ulong PushString(string s)
    {
        var b = Encoding.Latin1.GetBytes(s);
        var z = new byte[b.Length + 1];
        b.CopyTo(z, 0);
        return Push(z);
    }

    public ulong PushWord(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return Push(b);
    }

    /// <summary>Remote_stack::align(8): clears the low four bits (the loop makes the mask 16 for a size of 8).</summary>
    public void Align16() => Sp &= ~0xFUL;

    /// <summary>An l4re_env_cap_entry_t: cap selector, flags, 16 bytes of name (cut, NUL-padded).</summary>
    public ulong PushCapEntry(ulong cap, ulong flags, string name)
    {
        var e = new byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(e, cap);
        BinaryPrimitives.WriteUInt64LittleEndian(e.AsSpan(8), flags);
        var n = Encoding.Latin1.GetBytes(name);
        n.AsSpan(0, Math.Min(16, n.Length)).CopyTo(e.AsSpan(16));
        return Push(e);
    }

    /// <summary>adjust_sp (ARCH-amd64/adjust_stack; loader:319-324): round down to 16, moving [sp, end) down with it.</summary>
    public void AdjustSp(ulong end)
    {
        ulong nsp = Sp & ~0xFUL;
        if (nsp == Sp) return;
        int len = (int)(end - Sp);
        var block = At(Sp, len).ToArray();
        block.CopyTo(At(nsp, len));
        Sp = nsp;
    }

    /// <summary>The written bytes from <see cref="Sp"/> (rounded down to a page) up to the top, with their address.</summary>
    public (ulong Addr, byte[] Bytes) Image()
    {
        ulong start = Sp & ~0xFFFUL;
        return (start, At(start, (int)(Top - start)).ToArray());
    }

    public ulong ReadWord(ulong addr) => BinaryPrimitives.ReadUInt64LittleEndian(At(addr, 8));
}
