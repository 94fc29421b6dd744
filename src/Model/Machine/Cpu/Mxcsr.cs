namespace L4Conf.Model.Machine;

/// <summary>
/// The MXCSR register's bits (Intel SDM Vol. 1 §10.2.3): six sticky exception flags, DAZ, six masks, the rounding
/// control and FTZ. Bits 16-31 are reserved: ldmxcsr with any of them set is #GP(0) (MXCSR_MASK 0xFFFF: the captured
/// qemu64 CPU and every CPU with DAZ).
/// </summary>
public static class Mxcsr
{
    /// <summary>All exceptions masked, round to nearest, no DAZ/FTZ: the power-on value and Fiasco's initial FPU state (fpu-ia32.cpp:241-242).</summary>
    public const uint Reset = 0x1F80;
    public const uint IE = 1 << 0, DE = 1 << 1, ZE = 1 << 2, OE = 1 << 3, UE = 1 << 4, PE = 1 << 5;
    /// <summary>The six exception flags (bits 0-5); each mask is its flag shifted left by <see cref="MaskShift"/>.</summary>
    public const uint Flags = 0x3F;
    public const int MaskShift = 7;
    public const uint Daz = 1 << 6, Ftz = 1 << 15;
    public const int RcShift = 13;
    /// <summary>The bits ldmxcsr accepts; any other is #GP(0).</summary>
    public const uint Writable = 0xFFFF;

    /// <summary>The exceptions among <paramref name="flags"/> that <paramref name="mxcsr"/> leaves unmasked.</summary>
    public static uint Unmasked(uint mxcsr, uint flags) => flags & ~(mxcsr >> MaskShift) & Flags;
}

/// <summary>Rounding control (MXCSR.RC), in its encoding.</summary>
public enum RoundingMode : byte { Nearest = 0, Down = 1, Up = 2, TowardZero = 3 }
