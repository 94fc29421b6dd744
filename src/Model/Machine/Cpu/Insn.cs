namespace L4Conf.Model.Machine;

/// <summary>
/// One decoded instruction in the compact form the interpreter switches on. Iced's <c>Instruction</c> is decoded
/// once per code-page offset and translated into this struct so that the hot loop reads plain fields instead of
/// Iced's packed properties.
/// </summary>
/// <remarks>
/// Register operands are an index into <see cref="Cpu"/>'s register file plus a bit shift (8 for AH/CH/DH/BH,
/// else 0). Memory operands are <c>((regs[Base] + (regs[Index] &lt;&lt; Scale) + Disp) &amp; AMask) + regs[Seg]</c>:
/// an absent base/index/segment names the always-zero slot <see cref="Cpu.ZeroSlot"/>, so effective-address
/// computation has no branches (an SS-segment operand names <see cref="Cpu.SsSlot"/>, also zero, to raise #SS). RIP-relative operands have no base and their absolute target in <c>Disp</c>
/// (valid because the cache is keyed by the page's virtual address).
/// </remarks>
internal struct Insn
{
    public Op Op;
    /// <summary>Instruction length in bytes.</summary>
    public byte Len;
    /// <summary>Operand size in bytes (1, 2, 4, 8).</summary>
    public byte Size;
    /// <summary>Condition code 0..15 in the x86 encoding order (o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g).</summary>
    public byte Cc;
    /// <summary>Destination (first operand) register slot and bit shift.</summary>
    public byte D, DSh;
    /// <summary>Source (second operand) register slot and bit shift.</summary>
    public byte S, SSh;
    public byte Base, Index, Scale, Seg;
    /// <summary>Per-handler extra: shift kind, source size for movzx/movsx, rep flag for string instructions.</summary>
    public byte Aux;
    /// <summary>SSE floating point: the lane shape (<see cref="SseShape"/>).</summary>
    public byte Vec;
    /// <summary>Operand-size mask (0xFF, 0xFFFF, 0xFFFF_FFFF, ~0).</summary>
    public ulong Mask;
    /// <summary>Bits of the destination register a write preserves: ~(Mask &lt;&lt; DSh) for 8/16-bit, 0 for 32/64-bit (zero-extension).</summary>
    public ulong Keep;
    /// <summary>Source-operand mask where it differs from the destination (movzx/movsx).</summary>
    public ulong SMask;
    public ulong Disp;
    /// <summary>Address-size mask: 0xFFFF_FFFF with a 0x67 prefix (32-bit addressing), else ~0.</summary>
    public ulong AMask;
    /// <summary>Immediate (already masked to the operand size) or absolute branch target.</summary>
    public ulong Imm;
    /// <summary>Iced's text of the instruction, kept only for the ones that stop with a message (#UD, #GP).</summary>
    public string? Text;
}
