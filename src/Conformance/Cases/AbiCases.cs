using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>ABI values and encodings, checked against the values printed in the real headers and captures.</summary>
public static class AbiCases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("abi/fact-sheet-tables", "every constant the fact sheet tabulates has the same value in the model", ["ABI-1"], c =>
        {
            var (matched, mismatches) = AbiFactSheet.CrossCheck(AbiFactSheet.Path());
            c.True(mismatches.Count == 0, "values differ from spec/reference/abi-facts.md:\n" + string.Join("\n", mismatches));
            c.True(matched >= 170, $"only {matched} values found in the fact sheet's tables");
            c.Note($"{matched} tabulated values match");
        });
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
                ("L4_BASE_DEBUGGER_CAP", 0xA000), ("L4_BASE_LOG_CAP", 0x5000), ("L4_UTCB_BUF_REGS_OFFSET", 512), ("L4_UTCB_THREAD_REGS_OFFSET", 984), ("L4_SYSF_REPLY_AND_WAIT", 0xF), ("L4_RCV_ITEM_SINGLE_CAP", 0xA),
                // Values the fact sheet gives in prose rather than tables (abi-facts §3.1, §4.1, §5.3, §7.2, §7.3, §7.8).
                ("L4_MSGTAG_TRANSFER_FPU", 0x1000), ("L4_MSGTAG_SCHEDULE", 0x2000), ("L4_MSGTAG_PROPAGATE", 0x4000),
                ("L4_MSGTAG_ERROR", 0x8000), ("L4_MSGTAG_FLAGS", 0xF000), ("L4_ITEM_MAP", 8), ("L4_MAP_ITEM_GRANT", 2), ("L4_ITEM_CONT", 1),
                ("L4_RCV_ITEM_FORWARD_MAPPINGS", 1), ("L4_RCV_ITEM_LOCAL_ID", 4), ("L4_FPAGE_SPECIAL", 0), ("L4_FPAGE_MEMORY", 1),
                ("L4_FPAGE_IO", 2), ("L4_FPAGE_OBJ", 3), ("L4_FPAGE_SIZE_SHIFT", 6), ("L4_FPAGE_TYPE_SHIFT", 4), ("L4_FPAGE_ADDR_SHIFT", 12),
                ("L4_WHOLE_ADDRESS_SPACE", 63), ("L4_VARG_TYPE_UMWORD", 0x01), ("L4_VARG_TYPE_MWORD", 0x81), ("L4_VARG_TYPE_STRING", 0x02),
                ("L4_VARG_TYPE_FPAGE", 0x03), ("L4_THREAD_CONTROL_SET_PAGER", 0x10000), ("L4_THREAD_CONTROL_BIND_TASK", 0x200000),
                ("L4_THREAD_CONTROL_ALIEN", 0x400000), ("L4_THREAD_CONTROL_SET_EXC_HANDLER", 0x1000000), ("L4_THREAD_EX_REGS_CANCEL", 0x10000),
                ("L4_THREAD_EX_REGS_TRIGGER_EXCEPTION", 0x20000), ("L4_THREAD_EX_REGS_ARCH_MASK", 0xFF000000), ("L4_VCON_WRITE_SIZE", 488),
                ("L4_VCON_READ_SIZE", 496), ("L4_VCON_ONLCR", 4), ("L4_VCON_ICRNL", 0x100), ("L4_VCON_ECHO", 8), ("L4_SCHED_MAX_PRIO", 255),
                ("L4_UTCB_GENERIC_DATA_SIZE", 63), ("L4_UTCB_GENERIC_BUFFERS_SIZE", 58), ("L4_map_mask::full()", 0xC000_0002),
                // Constants the code once used as bare literals (spec/audit/abi-catalogue.md), with their header values.
                ("L4_BDR_MEM_SHIFT", 0), ("L4_BDR_IO_SHIFT", 5), ("L4_BDR_OBJ_SHIFT", 10), ("L4_BDR_OFFSET_MASK", 0xF_FFFF),
                ("L4_UTCB_INHERIT_FPU", 1L << 24), ("L4_UTCB_OFFSET", 1024), ("L4_THREAD_PF_TRAMP_CONTROL_OP_SETUP", 9),
                ("L4_THREAD_PF_TRAMP_CONTROL_OP_RESUME", 0x10009), ("L4_THREAD_PF_TRAMP_CONTROL_OP_REFLECT", 0x20009),
                ("L4_THREAD_PF_TRAMP_CONTROL_OP_DISABLE", 0x30009), ("L4_THREAD_PF_TRAMP_CONTROL_OP_ENABLE", 0x40009),
                ("L4_IPC_TIMEOUT_0", 0x400), ("L4_IPC_TIMEOUT_NEVER", 0), ("L4_TIMEOUT_US_NEVER", -1), ("L4_TIMEOUT_US_MAX", (1L << 41) - 1),
                ("L4_EIPC_LO", 2000), ("L4_EIPC_HI", 2031), ("L4_PROTO_PF_EXCEPTION", 1), ("L4_MAP_ITEM_MAP", 0),
                ("L4_SCHEDULER_CLASS_WFQ", 4), ("L4_VCON_READ_SIZE_MASK", 0x3FFF_FFFF), ("L4_VCON_READ_STAT_BREAK", 1L << 30),
                // The vCPU state (ARCH-amd64/__vcpu-arch.h:24-27, vcpu.h:114-142).
                ("L4_VCPU_STATE_VERSION", 0x26), ("L4_VCPU_STATE_SIZE", 0x200), ("L4_VCPU_STATE_EXT_SIZE", 0x1000),
                ("L4_VCPU_F_IRQ", 1), ("L4_VCPU_F_PAGE_FAULTS", 2), ("L4_VCPU_F_EXCEPTIONS", 4),
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
