namespace L4Conf.Model.Machine;

/// <summary>What an access does to memory: the MMU checks rights and sets A/D by it.</summary>
public enum AccessKind { Read, Write, Execute }

/// <summary>The exception vectors the model raises (Intel SDM Vol. 3 §6.3.1; fiasco src/kern/ia32/regdefs.h).</summary>
public enum Vector : byte
{
    DivideError = 0x00,        // #DE
    Debug = 0x01,              // #DB
    Breakpoint = 0x03,         // #BP (int3)
    Overflow = 0x04,           // #OF
    BoundRange = 0x05,         // #BR
    InvalidOpcode = 0x06,      // #UD
    DeviceNotAvailable = 0x07, // #NM
    SegmentNotPresent = 0x0B,  // #NP: a segment load or far transfer names a descriptor with P clear
    StackSegment = 0x0C,       // #SS: a non-canonical stack reference (SDM Vol. 3A §6.15 Interrupt 12)
    GeneralProtection = 0x0D,  // #GP
    PageFault = 0x0E,          // #PF
    FloatingPoint = 0x10,      // #MF
    AlignmentCheck = 0x11,     // #AC
    SimdFloatingPoint = 0x13,  // #XM
}

/// <summary>Page-fault error code bits pushed by the CPU (PF_ERR_* in fiasco src/kern/ia32/regdefs.h; abi-facts §13.4).</summary>
[Flags]
public enum PfErr : ulong
{
    None = 0,
    Present = 0x01,    // PF_ERR_PRESENT: protection violation on a present page
    Write = 0x02,      // PF_ERR_WRITE
    User = 0x04,       // PF_ERR_USERMODE
    Reserved = 0x08,   // PF_ERR_RESERVED: a reserved bit was set in a paging entry
    InstrFetch = 0x10, // PF_ERR_INSTFETCH
}

/// <summary>A trap the CPU raises: vector, hardware error code (0 if the vector has none), CR2 for #PF.</summary>
public readonly record struct Trap(Vector Vector, ulong ErrorCode, ulong Cr2 = 0)
{
    public override string ToString() => Vector == Vector.PageFault ? $"#PF err=0x{ErrorCode:x} cr2=0x{Cr2:x}" : $"{Vector} (0x{(byte)Vector:x}) err=0x{ErrorCode:x}";
}

/// <summary>
/// The CPU's view of memory: user-mode virtual accesses through the current address space. An access either
/// completes entirely or raises a trap (#PF with error code and CR2, or #GP for a non-canonical address) and
/// changes nothing. Accesses may cross page boundaries.
/// </summary>
public interface IMemoryBus
{
    /// <summary>Read; <paramref name="kind"/> Write is the read of a read-modify-write operand, checked (and faulting) as a write.</summary>
    bool Read(ulong va, Span<byte> dst, AccessKind kind, out Trap trap);
    bool Write(ulong va, ReadOnlySpan<byte> src, out Trap trap);
    /// <summary>
    /// A number that changes whenever the bytes or the mapping of the code page holding <paramref name="va"/> may
    /// have changed; the CPU's decoded-instruction cache is valid while it stays the same.
    /// </summary>
    ulong CodeVersion(ulong va);
}
