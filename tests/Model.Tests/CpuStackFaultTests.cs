using Iced.Intel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace L4Conf.Tests;

/// <summary>
/// #SS(0) against #GP(0) for non-canonical addresses (Intel SDM Vol. 3A §6.15 Interrupt 12 and 13; Vol. 2, the
/// "64-Bit Mode Exceptions" of MOV/PUSH/POP/CALL/RET): a reference in the SS segment (implicit stack accesses,
/// and memory operands whose base is RSP or RBP) raises #SS(0); every other one #GP(0). In 64-bit mode a CS, DS,
/// ES or SS override is ignored, so it changes nothing (an ss: override on [rax] is #GP, ds: on [rbp] is #SS:
/// both seen on the host CPU by `l4conf cpu diff`); an FS or GS override makes it a data reference.
/// </summary>
public sealed class CpuStackFaultTests
{
    private const ulong CodeVa = PagedCpu.CodeVa, StackTop = PagedCpu.StackTop;
    private const ulong NonCanonical = 0x0000_8000_0000_0000;

    private static (CpuState S, StopReason R) Run(Action<Assembler> body, Action<CpuState>? init = null) => PagedCpu.Run(body, init);

    private static void AssertTrap(StopReason r, Vector v)
    {
        Assert.Equal(StopKind.Trap, r.Kind);
        Assert.Equal(new Trap(v, 0), r.Trap);
    }

    [Theory]
    [InlineData(0xFFFF_FFFF_FFFF_FFFCUL)]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL)]
    public void A_stack_access_that_wraps_past_2_to_the_64_faults_in_its_first_page(ulong rsp)
    {
        // pop at RSP = 2^64 - 4: the eight bytes wrap to address 3. The top page comes first and is not user memory, so
        // the host CPU raises #PF there (seen by `l4conf cpu diff`, seed 2); the model once reported the wrap as #SS.
        var (s, r) = Run(a => a.pop(rbx), st => st.Rsp = rsp);
        Assert.Equal(StopKind.Trap, r.Kind);
        Assert.Equal(Vector.PageFault, r.Trap.Vector);
        Assert.Equal(rsp, r.Trap.Cr2);
        Assert.Equal(rsp, s.Rsp);
    }

    public static TheoryData<string> StackReferences => new()
    {
        "push", "pop", "call", "ret", "mov [rsp]", "mov [rbp+8]", "load [rbp+rax]", "ds: [rbp]", "push [rbx]", "pop [rbx]", "leave", "enter", "sgdt [rbp]", "str [rbp]",
    };

    [Theory]
    [MemberData(nameof(StackReferences))]
    public void Non_canonical_stack_reference_is_SS0_and_changes_nothing(string what)
    {
        // RSP/RBP = 2^47 + 8: the pushed slot 2^47 and every RSP/RBP-based operand are non-canonical.
        var (s, r) = Run(a =>
        {
            switch (what)
            {
                case "push": a.push(rax); break;
                case "pop": a.pop(rbx); break;
                case "call": a.call(CodeVa + 0x100); break;
                case "ret": a.ret(); break;
                case "mov [rsp]": a.mov(__qword_ptr[rsp], rbx); break;
                case "mov [rbp+8]": a.mov(rbx, __qword_ptr[rbp + 8]); break;
                case "load [rbp+rax]": a.add(ebx, __dword_ptr[rbp + rax]); break;
                case "ds: [rbp]": a.mov(rbx, __qword_ptr.ds[rbp]); break; // in 64-bit mode a DS/ES/SS/CS override is ignored
                case "push [rbx]": a.push(__qword_ptr[rbx]); break; // the load is fine; the push faults
                case "pop [rbx]": a.pop(__qword_ptr[rbx]); break;   // the pop faults before the store
                case "leave": a.leave(); break;                     // the pop through RBP is a stack reference
                case "enter": a.enter(16, 2); break;                // the push of RBP
                case "sgdt [rbp]": a.sgdt(__[rbp]); break;
                case "str [rbp]": a.str(__word_ptr[rbp]); break;
            }
            a.int3();
        }, s =>
        {
            s.Rsp = s[Reg.Rbp] = NonCanonical + 8;
            s.Rax = 0;
            s[Reg.Rbx] = what.EndsWith("[rbx]", StringComparison.Ordinal) ? StackTop - 8 : 0x1234;
        });
        AssertTrap(r, Vector.StackSegment);
        Assert.Equal(CodeVa, s.Rip);
        Assert.Equal(NonCanonical + 8, s.Rsp);
        Assert.Equal(what.EndsWith("[rbx]", StringComparison.Ordinal) ? StackTop - 8 : 0x1234UL, s[Reg.Rbx]);
    }

    [Theory]
    [InlineData("mov [rax]")]
    [InlineData("fs: [rbp]")]
    [InlineData("ss: [rax]")]   // the override is ignored: the base register decides
    [InlineData("push [rax]")]  // the operand load faults before the (fine) push
    [InlineData("pop [rax]")]   // the pop is fine; the store faults
    [InlineData("lea is no access")]
    public void Other_non_canonical_references_are_GP0(string what)
    {
        var (s, r) = Run(a =>
        {
            switch (what)
            {
                case "mov [rax]": a.mov(rbx, __qword_ptr[rax]); break;
                case "fs: [rbp]": a.mov(rbx, __qword_ptr.fs[rbp]); break;
                case "ss: [rax]": a.mov(rbx, __qword_ptr.ss[rax]); break;
                case "push [rax]": a.push(__qword_ptr[rax]); break;
                case "pop [rax]": a.pop(__qword_ptr[rax]); break;
                case "lea is no access": a.lea(rbx, __qword_ptr[rbp]); a.mov(rbx, __qword_ptr[rax]); break;
            }
            a.int3();
        }, s => { s.Rax = NonCanonical; s[Reg.Rbp] = NonCanonical; s.Rsp = StackTop - 8; });
        AssertTrap(r, Vector.GeneralProtection);
        Assert.Equal(what == "lea is no access" ? CodeVa + 4 : CodeVa, s.Rip);
        Assert.Equal(StackTop - 8, s.Rsp); // pop [rax] undid its increment
    }

    [Fact]
    public void A_push_that_leaves_the_canonical_range_only_by_its_new_RSP_is_SS0()
    {
        // RSP = 2^47 + 8 is itself non-canonical but the write goes to RSP - 8 = 2^47 — still non-canonical; from
        // RSP = 2^47 the write goes to 2^47 - 8, canonical and unmapped: a page fault, not #SS.
        var (_, r) = Run(a => { a.push(rax); a.int3(); }, s => s.Rsp = NonCanonical);
        Assert.Equal(Vector.PageFault, r.Trap.Vector);
        Assert.Equal(NonCanonical - 8, r.Trap.Cr2);
    }
}

