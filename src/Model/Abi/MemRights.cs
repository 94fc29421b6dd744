namespace L4Conf.Model.Abi;

/// <summary>Memory flexpage rights.</summary>
[Flags, Source("l4re:l4sys/include/__l4_fpage.h")]
public enum MemRights : byte
{
    None = 0,
    [Real("L4_FPAGE_X")] X = 1,
    [Real("L4_FPAGE_W")] W = 2,
    [Real("L4_FPAGE_RO")] R = 4,
    [Real("L4_FPAGE_RX")] RX = 5,
    [Real("L4_FPAGE_RW")] RW = 6,
    [Real("L4_FPAGE_RWX")] RWX = 7,
}
