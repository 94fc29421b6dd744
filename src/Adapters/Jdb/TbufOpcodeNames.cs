using L4Conf.Model.Abi;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// The names JDB prints instead of the first message word for kernel protocols (fiasco tb_entry_output.cpp,
/// print_words): it switches on the whole word, so a name stands for exactly that opcode value. The values come
/// from the ABI enums. Names the capture kernel prints whose value this table does not know (the page-fault
/// trampoline's `PF-tramp::...` thread operations, the IRQ sender's operations) are read as unknown words.
/// </summary>
internal static class TbufOpcodeNames
{
    private static readonly Dictionary<long, Dictionary<string, ulong>> Known = new()
    {
        [(long)Protocol.Irq] = Names(("Bind", (ulong)IcuOp.Bind), ("Unbind", (ulong)IcuOp.Unbind), ("Info", (ulong)IcuOp.Info),
            ("Msi_info", (ulong)IcuOp.MsiInfo), ("Unmask", (ulong)IcuOp.Unmask), ("Mask", (ulong)IcuOp.Mask),
            ("Set_mode", (ulong)IcuOp.SetMode)),
        [(long)Protocol.Task] = Names(("Map", (ulong)TaskOp.Map), ("Unmap", (ulong)TaskOp.Unmap), ("Cap_info", (ulong)TaskOp.CapInfo),
            ("Add_ku_mem", (ulong)TaskOp.AddKuMem), ("Ldt_set_x86", (ulong)TaskOp.LdtSetX86),
            ("Vgicc_map_arm", (ulong)TaskOp.MapVgiccArm)),
        [(long)Protocol.Thread] = Names(("Control", (ulong)ThreadOp.Control), ("Ex_regs", (ulong)ThreadOp.ExRegs),
            ("Switch", (ulong)ThreadOp.Switch), ("Vcpu_resume", (ulong)ThreadOp.VcpuResume),
            ("Register_del_irq", (ulong)ThreadOp.RegisterDeleteIrq), ("Modify_senders", (ulong)ThreadOp.ModifySender),
            ("Vcpu_control", (ulong)ThreadOp.VcpuControl), ("Gdt_x86", (ulong)ThreadOp.X86Gdt),
            ("Set_segment_base_amd64", (ulong)ThreadOp.Amd64SetSegmentBase),
            ("Segment_info_amd64", (ulong)ThreadOp.Amd64GetSegmentInfo)),
        [(long)Protocol.Log] = Names(("Write", (ulong)VconOp.Write), ("Read", (ulong)VconOp.Read),
            ("Set_attr", (ulong)VconOp.SetAttr), ("Get_attr", (ulong)VconOp.GetAttr)),
        [(long)Protocol.Scheduler] = Names(("Info", (ulong)SchedulerOp.Info), ("Run_thread", (ulong)SchedulerOp.RunThread),
            ("Idle_time", (ulong)SchedulerOp.IdleTime)),
        [(long)Protocol.IrqSender] = Names(),
        [(long)Protocol.Semaphore] = Names(("Down", (ulong)SemaphoreOp.Down)),
    };

    /// <summary>Whether JDB may print a name instead of the first word of a message with this protocol.</summary>
    public static bool PrintsNames(long label) => Known.ContainsKey(label);

    /// <summary>The opcode behind a name, or null when the name is JDB's but its value is not known here.</summary>
    public static ulong? Value(long label, string name) =>
        Known.TryGetValue(label, out var names) && names.TryGetValue(name, out var v) ? v : null;

    private static Dictionary<string, ulong> Names(params (string Name, ulong Value)[] names) =>
        names.ToDictionary(n => n.Name, n => n.Value, StringComparer.Ordinal);
}
