using L4Conf.Model.Abi;
using Xunit;

namespace L4Conf.Tests;

/// <summary>Encodings against values printed in the real headers and captures.</summary>
public class EncodingTests
{
    [Theory]
    [InlineData(-11, 3, 1, 0, 0xFFFF_FFFF_FFF5_0043UL)]   // l4_msgtag(L4_PROTO_TASK, 3, 1, 0)
    [InlineData(-2, 2, 0, 0, 0xFFFF_FFFF_FFFE_0002UL)]    // page-fault IPC tag
    [InlineData(-5, 26, 0, 0x1000, 0xFFFF_FFFF_FFFB_101AUL)] // exception IPC tag with TRANSFER_FPU
    public void Msgtag_encodes_like_l4_msgtag(long label, int words, int items, long flags, ulong raw)
    {
        var t = new MsgTag(label, words, items, (MsgTagFlags)flags);
        Assert.Equal(unchecked((long)raw), t.Raw);
        Assert.Equal(label, t.Label);
        Assert.Equal(words, t.Words);
        Assert.Equal(items, t.Items);
    }

    [Fact]
    public void Selectors_classify_like_L4_obj_ref()
    {
        Assert.True(CapSelector.InvalidCap.Self);
        Assert.True(new CapSelector(0x400).ExplicitReply);
        Assert.Equal(SysFlags.Call, CapSelector.Of(5, SysFlags.Call).Op);
        Assert.Equal(5UL, CapSelector.Of(5, SysFlags.Call).Index);
    }

    [Fact]
    public void Abi_catalogue_has_no_conflicting_duplicates()
    {
        var byName = AbiCatalog.All.GroupBy(a => a.Name).Where(g => g.Select(x => x.Value).Distinct().Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(byName);
        Assert.True(AbiCatalog.All.Count > 150, $"{AbiCatalog.All.Count} constants");
        Assert.All(AbiCatalog.All, a => Assert.NotEmpty(a.Source));
    }
}
