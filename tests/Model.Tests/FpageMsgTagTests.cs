using L4Conf.Model.Abi;
using Xunit;

namespace L4Conf.Tests;

/// <summary>
/// The flexpage and message-tag words field by field, against l4re-core l4sys/include/__l4_fpage.h
/// (__l4_fpage_generic, l4_fpage_rights/type/size/page, l4_iofpage, l4_fpage_all, l4_fpage_invalid), fiasco
/// src/abi/l4_fpage.cpp (the bit fields, is_all_spaces), src/kern/map_util.cpp free_constraint (the hot spot) and
/// l4sys/include/types.h l4_msgtag and its accessors. Written to kill the mutants Stryker left in Fpage.cs and MsgTag.cs.
/// </summary>
public class FpageMsgTagTests
{
    [Fact]
    public void Fpage_fields_are_the_l4_fpage_bit_fields()
    {
        // rights 3..0, type 5..4, order 11..6, address 63..12 (L4_FPAGE_*_SHIFT and _BITS).
        var f = new Fpage(0x0012_3456_7FFF_FFFFUL);
        Assert.Equal(0xF, f.Rights);
        Assert.Equal(FpageType.Obj, f.Type);
        Assert.Equal(63, f.Order);
        Assert.Equal(0x0012_3456_7FFF_F000UL, f.Address);
        Assert.Equal(0x0012_3456_7FFFFUL, f.CapIndex);

        var g = new Fpage(0x5000UL | (0x17UL << 6) | (1UL << 4) | 0x5);
        Assert.Equal(0x5, g.Rights);
        Assert.Equal(FpageType.Memory, g.Type);
        Assert.Equal(0x17, g.Order);
        Assert.Equal(0x5000UL, g.Address);
        Assert.Equal(0x5UL, g.CapIndex);
        Assert.Equal(FpageType.Io, new Fpage(2UL << 4).Type);
        Assert.Equal(FpageType.Special, new Fpage(0xFC0).Type);
    }

    [Fact]
    public void All_spaces_needs_type_special_and_order_63()
    {
        Assert.True(Fpage.All.IsAllSpaces);
        Assert.True(new Fpage(0xFC0 | 0xF).IsAllSpaces);                 // rights ignored (fiasco is_all_spaces)
        Assert.False(new Fpage(0xFC0 | (1 << 4)).IsAllSpaces);           // memory, order 63
        Assert.False(new Fpage(62 << 6).IsAllSpaces);                    // special, order 62
        Assert.False(Fpage.Invalid.IsAllSpaces);
    }

    [Fact]
    public void Valid_means_type_or_order_nonzero()
    {
        Assert.False(Fpage.Invalid.IsValid);
        Assert.False(new Fpage(0x5000 | 0xF).IsValid);                   // address and rights do not count
        Assert.True(new Fpage(1 << 4).IsValid);                         // memory, order 0
        Assert.True(new Fpage(1 << 6).IsValid);                         // special, order 1
        Assert.True(Fpage.All.IsValid);
    }

    [Fact]
    public void Constructors_encode_like_the_l4sys_functions()
    {
        // l4_obj_fpage(0x5123, 4, L4_CAP_FPAGE_RWS): the index is taken as it is, masked to the address field.
        Assert.Equal(0x5000UL | (4 << 6) | (3 << 4) | 0x7, Fpage.Obj(0x5123, 4, CapRights.RWS).Raw);
        // Rights beyond the 4 rights bits and orders beyond 6 bits are cut by the field masks.
        Assert.Equal(0x1000UL | (5 << 6) | (3 << 4) | 0xF, Fpage.Obj(0x1000, 64 + 5, (CapRights)0xFF).Raw);
        // l4_fpage(0x40201234, 12, L4_FPAGE_RWX)
        Assert.Equal(0x4020_1000UL | (12 << 6) | (1 << 4) | 0x7, Fpage.Memory(0x4020_1234, 12, MemRights.RWX).Raw);
        Assert.Equal((5UL << 6) | (1 << 4) | 0x4, Fpage.Memory(0xFFF, 64 + 5, MemRights.R).Raw);
        // l4_iofpage(0x3f8, 3): port << 12, type 2, rights L4_FPAGE_RW
        Assert.Equal(0x3F8000UL | (3 << 6) | (2 << 4) | 0x6, Fpage.Io(0x3F8, 3).Raw);
        Assert.Equal((5UL << 6) | (2 << 4) | 0x6, Fpage.Io(0, 64 + 5).Raw);
        Assert.Equal(0xFC0UL, Fpage.All.Raw);                            // l4_fpage_all()
        Assert.Equal(0UL, Fpage.Invalid.Raw);                            // l4_fpage_invalid()
    }

