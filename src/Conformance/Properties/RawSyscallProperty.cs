using FsCheck;
using FsCheck.Fluent;
using L4Conf.Conformance.Cases;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;

namespace L4Conf.Conformance.Properties;

/// <summary>
/// Random register values on three threads at once (selectors with any flags, labels, word and item counts,
/// timeouts including absolute ones, random message and buffer words), run by the scheduler under a seeded schedule:
/// the model must answer every call with a real result (an error flag with a code in the TCR, which a success leaves alone) and never
/// throw or hang.
/// </summary>
public static class RawSyscallProperty
{
    private static Gen<ulong> Word => Gen.Frequency(
        (4, Gen.Choose(0, 0x40).Select(i => (ulong)i << 12)),
        (2, Gen.Choose(-25, 5).Select(i => unchecked((ulong)(long)i))),
        (2, Gen.Choose(0, 0xFFFF).Select(i => (ulong)i)),
        (1, Gen.Constant(ulong.MaxValue)),
        (1, Gen.Constant(0xFFFF_FFFF_FFFF_F800UL)));

    public sealed record RawCall(int Thread, ulong Rdx, long Label, int Words, int Items, ulong R8, ulong Rsi, ulong[] Mrs, ulong[] Brs)
    {
        public override string ToString() => $"t{Thread}: rdx=0x{Rdx:x} tag=[{Label},w={Words},i={Items}] rsi=0x{Rsi:x} r8=0x{R8:x} mrs=[{string.Join(",", Mrs.Select(m => m.ToString("x")))}] brs=[{string.Join(",", Brs.Select(m => m.ToString("x")))}]";
    }

    private static Gen<RawCall> Call =>
        from t in Gen.Choose(0, 2)
        from sel in Word from flags in Gen.Choose(0, 15) from special in Gen.Elements(0UL, 0x400UL, 0x800UL, 0UL, 0UL)
        from label in Gen.Choose(-25, 4) from w in Gen.Choose(0, 63) from it in Gen.Choose(0, 4)
        from snd in Gen.Elements<ulong>(0, 0x400, 5, 0x8003) from rcv in Gen.Elements<ulong>(0, 0x400, 7, 0x8002)
        from rsi in Word from mrs in Gen.ArrayOf(Word, 8) from brs in Gen.ArrayOf(Word, 3)
        select new RawCall(t, (sel & ~0xFFFUL) | special | (uint)flags, label, w, it, (snd << 16) | rcv, rsi, mrs, brs);

    public static Arbitrary<RawCall[]> Arbitrary => Arb.From(ProgramGen.Of(Call, 30), ProgramGen.DropOne);

    /// <summary>Runs one random program; throws PropertyViolation on a result without a real error, or if the model throws.</summary>
    public static void Run(RawCall[] calls, int seed)
    {
        var w = new World();
        var tasks = Enumerable.Range(0, 3).Select(i => w.NewTask($"r{i}")).ToArray();
        foreach (var t in tasks)
            foreach (var (dst, src) in new[] { (0x10UL, tasks[0].ThreadSel), (0x11UL, tasks[1].ThreadSel), (0x12UL, World.LogCap), (0x13UL, World.FactoryCap) })
                w.Check(w.Map(t.TaskSel, dst << 12, CapRights.RWS, 0, src), "caps");
        w.K.SeedSchedule(seed);
        var bad = new List<string>();
        IEnumerable<SyscallRequest> Program(int i)
        {
            var th = tasks[i].Thread;
            foreach (var c in calls.Where(c => c.Thread == i))
            {
                for (int k = 0; k < c.Mrs.Length; k++) th.Utcb.SetMr(k, c.Mrs[k]);
                for (int k = 0; k < c.Brs.Length; k++) th.Utcb.SetBr(k, c.Brs[k]);
                th.Utcb.SetBr(2, w.K.Clock + 3);                     // a near absolute deadline for BR-based timeouts
                var before = th.Utcb.Error;
                yield return new SyscallRequest(c.Rdx, new MsgTag(c.Label, c.Words, c.Items), c.Rsi, c.R8);
                // The error flag comes with an L4_IPC_* code in the TCR; a success leaves the TCR as it was (a semaphore down clears it).
                if (th.ResultTag.HasError ? th.Utcb.Error == IpcErr.None : th.Utcb.Error != before && th.Utcb.Error != IpcErr.None)
                    bad.Add($"{c}: tag {th.ResultTag} with TCR 0x{(ulong)th.Utcb.Error:x} (before 0x{(ulong)before:x})");
            }
        }
        for (int i = 0; i < 3; i++) w.K.Start(tasks[i].Thread, Program(i));
        var stop = w.K.Run(maxSteps: 100_000);
        if (stop == RunStop.StepLimit) bad.Add("the run did not end within 100000 steps");
        if (bad.Count > 0) throw new PropertyViolation(string.Join("\n", bad.Take(3)));
    }
}
