using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel.Ipc;

/// <summary>
/// One 16-bit IPC timeout (l4_timeout_s): relative = mantissa (bits 9..0) × 2^exponent (bits 14..10) µs, raw 0 = never,
/// mantissa 0 with a non-zero exponent = zero (already expired); bit 15 = absolute, bits 5..0 name the BR holding the
/// 64-bit deadline (index clamped to 57). l4sys __timeout.h, fiasco src/abi/l4_types.cpp (L4_timeout); abi-facts §6.4.
/// </summary>
public readonly record struct IpcTimeout(ushort Raw)
{
    public const ushort Never = (ushort)TimeoutLimits.Never, Zero = (ushort)TimeoutLimits.Zero;

    public bool IsNever => Raw == 0;
    public bool IsAbsolute => (Raw & 0x8000) != 0;
    public bool IsZero => !IsNever && !IsAbsolute && (Raw & 0x3FF) == 0;
    public int Mantissa => Raw & 0x3FF;
    public int Exponent => (Raw >> 10) & 0x1F;
    public int BufferIndex => Math.Min(Raw & 0x3F, Utcb.BrCount - 1);

    /// <summary>The receive timeout of an R8 pair (bits 15..0) and the send timeout (bits 31..16).</summary>
    public static IpcTimeout Rcv(ulong pair) => new((ushort)(pair & 0xFFFF));
    public static IpcTimeout Snd(ulong pair) => new((ushort)((pair >> 16) & 0xFFFF));

    /// <summary>
    /// The absolute deadline in µs, or null for never. Zero and past deadlines mean "expired now"; the caller's UTCB
    /// supplies the BR of an absolute timeout.
    /// </summary>
    public ulong? Deadline(ulong now, Utcb utcb)
    {
        if (IsNever) return null;
        if (IsAbsolute) return utcb.Br(BufferIndex);
        if (IsZero) return now;
        return now + ((ulong)Mantissa << Exponent);
    }

    /// <summary>l4_timeout_from_us: the encoding l4sys uses for a relative timeout in µs.</summary>
    public static IpcTimeout FromMicroseconds(ulong us)
    {
        if (us == 0) return new(Zero);
        if (us == (ulong)TimeoutLimits.UsNever || us > (ulong)TimeoutLimits.UsMax) return new(Never);
        int e = Math.Max(0, 63 - System.Numerics.BitOperations.LeadingZeroCount(us) - 9);
        ulong m = (us + (1UL << e) - 1) >> e;
        if (m > 1023) { e++; m >>= 1; }
        if (e > 31) { e = 31; m = 1023; }
        return new((ushort)((e << 10) | (int)m));
    }

    public override string ToString() => IsNever ? "INF" : IsAbsolute ? $"abs(BR{BufferIndex})" : IsZero ? "0" : $"{(ulong)Mantissa << Exponent}us";
}
