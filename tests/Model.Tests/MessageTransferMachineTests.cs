using Iced.Intel;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Model.Machine;
using Xunit;
using static Iced.Intel.AssemblerRegisters;
using KTask = L4Conf.Model.Kernel.Task;
using KThread = L4Conf.Model.Kernel.Thread;

namespace L4Conf.Tests;

/// <summary>
/// Message transfer to a receiver that runs machine code: the words it gets are written back into its UTCB in memory
/// (IPC-MSG-1), and with Transfer_fpu its FPU/SSE state becomes the sender's (IPC-MSG-3; the conformance case
/// machine/fpu-transfer). The receiver's program waits in an open wait with the BDR it is given, then stops at int3
/// (no exception handler: it stays blocked) with the received MR0..MR2 in rbx, rsi, rdi.
/// </summary>
public class MessageTransferMachineTests
{
    private const ulong CodeVa = 0x40_0000, StackTop = 0x80_0000, UtcbBase = 0xB300_0000, FactoryCap = (ulong)InitialCap.Factory << 12;
    private const ulong Pattern = 0x1234_5678_9ABC_DEF0, Pattern2 = 0x0FED_CBA9_8765_4321;

    private sealed class Machines
    {
        public readonly Kernel K = new();
        public readonly BootState B;
        public readonly L4Sys Root;
        private ulong _slot = 0x100;

        public Machines()
        {
            K.AttachMachine();
            B = BootState.Create(K);
            Root = new L4Sys(K, B.RootThread);
        }

        /// <summary>A task made by root's factory with one thread bound to it; returns root's selector of the thread.</summary>
        public (KTask Task, KThread Thread, ulong ThreadSel) NewTask()
        {
            ulong ts = (_slot++) << 12, th = (_slot++) << 12;
            Assert.Equal(0L, Root.Error(Root.CreateTask(FactoryCap, ts, Fpage.Memory(UtcbBase, 12, MemRights.RW))));
            Assert.Equal(0L, Root.Error(Root.FactoryCreate(FactoryCap, (long)Protocol.Thread, th)));
            Assert.Equal(0L, Root.Error(Root.ThreadControl(th, ThreadCtlFlags.BindTask, bindTask: ts, utcb: UtcbBase)));
            Assert.Equal(0L, Root.Error(Root.ExRegs(th, CodeVa, StackTop)));
            return ((KTask)B.Root.Space[ts >> 12]!.Object, (KThread)B.Root.Space[th >> 12]!.Object, th);
        }

        /// <summary>Runs <paramref name="code"/> on <paramref name="t"/>: code RX at <see cref="CodeVa"/>, a RW stack page, GS at the UTCB.</summary>
        public UserMachine Start(KThread t, Action<Assembler> code, Action<CpuState>? init = null)
        {
            var asm = new Assembler(64);
            code(asm);
            var ms = new MemoryStream();
            asm.Assemble(new StreamCodeWriter(ms), CodeVa);
            Page(t.Task!, CodeVa, MemRights.RX, ms.ToArray());
            Page(t.Task!, StackTop - 0x1000, MemRights.RW);
            var regs = new CpuState { Rip = CodeVa, Rsp = StackTop, GsBase = t.UtcbAddress + Utcb.OwnAddressOffset };
            init?.Invoke(regs);
            var m = new UserMachine(regs, K.BusOf(t.Task!), new Cpu().Run) { Budget = 1000 };
            K.StartMachine(t, m);
            return m;
        }

        /// <summary>A fresh frame, mapped by sigma0 (1:1 roots) into <paramref name="t"/> at <paramref name="va"/>.</summary>
        private void Page(KTask t, ulong va, MemRights rights, byte[]? content = null)
        {
            ulong pa = K.Physical!.AllocFrame();
            if (content != null) K.Physical.Write(pa, content);
            Assert.Equal(1, K.MapMemory(B.Sigma0, Fpage.Memory(pa, 12, rights), t, va, false, 0).Mapped);
        }
    }

    /// <summary>Open wait with <paramref name="bdr"/>, then MR0..MR2 into rbx, rsi, rdi and int3.</summary>
    private static void Receiver(Assembler a, ulong bdr)
    {
        a.mov(rcx, __qword_ptr.gs[0]);
        a.mov(rax, bdr);
        a.mov(__qword_ptr[rcx + Utcb.BdrIndex * 8], rax);
        a.mov(rdx, ~0UL << 11 | (ulong)SysFlags.Wait);
        a.xor(eax, eax); a.xor(esi, esi); a.xor(r8d, r8d);
        a.syscall();
        a.mov(rcx, __qword_ptr.gs[0]);                                       // syscall clobbers rcx
        a.mov(rbx, __qword_ptr[rcx]);
        a.mov(rsi, __qword_ptr[rcx + 8]);
        a.mov(rdi, __qword_ptr[rcx + 16]);
        a.int3();
    }

    /// <summary>The receiver's FPU before the message: xmm0 = <see cref="Pattern"/>, MXCSR rounding down, an x87 register in use.</summary>
    private static void ReceiverFpu(CpuState s)
    {
        s.Xmm[0] = Pattern;
        s.Mxcsr = 0x3F80;
        s.X87.Fcw = 0x0F7F;
        s.X87.Empty = 0x7F;
        s.X87.Fsw = 7 << 11;
    }

