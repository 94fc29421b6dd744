using L4Conf.Model.Abi;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// The names JDB prints for message-tag protocols (fiasco tb_entry_output.cpp, tag_to_string): L4Re protocols
/// 0x4000..0x4009 and kernel protocols -1..-24 (-7 has no name); any other label is printed as `%lx`.
/// </summary>
internal static class TbufProtocolNames
{
    private static readonly (string Name, long Label)[] Table =
    [
        ("ds", (long)L4ReProtocol.Dataspace),
        ("name", (long)L4ReProtocol.Namespace),
        ("parent", (long)L4ReProtocol.Parent),
        ("goos", (long)L4ReProtocol.Goos),
        ("ma", (long)L4ReProtocol.Rsvd1),
        ("rm", (long)L4ReProtocol.Rm),
        ("ev", (long)L4ReProtocol.Event),
        ("inh", (long)L4ReProtocol.Inhibitor),
        ("dmaspc", (long)L4ReProtocol.DmaSpace),
        ("mmiospc", (long)L4ReProtocol.MmioSpace),
        ("Kirq", (long)Protocol.Irq),
        ("Kpf", (long)Protocol.PageFault),
        ("Kpreempt", -3), // preemption and sys-exception protocols have no L4Re constant
        ("Ksysexc", -4),
        ("Kexc", (long)Protocol.Exception),
        ("Ksigma", (long)Protocol.Sigma0),
        ("Kiopf", (long)Protocol.IoPageFault),
        ("Kcapfault", (long)Protocol.ThreadGroup), // -9: JDB still names it after the old cap-fault protocol
        ("Kobj", (long)Protocol.Kobject),
        ("Ktask", (long)Protocol.Task),
        ("Kthread", (long)Protocol.Thread),
        ("Klog", (long)Protocol.Log),
        ("Ksched", (long)Protocol.Scheduler),
        ("Kfactory", (long)Protocol.Factory),
        ("Kvm", (long)Protocol.Vm),
        ("Kdmaspc", (long)Protocol.DmaSpace),
        ("Kirqsnd", (long)Protocol.IrqSender),
        ("Kirqmux", (long)Protocol.Empty), // -19
        ("Ksem", (long)Protocol.Semaphore),
        ("Kmeta", (long)Protocol.Meta),
        ("Kiommu", (long)Protocol.Iommu),
        ("Kdbg", (long)Protocol.Debugger),
        ("Ksmc", (long)Protocol.Smccc),
    ];

    private static readonly Dictionary<string, long> ByName = Table.ToDictionary(e => e.Name, e => e.Label, StringComparer.Ordinal);
    private static readonly Dictionary<long, string> ByLabel = Table.ToDictionary(e => e.Label, e => e.Name);

    public static bool TryLabel(string name, out long label) => ByName.TryGetValue(name, out label);

    public static string? NameOf(long label) => ByLabel.GetValueOrDefault(label);
}
