using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// The x87 arithmetic, compares, conversions and stores against values the host CPU produced for the same inputs
/// (<c>x87/x87_vectors.c</c> made <c>X87HostVectors.g.cs</c>): fninit; fldcw; fld a; fld b; the instruction; fnstsw;
/// fnclex; pushfq; fstp st(0). FSW, ST(0), the stored bits and, after fcomi/fucomi, the flags must agree exactly.
/// </summary>
public sealed partial class CpuTests
{
    public static TheoryData<string> X87VectorOps() => [.. X87HostVectors.All.Select(v => v.Op).Distinct()];

    private static void X87Op(Assembler a, string op, AssemblerMemoryOperand store)
    {
        switch (op)
        {
            case "faddp": a.faddp(st1, st0); break;
            case "fsubp": a.fsubp(st1, st0); break;
            case "fsubrp": a.fsubrp(st1, st0); break;
            case "fmulp": a.fmulp(st1, st0); break;
            case "fdivp": a.fdivp(st1, st0); break;
            case "fdivrp": a.fdivrp(st1, st0); break;
            case "fadd_st0_st1": a.fadd(st0, st1); break;
            case "fsqrt": a.fsqrt(); break;
            case "frndint": a.frndint(); break;
            case "fscale": a.fscale(); break;
            case "fcom": a.fcom(st0, st1); break;
            case "fucom": a.fucom(st0, st1); break;
            case "fcomi": a.fcomi(st0, st1); break;
            case "fucomi": a.fucomi(st0, st1); break;
            case "fxam": a.fxam(); break;
            case "ftst": a.ftst(); break;
            case "fst_m32": a.fst(__dword_ptr[store]); break;
            case "fst_m64": a.fst(__qword_ptr[store]); break;
            case "fist_m32": a.fist(__dword_ptr[store]); break;
            case "fistp_m64": a.fistp(__qword_ptr[store]); break;
            case "fisttp_m32": a.fisttp(__dword_ptr[store]); break;
            case "fistp_m16": a.fistp(__word_ptr[store]); break;
            case "fprem": a.fprem(); break;
            case "fprem1": a.fprem1(); break;
            default: throw new ArgumentException(op);
        }
    }

    [Theory]
    [MemberData(nameof(X87VectorOps))]
    public void X87_results_match_the_host_cpu(string op)
    {
        var failures = new List<string>();
        foreach (var v in X87HostVectors.All.Where(v => v.Op == op))
        {
            var m = RunToEnd(a =>
            {
                a.mov(rdi, DataVa);
                a.fninit();
                a.fldcw(__word_ptr[rdi + 32]);
                a.fld(__tword_ptr[rdi]);
                a.fld(__tword_ptr[rdi + 16]);
                X87Op(a, op, __[rdi + 64]);
                a.fnstsw(__word_ptr[rdi + 34]);
                a.fnclex();
                a.pushfq(); a.pop(__qword_ptr[rdi + 72]);
                a.fstp(__tword_ptr[rdi + 40]);
                a.int3();
            }, setup: mm =>
            {
                mm.Bus.PokeU64(DataVa, v.ASig); mm.Bus.Poke(DataVa + 8, BitConverter.GetBytes(v.ASe));
                mm.Bus.PokeU64(DataVa + 16, v.BSig); mm.Bus.Poke(DataVa + 24, BitConverter.GetBytes(v.BSe));
                mm.Bus.Poke(DataVa + 32, BitConverter.GetBytes(v.Fcw));
                mm.Bus.PokeU64(DataVa + 64, 0x5a5a5a5a5a5a5a5a);
            });
            ushort fsw = BitConverter.ToUInt16(m.Bus.Peek(DataVa + 34, 2));
            var r = Float80.Read(m.Bus.Peek(DataVa + 40, 10));
            ulong stored = BitConverter.ToUInt64(m.Bus.Peek(DataVa + 64, 8));
            ulong fl = BitConverter.ToUInt64(m.Bus.Peek(DataVa + 72, 8)) & 0x8d5;
            bool flagsDefined = op is "fcomi" or "fucomi" && (fsw & 0x80) == 0;
            var got = (fsw, r.Se, r.Sig, stored, flagsDefined ? fl : 0);
            var want = (v.Fsw, v.RSe, v.RSig, v.Stored, flagsDefined ? v.Rflags : 0);
            if (got != want)
                failures.Add($"fcw {v.Fcw:x4} a {v.ASe:x4}:{v.ASig:x16} b {v.BSe:x4}:{v.BSig:x16}: model fsw {fsw:x4} st0 {r} stored {stored:x16} fl {fl:x}, host fsw {v.Fsw:x4} st0 {v.RSe:x4}:{v.RSig:x16} stored {v.Stored:x16} fl {v.Rflags:x}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {X87HostVectors.All.Count(v => v.Op == op)} differ:\n" + string.Join("\n", failures.Take(25)));
    }
}
