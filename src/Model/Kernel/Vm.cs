using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>An SVM/VMX virtual-machine task; created by the factory with L4_PROTO_VM where the CPU supports it.</summary>
public sealed class Vm(Kernel k, RamQuota? quota, Fpage utcbArea) : Task(k, quota, utcbArea)
{
    public override string JdbType => "VM";
}
