using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// rcl/rcr and shld/shrd. The tables are the AMD EPYC host's results (value, count, CF in, RFLAGS in = 0x202 or
/// 0x202 with all six arithmetic flags set), except that for shld/shrd the model clears AF where the host sets it.
/// </summary>
public sealed partial class CpuTests
{

    [Theory]
    [InlineData("rcl", 8, 0x81UL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("rcl", 8, 0x81UL, 1, 0, 0x2UL, 0x801UL)]
    [InlineData("rcr", 8, 0x81UL, 1, 0, 0x40UL, 0x801UL)]
    [InlineData("rcl", 16, 0x81UL, 1, 0, 0x102UL, 0x0UL)]
    [InlineData("rcl", 32, 0x81UL, 1, 0, 0x102UL, 0x0UL)]
    [InlineData("rcr", 32, 0x81UL, 1, 0, 0x40UL, 0x1UL)]
    [InlineData("rcl", 64, 0x81UL, 1, 0, 0x102UL, 0x0UL)]
    [InlineData("rcr", 64, 0x81UL, 1, 0, 0x40UL, 0x1UL)]
    [InlineData("rcl", 8, 0x81UL, 2, 0, 0x5UL, 0x0UL)]
    [InlineData("rcr", 8, 0x81UL, 2, 0, 0xa0UL, 0x800UL)]
    [InlineData("rcl", 32, 0x81UL, 2, 0, 0x204UL, 0x0UL)]
    [InlineData("rcl", 64, 0x81UL, 2, 0, 0x204UL, 0x0UL)]
    [InlineData("rcr", 64, 0x81UL, 2, 0, 0x8000000000000020UL, 0x800UL)]
    [InlineData("rcl", 8, 0x81UL, 7, 0, 0xa0UL, 0x800UL)]
    [InlineData("rcl", 8, 0x81UL, 8, 0, 0x40UL, 0x801UL)]
    [InlineData("rcr", 8, 0x81UL, 8, 0, 0x2UL, 0x1UL)]
    [InlineData("rcl", 8, 0x81UL, 9, 0, 0x81UL, 0x800UL)]
    [InlineData("rcr", 8, 0x81UL, 9, 0, 0x81UL, 0x800UL)]
    [InlineData("rcl", 8, 0x81UL, 10, 0, 0x2UL, 0x801UL)]
    [InlineData("rcl", 16, 0x81UL, 16, 0, 0x40UL, 0x801UL)]
    [InlineData("rcr", 8, 0x81UL, 17, 0, 0x2UL, 0x1UL)]
    [InlineData("rcl", 16, 0x81UL, 17, 0, 0x81UL, 0x0UL)]
    [InlineData("rcl", 16, 0x81UL, 18, 0, 0x102UL, 0x0UL)]
    [InlineData("rcl", 32, 0x81UL, 31, 0, 0x80000020UL, 0x800UL)]
    [InlineData("rcr", 32, 0x81UL, 31, 0, 0x204UL, 0x0UL)]
    [InlineData("rcl", 32, 0x81UL, 32, 0, 0x81UL, 0x0UL)]
    [InlineData("rcr", 32, 0x81UL, 32, 0, 0x81UL, 0x0UL)]
    [InlineData("rcl", 32, 0x81UL, 33, 0, 0x102UL, 0x0UL)]
    [InlineData("rcl", 64, 0x81UL, 63, 0, 0x8000000000000020UL, 0x800UL)]
    [InlineData("rcr", 64, 0x81UL, 63, 0, 0x204UL, 0x0UL)]
    [InlineData("rcl", 64, 0x81UL, 64, 0, 0x81UL, 0x0UL)]
    [InlineData("rcr", 64, 0x81UL, 64, 0, 0x81UL, 0x0UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 0, 0, 0x1UL, 0x0UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 1, 0, 0x2UL, 0x0UL)]
    [InlineData("rcr", 8, 0x8000000000000001UL, 1, 0, 0x0UL, 0x1UL)]
    [InlineData("rcl", 16, 0x8000000000000001UL, 1, 0, 0x2UL, 0x0UL)]
    [InlineData("rcl", 32, 0x8000000000000001UL, 1, 0, 0x2UL, 0x0UL)]
    [InlineData("rcr", 32, 0x8000000000000001UL, 1, 0, 0x0UL, 0x1UL)]
    [InlineData("rcl", 64, 0x8000000000000001UL, 1, 0, 0x2UL, 0x801UL)]
    [InlineData("rcr", 64, 0x8000000000000001UL, 1, 0, 0x4000000000000000UL, 0x801UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 2, 0, 0x4UL, 0x0UL)]
    [InlineData("rcr", 8, 0x8000000000000001UL, 2, 0, 0x80UL, 0x800UL)]
    [InlineData("rcl", 32, 0x8000000000000001UL, 2, 0, 0x4UL, 0x0UL)]
    [InlineData("rcl", 64, 0x8000000000000001UL, 2, 0, 0x5UL, 0x0UL)]
    [InlineData("rcr", 64, 0x8000000000000001UL, 2, 0, 0xa000000000000000UL, 0x800UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 7, 0, 0x80UL, 0x800UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 8, 0, 0x0UL, 0x801UL)]
    [InlineData("rcr", 8, 0x8000000000000001UL, 8, 0, 0x2UL, 0x0UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 9, 0, 0x1UL, 0x0UL)]
    [InlineData("rcr", 8, 0x8000000000000001UL, 9, 0, 0x1UL, 0x0UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 10, 0, 0x2UL, 0x0UL)]
    [InlineData("rcl", 16, 0x8000000000000001UL, 16, 0, 0x0UL, 0x801UL)]
    [InlineData("rcr", 8, 0x8000000000000001UL, 17, 0, 0x2UL, 0x0UL)]
    [InlineData("rcl", 16, 0x8000000000000001UL, 17, 0, 0x1UL, 0x0UL)]
    [InlineData("rcl", 16, 0x8000000000000001UL, 18, 0, 0x2UL, 0x0UL)]
    [InlineData("rcl", 32, 0x8000000000000001UL, 31, 0, 0x80000000UL, 0x800UL)]
    [InlineData("rcr", 32, 0x8000000000000001UL, 31, 0, 0x4UL, 0x0UL)]
    [InlineData("rcl", 32, 0x8000000000000001UL, 32, 0, 0x1UL, 0x0UL)]
    [InlineData("rcr", 32, 0x8000000000000001UL, 32, 0, 0x1UL, 0x0UL)]
    [InlineData("rcl", 32, 0x8000000000000001UL, 33, 0, 0x2UL, 0x0UL)]
    [InlineData("rcl", 64, 0x8000000000000001UL, 63, 0, 0xa000000000000000UL, 0x800UL)]
    [InlineData("rcr", 64, 0x8000000000000001UL, 63, 0, 0x5UL, 0x0UL)]
    [InlineData("rcl", 64, 0x8000000000000001UL, 64, 0, 0x8000000000000001UL, 0x0UL)]
    [InlineData("rcr", 64, 0x8000000000000001UL, 64, 0, 0x8000000000000001UL, 0x0UL)]
    [InlineData("rcl", 8, 0x81UL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("rcl", 8, 0x81UL, 1, 1, 0x3UL, 0x8d5UL)]
    [InlineData("rcr", 8, 0x81UL, 1, 1, 0xc0UL, 0xd5UL)]
    [InlineData("rcl", 16, 0x81UL, 1, 1, 0x103UL, 0xd4UL)]
    [InlineData("rcl", 32, 0x81UL, 1, 1, 0x103UL, 0xd4UL)]
    [InlineData("rcr", 32, 0x81UL, 1, 1, 0x80000040UL, 0x8d5UL)]
    [InlineData("rcl", 64, 0x81UL, 1, 1, 0x103UL, 0xd4UL)]
    [InlineData("rcr", 64, 0x81UL, 1, 1, 0x8000000000000040UL, 0x8d5UL)]
    [InlineData("rcl", 8, 0x81UL, 2, 1, 0x7UL, 0xd4UL)]
    [InlineData("rcr", 8, 0x81UL, 2, 1, 0xe0UL, 0xd4UL)]
    [InlineData("rcl", 32, 0x81UL, 2, 1, 0x206UL, 0xd4UL)]
    [InlineData("rcl", 64, 0x81UL, 2, 1, 0x206UL, 0xd4UL)]
    [InlineData("rcr", 64, 0x81UL, 2, 1, 0xc000000000000020UL, 0xd4UL)]
    [InlineData("rcl", 8, 0x81UL, 7, 1, 0xe0UL, 0x8d4UL)]
    [InlineData("rcl", 8, 0x81UL, 8, 1, 0xc0UL, 0xd5UL)]
    [InlineData("rcr", 8, 0x81UL, 8, 1, 0x3UL, 0xd5UL)]
    [InlineData("rcl", 8, 0x81UL, 9, 1, 0x81UL, 0xd5UL)]
    [InlineData("rcr", 8, 0x81UL, 9, 1, 0x81UL, 0x8d5UL)]
    [InlineData("rcl", 8, 0x81UL, 10, 1, 0x3UL, 0x8d5UL)]
    [InlineData("rcl", 16, 0x81UL, 16, 1, 0x8040UL, 0xd5UL)]
    [InlineData("rcr", 8, 0x81UL, 17, 1, 0x3UL, 0xd5UL)]
    [InlineData("rcl", 16, 0x81UL, 17, 1, 0x81UL, 0x8d5UL)]
    [InlineData("rcl", 16, 0x81UL, 18, 1, 0x103UL, 0xd4UL)]
    [InlineData("rcl", 32, 0x81UL, 31, 1, 0xc0000020UL, 0x8d4UL)]
    [InlineData("rcr", 32, 0x81UL, 31, 1, 0x206UL, 0xd4UL)]
    [InlineData("rcl", 32, 0x81UL, 32, 1, 0x81UL, 0x8d5UL)]
    [InlineData("rcr", 32, 0x81UL, 32, 1, 0x81UL, 0x8d5UL)]
    [InlineData("rcl", 32, 0x81UL, 33, 1, 0x103UL, 0xd4UL)]
    [InlineData("rcl", 64, 0x81UL, 63, 1, 0xc000000000000020UL, 0x8d4UL)]
    [InlineData("rcr", 64, 0x81UL, 63, 1, 0x206UL, 0xd4UL)]
    [InlineData("rcl", 64, 0x81UL, 64, 1, 0x81UL, 0x8d5UL)]
    [InlineData("rcr", 64, 0x81UL, 64, 1, 0x81UL, 0x8d5UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 0, 1, 0x1UL, 0x8d5UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 1, 1, 0x3UL, 0xd4UL)]
    [InlineData("rcr", 8, 0x8000000000000001UL, 1, 1, 0x80UL, 0x8d5UL)]
    [InlineData("rcl", 16, 0x8000000000000001UL, 1, 1, 0x3UL, 0xd4UL)]
    [InlineData("rcl", 32, 0x8000000000000001UL, 1, 1, 0x3UL, 0xd4UL)]
    [InlineData("rcr", 32, 0x8000000000000001UL, 1, 1, 0x80000000UL, 0x8d5UL)]
    [InlineData("rcl", 64, 0x8000000000000001UL, 1, 1, 0x3UL, 0x8d5UL)]
    [InlineData("rcr", 64, 0x8000000000000001UL, 1, 1, 0xc000000000000000UL, 0xd5UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 2, 1, 0x6UL, 0xd4UL)]
    [InlineData("rcr", 8, 0x8000000000000001UL, 2, 1, 0xc0UL, 0xd4UL)]
    [InlineData("rcl", 32, 0x8000000000000001UL, 2, 1, 0x6UL, 0xd4UL)]
    [InlineData("rcl", 64, 0x8000000000000001UL, 2, 1, 0x7UL, 0xd4UL)]
    [InlineData("rcr", 64, 0x8000000000000001UL, 2, 1, 0xe000000000000000UL, 0xd4UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 7, 1, 0xc0UL, 0x8d4UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 8, 1, 0x80UL, 0xd5UL)]
    [InlineData("rcr", 8, 0x8000000000000001UL, 8, 1, 0x3UL, 0xd4UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 9, 1, 0x1UL, 0x8d5UL)]
    [InlineData("rcr", 8, 0x8000000000000001UL, 9, 1, 0x1UL, 0xd5UL)]
    [InlineData("rcl", 8, 0x8000000000000001UL, 10, 1, 0x3UL, 0xd4UL)]
    [InlineData("rcl", 16, 0x8000000000000001UL, 16, 1, 0x8000UL, 0xd5UL)]
    [InlineData("rcr", 8, 0x8000000000000001UL, 17, 1, 0x3UL, 0xd4UL)]
    [InlineData("rcl", 16, 0x8000000000000001UL, 17, 1, 0x1UL, 0x8d5UL)]
    [InlineData("rcl", 16, 0x8000000000000001UL, 18, 1, 0x3UL, 0xd4UL)]
    [InlineData("rcl", 32, 0x8000000000000001UL, 31, 1, 0xc0000000UL, 0x8d4UL)]
    [InlineData("rcr", 32, 0x8000000000000001UL, 31, 1, 0x6UL, 0xd4UL)]
    [InlineData("rcl", 32, 0x8000000000000001UL, 32, 1, 0x1UL, 0x8d5UL)]
    [InlineData("rcr", 32, 0x8000000000000001UL, 32, 1, 0x1UL, 0x8d5UL)]
    [InlineData("rcl", 32, 0x8000000000000001UL, 33, 1, 0x3UL, 0xd4UL)]
    [InlineData("rcl", 64, 0x8000000000000001UL, 63, 1, 0xe000000000000000UL, 0x8d4UL)]
    [InlineData("rcr", 64, 0x8000000000000001UL, 63, 1, 0x7UL, 0xd4UL)]
    [InlineData("rcl", 64, 0x8000000000000001UL, 64, 1, 0x8000000000000001UL, 0x8d5UL)]
    [InlineData("rcr", 64, 0x8000000000000001UL, 64, 1, 0x8000000000000001UL, 0x8d5UL)]
    public void Rcl_rcr_by_cl(string op, int bits, ulong value, int count, int cfIn, ulong result, ulong flags)
    {
        ulong m = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        var m2 = RunToEnd(a =>
        {
            if (bits == 8) { if (op == "rcl") a.rcl(al, cl); else a.rcr(al, cl); }
            else if (bits == 16) { if (op == "rcl") a.rcl(ax, cl); else a.rcr(ax, cl); }
            else if (bits == 32) { if (op == "rcl") a.rcl(eax, cl); else a.rcr(eax, cl); }
            else { if (op == "rcl") a.rcl(rax, cl); else a.rcr(rax, cl); }
            a.int3();
        }, s => { s.Rax = value; s.Rcx = (ulong)count; s.Rflags = 0x202 | (cfIn != 0 ? Arith : 0); });
        Assert.Equal(result, m2.S.Rax & m);
        Assert.Equal(flags, m2.Flags);
    }

    [Theory]
    [InlineData("shld", 64, 0x81UL, 0xf00000000000000fUL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shrd", 64, 0x81UL, 0xf00000000000000fUL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shld", 32, 0x81UL, 0xf00000000000000fUL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shrd", 32, 0x81UL, 0xf00000000000000fUL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shld", 16, 0x81UL, 0xf00000000000000fUL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shrd", 16, 0x81UL, 0xf00000000000000fUL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shld", 64, 0x81UL, 0xf00000000000000fUL, 1, 0, 0x103UL, 0x4UL)]
    [InlineData("shrd", 64, 0x81UL, 0xf00000000000000fUL, 1, 0, 0x8000000000000040UL, 0x881UL)]
    [InlineData("shld", 32, 0x81UL, 0xf00000000000000fUL, 1, 0, 0x102UL, 0x0UL)]
    [InlineData("shrd", 32, 0x81UL, 0xf00000000000000fUL, 1, 0, 0x80000040UL, 0x881UL)]
    [InlineData("shld", 16, 0x81UL, 0xf00000000000000fUL, 1, 0, 0x102UL, 0x0UL)]
    [InlineData("shrd", 16, 0x81UL, 0xf00000000000000fUL, 1, 0, 0x8040UL, 0x881UL)]
    [InlineData("shld", 64, 0x81UL, 0xf00000000000000fUL, 2, 0, 0x207UL, 0x0UL)]
    [InlineData("shrd", 64, 0x81UL, 0xf00000000000000fUL, 2, 0, 0xc000000000000020UL, 0x80UL)]
    [InlineData("shld", 32, 0x81UL, 0xf00000000000000fUL, 2, 0, 0x204UL, 0x0UL)]
    [InlineData("shrd", 32, 0x81UL, 0xf00000000000000fUL, 2, 0, 0xc0000020UL, 0x80UL)]
    [InlineData("shld", 16, 0x81UL, 0xf00000000000000fUL, 2, 0, 0x204UL, 0x0UL)]
    [InlineData("shrd", 16, 0x81UL, 0xf00000000000000fUL, 2, 0, 0xc020UL, 0x80UL)]
    [InlineData("shld", 64, 0x81UL, 0xf00000000000000fUL, 16, 0, 0x81f000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x81UL, 0xf00000000000000fUL, 16, 0, 0xf000000000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x81UL, 0xf00000000000000fUL, 16, 0, 0x810000UL, 0x4UL)]
    [InlineData("shrd", 32, 0x81UL, 0xf00000000000000fUL, 16, 0, 0xf0000UL, 0x4UL)]
    [InlineData("shld", 16, 0x81UL, 0xf00000000000000fUL, 16, 0, 0xfUL, 0x805UL)]
    [InlineData("shrd", 16, 0x81UL, 0xf00000000000000fUL, 16, 0, 0xfUL, 0x4UL)]
    [InlineData("shld", 64, 0x81UL, 0xf00000000000000fUL, 31, 0, 0x40f8000000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x81UL, 0xf00000000000000fUL, 31, 0, 0x1e00000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x81UL, 0xf00000000000000fUL, 31, 0, 0x80000007UL, 0x880UL)]
    [InlineData("shrd", 32, 0x81UL, 0xf00000000000000fUL, 31, 0, 0x1eUL, 0x4UL)]
    [InlineData("shld", 64, 0x81UL, 0xf00000000000000fUL, 32, 0, 0x81f0000000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x81UL, 0xf00000000000000fUL, 32, 0, 0xf00000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x81UL, 0xf00000000000000fUL, 32, 0, 0x81UL, 0x0UL)]
    [InlineData("shrd", 32, 0x81UL, 0xf00000000000000fUL, 32, 0, 0x81UL, 0x0UL)]
    [InlineData("shld", 64, 0x81UL, 0xf00000000000000fUL, 63, 0, 0xf800000000000007UL, 0x880UL)]
    [InlineData("shrd", 64, 0x81UL, 0xf00000000000000fUL, 63, 0, 0xe00000000000001eUL, 0x84UL)]
    [InlineData("shld", 32, 0x81UL, 0xf00000000000000fUL, 63, 0, 0x80000007UL, 0x880UL)]
    [InlineData("shrd", 32, 0x81UL, 0xf00000000000000fUL, 63, 0, 0x1eUL, 0x4UL)]
    [InlineData("shld", 64, 0x81UL, 0x1234UL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shrd", 64, 0x81UL, 0x1234UL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shld", 32, 0x81UL, 0x1234UL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shrd", 32, 0x81UL, 0x1234UL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shld", 16, 0x81UL, 0x1234UL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shrd", 16, 0x81UL, 0x1234UL, 0, 0, 0x81UL, 0x0UL)]
    [InlineData("shld", 64, 0x81UL, 0x1234UL, 1, 0, 0x102UL, 0x0UL)]
    [InlineData("shrd", 64, 0x81UL, 0x1234UL, 1, 0, 0x40UL, 0x1UL)]
    [InlineData("shld", 32, 0x81UL, 0x1234UL, 1, 0, 0x102UL, 0x0UL)]
    [InlineData("shrd", 32, 0x81UL, 0x1234UL, 1, 0, 0x40UL, 0x1UL)]
    [InlineData("shld", 16, 0x81UL, 0x1234UL, 1, 0, 0x102UL, 0x0UL)]
    [InlineData("shrd", 16, 0x81UL, 0x1234UL, 1, 0, 0x40UL, 0x1UL)]
    [InlineData("shld", 64, 0x81UL, 0x1234UL, 2, 0, 0x204UL, 0x0UL)]
    [InlineData("shrd", 64, 0x81UL, 0x1234UL, 2, 0, 0x20UL, 0x0UL)]
    [InlineData("shld", 32, 0x81UL, 0x1234UL, 2, 0, 0x204UL, 0x0UL)]
    [InlineData("shrd", 32, 0x81UL, 0x1234UL, 2, 0, 0x20UL, 0x0UL)]
    [InlineData("shld", 16, 0x81UL, 0x1234UL, 2, 0, 0x204UL, 0x0UL)]
    [InlineData("shrd", 16, 0x81UL, 0x1234UL, 2, 0, 0x20UL, 0x0UL)]
    [InlineData("shld", 64, 0x81UL, 0x1234UL, 16, 0, 0x810000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x81UL, 0x1234UL, 16, 0, 0x1234000000000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x81UL, 0x1234UL, 16, 0, 0x810000UL, 0x4UL)]
    [InlineData("shrd", 32, 0x81UL, 0x1234UL, 16, 0, 0x12340000UL, 0x4UL)]
    [InlineData("shld", 16, 0x81UL, 0x1234UL, 16, 0, 0x1234UL, 0x801UL)]
    [InlineData("shrd", 16, 0x81UL, 0x1234UL, 16, 0, 0x1234UL, 0x0UL)]
    [InlineData("shld", 64, 0x81UL, 0x1234UL, 31, 0, 0x4080000000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x81UL, 0x1234UL, 31, 0, 0x246800000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x81UL, 0x1234UL, 31, 0, 0x8000091aUL, 0x880UL)]
    [InlineData("shrd", 32, 0x81UL, 0x1234UL, 31, 0, 0x2468UL, 0x0UL)]
    [InlineData("shld", 64, 0x81UL, 0x1234UL, 32, 0, 0x8100000000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x81UL, 0x1234UL, 32, 0, 0x123400000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x81UL, 0x1234UL, 32, 0, 0x81UL, 0x0UL)]
    [InlineData("shrd", 32, 0x81UL, 0x1234UL, 32, 0, 0x81UL, 0x0UL)]
    [InlineData("shld", 64, 0x81UL, 0x1234UL, 63, 0, 0x800000000000091aUL, 0x880UL)]
    [InlineData("shrd", 64, 0x81UL, 0x1234UL, 63, 0, 0x2468UL, 0x0UL)]
    [InlineData("shld", 32, 0x81UL, 0x1234UL, 63, 0, 0x8000091aUL, 0x880UL)]
    [InlineData("shrd", 32, 0x81UL, 0x1234UL, 63, 0, 0x2468UL, 0x0UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 0, 0x8000000000000001UL, 0x0UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 0, 0x8000000000000001UL, 0x0UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 0, 0x1UL, 0x0UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 0, 0x1UL, 0x0UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 0, 0x1UL, 0x0UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 0, 0x1UL, 0x0UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 0, 0x3UL, 0x805UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 0, 0xc000000000000000UL, 0x85UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 0, 0x2UL, 0x0UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 0, 0x80000000UL, 0x885UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 0, 0x2UL, 0x0UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 0, 0x8000UL, 0x885UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 2, 0, 0x7UL, 0x0UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 2, 0, 0xe000000000000000UL, 0x84UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 2, 0, 0x4UL, 0x0UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 2, 0, 0xc0000000UL, 0x84UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 2, 0, 0x4UL, 0x0UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 2, 0, 0xc000UL, 0x84UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 16, 0, 0x1f000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 16, 0, 0xf800000000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 16, 0, 0x10000UL, 0x4UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 16, 0, 0xf0000UL, 0x4UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 16, 0, 0xfUL, 0x805UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 16, 0, 0xfUL, 0x4UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 31, 0, 0xf8000000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 31, 0, 0x1f00000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 31, 0, 0x80000007UL, 0x880UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 31, 0, 0x1eUL, 0x4UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 32, 0, 0x1f0000000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 32, 0, 0xf80000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 32, 0, 0x1UL, 0x0UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 32, 0, 0x1UL, 0x0UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 63, 0, 0xf800000000000007UL, 0x880UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 63, 0, 0xe00000000000001fUL, 0x80UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 63, 0, 0x80000007UL, 0x880UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 63, 0, 0x1eUL, 0x4UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0x1234UL, 0, 0, 0x8000000000000001UL, 0x0UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0x1234UL, 0, 0, 0x8000000000000001UL, 0x0UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0x1234UL, 0, 0, 0x1UL, 0x0UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0x1234UL, 0, 0, 0x1UL, 0x0UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0x1234UL, 0, 0, 0x1UL, 0x0UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0x1234UL, 0, 0, 0x1UL, 0x0UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0x1234UL, 1, 0, 0x2UL, 0x801UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0x1234UL, 1, 0, 0x4000000000000000UL, 0x805UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0x1234UL, 1, 0, 0x2UL, 0x0UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0x1234UL, 1, 0, 0x0UL, 0x45UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0x1234UL, 1, 0, 0x2UL, 0x0UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0x1234UL, 1, 0, 0x0UL, 0x45UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0x1234UL, 2, 0, 0x4UL, 0x0UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0x1234UL, 2, 0, 0x2000000000000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0x1234UL, 2, 0, 0x4UL, 0x0UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0x1234UL, 2, 0, 0x0UL, 0x44UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0x1234UL, 2, 0, 0x4UL, 0x0UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0x1234UL, 2, 0, 0x0UL, 0x44UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0x1234UL, 16, 0, 0x10000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0x1234UL, 16, 0, 0x1234800000000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0x1234UL, 16, 0, 0x10000UL, 0x4UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0x1234UL, 16, 0, 0x12340000UL, 0x4UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0x1234UL, 16, 0, 0x1234UL, 0x801UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0x1234UL, 16, 0, 0x1234UL, 0x0UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0x1234UL, 31, 0, 0x80000000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0x1234UL, 31, 0, 0x246900000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0x1234UL, 31, 0, 0x8000091aUL, 0x880UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0x1234UL, 31, 0, 0x2468UL, 0x0UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0x1234UL, 32, 0, 0x100000000UL, 0x4UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0x1234UL, 32, 0, 0x123480000000UL, 0x4UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0x1234UL, 32, 0, 0x1UL, 0x0UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0x1234UL, 32, 0, 0x1UL, 0x0UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0x1234UL, 63, 0, 0x800000000000091aUL, 0x880UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0x1234UL, 63, 0, 0x2469UL, 0x4UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0x1234UL, 63, 0, 0x8000091aUL, 0x880UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0x1234UL, 63, 0, 0x2468UL, 0x0UL)]
    [InlineData("shld", 64, 0x81UL, 0xf00000000000000fUL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shrd", 64, 0x81UL, 0xf00000000000000fUL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shld", 32, 0x81UL, 0xf00000000000000fUL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shrd", 32, 0x81UL, 0xf00000000000000fUL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shld", 16, 0x81UL, 0xf00000000000000fUL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shrd", 16, 0x81UL, 0xf00000000000000fUL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shld", 64, 0x81UL, 0xf00000000000000fUL, 1, 1, 0x103UL, 0x4UL)]
    [InlineData("shrd", 64, 0x81UL, 0xf00000000000000fUL, 1, 1, 0x8000000000000040UL, 0x881UL)]
    [InlineData("shld", 32, 0x81UL, 0xf00000000000000fUL, 1, 1, 0x102UL, 0x0UL)]
    [InlineData("shrd", 32, 0x81UL, 0xf00000000000000fUL, 1, 1, 0x80000040UL, 0x881UL)]
    [InlineData("shld", 16, 0x81UL, 0xf00000000000000fUL, 1, 1, 0x102UL, 0x0UL)]
    [InlineData("shrd", 16, 0x81UL, 0xf00000000000000fUL, 1, 1, 0x8040UL, 0x881UL)]
    [InlineData("shld", 64, 0x81UL, 0x1234UL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shrd", 64, 0x81UL, 0x1234UL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shld", 32, 0x81UL, 0x1234UL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shrd", 32, 0x81UL, 0x1234UL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shld", 16, 0x81UL, 0x1234UL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shrd", 16, 0x81UL, 0x1234UL, 0, 1, 0x81UL, 0x8d5UL)]
    [InlineData("shld", 64, 0x81UL, 0x1234UL, 1, 1, 0x102UL, 0x0UL)]
    [InlineData("shrd", 64, 0x81UL, 0x1234UL, 1, 1, 0x40UL, 0x1UL)]
    [InlineData("shld", 32, 0x81UL, 0x1234UL, 1, 1, 0x102UL, 0x0UL)]
    [InlineData("shrd", 32, 0x81UL, 0x1234UL, 1, 1, 0x40UL, 0x1UL)]
    [InlineData("shld", 16, 0x81UL, 0x1234UL, 1, 1, 0x102UL, 0x0UL)]
    [InlineData("shrd", 16, 0x81UL, 0x1234UL, 1, 1, 0x40UL, 0x1UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 1, 0x8000000000000001UL, 0x8d5UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 1, 0x8000000000000001UL, 0x8d5UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 1, 0x1UL, 0x8d5UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 1, 0x1UL, 0x8d5UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 1, 0x1UL, 0x8d5UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 0, 1, 0x1UL, 0x8d5UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 1, 0x3UL, 0x805UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 1, 0xc000000000000000UL, 0x85UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 1, 0x2UL, 0x0UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 1, 0x80000000UL, 0x885UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 1, 0x2UL, 0x0UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0xf00000000000000fUL, 1, 1, 0x8000UL, 0x885UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0x1234UL, 0, 1, 0x8000000000000001UL, 0x8d5UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0x1234UL, 0, 1, 0x8000000000000001UL, 0x8d5UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0x1234UL, 0, 1, 0x1UL, 0x8d5UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0x1234UL, 0, 1, 0x1UL, 0x8d5UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0x1234UL, 0, 1, 0x1UL, 0x8d5UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0x1234UL, 0, 1, 0x1UL, 0x8d5UL)]
    [InlineData("shld", 64, 0x8000000000000001UL, 0x1234UL, 1, 1, 0x2UL, 0x801UL)]
    [InlineData("shrd", 64, 0x8000000000000001UL, 0x1234UL, 1, 1, 0x4000000000000000UL, 0x805UL)]
    [InlineData("shld", 32, 0x8000000000000001UL, 0x1234UL, 1, 1, 0x2UL, 0x0UL)]
    [InlineData("shrd", 32, 0x8000000000000001UL, 0x1234UL, 1, 1, 0x0UL, 0x45UL)]
    [InlineData("shld", 16, 0x8000000000000001UL, 0x1234UL, 1, 1, 0x2UL, 0x0UL)]
    [InlineData("shrd", 16, 0x8000000000000001UL, 0x1234UL, 1, 1, 0x0UL, 0x45UL)]
    public void Shld_shrd_by_cl(string op, int bits, ulong value, ulong source, int count, int flagsIn, ulong result, ulong flags)
    {
        ulong m = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        var m2 = RunToEnd(a =>
        {
            if (bits == 16) { if (op == "shld") a.shld(ax, dx, cl); else a.shrd(ax, dx, cl); }
            else if (bits == 32) { if (op == "shld") a.shld(eax, edx, cl); else a.shrd(eax, edx, cl); }
            else { if (op == "shld") a.shld(rax, rdx, cl); else a.shrd(rax, rdx, cl); }
            a.int3();
        }, s => { s.Rax = value; s.Rdx = source; s.Rcx = (ulong)count; s.Rflags = 0x202 | (flagsIn != 0 ? Arith : 0); });
        Assert.Equal(result, m2.S.Rax & m);
        Assert.Equal(flags, m2.Flags);
    }

    [Fact]
    public void Rcl_rcr_register_widths_keep_or_zero_extend_and_imm_and_memory_forms()
    {
        var m = RunToEnd(a =>
        {
            a.stc();
            a.rcl(ah, 1);                       // ah = 0x80 -> 0x01, CF = 1, OF = 0 xor 1
            a.rcr(bx, 4);                       // upper 48 bits of rbx kept
            a.rcl(esi, 0);                      // count 0: no flags, but the 32-bit write zero-extends
            a.mov(rdi, DataVa);
            a.rcr(__qword_ptr[rdi], 1);         // CF in from the rcr above
            a.rcl(__dword_ptr[rdi + 8], cl);    // cl = 33 -> 1
            a.int3();
        }, s =>
        {
            s.Rax = 0xFFFF_8000; s[Reg.Rbx] = 0xAAAA_BBBB_CCCC_0001; s.Rsi = 0xFFFF_FFFF_0000_0007; s.Rcx = 33;
        }, mm => { mm.Bus.PokeU64(DataVa, 2); mm.Bus.PokeU64(DataVa + 8, 0x8000_0000); });
        Assert.Equal(0xFFFF_0100UL, m.S.Rax);
        Assert.Equal(0xAAAA_BBBB_CCCC_3000UL, m.S[Reg.Rbx]); // 17-bit 1:0x0001 rotated right 4: 0x3000, CF = 0
        Assert.Equal(7UL, m.S.Rsi);
        Assert.Equal(1UL, m.Bus.U64(DataVa));         // CF was 0 after rcr bx: 0 enters, 0 leaves
        Assert.Equal(0UL, m.Bus.U64(DataVa + 8));     // top bit leaves into CF
        Assert.Equal(CF | OF, m.Flags);               // rcl by 1: OF = MSB(0) xor CF(1)
    }

    [Fact]
    public void Rotate_through_carry_on_a_read_only_page_faults_with_nothing_changed()
    {
        var m = Build(a => { a.mov(rdi, DataVa); a.rcl(__byte_ptr[rdi], 1); }, init: s => s.Rflags = 0x202 | CF);
        m.Bus.PokeU64(DataVa, 0x80);
        m.Bus.Map(DataVa, 4096, Rights.RO);
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Present | PfErr.Write), DataVa);
        Assert.Equal(CF, m.Flags);
        Assert.Equal(0x80UL, m.Bus.U64(DataVa));
    }

    [Fact]
    public void Shld_shrd_imm_memory_and_count_zero()
    {
        var m = RunToEnd(a =>
        {
            a.mov(rdi, DataVa);
            a.shld(__qword_ptr[rdi], rdx, 4);   // 0x1234 << 4 | top nibble of rdx (0xF)
            a.shrd(__word_ptr[rdi + 8], dx, 4); // low word 0x00F0 >> 4 | low nibble of dx (0xF) << 12
            a.shld(ebx, edx, 0);                // count 0: flags kept, ebx zero-extended
            a.int3();
        }, s => { s.Rdx = 0xF000_0000_0000_000F; s[Reg.Rbx] = 0xFFFF_FFFF_0000_0001; s.Rflags = 0x202 | ZF; },
        mm => { mm.Bus.PokeU64(DataVa, 0x1234); mm.Bus.PokeU64(DataVa + 8, 0x1111_00F0); });
        Assert.Equal(0x1234FUL, m.Bus.U64(DataVa));
        Assert.Equal(0x1111_F00FUL, m.Bus.U64(DataVa + 8));
        Assert.Equal(1UL, m.S[Reg.Rbx]);
        Assert.Equal(SF | PF, m.Flags); // from the shrd: 0xF00F, CF = bit 3 of 0xF0 = 0, OF = 1 xor 1
    }

    [Theory]
    [InlineData("shld", 17, 0xE01EUL, CF | SF | PF)]
    [InlineData("shld", 18, 0xC03CUL, CF | SF | PF)]
    [InlineData("shld", 31, 0x8040UL, CF | SF)]
    [InlineData("shrd", 17, 0xF807UL, CF | SF)]
    [InlineData("shrd", 18, 0x7C03UL, CF | PF | OF)]
    [InlineData("shrd", 31, 0x0103UL, CF | PF)]
    public void Shld_shrd_16_bit_counts_above_16_shift_dest_source_dest(string op, int count, ulong result, ulong flags)
    {
        // Undefined by the SDM: the model does what Intel silicon and QEMU 7.2 do (48-bit dst:src:dst).
        var m = RunToEnd(a => { if (op == "shld") a.shld(ax, dx, cl); else a.shrd(ax, dx, cl); a.int3(); },
            s => { s.Rax = 0x0081; s.Rdx = 0xF00F; s.Rcx = (ulong)count; });
        Assert.Equal(result, m.S.Rax);
        Assert.Equal(flags, m.Flags);
    }

    [Fact]
    public void Shrd_on_unmapped_and_read_only_pages_faults_with_nothing_changed()
    {
        var m = Build(a => { a.mov(rdi, DataVa - 8); a.shrd(__qword_ptr[rdi], rax, 1); }, init: s => s.Rflags = 0x202 | ZF);
        AssertTrap(m.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Write), DataVa - 8); // read-modify-write: W from the first access
        Assert.Equal(ZF, m.Flags);
        var w = Build(a => { a.mov(rdi, DataVa); a.shld(__qword_ptr[rdi], rax, 1); }, init: s => s.Rflags = 0x202 | ZF);
        w.Bus.PokeU64(DataVa, 0x8000_0000_0000_0000);
        w.Bus.Map(DataVa, 4096, Rights.RO);
        AssertTrap(w.Run(), Vector.PageFault, (ulong)(PfErr.User | PfErr.Present | PfErr.Write), DataVa);
        Assert.Equal(ZF, w.Flags);
        Assert.Equal(0x8000_0000_0000_0000UL, w.Bus.U64(DataVa));
    }
}
