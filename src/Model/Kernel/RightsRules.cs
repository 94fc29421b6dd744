using L4Conf.Model.Abi;
using L4Conf.Model.Kernel.Rules;
using static L4Conf.Model.Kernel.Rules.BvRule;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The rights algebra of object capabilities, written once as bit-vector terms (<see cref="BvRule"/>): the kernel
/// model evaluates these terms and `l4conf prove` translates the same terms to SMT-LIB2, so a proof and the code
/// that runs cannot drift apart (fiasco src/kern/map_util.cpp Map_traits&lt;Obj_space&gt;::apply_attribs,
/// src/abi/l4_msg_item.cpp, src/kern/task.cpp sys_map, src/kern/thread-ipc.cpp transfer_msg_items).
/// </summary>
public static class RightsRules
{
    private const byte R = (byte)CapRights.R, W = (byte)CapRights.W, S = (byte)CapRights.S, D = (byte)CapRights.D;
    private const byte RWD = R | W | D;

    /// <summary>
    /// map-attr (CAP-MAP-1..4): the fpage rights, S-masked by the transfer mask, plus the item's extra bits with 0x10
    /// inverted, intersected with the source slot; zero (nothing mapped) when the result lacks R.
    /// </summary>
    public static readonly BvRule MapAttrRule = MapAttrTerm(invertRefBit: true);

    /// <summary>The map rule with the 0x10 bit taken as it is (a mutant's rule: weak items give counted slots).</summary>
    public static BvRule MapAttrTerm(bool invertRefBit)
    {
        Bv src = Var("src"), fp = Var("fp"), item = Var("item"), mask = Var("mask");
        var fpm = fp & 0x0F & ((mask & S) | RWD);
        var req = fpm | (invertRefBit ? (item & 0xF0) ^ 0x10 : item & 0xF0);
        var result = src & req;
        return new BvRule("map-attr", ["src", "fp", "item", "mask"], Bv.IfZero(result & R, 0, result));
    }

    /// <summary>
    /// task-map-mask (CAP-MAP-3, TASK-MAP-1): Task::map lets S through only when the source task cap (the item's)
    /// and the destination task cap (the invoked one) both have it; R, W and D always pass to map-attr.
    /// </summary>
    public static readonly BvRule TaskMapMaskRule = new("task-map-mask", ["srctask", "dsttask"], (Var("srctask") & Var("dsttask")) | RWD);

    /// <summary>ipc-map-mask (CAP-MAP-3): a map item sent by IPC keeps S only when the invoked cap has S.</summary>
    public static readonly BvRule IpcMapMaskRule = new("ipc-map-mask", ["sendcap"], (Var("sendcap") & (W | S)) | RWD);

    /// <summary>unmap-attr (CAP-UNMAP-4): R in the fpage removes the slot (zero); else its W/S/D bits are revoked.</summary>
    public static readonly BvRule UnmapAttrRule = new("unmap-attr", ["old", "fp"],
        Bv.IfZero(Var("fp") & R, Var("old") & ~(Var("fp") & (W | S | D)), 0));

    public static CapRights MapAttr(CapRights src, byte fpageRights, byte itemAttr, CapRights mask) =>
        (CapRights)MapAttrRule.Eval((byte)src, fpageRights, itemAttr, (byte)mask);

    public static CapRights TaskMapMask(CapRights srcTaskCap, CapRights dstTaskCap) =>
        (CapRights)TaskMapMaskRule.Eval((byte)srcTaskCap, (byte)dstTaskCap);

    public static CapRights IpcMapMask(CapRights sendCap) => (CapRights)IpcMapMaskRule.Eval((byte)sendCap);

    public static CapRights UnmapAttr(CapRights old, byte fpageRights) => (CapRights)UnmapAttrRule.Eval((byte)old, fpageRights);

    /// <summary>
    /// Kobject_iface::downgrade (CAP-MAP-5): only the IPC gate reacts, and only to a missing server right 0x20;
    /// the new slot then names the plain gate, whatever other object rights were dropped.
    /// </summary>
    public static bool Downgrades(KObject obj, CapRights result) =>
        obj.HasControlInterface && (result & CapRights.ObjRight1) == 0;
}
