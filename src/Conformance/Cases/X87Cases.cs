using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Model.Machine;
using static Iced.Intel.AssemblerRegisters;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>The x87 FPU on the booted model: #MF reported by exception IPC, and the x87 state in the FPU transfer.</summary>
public static class X87Cases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("machine/x87-mf", "an unmasked x87 exception (1/0 with ZE unmasked) completes its instruction and sets ES; the next waiting x87 instruction (fwait) raises #MF: exception IPC with trapno 16, error 0, IP at the fwait",
            ["MACH-MF-1"], c =>
        {
            var f = new MachineFixture();
            f.OnMessage = (fx, ev) => null;
            f.GivePage(f.App, MachineFixture.DataVa, MemRights.RW, BitConverter.GetBytes((ushort)(X87State.InitialFcw & ~0x4)));
            var m = f.Start(a =>
            {
                a.fldcw(__word_ptr[MachineFixture.DataVa]);   // ZE unmasked
                a.fld1(); a.fldz();
                a.fdivp(st1, st0);                            // 1/0: ZE, ES and B set, no fault here
                a.fnstsw(ax);                                 // not a waiting instruction: no fault either
                a.wait();                                     // #MF
                a.int3();
            }, budget: 100);
            f.W.K.Run();
            c.Equal(1, f.Seen.Count, "one exception message");
            var ev = f.Seen[0];
            c.Equal(16UL, ev.Mrs[ExcRegs.Trapno], "trapno 16 (#MF)");
            c.Equal(0UL, ev.Mrs[ExcRegs.Err], "no error code (entry.S EXCEPTION pushes 0)");
            var at = new byte[1];
            c.True(m.Memory.Read(ev.Mrs[ExcRegs.Ip], at, AccessKind.Read, out _), "the reported IP is readable");
            c.Equal((byte)0x9B, at[0], "IP at the fwait (0x9B), not at the fdivp");
            c.Equal(0x8084UL, ev.Mrs[ExcRegs.Rax] & 0x80FF, "AX from fnstsw: B, ES and ZE");
            c.Equal(0x8084, m.Regs.X87.Fsw & 0x80FF, "the exception stays pending (ES) for the handler to clear");
        });
        yield return Case("machine/fpu-transfer-x87", "the FPU transfer of IPC-MSG-3 carries the x87 state too: an exception reply with Transfer_fpu from a handler without machine code leaves the thread's x87 as after fninit; without the flag the thread keeps its stack",
            ["IPC-MSG-3"], c =>
        {
            ulong Reply(bool flag)
            {
                var f = new MachineFixture();
                f.OnMessage = MachineFixture.ResumePastUd2(flag);
                f.Start(a => { a.fldpi(); a.ud2(); a.fnstsw(ax); a.movzx(ebx, ax); a.int3(); }, budget: 1000);
                f.W.K.Run();
                return f.Seen[1].Mrs[ExcRegs.Rbx];
            }
            c.Equal(0UL, Reply(true), "with Transfer_fpu: FSW 0 (TOP 0, the handler's initial x87 state)");
            c.Equal(0x3800UL, Reply(false), "without it: TOP 7, fldpi's value still on the stack");
        });
    }
}
