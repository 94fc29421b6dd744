using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using Xunit;

namespace L4Conf.Tests;

/// <summary>The rights algebra checked over its whole input space (2^17 map inputs, 2^12 unmap inputs).</summary>
public class RightsRulesTests
{
    private static IEnumerable<(byte Src, byte Fp, byte Item, byte Mask)> AllMapInputs()
    {
        for (int src = 0; src < 256; src++)
            for (int fp = 0; fp < 16; fp++)
                for (int item = 0; item < 256; item += 16)
                    foreach (byte mask in new byte[] { 0, 2 })
                        yield return ((byte)src, (byte)fp, (byte)item, mask);
    }

    [Fact]
    public void Map_never_adds_a_right_and_S_needs_the_mask()
    {
        foreach (var (src, fp, item, mask) in AllMapInputs())
        {
            var r = (byte)RightsRules.MapAttr((CapRights)src, fp, item, (CapRights)mask);
            Assert.True((r & ~src) == 0, $"src {src:x2} fp {fp:x} item {item:x2} mask {mask:x}: {r:x2} adds rights");
            if ((mask & 2) == 0) Assert.True((r & 2) == 0, $"S without the mask: src {src:x2} fp {fp:x}");
            if ((fp & 4) == 0) Assert.Equal(0, r);
            if ((src & 0x10) == 0) Assert.True((r & 0x10) == 0, "weak source gave a counted slot");
        }
    }

    [Fact]
    public void Map_gives_the_real_attribute_bytes_seen_in_caplife()
    {
        // Ned's full slot 0xff mapped with its letters: the child's rights= column in caplife_mapdb_objs.log dump 1.
        (string Letters, byte Expect)[] seen = [("r", 0x14), ("rw", 0x15), ("rws", 0x17), ("rwsd", 0x1f), ("rn", 0x04), ("rwn", 0x05), ("rwsdn", 0x0f)];
        foreach (var (letters, expect) in seen)
        {
            int v = 4;
            foreach (var ch in letters) v |= ch switch { 'w' => 1, 's' => 2, 'd' => 8, 'n' => 0x10, _ => 0 };
            var r = RightsRules.MapAttr(CapRights.Full, (byte)(v & 0xF), (byte)(v & 0xF0), CapRights.RWS);
            Assert.Equal(expect, (byte)r);
        }
    }

    [Fact]
    public void Partial_unmap_only_removes_and_R_removes_all()
    {
        for (int old = 0; old < 256; old++)
            for (int fp = 0; fp < 16; fp++)
            {
                var r = (byte)RightsRules.UnmapAttr((CapRights)old, (byte)fp);
                Assert.True((r & ~old) == 0);
                if ((fp & 4) != 0) Assert.Equal(0, r);
                else Assert.Equal(old & 0xF4, r & 0xF4);
            }
    }
}