    [Fact]
    public void Fpages_print_their_kind_and_fields()
    {
        Assert.Equal("obj[C:5 order 4 rights RWS]", Fpage.Obj(0x5000, 4, CapRights.RWS).ToString());
        Assert.Equal("mem[0x40201000 order 12 rights RWX]", Fpage.Memory(0x4020_1000, 12, MemRights.RWX).ToString());
        Assert.Equal("io[port 0x3f8 order 3]", Fpage.Io(0x3F8, 3).ToString());
        Assert.Equal("all-spaces", Fpage.All.ToString());
        Assert.Equal("special[0x0]", Fpage.Invalid.ToString());
        Assert.Equal("special[0x80]", new Fpage(2 << 6).ToString());
    }

    [Fact]
    public void Place_cuts_the_larger_side_at_the_hot_spot_like_free_constraint()
    {
        // Receive window larger: rcv_addr += mask_lsb(get_lsb(hot_spot, rcv_size), snd_size).
        Assert.Equal((0x5120UL, 0x1030UL, 16UL), Fpage.Place(0x5123, 4, 0x1000, 8, 0x1234));
        Assert.Equal((0x5120UL, 0x1030UL, 16UL), Fpage.Place(0x5123, 4, 0x10FF, 8, 0x1234));   // bases are aligned down
        // Send fpage larger: snd_addr += mask_lsb(get_lsb(hot_spot, snd_size), rcv_size), snd_size = rcv_size.
        Assert.Equal((0x5130UL, 0x1000UL, 16UL), Fpage.Place(0x5123, 8, 0x1000, 4, 0x1234));
        Assert.Equal((0x5130UL, 0x1000UL, 16UL), Fpage.Place(0x5100, 8, 0x100F, 4, 0x1234));
        // Equal sizes: both bases as they are (aligned), the whole fpage.
        Assert.Equal((0x20UL, 0x40UL, 16UL), Fpage.Place(0x2F, 4, 0x4F, 4, 0x1234));
    }

    [Fact]
    public void Msgtag_masks_words_items_and_flags_like_l4_msgtag()
    {
        // words & 0x3f, (items & 0x3f) << 6, flags & 0xf000, label << 16.
        var t = new MsgTag(0x1234, 64 + 3, 64 + 2, (MsgTagFlags)0x1_F123);
        Assert.Equal((0x1234L << 16) | 0xF000 | (2 << 6) | 3, t.Raw);
        Assert.Equal(0x1234L, t.Label);
        Assert.Equal(3, t.Words);
        Assert.Equal(2, t.Items);
        Assert.Equal(MsgTagFlags.All, t.Flags);
        Assert.True(t.HasError);
        // l4_msgtag_label is arithmetic: a negative label comes back negative.
        var n = new MsgTag(unchecked((long)0xFFFF_FFFF_FFFF_7FFFUL));
        Assert.Equal(-1L, n.Label);
        Assert.Equal(0x3F, n.Words);
        Assert.Equal(0x3F, n.Items);
        Assert.Equal((MsgTagFlags)0x7000, n.Flags);
        Assert.False(n.HasError);
    }

    [Fact]
    public void Error_tags_carry_only_the_error_flag_or_keep_the_tag()
    {
        Assert.Equal(0x8000L, MsgTag.IpcError.Raw);                      // label 0, no words, L4_MSGTAG_ERROR
        var t = new MsgTag(-3, 2, 1, MsgTagFlags.Schedule);
        Assert.Equal(t.Raw | 0x8000, t.WithError().Raw);
        Assert.Equal(new MsgTag(7, 5, 2).Raw, MsgTag.Result(7, 5, 2).Raw);
        Assert.Equal(7L << 16, MsgTag.Result(7).Raw);
    }

    [Fact]
    public void Msgtags_print_label_words_items_and_flags()
    {
        Assert.Equal("[-3,w=2,i=1]", new MsgTag(-3, 2, 1).ToString());
        Assert.Equal("[-3,w=2,i=1,f=0x2000]", new MsgTag(-3, 2, 1, MsgTagFlags.Schedule).ToString());
    }
}
