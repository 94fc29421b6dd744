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
}
