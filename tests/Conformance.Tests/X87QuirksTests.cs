using L4Conf.Conformance.CpuDiff;
using Xunit;

namespace L4Conf.Tests;

public sealed class X87QuirksTests
{
    [Fact]
    public void An_fbld_or_fbstp_operand_across_the_canonical_boundary_is_the_hosts_quirk_only_when_just_the_fault_differs()
    {
        // cpu diff --seed 20261201: fbld m80 at 0x7ffffffffff8: the model #GP(0), the host #PF at the canonical piece.
        var model = new CpuOutcome { Status = "trap", Vector = 13, Rip = 0x1000_0080 };
        var host = new CpuOutcome { Status = "trap", Vector = 14, ErrorCode = 4, Cr2 = 0x7FFF_FFFF_FFF8, Rip = 0x1000_0080 };
        var fields = CpuComparer.Compare(model, host, 0);
        Assert.NotNull(CpuComparer.X87ImageQuirk("fbld", model, host, fields));
        Assert.NotNull(CpuComparer.X87ImageQuirk("fbstp", model, host, fields));
        Assert.Null(CpuComparer.X87ImageQuirk("fisttp", model, host, fields));         // an m16/m32/m64 integer does not cross pieces
        var moved = new CpuOutcome { Status = "trap", Vector = 14, ErrorCode = 4, Cr2 = 0x7FFF_FFFF_FFF8, Rip = 0x1000_0088 };
        Assert.Null(CpuComparer.X87ImageQuirk("fbld", model, moved, CpuComparer.Compare(model, moved, 0)));   // RIP differs too
        var ended = new CpuOutcome { Status = "trap", Vector = 3, Rip = 0x1000_0088 };
        Assert.Null(CpuComparer.X87ImageQuirk("fbld", ended, host, CpuComparer.Compare(ended, host, 0)));   // the model did not fault
        Assert.Null(CpuComparer.X87ImageQuirk("fbld", model, model, []));
    }

    /// <summary>A case whose x87 result area holds zeros, and outcomes that stored FSW, ST(0) and ST(1) there.</summary>
    private static (CpuCase Case, CpuOutcome Model, CpuOutcome Host) Stored(ushort fswModel, ulong st0Model, ushort fswHost, ulong st0Host, ushort se = 0x3FFE)
    {
        const ulong b = CaseGenerator.X87Base, page = b & ~0xFFFUL;
        var c = new CpuCase { Pages = [new CasePage(page, "rw", new byte[CpuCase.PageSize])] };
        CpuOutcome Outcome(ushort fsw, ulong sig)
        {
            var bytes = new byte[0x20];
            BitConverter.GetBytes(fsw).CopyTo(bytes, 0);
            BitConverter.GetBytes(sig).CopyTo(bytes, CaseGenerator.X87St0At - CaseGenerator.X87FswAt);
            BitConverter.GetBytes(se).CopyTo(bytes, CaseGenerator.X87St0At - CaseGenerator.X87FswAt + 8);
            int at = (int)(b - page) + CaseGenerator.X87FswAt;
            return new CpuOutcome { Status = "trap", Vector = 3, Rip = 0x1000_0090, Memory = CpuOutcome.Changes(page, new byte[0x20], bytes).Select(r => r with { Offset = r.Offset + at }).ToList() };
        }
        return (c, Outcome(fswModel, st0Model), Outcome(fswHost, st0Host));
    }

    [Fact]
    public void A_transcendental_within_an_ulp_is_the_SDMs_latitude_and_nothing_more()
    {
        // fsin: the model 3ffe:...7021 rounded up (C1), the host ...7020 rounded down: 1 ulp, C1 alone differs.
        var (c, m, h) = Stored(0x3A20, 0xD76AA47848677021, 0x3820, 0xD76AA47848677020);
        var fields = CpuComparer.Compare(m, h, 0);
        Assert.NotEmpty(fields);
        Assert.Equal(CpuComparer.X87TranscendentalReason, CpuComparer.X87TranscendentalQuirk("fsin", c, m, h, fields));
        Assert.Null(CpuComparer.X87TranscendentalQuirk("fsqrt", c, m, h, fields));             // not a transcendental
        (c, m, h) = Stored(0x3A20, 0xD76AA47848677021, 0x3A20, 0xD76AA4784867701F);            // 2 ulps
        Assert.Null(CpuComparer.X87TranscendentalQuirk("fsin", c, m, h, CpuComparer.Compare(m, h, 0)));
        (c, m, h) = Stored(0x3A20, 0xD76AA47848677021, 0x3A30, 0xD76AA47848677021);            // UE differs
        Assert.Null(CpuComparer.X87TranscendentalQuirk("fsin", c, m, h, CpuComparer.Compare(m, h, 0)));
        (c, m, h) = Stored(0x3A00, 0xD76AA47848677021, 0x3800, 0xD76AA47848677021);            // exact: no latitude
        Assert.Null(CpuComparer.X87TranscendentalQuirk("fsin", c, m, h, CpuComparer.Compare(m, h, 0)));
        // Across a binade: 3ffe:ffff...ff and 3fff:8000...00 are neighbours.
        var (c2, m2, _) = Stored(0x3820, ulong.MaxValue, 0x3A20, 0, se: 0x3FFE);
        var (_, h2, _) = Stored(0x3A20, 0x8000000000000000, 0x3A20, 0, se: 0x3FFF);
        Assert.NotNull(CpuComparer.X87TranscendentalQuirk("f2xm1", c2, m2, h2, CpuComparer.Compare(m2, h2, 0)));
        var moved = new CpuOutcome { Status = h.Status, Vector = h.Vector, Rip = h.Rip + 1, Memory = h.Memory };
        Assert.Null(CpuComparer.X87TranscendentalQuirk("fsin", c, m, moved, CpuComparer.Compare(m, moved, 0)));   // RIP too
    }
}
