using System.Text;
using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The kernel-debugger object at L4_BASE_DEBUGGER_CAP (label -23). The model answers the object-naming
/// calls that give objects their JDB names; other debugger calls are -ENOSYS (fiasco src/kern/jdb_object.cpp).
/// </summary>
public sealed class JdbObject(Kernel k) : KObject(k, 0x80)
{
    /// <summary>L4_KDEBUG_GROUP_KOBJ.</summary>
    public const ulong GroupKobj = 0x100;
    public const ulong SetName = 0, GetGlobalId = 1;

    public override string JdbType => "Jdb";

    public override InvokeResult Invoke(Invocation inv)
    {
        if (inv.Tag.Label != (long)Protocol.Debugger) return InvokeResult.Err(L4Err.BadProto);
        if (!Kernel.Config.HasJdb || inv.Tag.Words < 1) return InvokeResult.Err(L4Err.NoSys);
        ulong op = inv.Mr(0);
        if ((op & 0xF00) != GroupKobj) return InvokeResult.Err(L4Err.NoSys);
        if (inv.CapArg(0) is not { } arg) return InvokeResult.Err(L4Err.Inval);
        switch (op & 0xFF)
        {
            case SetName:
            {
                var sb = new StringBuilder();
                for (int i = 1; i < inv.Tag.Words && sb.Length < 15; i++)
                    for (int b = 0; b < 8; b++)
                    {
                        byte c = (byte)(inv.Mr(i) >> (8 * b));
                        if (c == 0) goto done;
                        sb.Append((char)c);
                    }
                done:
                arg.Entry.Object.Name = sb.Length > 15 ? sb.ToString(0, 15) : sb.ToString();
                return InvokeResult.Ok();
            }
            case GetGlobalId:
                inv.Utcb.SetMr(0, arg.Entry.Object.DbgId);
                return InvokeResult.Ok(1);
            default:
                return InvokeResult.Err(L4Err.NoSys);
        }
    }
}
