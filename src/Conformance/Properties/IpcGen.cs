using FsCheck;
using FsCheck.Fluent;

namespace L4Conf.Conformance.Properties;

/// <summary>Generators for random IPC programs.</summary>
public static class IpcGen
{
    private static Gen<IpcOp> Op =>
        from t in Gen.Choose(0, IpcSystem.Threads - 1)
        from k in Gen.Frequency((4, Gen.Constant(IpcOpKind.Send)), (4, Gen.Constant(IpcOpKind.Call)), (6, Gen.Constant(IpcOpKind.Wait)),
            (1, Gen.Constant(IpcOpKind.ReplyAgain)), (1, Gen.Constant(IpcOpKind.Sleep)))
        from target in Gen.Choose(0, IpcSystem.Threads - 1)
        from gate in Gen.Elements(true, false)
        from words in Gen.Choose(0, 8)
        from to in Gen.Frequency((3, Gen.Constant(IpcTimeoutKind.Never)), (1, Gen.Constant(IpcTimeoutKind.Zero)), (2, Gen.Constant(IpcTimeoutKind.Short)))
        select new IpcOp(t, k, target, gate, words, to);

    public static Gen<IpcProgram> Program(int maxOps) =>
        from n in Gen.Choose(1, maxOps)
        from ops in Gen.ListOf(Op, n)
        from rights in Gen.ListOf(Gen.Elements<byte>(0x4, 0x5, 0x6, 0x7), IpcSystem.Threads)
        from seed in Gen.Choose(0, int.MaxValue)
        from del in Gen.Frequency((3, Gen.Constant<int?>(null)), (1, Gen.Choose(0, IpcSystem.Threads - 1).Select(x => (int?)x)))
        from after in Gen.Choose(1, 60)
        select new IpcProgram(ops.ToArray(), rights.ToArray(), seed, del, after);

    public static IEnumerable<IpcProgram> Shrink(IpcProgram p)
    {
        if (p.DeleteThread != null) yield return p with { DeleteThread = null };
        foreach (var ops in ProgramGen.Shrink(p.Ops)) yield return p with { Ops = ops };
    }

    public static Arbitrary<IpcProgram> Arbitrary(int maxOps) => Arb.From(Program(maxOps), Shrink);
}