    [Fact]
    public void The_received_words_are_in_the_receivers_UTCB_memory()
    {
        var w = new Machines();
        var (_, th, sel) = w.NewTask();
        var m = w.Start(th, a => Receiver(a, 0));
        w.K.Run();
        var u = w.B.RootThread.Utcb;
        u.SetMr(0, 0x1111); u.SetMr(1, 0x2222); u.SetMr(2, 0x3333);
        Assert.False(w.Root.Send(sel, new MsgTag(0x5, 3, 0), timeouts: 0x0400_0400).HasError);
        w.K.Run();
        Assert.Equal((0x1111UL, 0x2222UL, 0x3333UL), (m.Regs.R[3], m.Regs.Rsi, m.Regs.Rdi));
        Assert.Equal((ulong)new MsgTag(0x5, 3, 0).Raw, m.Regs.Rax);
    }

    /// <summary>Root (no machine code: the initial FPU state) sends to a receiver with <see cref="ReceiverFpu"/>.</summary>
    private static CpuState FromRoot(bool flag, bool inherit, bool withS, bool cut = false)
    {
        var w = new Machines();
        var (_, th, sel) = w.NewTask();
        var m = w.Start(th, a => Receiver(a, inherit ? (ulong)BufDesc.InheritFpu : 0), ReceiverFpu);
        w.K.Run();
        if (!withS)
        {
            Assert.Equal(1, w.K.MapObjects(w.B.Root, Fpage.Obj(sel, 0, CapRights.RW), w.B.Root, 0x80, 0, false, CapRights.RWS).Mapped);
            sel = 0x80 << 12;
        }
        var u = w.B.RootThread.Utcb;
        u.SetMr(0, 0x4);                                                     // an item without the map bit: SEMSGCUT
        u.SetMr(1, Fpage.Obj(FactoryCap, 0, CapRights.RWS).Raw);
        var tag = w.Root.Send(sel, new MsgTag(0, 0, cut ? 1 : 0, flag ? MsgTagFlags.TransferFpu : 0), timeouts: 0x0400_0400);
        Assert.Equal(cut, tag.HasError);
        w.K.Run();
        return m.Regs;
    }

    [Fact]
    public void Transfer_fpu_from_a_thread_without_machine_code_gives_the_initial_FPU_state()
    {
        var s = FromRoot(flag: true, inherit: true, withS: true);
        Assert.Equal(UInt128.Zero, s.Xmm[0]);
        Assert.Equal(Mxcsr.Reset, s.Mxcsr);
        Assert.Equal(X87State.InitialFcw, s.X87.Fcw);
        Assert.Equal((byte)0xFF, s.X87.Empty);
        Assert.Equal(0, s.X87.Top);
    }

    [Theory]
    [InlineData(false, true, true, false)]     // no Transfer_fpu in the tag
    [InlineData(true, false, true, false)]     // no L4_UTCB_INHERIT_FPU in the receiver's BDR
    [InlineData(true, true, false, false)]     // sent through a cap without S
    [InlineData(true, true, true, true)]       // the transfer failed (SEMSGCUT)
    public void Without_all_of_flag_inherit_S_and_success_the_receiver_keeps_its_FPU(bool flag, bool inherit, bool withS, bool cut)
    {
        var s = FromRoot(flag, inherit, withS, cut);
        Assert.Equal((UInt128)Pattern, s.Xmm[0]);
        Assert.Equal(0x3F80u, s.Mxcsr);
        Assert.Equal((ushort)0x0F7F, s.X87.Fcw);
        Assert.Equal((byte)0x7F, s.X87.Empty);
    }

    [Fact]
    public void Transfer_fpu_between_machine_threads_copies_the_senders_state()
    {
        var w = new Machines();
        var (_, rth, rsel) = w.NewTask();
        var (sender, sth, _) = w.NewTask();
        Assert.Equal(1, w.K.MapObjects(w.B.Root, Fpage.Obj(rsel, 0, CapRights.RWS), sender, 0x30, 0, false, CapRights.RWS).Mapped);
        var r = w.Start(rth, a => Receiver(a, (ulong)BufDesc.InheritFpu), ReceiverFpu);
        w.K.Run();
        var s = w.Start(sth, a =>
        {
            a.mov(rax, new MsgTag(0, 0, 0, MsgTagFlags.TransferFpu).Raw);
            a.mov(rdx, (0x30UL << 12) | (ulong)SysFlags.Send);
            a.xor(esi, esi); a.xor(r8d, r8d);
            a.syscall();
            a.int3();
        }, st =>
        {
            st.Xmm[0] = Pattern2;
            st.Xmm[15] = (UInt128)Pattern << 64;
            st.Mxcsr = 0x1FC0;
            st.X87.Fcw = 0x027F;
            st.X87.Empty = 0x3F;
            st.X87.Fsw = 6 << 11;
        });
        w.K.Run();
        Assert.Equal(0UL, s.Regs.Rax & (ulong)MsgTagFlags.Error);
        Assert.Equal((UInt128)Pattern2, r.Regs.Xmm[0]);
        Assert.Equal((UInt128)Pattern << 64, r.Regs.Xmm[15]);
        Assert.Equal(0x1FC0u, r.Regs.Mxcsr);
        Assert.Equal((ushort)0x027F, r.Regs.X87.Fcw);
        Assert.Equal((byte)0x3F, r.Regs.X87.Empty);
        Assert.Equal(6, r.Regs.X87.Top);
        Assert.Equal((UInt128)Pattern2, s.Regs.Xmm[0]);                        // the sender keeps its own (eager FPU switch)
    }
}
