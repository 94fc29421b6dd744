using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// A kernel object (Kobject): its debug id, the list of slots that map it (newest first, as JDB prints
/// Kobject_mappable::_root) and the counted-reference counter _cnt. Each subclass owns its protocol.
/// </summary>
public abstract class KObject
{
    protected KObject(Kernel kernel, ulong size)
    {
        Kernel = kernel;
        Size = size;
    }

    public Kernel Kernel { get; }
    public ulong DbgId { get; internal set; }
    /// <summary>Model address, for dumps: kernel addresses differ between systems and are never compared.</summary>
    public ulong Address { get; internal set; }
    /// <summary>Bytes charged to the creating factory's quota.</summary>
    public ulong Size { get; }
    public RamQuota? ChargedTo { get; internal set; }
    public string? Name { get; set; }
    /// <summary>Created by the kernel at boot: holds an extra internal reference and is never freed (abi-facts §8.4).</summary>
    public bool IsBoot { get; internal set; }
    public bool Alive { get; internal set; } = true;
    /// <summary>_cnt: counted slots, lowered also by dec_refcnt.</summary>
    public long RefCnt { get; internal set; }

    internal readonly LinkedList<CapEntry> Mappings = new();
    public IEnumerable<CapEntry> Caps => Mappings;

    /// <summary>JDB's type text in `[...]`.</summary>
    public abstract string JdbType { get; }
    /// <summary>JDB's type-specific attribute text after the name.</summary>
    public virtual string JdbAttributes => "";
    /// <summary>Only the IPC gate has a separate control interface that unprivileged caps are downgraded from.</summary>
    public virtual bool HasControlInterface => false;

    /// <summary>Handles an invocation through a capability to this object.</summary>
    public abstract InvokeResult Invoke(Invocation inv);

    /// <summary>Effects of destruction (after all slots are gone): unbind, kill, unmap.</summary>
    protected internal virtual void OnDestroy() { }

    /// <summary>Gives the object's kernel memory back to the quota it was charged to.</summary>
    protected internal virtual void Release() => ChargedTo?.Free(Size);

    public string Describe() => $"[{JdbType}]" + (Name != null ? $" {{{Name}}}" : "") + $" D:{DbgId:x}";
    public override string ToString() => Describe();
}
