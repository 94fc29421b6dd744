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
        Assert.NotNull(X87Quirks.BcdImageQuirk("fbld", model, host, fields));
        Assert.NotNull(X87Quirks.BcdImageQuirk("fbstp", model, host, fields));
        Assert.Null(X87Quirks.BcdImageQuirk("fld", model, host, fields));              // CpuComparer.X87ImageQuirk's
        var moved = new CpuOutcome { Status = "trap", Vector = 14, ErrorCode = 4, Cr2 = 0x7FFF_FFFF_FFF8, Rip = 0x1000_0088 };
        Assert.Null(X87Quirks.BcdImageQuirk("fbld", model, moved, CpuComparer.Compare(model, moved, 0)));   // RIP differs too
        var ended = new CpuOutcome { Status = "trap", Vector = 3, Rip = 0x1000_0088 };
        Assert.Null(X87Quirks.BcdImageQuirk("fbld", ended, host, CpuComparer.Compare(ended, host, 0)));   // the model did not fault
        Assert.Null(X87Quirks.BcdImageQuirk("fbld", model, model, []));
    }
}
