using FsCheck;
using FsCheck.Fluent;
using L4Conf.Conformance.Cases;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;

namespace L4Conf.Conformance.Properties;

/// <summary>
/// Random bytes as machine code: the thread must end in real traps (exception IPC the handler records), syscalls or
/// its budget; the model never throws, and every exception message carries a real x86 vector.
/// </summary>
public static class InstructionStreamProperty
{
    private static readonly HashSet<ulong> Vectors = [0, 1, 3, 4, 5, 6, 7, 13, 14, 16, 17, 19, 0xFF];

    public static Arbitrary<byte[]> Arbitrary => Arb.From(Gen.Choose(1, 64).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n)),
        b => b.Length > 1 ? [b[..(b.Length / 2)], b[1..]] : []);

    public static void Run(byte[] code)
    {
        var f = new MachineFixture();
        int exceptions = 0;
        f.OnMessage = (fx, ev) =>
        {
            if (ev.Label == (long)Protocol.Exception)
            {
                if (!Vectors.Contains(ev.Mrs[ExcRegs.Trapno])) throw new PropertyViolation($"exception with trapno 0x{ev.Mrs[ExcRegs.Trapno]:x}");
                if (++exceptions >= 3) return null;                       // stop after a few
                var u = fx.Handler.Thread.Utcb;
                for (int i = 0; i < ev.Words; i++) u.SetMr(i, ev.Mrs[i]);
                u.SetMr(ExcRegs.Ip, ev.Mrs[ExcRegs.Ip] + 1);                // skip a byte and carry on
                return new MsgTag(0, ExcRegs.Words, 0);
            }
            return new MsgTag(-1, 0, 0);                                    // page faults: not handled
        };
        f.Start(a => { foreach (var b in code) a.db(b); a.ud2(); });
        var stop = f.W.K.Run(maxSteps: 20_000);
        if (stop == RunStop.StepLimit && f.App.Thread.Machine!.Retired < 1) throw new PropertyViolation("the run made no progress");
    }
}
