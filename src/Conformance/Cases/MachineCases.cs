using Iced.Intel;
using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Model.Machine;
using static Iced.Intel.AssemblerRegisters;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>Real x86-64 code on the model: page faults to the pager, exceptions to the handler, IPC through syscall (abi-facts §9).</summary>
public static class MachineCases
{
    private const ulong Data = MachineFixture.DataVa;

    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("machine/read-unmapped", "a read of an unmapped page sends the pager (-2, 2 words, pfa|0, IP); its map reply makes the read complete",
            ["PF-IPC-1", "PF-IPC-2", "PF-ERR-U", "MACH-SYS-1"], c =>
        {
            var f = new MachineFixture();
            ulong handlerPage = 0x6000_0000;
            var content = new byte[0x18];
            BitConverter.GetBytes(0x1122_3344_5566_7788UL).CopyTo(content, 0x10);
            f.GivePage(f.Handler, handlerPage, MemRights.RW, content);
            ulong movIp = MachineFixture.CodeVa;
            f.OnMessage = (fx, ev) => ev.Label == (long)Protocol.PageFault ? fx.MapReply(handlerPage, ev.Mrs[0]) : null;
            f.Start(a => { a.mov(rax, __qword_ptr[Data + 0x10]); a.ud2(); });
            f.W.K.Run();
            var pf = f.Seen[0];
            c.Equal((long)Protocol.PageFault, pf.Label, "tag label -2");
            c.Equal(2, pf.Words, "2 words");
            c.Equal(Data + 0x10, pf.Mrs[0], "MR0 = pfa & ~7 | 0 (read of a missing page)");
            c.Equal(movIp, pf.Mrs[1], "MR1 = the faulting instruction");
            c.Equal(0UL, pf.ReceivedLabel, "kernel-made IPC to a thread cap carries label 0");
            var exc = f.Seen[1];
            c.Equal((long)Protocol.Exception, exc.Label, "then ud2 raises exception IPC");
            c.Equal(0x1122_3344_5566_7788UL, exc.Mrs[ExcRegs.Rax], "the read completed after the map: RAX holds the value");
            c.Equal(6UL, exc.Mrs[ExcRegs.Trapno], "ud2: trapno 6 (#UD)");
            c.Equal(movIp + 10, exc.Mrs[ExcRegs.Ip], "at the ud2, after the 10-byte moffs mov (REX.W A1 + 64-bit address)");
            c.True(f.W.K.Trace.Events.OfType<Model.Trace.PageFault>().Any(p => p.Pfa == Data + 0x10 && p.ErrorCode == 0x4), "pf event with error code 0x4 (user, read, not present)");
        });
        yield return Case("machine/write-read-only", "a write to a read-only mapping: MR0 = pfa | 3; a negative reply makes it an exception with trapno 14, err 7, pfa",
            ["PF-IPC-1", "PF-IPC-3", "PF-ERR-U"], c =>
        {
            var f = new MachineFixture();
            f.GivePage(f.App, Data, MemRights.R);
            f.OnMessage = (fx, ev) => ev.Label == (long)Protocol.PageFault ? new MsgTag(-1, 0, 0) : null;
            f.Start(a => { a.mov(__qword_ptr[Data + 0x28], rcx); a.ud2(); });
            f.W.K.Run();
            c.Equal((Data + 0x28) | 3, f.Seen[0].Mrs[0], "MR0 = pfa | present | write");
            var exc = f.Seen[1];
            c.Equal((long)Protocol.Exception, exc.Label, "exception IPC");
            c.Equal(26, exc.Words, "26 words");
            c.Equal((ulong)MsgTagFlags.TransferFpu, exc.Flags, "with the FPU flag");
            c.Equal(14UL, exc.Mrs[ExcRegs.Trapno], "trapno 14");
            c.Equal(7UL, exc.Mrs[ExcRegs.Err], "err 7 (present, write, user)");
            c.Equal(Data + 0x28, exc.Mrs[ExcRegs.Pfa], "pfa");
        });
        yield return Case("machine/fetch-nx", "a jump to a page without X faults with err 0x15; the pager sees MR0 = pfa | 1 | 4", ["PF-IPC-1", "PF-ERR-U"], c =>
        {
            var f = new MachineFixture();
            f.GivePage(f.App, Data, MemRights.RW);
            f.OnMessage = (fx, ev) => ev.Label == (long)Protocol.PageFault ? new MsgTag(-1, 0, 0) : null;
            f.Start(a => { a.mov(rax, Data + 0x40); a.jmp(rax); });
            f.W.K.Run();
            c.Equal((Data + 0x40) | 5, f.Seen[0].Mrs[0], "MR0 = pfa | present | fetch");
            c.Equal(Data + 0x40, f.Seen[0].Mrs[1], "MR1 = IP = the target");
            c.Equal(0x15UL, f.Seen[1].Mrs[ExcRegs.Err], "exception err 0x15");
        });
        yield return Case("machine/int3-register-image", "int3 sends the exact register image; a full reply replaces the registers, RFLAGS sanitised",
            ["EXC-IPC-1", "EXC-IPC-2", "EXC-REGS-1"], c =>
        {
            var f = new MachineFixture();
            int n = 0;
            f.OnMessage = (fx, ev) =>
            {
                if (n++ > 0) return null;
                var u = fx.Handler.Thread.Utcb;
                for (int i = 0; i < ev.Words; i++) u.SetMr(i, ev.Mrs[i]);
                u.SetMr(ExcRegs.Rax, 0xABCD);
                u.SetMr(ExcRegs.Rflags, ev.Mrs[ExcRegs.Rflags] | 0x3000 | 0x4000);       // try to set IOPL and NT
                return new MsgTag(0, 26, 0);
            };
            f.Start(a => { a.mov(rbx, 0x1111UL); a.mov(r15, 0xF0F0UL); a.int3(); a.ud2(); });
            f.W.K.Run();
            var e = f.Seen[0];
            c.Equal(3UL, e.Mrs[ExcRegs.Trapno], "trapno 3");
            c.Equal(0UL, e.Mrs[ExcRegs.Err], "err 0");
            c.Equal(0x1111UL, e.Mrs[ExcRegs.Rbx], "RBX in its l4_exc_regs_t slot (12)");
            c.Equal(0xF0F0UL, e.Mrs[ExcRegs.R15], "R15 in slot 0");
            c.Equal(MachineFixture.CodeVa + 10 + 10 + 1, e.Mrs[ExcRegs.Ip], "IP after int3 (a trap)");
            c.Equal(MachineFixture.StackTop, e.Mrs[ExcRegs.Sp], "SP");
            var after = f.Seen[1];
            c.Equal(0xABCDUL, after.Mrs[ExcRegs.Rax], "the reply replaced RAX");
            c.Equal(0UL, after.Mrs[ExcRegs.Rflags] & 0x7000, "IOPL and NT cleared");
            c.Equal(0x200UL, after.Mrs[ExcRegs.Rflags] & 0x200, "IF set");
            c.Equal(6UL, after.Mrs[ExcRegs.Trapno], "then the ud2");
        });
        yield return Case("machine/ex-regs-in-exception", "ex_regs reads a machine thread's RIP/RSP; in exception IPC it changes nothing without CANCEL, with CANCEL the thread resumes at the new IP",
            ["THR-6", "THR-3"], c =>
        {
            var f = new MachineFixture();
            f.OnMessage = (fx, ev) => null;                                     // never answer: the thread stays in exception IPC
            const ulong alt = MachineFixture.CodeVa + 3;                        // after int3 (1 byte) and ud2 (2 bytes)
            f.Start(a => { a.int3(); a.ud2(); a.mov(rbx, 0x5555UL); a.ud2(); });
            f.W.K.Run();
            c.Equal(3UL, f.Seen[0].Mrs[ExcRegs.Trapno], "int3 reached the handler");
            var u = f.W.Boot.RootThread.Utcb;
            var t = f.W.Root.ExRegs(f.App.ThreadSel, alt, 0x7F_F000);
            c.Equal(new MsgTag(0, 3, 0).Raw, t.Raw, "result tag");
            c.Equal(MachineFixture.CodeVa + 1, u.Mr(1), "old IP: after the int3");
            c.Equal(MachineFixture.StackTop, u.Mr(2), "old SP");
            c.Equal(0x200UL, u.Mr(0) & 0x200, "old RFLAGS has IF");
            c.Equal(MachineFixture.CodeVa + 1, f.App.Thread.Ip, "in exception IPC: IP unchanged without CANCEL");
            c.Equal(MachineFixture.StackTop, f.App.Thread.Sp, "in exception IPC: SP unchanged without CANCEL");
            f.W.Check(f.W.Root.ExRegs(f.App.ThreadSel, alt, ulong.MaxValue, ExRegsFlags.Cancel), "ex_regs with CANCEL");
            c.Equal(MachineFixture.CodeVa + 1, u.Mr(1), "old IP again");
            f.W.K.Run();
            c.Equal(2, f.Seen.Count, "one more exception");
            c.Equal(6UL, f.Seen[1].Mrs[ExcRegs.Trapno], "the ud2 after the new IP (#UD)");
            c.Equal(0x5555UL, f.Seen[1].Mrs[ExcRegs.Rbx], "the code at the new IP ran");
            c.Equal(alt + 10, f.Seen[1].Mrs[ExcRegs.Ip], "IP at that ud2");
            c.Equal(MachineFixture.StackTop, f.Seen[1].Mrs[ExcRegs.Sp], "SP kept (~0)");
        });
        yield return Case("machine/ex-regs-arch-flags-in-exception", "ex_regs with arch flags on a thread in exception IPC (no CANCEL) returns before the arch check: 0 with the old values",
            ["THR-6"], c =>
        {
            var f = new MachineFixture();
            f.OnMessage = (fx, ev) => null;                                     // the thread stays in exception IPC
            f.Start(a => { a.ud2(); });
            f.W.K.Run();
            c.Equal(6UL, f.Seen[0].Mrs[ExcRegs.Trapno], "ud2 reached the handler");
            // thread_object.cpp:591-600: without Exr_cancel a thread in exception returns true before ex_regs_arch.
            var u = f.W.Boot.RootThread.Utcb;
            u.SetMr(0, (ulong)ThreadOp.ExRegs | 0x0100_0000);
            u.SetMr(1, ulong.MaxValue);
            u.SetMr(2, ulong.MaxValue);
            var t = f.W.Root.Call(f.App.ThreadSel, new MsgTag((long)Protocol.Thread, 3, 0));
            c.Equal(new MsgTag(0, 3, 0).Raw, t.Raw, "arch flag 0x01000000 in exception IPC: 0 with 3 words");
            c.Equal(MachineFixture.CodeVa, u.Mr(1), "old IP: the ud2");
            // Not in exception IPC (and no CANCEL): the arch check refuses it.
            var g = new MachineFixture();
            g.OnMessage = (fx, ev) => null;
            g.Start(a => { a.jmp(MachineFixture.CodeVa); }, budget: 100);
            g.W.K.Run();
            var v = g.W.Boot.RootThread.Utcb;
            v.SetMr(0, (ulong)ThreadOp.ExRegs | 0x0100_0000);
            v.SetMr(1, ulong.MaxValue);
            v.SetMr(2, ulong.MaxValue);
            c.Equal(-22L, g.W.Root.Error(g.W.Root.Call(g.App.ThreadSel, new MsgTag((long)Protocol.Thread, 3, 0))), "arch flag on a thread not in exception: -EINVAL");
        });
        yield return Case("machine/int-n-and-div0", "int 0x80 is #GP with err 0x402; a division by zero is #DE", ["EXC-IPC-1", "MACH-TRAP-1"], c =>
        {
            var f = new MachineFixture();
            f.OnMessage = (fx, ev) => null;
            f.Start(a => { a.@int(0x80); });
            f.W.K.Run();
            c.Equal(13UL, f.Seen[0].Mrs[ExcRegs.Trapno], "int 0x80: trapno 13");
            c.Equal(0x80UL * 8 + 2, f.Seen[0].Mrs[ExcRegs.Err], "err = n*8+2");
            c.Equal(MachineFixture.CodeVa, f.Seen[0].Mrs[ExcRegs.Ip], "IP at the int instruction");
            var g = new MachineFixture();
            g.OnMessage = (fx, ev) => null;
            g.Start(a => { a.xor(ecx, ecx); a.mov(eax, 5); a.div(ecx); });
            g.W.K.Run();
            c.Equal(0UL, g.Seen[0].Mrs[ExcRegs.Trapno], "div by 0: trapno 0 (#DE)");
        });
        yield return Case("machine/stack-fault-ss", "a non-canonical stack reference (push, an RBP-based operand) is #SS: exception IPC with trapno 12, err 0, IP at the instruction; a non-canonical plain operand stays #GP (13)",
            ["EXC-IPC-1", "MACH-TRAP-1", "MMU-CANON-1"], c =>
        {
            const ulong bad = 0x0000_8000_0000_0008; // push writes at bad - 8 = 2^47: non-canonical
            var f = new MachineFixture();
            f.OnMessage = (fx, ev) => null;
            f.Start(a => { a.mov(rsp, bad); a.push(rax); });
            f.W.K.Run();
            c.Equal(12UL, f.Seen[0].Mrs[ExcRegs.Trapno], "push to 2^47: trapno 12 (#SS)");
            c.Equal(0UL, f.Seen[0].Mrs[ExcRegs.Err], "err 0");
            c.Equal(MachineFixture.CodeVa + 10, f.Seen[0].Mrs[ExcRegs.Ip], "IP at the push");
            c.Equal(bad, f.Seen[0].Mrs[ExcRegs.Sp], "RSP unchanged");
            var g = new MachineFixture();
            g.OnMessage = (fx, ev) => null;
            g.Start(a => { a.mov(rbp, bad); a.mov(rbx, __qword_ptr[rbp]); });
            g.W.K.Run();
            c.Equal(12UL, g.Seen[0].Mrs[ExcRegs.Trapno], "mov rbx, [rbp] (SS segment): trapno 12");
            var h = new MachineFixture();
            h.OnMessage = (fx, ev) => null;
            h.Start(a => { a.mov(rsi, bad); a.mov(rbx, __qword_ptr[rsi]); });
            h.W.K.Run();
            c.Equal(13UL, h.Seen[0].Mrs[ExcRegs.Trapno], "mov rbx, [rsi] (DS segment): trapno 13");
        });
        yield return Case("machine/no-alignment-check", "with RFLAGS.AC set by popf, a misaligned load and store complete: Fiasco never sets CR0.AM, so there is no #AC",
            ["MACH-AC-1"], c =>
        {
            var f = new MachineFixture();
            f.OnMessage = (fx, ev) => null;
            f.GivePage(f.App, MachineFixture.DataVa, MemRights.RW, BitConverter.GetBytes(0x1122_3344_5566_7788UL));
            var m = f.Start(a =>
            {
                a.pushfq(); a.or(__qword_ptr[rsp], 0x4_0000); a.popfq();       // AC (bit 18)
                a.mov(rdi, MachineFixture.DataVa + 1);
                a.mov(eax, __dword_ptr[rdi]);                                      // 4 bytes at an odd address
                a.mov(__word_ptr[rdi + 2], ax);
                a.pushfq(); a.pop(rbx);
                a.int3();
            }, budget: 100);
            f.W.K.Run();
            c.Equal(1, f.Seen.Count, "one exception message: the int3 at the end");
            c.Equal(3UL, f.Seen[0].Mrs[ExcRegs.Trapno], "trapno 3 (#BP), not 17 (#AC)");
            c.Equal(0x4_0000UL, m.Regs.R[3] & 0x4_0000, "AC stays set in RFLAGS");
            c.Equal(0x4455_6677UL, m.Regs.Rax & 0xFFFF_FFFF, "the misaligned load read bytes 1..4 (77 66 55 44)");
        });
        yield return Case("machine/simd-exception", "divss with the precision exception unmasked stops with #XM: trapno 19, error 0, RIP at the divss, the destination unchanged and PE set in MXCSR (Fiasco sets CR4.OSXMMEXCPT); with it masked the same code runs on",
            ["MACH-XM-1"], c =>
        {
            (HandlerEvent ev, CpuState regs) Run(uint mxcsr)
            {
                var f = new MachineFixture();
                f.OnMessage = (fx, ev) => null;
                var m = f.Start(a =>
                {
                    a.push((int)mxcsr); a.ldmxcsr(__dword_ptr[rsp]);
                    a.mov(eax, 0x3F80_0000); a.movd(xmm0, eax);      // 1.0f
                    a.mov(eax, 0x4040_0000); a.movd(xmm1, eax);      // 3.0f
                    a.divss(xmm0, xmm1);                               // inexact: PE
                    a.stmxcsr(__dword_ptr[rsp]); a.pop(rbx);
                    a.int3();
                }, budget: 100);
                f.W.K.Run();
                return (f.Seen[0], m.Regs);
            }
            var (xm, r) = Run(0x0F80);   // PM (bit 12) clear: precision unmasked
            c.Equal(19UL, xm.Mrs[ExcRegs.Trapno], "trapno 19 (#XM), not 6 (#UD): CR4.OSXMMEXCPT is set");
            c.Equal(0UL, xm.Mrs[ExcRegs.Err], "no error code");
            c.Equal((UInt128)0x3F80_0000, r.Xmm[0], "xmm0 keeps 1.0f");
            c.Equal(0x0FA0u, r.Mxcsr, "MXCSR: PE set");
            var (bp, q) = Run(Mxcsr.Reset);
            c.Equal(3UL, bp.Mrs[ExcRegs.Trapno], "masked: the code runs to its int3");
            c.Equal(0x1FA0UL, q.R[3] & 0xFFFF_FFFF, "stmxcsr: 0x1f80 with PE");
            c.Equal((UInt128)0x3EAA_AAAB, q.Xmm[0], "1/3 rounded to nearest (0x3eaaaaab on the host)");
        });
        yield return Case("machine/fpu-transfer", "an IPC with Transfer_fpu to a receiver whose BDR inherits the FPU, through a cap with S, replaces the receiver's XMM state with the sender's; missing any of the three keeps it; an exception reply with the flag does the same",
            ["IPC-MSG-3"], c =>
        {
            const ulong pattern = 0x1234_5678_9ABC_DEF0;
            // Root (no machine code: the initial FPU state, xmm0 = 0) sends to the app, which waits with xmm0 = pattern.
            ulong Send(bool flag, bool inherit, bool withS)
            {
                var f = new MachineFixture();
                f.OnMessage = (fx, ev) => null;
                f.Start(a =>
                {
                    a.mov(rax, pattern); a.movq(xmm0, rax);
                    a.mov(rcx, __qword_ptr.gs[0]);
                    a.mov(rax, inherit ? (ulong)BufDesc.InheritFpu : 0UL); a.mov(__qword_ptr[rcx + 64 * 8], rax);
                    a.mov(rdx, ~0UL << 11 | (ulong)SysFlags.Wait); a.xor(eax, eax); a.xor(esi, esi); a.xor(r8d, r8d);
                    a.syscall();
                    a.movq(rbx, xmm0);
                    a.int3();
                }, budget: 1000);
                f.W.K.Run();
                ulong cap = f.W.FreeSlot();
                f.W.Check(f.W.Map(World.TaskCap, cap, withS ? CapRights.RWS : CapRights.RW, 0, f.App.ThreadSel), "app thread cap");
                f.W.Root.Send(cap, new MsgTag(0, 0, 0, flag ? MsgTagFlags.TransferFpu : 0), timeouts: 0x0400_0400);
                f.W.K.Run();
                return f.Seen[0].Mrs[ExcRegs.Rbx];
            }
            c.Equal(0UL, Send(true, true, true), "flag, inherit and S: the sender's xmm0 (0) arrives");
            c.Equal(pattern, Send(false, true, true), "no Transfer_fpu in the tag: kept");
            c.Equal(pattern, Send(true, false, true), "no L4_UTCB_INHERIT_FPU in the receiver's BDR: kept");
            c.Equal(pattern, Send(true, true, false), "cap without S: kept");
            // The handler answers the ud2 with the thread's registers (IP past it), with or without the flag.
            (ulong Xmm0, ulong Mxcsr) Reply(bool flag)
            {
                var f = new MachineFixture();
                f.OnMessage = MachineFixture.ResumePastUd2(flag);
                f.Start(a =>
                {
                    a.mov(rax, pattern); a.movq(xmm0, rax);
                    a.push(0x3F80); a.ldmxcsr(__dword_ptr[rsp]);      // MXCSR: round down
                    a.ud2();
                    a.movq(rbx, xmm0); a.stmxcsr(__dword_ptr[rsp]); a.pop(rdx);
                    a.int3();
                }, budget: 1000);
                f.W.K.Run();
                return (f.Seen[1].Mrs[ExcRegs.Rbx], f.Seen[1].Mrs[ExcRegs.Rdx] & 0xFFFF_FFFF);
            }
            c.Equal((0UL, 0x1F80UL), Reply(true), "exception reply with Transfer_fpu: the handler's state (xmm0 = 0, MXCSR 0x1f80) replaces the thread's");
            c.Equal((pattern, 0x3F80UL), Reply(false), "exception reply without it: the thread keeps xmm0 and MXCSR");
        });
        yield return Case("machine/segment-base-op", "set_segment_base moves the FS or GS base of a machine thread (fs:/gs: operands use it), with -EMSGTOOSHORT, -EINVAL for a non-canonical base or another segment; segment_info answers the user selectors",
            ["THR-SEG-1"], c =>
        {
            var f = new MachineFixture();
            f.OnMessage = (fx, ev) => null;
            f.GivePage(f.App, MachineFixture.DataVa, MemRights.RW, BitConverter.GetBytes(0x1122_3344_5566_7788UL).Concat(BitConverter.GetBytes(0x99AA_BBCC_DDEE_FF00UL)).ToArray());
            var m = f.Start(a => { a.mov(rax, __qword_ptr.fs[0]); a.mov(rbx, __qword_ptr.gs[0]); a.int3(); }, budget: 100);
            var root = f.W.Root;
            var u = f.W.Boot.RootThread.Utcb;
            MsgTag Op(ulong mr0, ulong mr1, int words = 2)
            {
                u.SetMr(0, mr0); u.SetMr(1, mr1);
                return root.Call(f.App.ThreadSel, new MsgTag((long)Protocol.Thread, words, 0));
            }
            c.Equal(f.App.Thread.UtcbAddress + 0x1F8, f.App.Thread.GsBase, "GS base after binding: the UTCB's own-address word");
            c.Equal(0L, Op((ulong)ThreadOp.Amd64SetSegmentBase, MachineFixture.DataVa).Label, "FS base = data page");
            c.Equal(0, Op((ulong)ThreadOp.Amd64SetSegmentBase | 1UL << 16, MachineFixture.DataVa + 8).Words, "GS base = data page + 8: no words");
            c.Equal(-(long)L4Err.MsgTooShort, Op((ulong)ThreadOp.Amd64SetSegmentBase, 0, words: 1).Label, "1 word");
            c.Equal(-(long)L4Err.Inval, Op((ulong)ThreadOp.Amd64SetSegmentBase, 0x0000_8000_0000_0000).Label, "non-canonical base");
            c.Equal(-(long)L4Err.Inval, Op((ulong)ThreadOp.Amd64SetSegmentBase | 2UL << 16, 0).Label, "segment 2");
            var info = Op((ulong)ThreadOp.Amd64GetSegmentInfo, 0, words: 1);
            c.Equal(3, info.Words, "segment_info: 3 words");
            c.Equal("0x23 0x2b 0x1b", $"0x{u.Mr(0):x} 0x{u.Mr(1):x} 0x{u.Mr(2):x}", "DS, CS64, CS32");
            c.Equal(-(long)L4Err.NoSys, Op((ulong)ThreadOp.Amd64GetSegmentInfo + 1, 0, words: 1).Label, "another arch opcode");
            f.W.K.Run();
            c.Equal(0x1122_3344_5566_7788UL, m.Regs.Rax, "mov rax, fs:[0] reads through the new FS base");
            c.Equal(0x99AA_BBCC_DDEE_FF00UL, m.Regs.R[3], "mov rbx, gs:[0] reads through the new GS base");
        });
        yield return Case("machine/stale-pfa", "the pfa of an exception that is no page fault is CR2: the address of the CPU's last page fault", ["EXC-CR2-1"], c =>
        {
            var f = new MachineFixture();
            f.GivePage(f.Handler, 0x7000_0000, MemRights.RW);
            f.OnMessage = (fx, ev) => ev.Label == (long)Protocol.PageFault ? fx.MapReply(0x7000_0000, ev.Mrs[0] & ~0xFFFUL) : null;
            f.Start(a => { a.mov(rax, __qword_ptr[(long)MachineFixture.DataVa + 0x128]); a.ud2(); });
            f.W.K.Run();
            c.Equal((long)Protocol.PageFault, f.Seen[0].Label, "first a page fault");
            c.Equal(6UL, f.Seen[1].Mrs[ExcRegs.Trapno], "then #UD");
            c.Equal(MachineFixture.DataVa + 0x128, f.Seen[1].Mrs[ExcRegs.Pfa], "its pfa: the page fault's address, kept in CR2");
        });
        yield return Case("machine/syscall-ipc", "machine code makes an L4 call through syscall: RDX selector|flags, RAX tag, MRs in the UTCB found through GS; the reply comes back in RAX and the UTCB",
            ["MACH-SYS-1", "IPC-CALL-1"], c =>
        {
            var f2 = new MachineFixture();
            f2.OnMessage = (fx, ev) =>
            {
                if (ev.Label != 0x77) return null;
                fx.Handler.Thread.Utcb.SetMr(0, ev.Mrs[0] + ev.Mrs[1]);
                return new MsgTag(5, 1, 0);
            };
            // The UTCB pointer from gs:[0] (GS base points at UTCB word 63), MR0/MR1, the tag, CALL on the handler thread cap.
            f2.Start(a =>
            {
                a.xor(ecx, ecx);
                a.mov(rdi, __qword_ptr.gs[rcx]);
                a.mov(__qword_ptr[rdi], 40);
                a.mov(__qword_ptr[rdi + 8], 2);
                MachineFixture.CallHandler(a, 0x77, 2);
                a.mov(rbx, __qword_ptr[rdi]);
                a.ud2();
            });
            f2.W.K.Run();
            var call = f2.Seen[0];
            c.Equal((40UL, 2UL), (call.Mrs[0], call.Mrs[1]), "the handler received MR0/MR1 from the UTCB");
            var exc = f2.Seen[1];
            c.Equal(42UL, exc.Mrs[ExcRegs.Rbx], "the reply word landed in the UTCB");
            c.Equal((ulong)new MsgTag(5, 1, 0).Raw, exc.Mrs[ExcRegs.Rax], "RAX = the reply tag");
        });
        yield return Case("machine/receive-buffers-read-at-transfer", "the kernel reads a receiver's buffer registers when the message arrives: BR0 changed in user memory while the thread waited in its call decides where the mapped capability goes",
            ["IPC-ITEM-1"], c =>
        {
            var f2 = new MachineFixture();
            f2.OnMessage = (fx, ev) =>
            {
                if (ev.Label != 0x77) return null;
                // Another thread of the app's task points BR0 at slot 0x41 while the app waits for the reply.
                c.True(fx.WriteAppUtcbWord(65, (0x41UL << 12) | (ulong)ItemBits.RcvSingleCap), "BR0 rewritten in user memory");
                var hu = fx.Handler.Thread.Utcb;
                hu.SetMr(0, (ulong)ItemBits.Map);
                hu.SetMr(1, Fpage.Obj(World.TaskCap, 0, CapRights.RW).Raw);
                return new MsgTag(0, 0, 1);
            };
            f2.Start(a =>
            {
                a.xor(ecx, ecx);
                a.mov(rdi, __qword_ptr.gs[rcx]);
                a.mov(__qword_ptr[rdi + 64 * 8], 0);                                   // BDR: buffers from BR0
                a.mov(rax, (long)((0x40UL << 12) | (ulong)ItemBits.RcvSingleCap));
                a.mov(__qword_ptr[rdi + 65 * 8], rax);                                 // BR0: one cap into slot 0x40
                MachineFixture.CallHandler(a, 0x77, 0);
                a.ud2();
            });
            f2.W.K.Run();
            var space = f2.App.Task.Space;
            c.True(space[0x41] != null, "the capability is in slot 0x41, where BR0 pointed when the reply came");
            c.True(space[0x40] == null, "slot 0x40, where BR0 pointed at the call, stays empty (the old model used it)");
        });
        yield return Case("machine/vcpu-control", "vcpu_control checks its words, the area's alignment and kernel-user memory, offers the extended state (SVM), answers 0 words and writes the state's version and host registers; the upcalls the state enables are reported as not modelled",
            ["THR-VCPU-1", "INV-5"], c =>
        {
            var f2 = new MachineFixture { OnMessage = (_, _) => null };   // no reply: the thread stays in its exception IPC
            var w = f2.W;
            var app = f2.App;
            var u = w.Boot.RootThread.Utcb;
            MsgTag Op(params ulong[] mrs)
            {
                for (int i = 0; i < mrs.Length; i++) u.SetMr(i, mrs[i]);
                return w.Root.Call(app.ThreadSel, new MsgTag((long)Protocol.Thread, mrs.Length, 0));
            }
            ulong area = app.Task.UtcbArea.Address;        // one page of kernel-user memory; the thread's UTCB is its first 1 KiB
            const ulong ctl = (ulong)ThreadOp.VcpuControl, ext = (ulong)ThreadOp.VcpuControlExt;
            long inval = -(long)L4Err.Inval;
            c.Equal(inval, Op(ctl).Label, "1 word: no state address");
            c.Equal(inval, Op(ctl, 0).Label, "MR1 = 0");
            c.Equal(inval, Op(ctl, area + 0x404).Label, "not 8-byte aligned");
            c.Equal(inval, Op(ctl, area + 0xE70).Label, "0x198 bytes from 0xe70 leave the kernel-user page");
            c.Equal(inval, Op(ctl, 0x1000_0000).Label, "not kernel-user memory");
            c.Equal(inval, Op(ext, area + 0x400).Label, "the extended state is a page: it does not fit from 0x400");
            c.Equal(0L, app.Thread.VcpuStateAddress == 0 ? 0L : 1L, "no failed call turned vCPU mode on");
            var started = f2.Start(a => { a.int3(); a.ud2(); });
            var ok = Op(ctl, area + 0x400);
            c.Equal(new MsgTag(0, 0, 0).Raw, ok.Raw, "enabled: label 0, 0 words (commit_result(0); the old model answered -ENOSYS)");
            var bus = w.K.BusOf(app.Task);
            ulong U64(ulong at) { var b = new byte[8]; bus.Read(at, b, L4Conf.Model.Machine.AccessKind.Read, out _); return BitConverter.ToUInt64(b); }
            ushort U16(ulong at) => (ushort)U64(at);
            ulong st = area + 0x400;
            c.Equal(0x26UL, U64(st), "version L4_VCPU_STATE_VERSION");
            c.Equal(app.Thread.GsBase, U64(st + 0x180), "host GS base: the thread's");
            c.Equal(0UL, U64(st + 0x188), "host ds, es, fs, gs = 0");
            c.Equal((0x23, 0x2b, 0x1b), ((int)U16(st + 0x190), (int)U16(st + 0x192), (int)U16(st + 0x194)), "user_ds32, user_cs64, user_cs32");
            // State flags 0: the int3 is an ordinary exception IPC.
            w.K.Run();
            c.Equal(1, f2.Seen.Count, "with no flags in the state the trap is exception IPC");
            // F_exceptions in the state: the next trap would be an upcall.
            bus.Write(st + 0x150, BitConverter.GetBytes((ushort)0x4), out _);
            var stopped = w.K.Console.ToString().Length;
            var f3 = f2.Seen.Count;
            started.Regs.Rip = MachineFixture.CodeVa + 1;   // the ud2
            w.K.CancelIpc(app.Thread);
            w.K.StartMachine(app.Thread, started);
            w.K.Run();
            c.Equal(f3, f2.Seen.Count, "no exception IPC for the ud2");
            c.True(w.K.Console.ToString()[stopped..].Contains("vCPU upcall for trap 6"), "the model says the vCPU upcall is not modelled");
            c.Equal(0L, Op(ext, area).Label, "the extended state in the whole page: 0 (the captured CPU has SVM)");
            c.True(app.Thread.ExtendedVcpu, "the extended state is on");
        });
        yield return Case("machine/captured-cpuid-features", "what the captured CPUID offers runs (SSE3 haddps, clflush, MMX paddb and emms, SSE2, cmpxchg16b) and what it lacks is #UD (popcnt): the exception IPC names trapno 6 at the popcnt",
            ["MACH-ISA-1"], c =>
        {
            var f2 = new MachineFixture { OnMessage = (_, _) => null };
            f2.Start(a =>
            {
                a.mov(rbx, MachineFixture.StackTop - 0x100);
                a.haddps(xmm0, xmm1);
                a.clflush(__byte_ptr[rbx]);
                a.paddb(mm0, mm1);
                a.emms();
                a.paddq(xmm2, xmm3);
                a.and(rbx, -16);
                a.cmpxchg16b(__xmmword_ptr[rbx]);
                a.popcnt(rax, rcx);
                a.int3();
            });
            f2.W.K.Run();
            c.Equal(1, f2.Seen.Count, "one exception");
            var exc = f2.Seen[0];
            c.Equal(6UL, exc.Mrs[ExcRegs.Trapno], "trapno 6 (#UD)");
            var ip = exc.Mrs[ExcRegs.Ip];
            c.True(ip > MachineFixture.CodeVa + 20, $"at the popcnt (IP 0x{ip:x}), after every supported instruction ran");
            var code = f2.W.K.BusOf(f2.App.Task);
            var b = new byte[4];
            code.Read(ip, b, L4Conf.Model.Machine.AccessKind.Read, out _);
            c.Equal(0xF3, (int)b[0], "the faulting instruction is popcnt (F3 REX.W 0F B8)");
            c.Equal(0xB8, (int)b[3], "opcode 0F B8");
        });
        yield return Case("machine/gdt-user-entry-segments", "a user GDT entry written by the thread's gdt operation is what mov fs loads: FS takes its base (an fs: load reads the page there), and a non-present entry loaded into GS is #NP with the selector as error code; a syscall returns with SS 0x23",
            ["MACH-SEG-1", "THR-GDT-1"], c =>
        {
            var f2 = new MachineFixture { OnMessage = MachineFixture.ResumePastUd2(transferFpu: false) };
            var data = new byte[16];
            BitConverter.GetBytes(0x1122_3344_5566_7788UL).CopyTo(data, 8);
            f2.GivePage(f2.App, MachineFixture.DataVa, MemRights.RW, data);
            const ulong dataAtDataVa = 0x10CF_F200_0000_FFFF;   // DPL 3 writable data, base 0x10000000 (DataVa), present
            const ulong notPresent = 0x00CF_7200_0000_FFFF;     // the same, base 0, P clear
            c.Equal(0x63L, f2.SetAppGdtEntries(1, dataAtDataVa, notPresent), "entries 1 and 2 written: selector 0x63");
            f2.Start(a =>
            {
                a.mov(eax, 0x63);
                a.mov(fs, ax);
                a.mov(rbx, __qword_ptr.fs[8]);
                a.mov(ecx, 0x6B);
                a.mov(gs, ecx);         // entry 2: not present (8E E9, 2 bytes: the handler resumes past it)
                a.mov(ecx, 0x63);
                a.mov(ss, ecx);         // entry 1 is writable data: a valid SS
                a.xor(eax, eax);
                a.mov(rdx, (0x200 << 12) | 3);   // a call on an empty slot: answered at once
                a.xor(esi, esi);
                a.xor(r8d, r8d);
                a.syscall();            // returns with SS = 0x23, as Fiasco's sysretq
                a.int3();
            });
            f2.W.K.Run();
            c.Equal(2, f2.Seen.Count, "two exceptions");
            c.Equal(11UL, f2.Seen[0].Mrs[ExcRegs.Trapno], "mov gs: trapno 11 (#NP)");
            c.Equal(0x68UL, f2.Seen[0].Mrs[ExcRegs.Err], "error code: the selector without RPL");
            var end = f2.Seen[1].Mrs;
            c.Equal(3UL, end[ExcRegs.Trapno], $"then int3 (IP 0x{end[ExcRegs.Ip]:x}, err 0x{end[ExcRegs.Err]:x}, first at 0x{f2.Seen[0].Mrs[ExcRegs.Ip]:x})");
            c.Equal(0x1122_3344_5566_7788UL, end[ExcRegs.Rbx], "fs:[8] read the user entry's base + 8");
            c.Equal(MachineFixture.DataVa, end[ExcRegs.FsBase], "FS base: the descriptor's");
            c.Equal(0x63UL, (end[ExcRegs.Segs] >> 32) & 0xFFFF, "FS selector 0x63");
            c.Equal(GdtSelectors.UserData, end[ExcRegs.Ss], "SS 0x23 after the syscall, though 0x63 was loaded before it (sysretq)");
        });
        yield return Case("machine/exception-reply-segments", "an exception reply's selectors are loaded as the kernel's switch to the thread loads them: a DS the thread may not load becomes 0, and FS with a selector takes its descriptor's base, not the reply's fs_base",
            ["MACH-SEG-1", "EXC-REGS-1"], c =>
        {
            var f2 = new MachineFixture();
            var data = new byte[16];
            BitConverter.GetBytes(0x0BAD_F00D_CAFE_BEEFUL).CopyTo(data, 8);
            f2.GivePage(f2.App, MachineFixture.DataVa, MemRights.RW, data);
            c.Equal(0x63L, f2.SetAppGdtEntries(1, 0x10CF_F200_0000_FFFFUL), "entry 1 (0x63) written: data at DataVa");
            f2.OnMessage = (fx, ev) =>
            {
                if (fx.Seen.Count > 1) return null;
                var h = fx.Handler.Thread.Utcb;
                for (int k = 0; k < ExcRegs.Words; k++) h.SetMr(k, ev.Mrs[k]);
                h.SetMr(ExcRegs.Segs, 0x08UL | (0x23UL << 16) | (0x63UL << 32));   // DS kernel code (DPL 0), ES user data, FS entry 1
                h.SetMr(ExcRegs.FsBase, 0x1234);
                return new MsgTag(0, ExcRegs.Words, 0);
            };
            f2.Start(a =>
            {
                a.int3();
                a.mov(rbx, __qword_ptr.fs[8]);
                a.int3();
            });
            f2.W.K.Run();
            c.Equal(2, f2.Seen.Count, "two exceptions");
            var end = f2.Seen[1].Mrs;
            c.Equal(0x0BAD_F00D_CAFE_BEEFUL, end[ExcRegs.Rbx], "fs:[8] read through entry 1's base");
            c.Equal(MachineFixture.DataVa, end[ExcRegs.FsBase], "FS base: the descriptor's, not the reply's 0x1234");
            c.Equal(0x63UL, (end[ExcRegs.Segs] >> 32) & 0xFFFF, "FS 0x63");
            c.Equal(0UL, end[ExcRegs.Segs] & 0xFFFF, "DS: 0x08 cannot be loaded at CPL 3, so 0 (the load's fixup)");
            c.Equal(0x23UL, (end[ExcRegs.Segs] >> 16) & 0xFFFF, "ES 0x23");
        });
        yield return Case("machine/compat-mode-thread", "a thread far-jumps into Fiasco's user code32 segment 0x1B and runs 32-bit code (daa, push, pop); a DS with a 0xFF-byte limit faults at offset 0x100 with #GP(0) and CS 0x1B in the exception; a syscall from there returns in 64-bit mode (CS 0x2B, SS 0x23), as sysretq does",
            ["MACH-COMPAT-1", "MACH-SEG-1"], c =>
        {
            var f2 = new MachineFixture();
            var data = new byte[0x20];
            BitConverter.GetBytes(0xCAFE_F00Du).CopyTo(data, 0x10);
            f2.GivePage(f2.App, MachineFixture.DataVa, MemRights.RW, data);
            const ulong limit255 = 0x0040_F300_0000_00FF | (0x10UL << 56);    // DPL 3 data, base DataVa (0x10000000), limit 0xFF bytes
            c.Equal(0x5BL, f2.SetAppGdtEntries(0, limit255), "entry 0 (0x5B) written: 256 bytes at DataVa");
            const ulong code32 = MachineFixture.CodeVa + 0x100;
            var a32 = new Assembler(32);
            a32.mov(eax, 0x19);
            a32.add(al, 0x28);
            a32.daa();                      // 0x19 + 0x28 = 0x41 -> 0x47
            a32.push(eax);
            a32.pop(ecx);
            a32.mov(edx, 0x5B);
            a32.mov(ds, edx);
            a32.mov(ebx, __dword_ptr[0x10]);
            a32.mov(esi, __dword_ptr[0x100]);   // past the limit: #GP(0); the handler resumes past it (6 bytes)
            a32.xor(eax, eax);
            a32.mov(edx, (0x200 << 12) | 3);    // a call on an empty slot: answered at once
            a32.xor(esi, esi);
            a32.syscall();
            a32.int3();                         // 0xCC: int3 in 64-bit mode too, where the syscall returns
            var bytes32 = new MemoryStream();
            a32.Assemble(new StreamCodeWriter(bytes32), code32);
            f2.OnMessage = (fx, ev) =>
            {
                if (fx.Seen.Count > 1) return null;
                var h = fx.Handler.Thread.Utcb;
                for (int k = 0; k < ExcRegs.Words; k++) h.SetMr(k, ev.Mrs[k]);
                h.SetMr(ExcRegs.Ip, ev.Mrs[ExcRegs.Ip] + 6);
                return new MsgTag(0, ExcRegs.Words, 0);
            };
            f2.Start(a =>
            {
                a.xor(r8d, r8d);
                a.mov(rbx, MachineFixture.DataVa + 0x18);
                a.mov(__dword_ptr[rbx], (uint)code32);
                a.mov(__word_ptr[rbx + 4], 0x1B);
                a.jmp(__fword_ptr[rbx]);        // m16:32 -> 0x1B:code32
                a.int3();
                a.db(new byte[0x100 - 28]);
                a.db(bytes32.ToArray());
            });
            f2.W.K.Run();
            c.Equal(2, f2.Seen.Count, "two exceptions");
            var gp = f2.Seen[0].Mrs;
            c.Equal(13UL, gp[ExcRegs.Trapno], $"#GP at 0x{gp[ExcRegs.Ip]:x}");
            c.Equal(0UL, gp[ExcRegs.Err], "error code 0: a limit violation");
            c.Equal(GdtSelectors.UserCode32, gp[ExcRegs.Cs], "CS 0x1B: compatibility mode");
            c.Equal(0x47UL, gp[ExcRegs.Rcx], "daa, push, pop ran as 32-bit code");
            c.Equal(0xCAFE_F00DUL, gp[ExcRegs.Rbx], "ds:[0x10] read DataVa + 0x10 through the entry's base");
            var end = f2.Seen[1].Mrs;
            c.Equal(3UL, end[ExcRegs.Trapno], $"then int3 (IP 0x{end[ExcRegs.Ip]:x})");
            c.Equal(GdtSelectors.UserCode64, end[ExcRegs.Cs], "CS 0x2B after the syscall: sysretq returns to 64-bit mode");
            c.Equal(GdtSelectors.UserData, end[ExcRegs.Ss], "SS 0x23");
        });
        yield return Case("machine/utcb-untouched-words", "an IPC writes only the words it transfers into the receiver's UTCB: MR40, changed by the receiver's task while it waited in a call, keeps the new value",
            ["IPC-MSG-2"], c =>
        {
            var f2 = new MachineFixture();
            f2.OnMessage = (fx, ev) =>
            {
                if (ev.Label != 0x77) return null;
                // Another thread of the app's task writes MR40 while the app is blocked in its call.
                c.True(fx.WriteAppUtcbWord(40, 0x2222), "MR40 written in user memory");
                fx.Handler.Thread.Utcb.SetMr(0, 7);
                return new MsgTag(0, 1, 0);
            };
            f2.Start(a =>
            {
                a.xor(ecx, ecx);
                a.mov(rdi, __qword_ptr.gs[rcx]);
                a.mov(__qword_ptr[rdi + 40 * 8], 0x1111);
                MachineFixture.CallHandler(a, 0x77, 0);
                a.mov(rbx, __qword_ptr[rdi + 40 * 8]);
                a.mov(rbp, __qword_ptr[rdi]);
                a.ud2();
            });
            f2.W.K.Run();
            var exc = f2.Seen[1];
            c.Equal(7UL, exc.Mrs[ExcRegs.Rbp], "MR0 is the reply's word");
            c.Equal(0x2222UL, exc.Mrs[ExcRegs.Rbx], "MR40 keeps what the task wrote while the thread waited (the old model wrote back its stale copy 0x1111)");
        });
        yield return Case("machine/pf-trampoline-resume", "an armed thread's fault runs its trampoline handler (RDI = state, RSI = fault word) instead of page-fault IPC; PF-tramp::resume retries the instruction",
            ["PF-TRAMP-1", "PF-TRAMP-2"], c =>
        {
            var f = new MachineFixture();
            ulong handlerPage = 0x6000_0000;
            var content = new byte[0x18];
            BitConverter.GetBytes(0xFEEDUL).CopyTo(content, 0x10);
            f.GivePage(f.Handler, handlerPage, MemRights.RW, content);
            f.OnMessage = (fx, ev) => ev.Label == 0x99 ? fx.MapReply(handlerPage, ev.Mrs[0]) : null;
            f.Start(a => Trampoline(a, resume: true));
            f.W.K.Run();
            c.Equal(0x99L, f.Seen[0].Label, "the pager got the handler's own request, no page-fault IPC");
            c.Equal(Data + 0x10, f.Seen[0].Mrs[0], "RSI carried the fault word (pfa | 0 for a read)");
            var exc = f.Seen[1];
            c.Equal(6UL, exc.Mrs[ExcRegs.Trapno], "after resume the read completed and ud2 ran");
            c.Equal(0xFEEDUL, exc.Mrs[ExcRegs.Rbx], "RBX holds the value read on the retry");
            c.True(f.App.Thread.PfTrampArmed, "armed again after resume");
        });
        yield return Case("machine/pf-trampoline-resume-edited-state", "PF-tramp::resume continues from the register state in the l4_pf_trampoline_t as the handler left it: a handler that skips the faulting instruction goes on after it",
            ["PF-TRAMP-2"], c =>
        {
            var f = new MachineFixture();
            f.OnMessage = (fx, ev) => null;
            // l4_pf_trampoline_t at UTCB + 0x400, its register state at +40: rbx is word 12, ip word 18.
            f.Start(a => Trampoline(a, resume: true, askPager: false, edit: (a, after) =>
            {
                a.lea(rax, __[after]);
                a.mov(__qword_ptr[rdi + 0x400 + 40 + 18 * 8], rax);          // state.ip = the instruction after the read
                a.mov(__qword_ptr[rdi + 0x400 + 40 + 12 * 8], 0xABCD);       // state.rbx
            }), budget: 100_000);
            f.W.K.Run();
            // thread_object.cpp:912-915 -> thread-pf_trampoline-ia32.cpp:41-58: copy_and_sanitize_trap_state from the area.
            c.True(f.Seen.Count >= 1, "an exception reached the handler thread");
            c.Equal(6UL, f.Seen[0].Mrs[ExcRegs.Trapno], "the ud2 after the skipped read");
            c.Equal(0xABCDUL, f.Seen[0].Mrs[ExcRegs.Rbx], "RBX as the handler wrote it into the state");
            c.Equal(0x5151UL, f.Seen[0].Mrs[ExcRegs.R14], "R14 of the fault, not the handler's");
        });
        yield return Case("machine/pf-trampoline-control", "PF_TRAMP_CONTROL: items and word counts, SETUP's aligned 224-byte state inside kernel-user memory, RESUME only by the thread itself, DISABLE answers whether it was armed",
            ["PF-TRAMP-2"], c =>
        {
            // fiasco thread_object.cpp:824-983; space.cpp:152-172 (find_ku_mem: alignment, then one area holding it all);
            // sizeof(l4_pf_trampoline_t) on amd64 = 5 words + 23 register words = 224 (l4sys pf_trampoline.h).
            var w = new World();
            var child = w.NewTask();
            var u = w.Boot.RootThread.Utcb;
            MsgTag Ctl(ulong mr0, int words, ulong mr1 = 0, int items = 0)
            {
                u.SetMr(0, mr0);
                u.SetMr(1, mr1);
                u.SetMr(2, 0);
                u.SetMr(3, 0);
                return w.Root.Call(child.ThreadSel, new MsgTag((long)Protocol.Thread, words, items));
            }
            long Err(MsgTag t) => w.Root.Error(t);
            ulong state = World.UtcbBase + 0x400;
            c.Equal(-1001L, Err(Ctl(0x9, 1)), "SETUP with 1 word: -EMSGTOOSHORT");
            c.Equal(-1002L, Err(Ctl(0x9, 3, state)), "SETUP with 3 words: -EMSGTOOLONG");
            c.Equal(-1002L, Err(Ctl(0x9, 2, state, items: 1)), "an item: -EMSGTOOLONG");
            c.Equal(-22L, Err(Ctl(0x9, 2, state + 4)), "SETUP with a state not 8-aligned: -EINVAL");
            c.Equal(-22L, Err(Ctl(0x9, 2, World.UtcbBase + 0xF80)), "SETUP whose 224 bytes pass the area's end: -EINVAL");
            c.Equal(-38L, Err(Ctl(0x1_0000_0009, 2, state)), "sub-op bits above 31: -ENOSYS");
            c.True(!child.Thread.PfTrampArmed, "nothing armed yet");
            var t = Ctl(0x30009, 1);
            c.Equal(new MsgTag(0, 1, 0).Raw, t.Raw, "DISABLE before SETUP: one word");
            c.Equal(0UL, u.Mr(0), "DISABLE before SETUP: MR0 = 0");
            c.Equal(-22L, Err(Ctl(0x40009, 1)), "ENABLE before SETUP: -EINVAL");
            c.Equal(0L, Err(Ctl(0x9, 2, World.UtcbBase + 0xF20)), "SETUP with the last 224 bytes of the area: ok");
            c.True(child.Thread.PfTrampArmed && child.Thread.PfTrampAddress == World.UtcbBase + 0xF20, "armed at that address");
            c.Equal(-1002L, Err(Ctl(0x10009, 2)), "RESUME with 2 words: -EMSGTOOLONG");
            c.Equal(-1L, Err(Ctl(0x10009, 1)), "RESUME from another thread: -EPERM");
            c.Equal(-1L, Err(Ctl(0x20009, 1)), "REFLECT from another thread: -EPERM");
            c.Equal(-1002L, Err(Ctl(0x30009, 2)), "DISABLE with 2 words: -EMSGTOOLONG");
            t = Ctl(0x30009, 1);
            c.Equal(new MsgTag(0, 1, 0).Raw, t.Raw, "DISABLE: one word");
            c.Equal(1UL, u.Mr(0), "DISABLE: MR0 = 1, it was armed");
            c.True(!child.Thread.PfTrampArmed, "disarmed");
            Ctl(0x30009, 1);
            c.Equal(0UL, u.Mr(0), "DISABLE again: MR0 = 0");
            c.Equal(0L, Err(Ctl(0x40009, 1)), "ENABLE after SETUP: ok");
            c.True(child.Thread.PfTrampArmed, "armed again");
        });
        yield return Case("machine/pf-trampoline-reflect", "PF-tramp::reflect turns the saved fault into exception IPC (trapno 14, err, pfa, the faulting IP)", ["PF-TRAMP-3"], c =>
        {
            var f = new MachineFixture();
            f.OnMessage = (fx, ev) => null;
            f.Start(a => Trampoline(a, resume: false));
            f.W.K.Run();
            var exc = f.Seen[0];
            c.Equal((long)Protocol.Exception, exc.Label, "exception IPC");
            c.Equal(14UL, exc.Mrs[ExcRegs.Trapno], "trapno 14");
            c.Equal(4UL, exc.Mrs[ExcRegs.Err], "err 4 (user read, not present)");
            c.Equal(Data + 0x10, exc.Mrs[ExcRegs.Pfa], "pfa");
            c.Equal(0x5151UL, exc.Mrs[ExcRegs.R14], "registers of the fault, not of the handler");
        });
        yield return Case("machine/pf-trampoline-reflect-wins", "PF-tramp::reflect takes precedence over a set trigger flag, and raises the fault as stored in the state (the handler may change pfa)", ["PF-TRAMP-3"], c =>
        {
            var f = new MachineFixture();
            f.OnMessage = (fx, ev) => null;
            f.Start(a => Trampoline(a, resume: false, edit: (a, _) =>
            {
                a.or(__qword_ptr[rdi + 0x400 + 32], 2);                      // flags |= Trigger_exception_after_resume
                a.mov(__qword_ptr[rdi + 0x400 + 40 + 11 * 8], 0x1234);       // state.pfa
            }));
            f.W.K.Run();
            // thread_object.cpp:886-891: reflect makes the exception a real one (!reflect is the artificial flag);
            // thread-pf_trampoline-ia32.cpp:60-82: error and cr2 from the stored state.
            var exc = f.Seen[0];
            c.Equal(14UL, exc.Mrs[ExcRegs.Trapno], "trapno 14, not the artificial 0xff");
            c.Equal(4UL, exc.Mrs[ExcRegs.Err], "the fault's error code");
            c.Equal(0x1234UL, exc.Mrs[ExcRegs.Pfa], "pfa as the handler wrote it");
        });
        yield return Case("machine/real-moe-fault", "Moe's real instruction-fetch fault at 0x2b2f0 reaches sigma0 exactly as jdb_tbuf.log shows: [Kpf,w=2] L=43 (2b2f4,2b2f0)",
            ["PF-IPC-1", "PF-IPC-5", "SIGMA0-PF-1"], c =>
        {
            var w = new World(sigma0: true, machine: true);
            var regs = new CpuState { Rip = 0x2b2f0, Rsp = 0 };
            w.K.StartMachine(w.Boot.RootThread, new UserMachine(regs, w.K.BusOf(w.Boot.Root), new Cpu().Run));
            w.K.Run(maxSteps: 200);
            var got = w.K.Trace.Events.OfType<Model.Trace.InvokeResultEvent>().First(r => r.Thread == w.Boot.Sigma0Thread.DbgId && new MsgTag(r.Tag).Label == (long)Protocol.PageFault);
            // The real entry 2174 of traces/real/jdb_tbuf.log: "0008 answ [Kpf,w=2,i=0] L=43 err=0 (OK) (2b2f4,2b2f0)".
            var real = TracePath.TraceBuffer("jdb_tbuf.log").Events.OfType<Model.Trace.InvokeResultEvent>()
                .First(r => r.Thread == 8 && r.Mrs.Length == 2 && r.Mrs[1] == 0x2b2f0);
            c.Equal(new MsgTag(real.Tag).ToString(), new MsgTag(got.Tag).ToString(), "tag");
            c.Equal(real.Label, got.Label, "label: the boot pager gate's 0x40 | W | S");
            c.Equal(real.Mrs[0], got.Mrs[0], "MR0 = pfa | fetch");
            c.Equal(real.Mrs[1], got.Mrs[1], "MR1 = IP");
            var m = w.K.FindMem(w.Boot.Root, 0x2b000);
            c.True(m != null && m.Pa == 0x2b000, "sigma0 mapped the boot-loader page 1:1 to the root task (it owns that region)");
        });
        yield return Case("machine/instruction-budget", "runaway code stops when its instruction budget is used up, with a report naming the thread and RIP", ["MACH-BUDGET-1"], c =>
        {
            var f = new MachineFixture();
            var m = f.Start(a =>
            {
                var loop = a.CreateLabel();
                a.Label(ref loop);
                a.inc(rax);
                a.jmp(loop);
            }, budget: 100_000);
            var stop = f.W.K.Run(maxSteps: 1_000_000);
            c.Equal(RunStop.Done, stop, "the run ends");
            c.Equal(100_000L, m.Retired, "exactly the budget retired");
            c.Equal(50_000UL, m.Regs.Rax, "half of them were the inc");
            c.True(f.W.K.Console.ToString().Contains("budget of 100000 instructions is used up at RIP 0x400000"), "the report names the budget and RIP");
        });
        yield return Case("machine/sigma0-fault-superpage", "the kernel resolves sigma0's own page faults 1:1 in the CPU's largest page size (2 MiB here)", ["PF-TRAMP-1"], c =>
        {
            var w = new World(machine: true);
            const ulong code = 0x0200_0000;                                    // physical = virtual for sigma0
            var asm = new Assembler(64);
            var spin = asm.CreateLabel();
            asm.mov(rax, __qword_ptr[0x123_4567]);
            asm.Label(ref spin);
            asm.jmp(spin);
            var bytes = new MemoryStream();
            asm.Assemble(new StreamCodeWriter(bytes), code);
            w.K.Physical!.Write(code, bytes.ToArray());
            var t = w.Boot.Sigma0Thread;
            w.K.StartMachine(t, new UserMachine(new CpuState { Rip = code, Rsp = code + 0x1000 }, w.K.BusOf(w.Boot.Sigma0), new Cpu().Run) { Budget = 10_000 });
            w.K.Run();
            // thread-ia32.cpp:453-466: handle_sigma0_page_fault maps va & ~(order) 1:1 with order = largest_page_size()
            // (mem_space.cpp:288-289), 2 MiB on the captured CPU (mem_space-ia32.cpp:507-517, no 1 GiB pages).
            var m = w.K.FindMem(w.Boot.Sigma0, 0x123_4567);
            c.True(m != null, "sigma0's fault was resolved");
            c.Equal((0x120_0000UL, 21), (m!.Va, m.Order), "a 2 MiB page at 0x1200000");
            c.Equal(m.Va, m.Pa, "mapped 1:1");
        });
        yield return Case("machine/no-pager-killed", "a page fault of a thread without a pager kills the thread, with the kernel's warning", ["PF-IPC-4"], c =>
        {
            var f = new MachineFixture();
            f.W.Check(f.W.Root.ThreadControl(f.App.ThreadSel, ThreadCtlFlags.SetPager, pager: 0x3f << 12), "pager slot that is empty");
            f.Start(a => { a.mov(rax, __qword_ptr[Data]); });
            f.W.K.Run();
            c.Equal(Model.Kernel.ThreadState.Dead, f.App.Thread.State, "thread killed");
            // thread-ipc.cpp:255-268: WARN with CPU, debug id, pfa, error code, the pager's cap index and the IP, then kill;
            // the shape of traces/real/ned_t_caps_crash_m_table.log:291.
            var line = $"\n\x1b[31mKERNEL\x1b[m: Warning: CPU0: Pager of {f.App.Thread.DbgId:x} is invalid (pfa={Data:x16}, errorcode/info=0000000000000004) to 3f (pc={MachineFixture.CodeVa:x})\n";
            var console = f.W.K.Console.ToString();
            c.True(console.Contains(line), $"the kernel's warning as the real one prints it (console ends: {console[Math.Max(0, console.Length - 200)..]})");
        });
    
    }

    /// <summary>
    /// Arms the trampoline (SETUP with l4_pf_trampoline_t in the UTCB page at +0x400, handler_ip = the handler below), then
    /// reads an unmapped address. The handler asks the pager thread (label 0x99, MR0 = the fault word, map window
    /// everything) and calls PF-tramp::resume, or calls PF-tramp::reflect at once.
    /// </summary>
    private static void Trampoline(Assembler a, bool resume, Action<Assembler, Label>? edit = null, bool askPager = true)
    {
        var handler = a.CreateLabel();
        ulong self = (ulong)SelectorLayout.InvalidCap | (ulong)SysFlags.Call;
        a.xor(ecx, ecx);
        a.mov(rdi, __qword_ptr.gs[rcx]);                               // UTCB
        a.lea(rax, __[handler]);
        a.mov(__qword_ptr[rdi + 0x400], rax);                          // handler_ip
        a.mov(__qword_ptr[rdi], (int)ThreadOp.PfTrampControl);         // MR0 = SETUP
        a.lea(rax, __[rdi + 0x400]);
        a.mov(__qword_ptr[rdi + 8], rax);                              // MR1 = the state's address
        a.mov(rax, ((long)Protocol.Thread << 16) | 2);
        a.mov(rdx, unchecked((long)self));
        a.xor(esi, esi); a.xor(r8d, r8d);
        a.syscall();
        a.mov(r14, 0x5151);
        a.mov(rbx, __qword_ptr[Data + 0x10]);                          // faults: diverted to the handler
        var after = a.CreateLabel();
        a.Label(ref after);
        a.ud2();
        a.Label(ref handler);
        a.xor(ecx, ecx);
        a.mov(rdi, __qword_ptr.gs[rcx]);
        a.mov(r14, 0x7777);                                            // the handler's own registers
        edit?.Invoke(a, after);                                        // the handler edits the state (RDI = UTCB)
        if (resume && askPager)
        {
            a.mov(__qword_ptr[rdi], rsi);                              // MR0 = fault word
            a.mov(__qword_ptr[rdi + 0x200], 0);                        // BDR
            a.mov(__qword_ptr[rdi + 0x208], 8);                        // BR0 = map item
            a.mov(__qword_ptr[rdi + 0x210], 0xFC0);                    // BR1 = all spaces
            a.mov(rax, (0x99L << 16) | 1);
            a.mov(rdx, (long)((MachineFixture.HandlerCap << 12) | 3));
            a.xor(esi, esi); a.xor(r8d, r8d);
            a.syscall();
        }
        a.mov(__qword_ptr[rdi], resume ? 0x10009 : 0x20009);          // PF-tramp::resume / ::reflect
        a.mov(rax, ((long)Protocol.Thread << 16) | 1);
        a.mov(rdx, unchecked((long)self));
        a.xor(esi, esi); a.xor(r8d, r8d);
        a.syscall();
        a.ud2();                                                       // never reached
    }
}
