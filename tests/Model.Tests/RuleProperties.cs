using FsCheck.Xunit;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;

namespace L4Conf.Model.Tests;

/// <summary>
/// The rights rules as FsCheck.Xunit properties over all their byte inputs, with a fixed seed (Replay) so a run is
/// reproducible; a failure prints the falsifying bytes and the seed to replay.
/// </summary>
public class RuleProperties
{
    private const string Seed = "(20261121,296144285)";

    [Property(Replay = Seed, MaxTest = 2000)]
    public bool Map_never_adds_a_bit_the_source_lacks(byte src, byte fp, byte item, byte mask) =>
        ((byte)RightsRules.MapAttr((CapRights)src, fp, item, (CapRights)mask) & ~src) == 0;

    [Property(Replay = Seed, MaxTest = 2000)]
    public bool Map_without_R_maps_nothing(byte src, byte fp, byte item, byte mask) =>
        RightsRules.MapAttr((CapRights)src, fp, item, (CapRights)mask) is var r && (r == CapRights.None || (r & CapRights.R) != 0);

    [Property(Replay = Seed, MaxTest = 2000)]
    public bool Task_map_passes_S_only_when_both_task_caps_have_it(byte src, byte fp, byte item, byte srcTask, byte dstTask)
    {
        var r = RightsRules.MapAttr((CapRights)src, fp, item, RightsRules.TaskMapMask((CapRights)srcTask, (CapRights)dstTask));
        return (r & CapRights.S) == 0 || ((srcTask & dstTask & (byte)CapRights.S) != 0);
    }

    [Property(Replay = Seed, MaxTest = 2000)]
    public bool An_ipc_map_item_passes_S_only_when_the_invoked_cap_has_it(byte src, byte fp, byte item, byte sendCap)
    {
        var r = RightsRules.MapAttr((CapRights)src, fp, item, RightsRules.IpcMapMask((CapRights)sendCap));
        return (r & CapRights.S) == 0 || (sendCap & (byte)CapRights.S) != 0;
    }

    [Property(Replay = Seed, MaxTest = 2000)]
    public bool Unmap_only_removes_and_keeps_the_counted_bit(byte old, byte fp)
    {
        var r = (byte)RightsRules.UnmapAttr((CapRights)old, fp);
        return (r & ~old) == 0 && (r == 0 || (r & 0xF0) == (old & 0xF0));
    }
}