/// <summary>
/// A near call checks its push before its target (SDM Vol. 2A CALL, "Operation": the stack check, then the push, then
/// the RIP load; seen on the host CPU by `l4conf cpu diff`): with both a faulting stack and a non-canonical target, the
/// stack fault wins; with a good stack, the #GP for the target still pushes nothing.
/// </summary>
public sealed class CpuCallOrderTests
{
    private const ulong NonCanonical = 0x0000_8000_0000_0000;

    [Theory]
    [InlineData("reg", 0x0000_8000_0000_0008UL, 12UL)]      // RSP - 8 non-canonical: #SS
    [InlineData("mem", 0x0000_8000_0000_0008UL, 12UL)]
    [InlineData("reg", PagedCpu.UnmappedVa + 0x100, 14UL)] // RSP - 8 not mapped: #PF (write)
    [InlineData("mem", PagedCpu.UnmappedVa + 0x100, 14UL)]
    [InlineData("reg", PagedCpu.StackTop, 13UL)]            // a good stack: #GP for the target, nothing pushed
    [InlineData("mem", PagedCpu.StackTop, 13UL)]
    public void Stack_fault_before_non_canonical_target(string form, ulong rsp, ulong vector)
    {
        var (s, r) = PagedCpu.Run(a =>
        {
            if (form == "reg") a.call(rbx); else a.call(__qword_ptr[rsi]);
            a.int3();
        }, s => { s[Reg.Rbx] = NonCanonical; s.Rsi = PagedCpu.DataVa; s.Rsp = rsp; }, out _, PagedCpu.DataVa, NonCanonical);
        Assert.Equal(StopKind.Trap, r.Kind);
        Assert.Equal(vector, (ulong)r.Trap.Vector);
        if (vector == 14) Assert.Equal((ulong)(PfErr.Write | PfErr.User), r.Trap.ErrorCode);
        Assert.Equal(PagedCpu.CodeVa, s.Rip);
        Assert.Equal(rsp, s.Rsp);
    }
}
