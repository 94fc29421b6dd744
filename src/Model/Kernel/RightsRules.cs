using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The pure rights algebra of object capabilities, kept apart so the Z3 obligations and the properties
/// check exactly the rules the kernel model runs (fiasco src/kern/map_util.cpp Map_traits&lt;Obj_space&gt;::apply_attribs,
/// src/abi/l4_msg_item.cpp, src/kern/obj_space*.cpp).
/// </summary>
public static class RightsRules
{
    private const byte RWD = (byte)(CapRights.R | CapRights.W | CapRights.D);

    /// <summary>
    /// Attribute byte of a new slot mapped from <paramref name="src"/> (CAP-MAP-1..4): the fpage rights, S-masked by the
    /// transfer cap (<paramref name="mask"/>), plus the item's extra bits with 0x10 inverted, intersected with the source.
    /// Returns None when the result lacks R: nothing is mapped.
    /// </summary>
    public static CapRights MapAttr(CapRights src, byte fpageRights, byte itemAttr, CapRights mask)
    {
        byte fpm = (byte)(fpageRights & 0x0F & (((byte)mask & (byte)CapRights.S) | RWD));
        byte req = (byte)(fpm | ((itemAttr & 0xF0) ^ 0x10));
        var result = (CapRights)((byte)src & req);
        return (result & CapRights.R) == 0 ? CapRights.None : result;
    }

    /// <summary>
    /// Slot attribute after an object unmap with the given fpage rights (CAP-UNMAP-4): R removes the slot (None),
    /// otherwise the given W/S/D bits are revoked and everything else stays.
    /// </summary>
    public static CapRights UnmapAttr(CapRights old, byte fpageRights)
    {
        if ((fpageRights & (byte)CapRights.R) != 0) return CapRights.None;
        return old & ~(CapRights)(fpageRights & (byte)(CapRights.W | CapRights.S | CapRights.D));
    }

    /// <summary>
    /// Kobject_iface::downgrade (CAP-MAP-5): only the IPC gate reacts, and only to a missing server right 0x20;
    /// the new slot then names the plain gate, whatever other object rights were dropped.
    /// </summary>
    public static bool Downgrades(KObject obj, CapRights result) =>
        obj.HasControlInterface && (result & CapRights.ObjRight1) == 0;
}
