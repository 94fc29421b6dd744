using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>ABI values and encodings, checked against the values printed in the real headers and captures.</summary>
public static class AbiCases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("abi/msgtag-encoding", "message tags encode as l4_msgtag() does", ["ABI-2"], c =>
        {
            c.Equal(unchecked((long)0xFFFF_FFFF_FFF5_0043), new MsgTag((long)Protocol.Task, 3, 1).Raw, "l4_msgtag(L4_PROTO_TASK, 3, 1, 0)");
            c.Equal(unchecked((long)0xFFFF_FFFF_FFFE_0002), new MsgTag((long)Protocol.PageFault, 2, 0).Raw, "page-fault tag");
            c.Equal(unchecked((long)0xFFFF_FFFF_FFFB_101A), new MsgTag((long)Protocol.Exception, 26, 0, MsgTagFlags.TransferFpu).Raw, "exception tag");
            c.Equal(-11L, new MsgTag(unchecked((long)0xFFFF_FFFF_FFF5_0043)).Label, "label is an arithmetic shift");
        });
        yield return Case("abi/fpage-encoding", "flexpages encode as l4_obj_fpage()/l4_fpage_all()", ["ABI-3"], c =>
        {
            c.Equal(0xFC0UL, Fpage.All.Raw, "l4_fpage_all()");
            c.Equal(0x0UL, Fpage.Invalid.Raw, "l4_fpage_invalid()");
            c.Equal(0x5000UL | 0x30 | 0xF, Fpage.Obj(0x5000, 0, CapRights.RWSD).Raw, "l4_obj_fpage(0x5000, 0, RWSD)");
            c.True(Fpage.All.IsAllSpaces && !Fpage.Invalid.IsValid, "all-spaces / invalid classification");
        });
        yield return Case("abi/constants", "key constants have their real values", ["ABI-1"], c =>
        {
            (string, long)[] expect =
            [
                ("L4_CAP_FPAGE_W", 1), ("L4_CAP_FPAGE_S", 2), ("L4_CAP_FPAGE_R", 4), ("L4_CAP_FPAGE_D", 8),
                ("L4_FPAGE_C_NO_REF_CNT", 0x10), ("L4_FPAGE_C_IPCGATE_SVR", 0x20), ("L4_PROTO_TASK", -11),
                ("L4_PROTO_FACTORY", -15), ("L4_PROTO_KOBJECT", -10), ("L4_EPERM", 1), ("L4_ENOMEM", 12),
                ("L4_EMSGTOOSHORT", 1001), ("L4_IPC_ENOT_EXISTENT", 4), ("L4_IPC_REMSGCUT", 9), ("L4_IPC_SEMAPFAILED", 0x10),
                ("L4_FP_ALL_SPACES", 0x8000_0000), ("L4_FP_DELETE_OBJ", 0xC000_0000), ("L4_INVALID_CAP", unchecked((long)0xFFFF_FFFF_FFFF_F800)),
                ("L4_BASE_DEBUGGER_CAP", 10), ("L4_SYSF_REPLY_AND_WAIT", 0xF), ("L4_RCV_ITEM_SINGLE_CAP", 0xA),
            ];
            var all = AbiCatalog.All.GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.First().Value);
            foreach (var (name, value) in expect)
            {
                c.True(all.ContainsKey(name), $"{name} is missing from the ABI catalogue");
                c.Equal(value, all[name], name);
            }
        });
    }
}
