namespace L4Conf.Model.Abi;

/// <summary>Rights of an object flexpage (4 bits) and the kernel's per-slot attribute byte (Obj::Attr).</summary>
[Flags, Source("l4re:l4sys/include/__l4_fpage.h", "fiasco:src/abi/l4_fpage.cpp", "fiasco:src/kern/obj_space_types.cpp")]
public enum CapRights : byte
{
    None = 0,
    [Real("L4_CAP_FPAGE_W")] W = 0x1,
    [Real("L4_CAP_FPAGE_S")] S = 0x2,
    [Real("L4_CAP_FPAGE_R")] R = 0x4,
    [Real("L4_CAP_FPAGE_D")] D = 0x8,
    [Real("L4_CAP_FPAGE_RW")] RW = 0x5,
    [Real("L4_CAP_FPAGE_RS")] RS = 0x6,
    [Real("L4_CAP_FPAGE_RWS")] RWS = 0x7,
    [Real("L4_CAP_FPAGE_RWD")] RWD = 0xD,
    [Real("L4_CAP_FPAGE_RSD")] RSD = 0xE,
    [Real("L4_CAP_FPAGE_RWSD")] RWSD = 0xF,
    /// <summary>Slot attribute: the slot holds a counted reference. In a send item the same bit means the opposite (weak).</summary>
    [Real("Obj::Mapping::Ref_cnt (the slot's counted bit; a send item's L4_snd_item::C_weak_ref, stored inverted)")] Counted = 0x10,
    [Real("L4_FPAGE_C_OBJ_RIGHT1")] ObjRight1 = 0x20,
    [Real("L4_FPAGE_C_OBJ_RIGHT2")] ObjRight2 = 0x40,
    [Real("L4_FPAGE_C_OBJ_RIGHT3")] ObjRight3 = 0x80,
    [Real("Obj::Attr::Full")] Full = 0xFF,
}

/// <summary>Extra attributes carried in bits 7..4 of an object send item.</summary>
[Flags, Source("l4re:l4sys/include/__l4_fpage.h", "fiasco:src/abi/l4_msg_item.cpp")]
public enum ObjItemAttr : byte
{
    [Real("L4_FPAGE_C_REF_CNT")] RefCnt = 0x00,
    [Real("L4_FPAGE_C_NO_REF_CNT")] NoRefCnt = 0x10,
    [Real("L4_FPAGE_C_IPCGATE_SVR")] IpcGateSvr = 0x20,
    [Real("L4_FPAGE_C_OBJ_RIGHT2")] ObjRight2 = 0x40,
    [Real("L4_FPAGE_C_OBJ_RIGHT3")] ObjRight3 = 0x80,
    [Real("L4_FPAGE_C_OBJ_RIGHTS")] ObjRights = 0xE0,
}

public static class CapRightsExtensions
{
    /// <summary>Rights letters as the kernel debugger and Ned would name them (r, w, s, d).</summary>
    public static string Letters(this CapRights r)
    {
        var s = "";
        if (r.HasFlag(CapRights.R)) s += "r";
        if (r.HasFlag(CapRights.W)) s += "w";
        if (r.HasFlag(CapRights.S)) s += "s";
        if (r.HasFlag(CapRights.D)) s += "d";
        if (!r.HasFlag(CapRights.Counted)) s += "n";
        if (r.HasFlag(CapRights.ObjRight1)) s += "c";
        return s;
    }

    /// <summary>Names of the set bits, for diff messages ("S", "counted", ...).</summary>
    public static IEnumerable<string> BitNames(this CapRights r)
    {
        foreach (var (bit, name) in new[] { (CapRights.W, "W"), (CapRights.S, "S"), (CapRights.R, "R"), (CapRights.D, "D"),
                     (CapRights.Counted, "counted(0x10)"), (CapRights.ObjRight1, "obj-right-1/server(0x20)"),
                     (CapRights.ObjRight2, "obj-right-2(0x40)"), (CapRights.ObjRight3, "obj-right-3(0x80)") })
            if ((r & bit) != 0) yield return name;
    }
}
