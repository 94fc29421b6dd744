using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>cpuid answers the captured machine's leaves (traces/real/jdb_session.log); rdtsc is a logical clock.</summary>
public sealed partial class CpuTests
{
    [Theory]
    [InlineData(0x0u, 0u, 0x0000000du, 0x68747541u, 0x444d4163u, 0x69746e65u)]
    [InlineData(0x1u, 0u, 0x00060fb1u, 0x00000800u, 0x80002001u, 0x078bfbfdu)]
    [InlineData(0x5u, 0u, 0u, 0u, 0x00000003u, 0u)]
    [InlineData(0x7u, 0u, 0u, 0u, 0u, 0u)]
    [InlineData(0xBu, 0u, 0u, 1u, 0x00000100u, 0u)]
    [InlineData(0xBu, 1u, 0u, 1u, 0x00000201u, 0u)]
    [InlineData(0xBu, 2u, 0u, 0u, 2u, 0u)]
    [InlineData(0xBu, 0x1FFu, 0u, 0u, 0xFFu, 0u)]
    [InlineData(0xDu, 0u, 0u, 0u, 0u, 0u)]
    [InlineData(0xEu, 0u, 0u, 0u, 0u, 0u)]
    [InlineData(0x8000_0000u, 0u, 0x8000000au, 0x68747541u, 0x444d4163u, 0x69746e65u)]
    [InlineData(0x8000_0001u, 0u, 0x00060fb1u, 0u, 0x00000005u, 0x2193fbfdu)]
    [InlineData(0x8000_0002u, 0u, 0x554d4551u, 0x72695620u, 0x6c617574u, 0x55504320u)]
    [InlineData(0x8000_0003u, 0u, 0x72657620u, 0x6e6f6973u, 0x352e3220u, 0x0000002bu)]
    [InlineData(0x8000_0005u, 0u, 0x01ff01ffu, 0x01ff01ffu, 0x40020140u, 0x40020140u)]
    [InlineData(0x8000_0006u, 0u, 0u, 0x42004200u, 0x02008140u, 0x00808140u)]
    [InlineData(0x8000_0008u, 0u, 0x00003028u, 0u, 0u, 0u)]
    [InlineData(0x8000_000Au, 0u, 1u, 0x10u, 0u, 0u)]
    [InlineData(0x8000_000Bu, 0u, 0u, 0u, 0u, 0u)]
    [InlineData(0x4000_0000u, 0u, 0x4000_0001u, 0x54474354u, 0x43544743u, 0x47435447u)]
    [InlineData(0x4000_0002u, 0u, 0u, 0u, 0u, 0u)]
    [InlineData(0xC000_0000u, 0u, 0u, 0u, 0u, 0u)]
    [InlineData(0xFFFF_FFFFu, 0u, 0u, 0u, 0u, 0u)]
    public void Cpuid_returns_the_captured_leaves(uint leaf, uint sub, uint eax, uint ebx, uint ecx, uint edx)
    {
        var m = RunToEnd(a => { a.cpuid(); a.int3(); }, s =>
        {
            s.Rax = 0xFFFF_FFFF_0000_0000 | leaf; s.Rcx = 0xFFFF_FFFF_0000_0000 | sub;
            s[Reg.Rbx] = s.Rdx = ulong.MaxValue; s.Rflags = 0x202 | CF | ZF;
        });
        Assert.Equal((ulong)eax, m.S.Rax);
        Assert.Equal((ulong)ebx, m.S[Reg.Rbx]);
        Assert.Equal((ulong)ecx, m.S.Rcx);
        Assert.Equal((ulong)edx, m.S.Rdx);
        Assert.Equal(CF | ZF, m.Flags);
    }

    [Fact]
    public void Captured_cpuid_says_what_the_model_decides_from_it()
    {
        var l1 = CapturedCpuid.Query(1, 0);
        var e1 = CapturedCpuid.Query(0x8000_0001, 0);
        var l7 = CapturedCpuid.Query(7, 0);
        Assert.Equal(0u, l1.Ecx & (1u << 23));   // POPCNT
        Assert.Equal(0u, l1.Ecx & (1u << 22));   // MOVBE
        Assert.NotEqual(0u, l1.Ecx & (1u << 13)); // CX16
        Assert.NotEqual(0u, l1.Edx & (1u << 8));  // CX8
        Assert.NotEqual(0u, l1.Edx & (1u << 25)); // SSE
        Assert.NotEqual(0u, l1.Edx & (1u << 26)); // SSE2
        Assert.Equal(0u, l1.Ecx & (1u << 9));    // SSSE3
        Assert.Equal(0u, e1.Ecx & (1u << 5));    // ABM (lzcnt)
        Assert.NotEqual(0u, e1.Ecx & 1u);         // LAHF/SAHF in 64-bit mode
        Assert.Equal(0u, e1.Edx & (1u << 27));   // RDTSCP
        Assert.Equal(0u, l7.Ebx & (1u << 3));    // BMI1 (tzcnt)
        Assert.Equal(0u, l7.Ecx & (1u << 2));    // UMIP
    }

    [Fact]
    public void Rdtsc_counts_retired_instructions_across_runs()
    {
        var m = Build(a =>
        {
            a.nop(); a.nop();
            a.rdtsc();                  // 2 retired before it in this run
            a.mov(rbx, rax);
            a.mov(rsi, rdx);
            a.rep.stosb();              // rcx = 0: one instruction
            a.rdtsc();                  // 6 before it
            a.int3();
        }, init: s => { s.Rax = ulong.MaxValue; s.Rdx = ulong.MaxValue; s.Rcx = 0; s.Rdi = DataVa; });
        m.Cpu.TimeStampCounter = 0x1_0000_0000 - 2;
        var r = m.Run();
        AssertEnd(r);
        Assert.Equal(0UL, m.S[Reg.Rbx]);                 // 0x1_0000_0000: EAX = 0, upper half zeroed
        Assert.Equal(1UL, m.S.Rsi);
        Assert.Equal(4UL, m.S.Rax);
        Assert.Equal(1UL, m.S.Rdx);
        Assert.Equal(8, r.Retired);
        Assert.Equal(0x1_0000_0000UL - 2 + 8, m.Cpu.TimeStampCounter);
        m.S.Rip = CodeVa + 2;                           // the first rdtsc again, in a new run
        Assert.Equal(1, m.Run(1).Retired);
        Assert.Equal(0x1_0000_0000UL + 6, ((m.S.Rdx << 32) | m.S.Rax)); // counted on from the previous run: 0x1_0000_0006
    }

    [Fact]
    public void Rdtsc_with_CR4_TSD_is_GP0_and_rdtscp_is_UD()
    {
        var m = Build(a => { a.rdtsc(); }, init: s => { s.Rax = 7; s.Rdx = 8; });
        m.Cpu.TimeStampDisable = true;
        AssertTrap(m.Run(), Vector.GeneralProtection, 0);
        Assert.Equal(7UL, m.S.Rax);
        Assert.Equal(8UL, m.S.Rdx);
        Assert.Equal(CodeVa, m.S.Rip);
        var p = Build(a => { a.rdtscp(); });
        AssertTrap(p.Run(), Vector.InvalidOpcode, 0);
    }
}
