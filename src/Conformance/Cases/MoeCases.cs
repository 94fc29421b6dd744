using L4Conf.Conformance.Properties;
using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Reference.L4Re;
using L4Conf.Reference.Moe;
using static L4Conf.Conformance.Cases.CaseSets;
using KThread = L4Conf.Model.Kernel.Thread;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// Moe's objects answering requests as its server loop hands them over (a booted system's Moe; the request words are
/// put into a UTCB and given to the object's dispatch, as ipc_server does after the receive).
/// </summary>
public static class MoeCases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("moe/log-opcode", "a Moe log reads MR0 as an int opcode: anything but Print (0) is -ENOSYS, before any text is taken", ["RT-LOG-1"], c =>
        {
            var (sys, _) = NedScriptProperty.Boot("print('MOE LOG PROBE')\n");
            using var _s = sys;
            var log = new MoeLog(sys.Moe!, "probe", 0);
            var sender = new L4Sys(sys.Kernel, new KThread(sys.Kernel));
            long Send(ulong mr0, ulong mr1, ulong text, int words)
            {
                var u = sender.Self.Utcb;
                u.SetMr(0, mr0);
                u.SetMr(1, mr1);
                u.SetMr(2, text);
                return log.Dispatch(new ServerCall(sender, new MsgTag((long)Protocol.Log, words, 0), 0));
            }
            // log.cc:98-103: `L4::Opcode op = m->mr[0]` (Opcode is int, __typeinfo.h:36); op != Log_::Print is -ENOSYS.
            c.Equal(-(long)L4Err.NoSys, Send(1, 0, 0, 2), "MR0 = 1 (L4_VCON_READ_OP)");
            c.Equal(-(long)L4Err.NoSys, Send(3, 0, 0, 2), "MR0 = 3");
            c.Equal(-(long)L4Err.NoSys, Send(0x10000, 3, 0x636261, 3), "MR0 = 0x10000: not Print, nothing printed");
            // the int conversion keeps the low 32 bits: 0x1_0000_0000 is Print
            c.Equal(-(long)L4Err.NoReply, Send(0x1_0000_0000, 0, 0, 2), "MR0 = 0x100000000 is Print (int keeps the low 32 bits)");
            c.Equal(-(long)L4Err.Inval, Send(0, 0, 0, 1), "fewer than 2 words: -EINVAL (log.cc:95-96)");
        });
    }
}
