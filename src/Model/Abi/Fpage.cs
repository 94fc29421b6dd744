namespace L4Conf.Model.Abi;

/// <summary>A flexpage word (l4_fpage_t): rights 3..0, type 5..4, order 11..6, address/index 63..12.</summary>
public readonly record struct Fpage(ulong Raw)
{
    public byte Rights => (byte)(Raw & 0xF);
    public FpageType Type => (FpageType)((Raw >> 4) & 0x3);
    public int Order => (int)((Raw >> 6) & 0x3F);
    public ulong Address => Raw & ~0xFFFUL;
    /// <summary>For object flexpages the address field holds a capability selector; this is its index.</summary>
    public ulong CapIndex => Raw >> 12;

    /// <summary>Kernel's is_all_spaces(): type special and order 63, address and rights ignored.</summary>
    public bool IsAllSpaces => Type == FpageType.Special && Order == 63;
    /// <summary>l4_is_fpage_valid(): type != 0 or order != 0.</summary>
    public bool IsValid => Type != FpageType.Special || Order != 0;

    public static Fpage Obj(ulong capSelector, int order, CapRights rights) =>
        new((capSelector & ~0xFFFUL) | ((ulong)(order & 0x3F) << 6) | ((ulong)FpageType.Obj << 4) | ((ulong)rights & 0xF));
    public static Fpage Memory(ulong address, int order, MemRights rights) =>
        new((address & ~0xFFFUL) | ((ulong)(order & 0x3F) << 6) | ((ulong)FpageType.Memory << 4) | ((ulong)rights & 0xF));
    public static Fpage Io(ulong port, int order) =>
        new((port << 12) | ((ulong)(order & 0x3F) << 6) | ((ulong)FpageType.Io << 4) | (ulong)MemRights.RW);
    /// <summary>l4_fpage_all(): raw 0xFC0.</summary>
    public static Fpage All => new(63UL << 6);
    /// <summary>l4_fpage_invalid(): raw 0.</summary>
    public static Fpage Invalid => new(0);

    public override string ToString() => Type switch
    {
        FpageType.Obj => $"obj[C:{CapIndex:x} order {Order} rights {(CapRights)Rights}]",
        FpageType.Memory => $"mem[0x{Address:x} order {Order} rights {(MemRights)Rights}]",
        FpageType.Io => $"io[port 0x{CapIndex:x} order {Order}]",
        _ => IsAllSpaces ? "all-spaces" : $"special[0x{Raw:x}]",
    };

    /// <summary>
    /// Where a send fpage of 2^<paramref name="sendOrder"/> units lands in a receive window of 2^<paramref name="rcvOrder"/>
    /// (abi-facts §3.2): the larger one is cut to the smaller at the hot spot. Returns the first source unit, the first
    /// destination unit and how many units move; the same rule for object slots and memory bytes.
    /// </summary>
    public static (ulong Src, ulong Dst, ulong Count) Place(ulong srcAddr, int sendOrder, ulong rcvBase, int rcvOrder, ulong hotSpot)
    {
        ulong s = 1UL << sendOrder, r = 1UL << rcvOrder;
        ulong src = srcAddr & ~(s - 1), dst = rcvBase & ~(r - 1);
        return r >= s ? (src, dst + ((hotSpot % r) & ~(s - 1)), s) : (src + ((hotSpot % s) & ~(r - 1)), dst, r);
    }
}
