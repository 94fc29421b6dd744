using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The kernel interrupt controller (JDB type "Icu/Pfc"): binds IRQ objects to interrupt pins, label -1
/// (fiasco src/kern/icu_helper.cpp; abi-facts §7.6).
/// </summary>
public sealed class Icu(Kernel k) : KObject(k, 0x80)
{
    private readonly Dictionary<ulong, IIrq> _pins = new();

    public override string JdbType => "Icu/Pfc";

    public override InvokeResult Invoke(Invocation inv)
    {
        // Icu_h::kinvoke (icu_helper.cpp:306-319): check_basics, so label -1, then at least one word.
        if (inv.Tag.Label != (long)Protocol.Irq) return InvokeResult.Err(L4Err.BadProto);
        if (inv.Tag.Words < 1) return InvokeResult.Err(L4Err.MsgTooShort);
        var cfg = Kernel.Config;
        switch ((IcuOp)inv.Mr(0))
        {
            case IcuOp.Bind:
            {
                // An RPC of the pin word and any Irq (ICU-1, icu_helper.cpp:132).
                if (inv.RpcTooShort(2, takesCap: true)) return InvokeResult.Err(L4Err.MsgTooShort);
                if (inv.CapArg(0) is not { } arg || arg.Entry.Object is not IIrq irq) return inv.CapArgError(0);
                if ((arg.Rights & CapRights.W) == 0) return InvokeResult.Err(L4Err.Perm);          // ICU-BIND-1
                ulong pin = inv.Mr(1) & ~(ulong)KernelLimits.IcuFlagMsi;
                if (pin >= (ulong)cfg.IcuLines) return InvokeResult.Err(L4Err.Inval);
                _pins[pin] = irq;
                irq.IcuPin = (int)pin;
                return InvokeResult.Ok();
            }
            case IcuOp.Unbind:
                // The same RPC shape as bind (icu_helper.cpp:133); the item is checked but not used.
                if (inv.RpcTooShort(2, takesCap: true)) return InvokeResult.Err(L4Err.MsgTooShort);
                if (inv.CapArg(0) is not { Entry.Object: IIrq }) return inv.CapArgError(0);
                _pins.Remove(inv.Mr(1));
                return InvokeResult.Ok();
            case IcuOp.Info:
                inv.Utcb.SetMr(0, cfg.IcuMsis > 0 ? (ulong)KernelLimits.IcuFlagMsi : 0);
                inv.Utcb.SetMr(1, (ulong)cfg.IcuLines);
                inv.Utcb.SetMr(2, (ulong)cfg.IcuMsis);
                return InvokeResult.Ok(3);
            case IcuOp.Unmask or IcuOp.Mask:
                return InvokeResult.NoReply;                            // icu_helper.cpp:288-294
            case IcuOp.SetMode:
                return InvokeResult.Ok();
            default:
                return InvokeResult.Err(L4Err.NoSys);
        }
    }
}
