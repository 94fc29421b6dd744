using FsCheck;
using FsCheck.Fluent;

namespace L4Conf.Conformance.Properties;

/// <summary>FsCheck generators and a shrinker for capability programs.</summary>
public static class CapGen
{
    private static readonly int[] Slots = [1, 2, 3, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25];

    private static Gen<int> Slot => Gen.Elements(Slots);
    private static Gen<int> TaskIx => Gen.Choose(0, 2);
    private static Gen<byte> Rights => Gen.Choose(0, 15).Select(i => (byte)i);
    private static Gen<byte> Extra => Gen.Elements<byte>(0x00, 0x10, 0x20, 0x30, 0xF0);

    public static Gen<CapOp> Op =>
        Gen.Frequency(
            (3, from t in TaskIx from k in Gen.Elements(Enum.GetValues<ObjKind>()) from s in Slot select (CapOp)new CreateOp(t, k, s)),
            (5, from a in TaskIx from sa in Slot from b in TaskIx from sb in Slot from r in Rights from x in Extra
                from g in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false))) from hasS in Gen.Elements(true, false)
                select (CapOp)new MapOp(a, sa, b, sb, r, x, g, hasS)),
            (3, from t in TaskIx from s in Slot from r in Rights from m in Gen.Elements(Enum.GetValues<UnmapKind>())
                select (CapOp)new UnmapOp(t, s, r, m)),
            (3, from a in TaskIx from sa in Slot from b in TaskIx from sb in Slot from r in Rights
                from g in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false))) from hasS in Gen.Elements(true, false)
                where a != b
                select (CapOp)new IpcMapOp(a, sa, b, sb, r, g, hasS)));

    public static Arbitrary<CapOp[]> Arbitrary(int maxLen) => Arb.From(ProgramGen.Of(Op, maxLen), ProgramGen.Shrink);
}
