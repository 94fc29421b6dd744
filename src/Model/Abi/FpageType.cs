namespace L4Conf.Model.Abi;

[Source("l4re:l4sys/include/__l4_fpage.h", "fiasco:src/abi/l4_fpage.cpp")]
public enum FpageType : byte
{
    [Real("L4_FPAGE_SPECIAL")] Special = 0,
    [Real("L4_FPAGE_MEMORY")] Memory = 1,
    [Real("L4_FPAGE_IO")] Io = 2,
    [Real("L4_FPAGE_OBJ")] Obj = 3,
}

/// <summary>Bit positions of the flexpage word.</summary>
[Source("l4re:l4sys/include/__l4_fpage.h")]
public enum FpageLayout : int
{
    [Real("L4_FPAGE_RIGHTS_SHIFT")] RightsShift = 0,
    [Real("L4_FPAGE_RIGHTS_BITS")] RightsBits = 4,
    [Real("L4_FPAGE_TYPE_SHIFT")] TypeShift = 4,
    [Real("L4_FPAGE_TYPE_BITS")] TypeBits = 2,
    [Real("L4_FPAGE_SIZE_SHIFT")] SizeShift = 6,
    [Real("L4_FPAGE_SIZE_BITS")] SizeBits = 6,
    [Real("L4_FPAGE_ADDR_SHIFT")] AddrShift = 12,
    [Real("L4_WHOLE_ADDRESS_SPACE")] WholeAddressSpace = 63,
}
