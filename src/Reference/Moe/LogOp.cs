using L4Conf.Model.Abi;

namespace L4Conf.Reference.Moe;

/// <summary>L4Re::Log_ opcodes: Moe's log serves only this one; MR0 is read as an int (L4::Opcode).</summary>
[Source("l4re:l4re/include/log-sys.h:23")]
public enum LogOp
{
    [Real("L4Re::Log_::Print")] Print = 0,
}
