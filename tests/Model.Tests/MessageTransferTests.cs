using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Model.Kernel.Ipc;
using Xunit;

namespace L4Conf.Tests;

/// <summary>
/// Message transfer (MessageTransfer.Copy) between the booted root thread and sigma0's thread, which waits; the root's
/// pager gate (slot 4) is bound to it. Words, the receiver's tag, object and memory map items through the receive
/// buffers, the return items and the local-id shortcut (clauses IPC-MSG-1, IPC-ITEM-1..3, IPC-ITEM-ID-1, CAP-MAP-3;
/// the same values as the conformance cases ipc/map-item, ipc/return-item-second-word, ipc/items-past-mr62).
/// </summary>
public class MessageTransferTests
{
    private const ulong Gate = 4 << 12;

    private sealed class Fixture
    {
        public readonly BootState B = BootState.Create();
        public Kernel K => B.Kernel;
        public Utcb Srv => B.Sigma0Thread.Utcb;
        public Utcb Cli => B.RootThread.Utcb;

        /// <summary>sigma0's thread waits with the given buffers; then root sends <paramref name="tag"/> through <paramref name="cap"/>.</summary>
        public MsgTag Send(MsgTag tag, Action<Utcb> buffers, ulong cap = Gate)
        {
            var s = new L4Sys(K, B.Sigma0Thread, deferred: true);
            IEnumerable<SyscallRequest> Wait()
            {
                buffers(Srv);
                yield return s.Next(s.Wait());
            }
            K.Start(B.Sigma0Thread, Wait());
            K.Run();
            return new L4Sys(K, B.RootThread).Send(cap, tag);
        }
    }

    private static ulong SmallBuf(ulong slot, bool localId = false) => (slot << 12) | (ulong)ItemBits.RcvSingleCap | (localId ? (ulong)ItemBits.RcvLocalId : 0);

    [Fact]
    public void Words_are_copied_and_the_receiver_gets_the_tag_without_the_error_bit()
    {
        var f = new Fixture();
        for (int i = 0; i < 5; i++) f.Cli.SetMr(i, 0x100UL + (ulong)i);
        f.Srv.SetMr(3, 0xAA);
        f.Send(new MsgTag(0x77, 3, 0, MsgTagFlags.Error | MsgTagFlags.Schedule), _ => { });
        Assert.Equal(IpcErr.None, f.Cli.Error);
        Assert.Equal(new MsgTag(0x77, 3, 0, MsgTagFlags.Schedule).Raw, f.B.Sigma0Thread.ResultTag.Raw);
        Assert.Equal(new[] { 0x100UL, 0x101UL, 0x102UL, 0xAAUL }, Enumerable.Range(0, 4).Select(f.Srv.Mr));
    }

    [Fact]
    public void An_object_item_lands_in_the_small_buffer_and_S_needs_S_on_the_invoked_cap()
    {
        // ipc/map-item: 0x17 through a cap with S, 0x15 without; the return item's low bits 0x38 (obj fpage, map bit, mapped).
        var f = new Fixture();
        f.Cli.SetMr(0, 0x55);
        f.Cli.SetMr(1, (ulong)ItemBits.Map);
        f.Cli.SetMr(2, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS).Raw);
        f.Srv.SetMr(2, 0xDEAD);
        var t = f.Send(new MsgTag(0, 1, 1), u => { u.Bdr = 0; u.SetBr(0, SmallBuf(0x50)); });
        Assert.False(t.HasError);
        Assert.Equal((byte)0x17, (byte)f.B.Sigma0.Space[0x50]!.Attr);
        Assert.Same(f.B.Log, f.B.Sigma0.Space[0x50]!.Object);
        Assert.Equal(new MsgTag(0, 1, 1).Raw, f.B.Sigma0Thread.ResultTag.Raw);
        Assert.Equal(0x55UL, f.Srv.Mr(0));
        Assert.Equal(0x38UL, f.Srv.Mr(1));
        Assert.Equal(0xDEADUL, f.Srv.Mr(2));                                // ipc/return-item-second-word

        // The same through an RW copy of the gate cap.
        f = new Fixture();
        f.K.MapObjects(f.B.Root, Fpage.Obj(Gate, 0, CapRights.RW), f.B.Root, 0x60, 0, false, CapRights.RWS);
        f.Cli.SetMr(0, (ulong)ItemBits.Map);
        f.Cli.SetMr(1, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS).Raw);
        f.Send(new MsgTag(0, 0, 1), u => { u.Bdr = 0; u.SetBr(0, SmallBuf(0x51)); }, cap: 0x60 << 12);
        Assert.Equal((byte)0x15, (byte)f.B.Sigma0.Space[0x51]!.Attr);
    }

    [Fact]
    public void An_empty_source_slot_says_map_nothing_and_a_void_item_uses_no_buffer()
    {
        var f = new Fixture();
        f.Cli.SetMr(0, 0);                                                  // void item
        f.Cli.SetMr(1, 0x1234);
        f.Cli.SetMr(2, (ulong)ItemBits.Map);
        f.Cli.SetMr(3, Fpage.Obj(0x70UL << 12, 0, CapRights.RWS).Raw);      // nothing there
        f.Cli.SetMr(4, (ulong)ItemBits.Map);
        f.Cli.SetMr(5, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS).Raw);
        f.Srv.SetMr(0, 0xBB);
        var t = f.Send(new MsgTag(0, 0, 3), u => { u.Bdr = 0; u.SetBr(0, SmallBuf(0x50)); u.SetBr(1, SmallBuf(0x51)); });
        Assert.False(t.HasError);
        Assert.Equal(0UL, f.Srv.Mr(0));
        Assert.Equal(0x3AUL, f.Srv.Mr(2));                                  // rcv type 2: Rcv_map_nothing
        Assert.Equal(0x38UL, f.Srv.Mr(4));
        Assert.Null(f.B.Sigma0.Space[0x50]);
        Assert.Same(f.B.Log, f.B.Sigma0.Space[0x51]!.Object);
    }

    [Fact]
    public void Items_without_a_buffer_or_the_map_bit_or_past_MR62_cut_the_message()
    {
        var f = new Fixture();
        f.Cli.SetMr(0, (ulong)ItemBits.Map);
        f.Cli.SetMr(1, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS).Raw);
        var t = f.Send(new MsgTag(0, 0, 1), u => { u.Bdr = 0; u.SetBr(0, 0); });
        Assert.True(t.HasError);
        Assert.Equal(IpcErr.SeMsgCut, f.Cli.Error);
        Assert.Equal(IpcErr.ReMsgCut, f.Srv.Error);

        f = new Fixture();
        f.Cli.SetMr(0, 0x4);                                                // no map bit
        f.Cli.SetMr(1, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS).Raw);
        t = f.Send(new MsgTag(0, 0, 1), u => { u.Bdr = 0; u.SetBr(0, SmallBuf(0x50)); });
        Assert.Equal(IpcErr.SeMsgCut, f.Cli.Error);
        Assert.Null(f.B.Sigma0.Space[0x50]);

        // ipc/items-past-mr62: 62 words and one item; 60 words and two items map the first.
        foreach (var (words, items) in new[] { (62, 1), (60, 2), (61, 1) })
        {
            f = new Fixture();
            for (int i = 0; i < items; i++)
            {
                f.Cli.SetMr(words + 2 * i, (ulong)ItemBits.Map);
                f.Cli.SetMr(words + 2 * i + 1, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS).Raw);
            }
            f.Send(new MsgTag(0, words, items), u => { u.Bdr = 0; u.SetBr(0, SmallBuf(0x50)); u.SetBr(1, SmallBuf(0x51)); });
            Assert.Equal(words == 61 ? IpcErr.None : IpcErr.SeMsgCut, f.Cli.Error);
            Assert.Equal(items == 2 || words == 61, f.B.Sigma0.Space[0x50] != null);
        }
    }

    [Fact]
    public void A_window_buffer_places_the_item_at_the_hot_spot_and_all_spaces_is_the_whole_space()
    {
        var f = new Fixture();
        f.Cli.SetMr(0, (0x43UL << 12) | (ulong)ItemBits.Map);
        f.Cli.SetMr(1, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS).Raw);
        f.Cli.SetMr(2, (0x1234UL << 12) | (ulong)ItemBits.Map);
        f.Cli.SetMr(3, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS).Raw);
        f.Send(new MsgTag(0, 0, 2), u =>
        {
            u.Bdr = 2UL << (int)BufDesc.ObjShift;                           // object buffers start at BR2
            u.SetBr(0, SmallBuf(0x50));
            u.SetBr(2, (ulong)ItemBits.Map);
            u.SetBr(3, Fpage.Obj(0x80 << 12, 2, CapRights.RWSD).Raw);
            u.SetBr(4, (ulong)ItemBits.Map);
            u.SetBr(5, Fpage.All.Raw);
        });
        Assert.Equal(IpcErr.None, f.Cli.Error);
        Assert.Null(f.B.Sigma0.Space[0x50]);
        Assert.Same(f.B.Log, f.B.Sigma0.Space[0x83]!.Object);
        Assert.Same(f.B.Log, f.B.Sigma0.Space[0x1234]!.Object);
        Assert.Equal((0x43UL << 12) | 0x38, f.Srv.Mr(0));                    // the hot spot stays in the return item
    }

    [Fact]
    public void Forwarding_and_non_object_windows_are_no_buffer()
    {
        foreach (var (br0, br1) in new[] { (SmallBuf(0x50) | (ulong)ItemBits.RcvForward, 0UL), ((ulong)ItemBits.Map, Fpage.Memory(0x1000_0000, 12, MemRights.RW).Raw) })
        {
            var f = new Fixture();
            f.Cli.SetMr(0, (ulong)ItemBits.Map);
            f.Cli.SetMr(1, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS).Raw);
            f.Send(new MsgTag(0, 0, 1), u => { u.Bdr = 0; u.SetBr(0, br0); u.SetBr(1, br1); });
            Assert.Equal(IpcErr.SeMsgCut, f.Cli.Error);
            Assert.Equal(1, f.B.Sigma0.Space.Entries.Count(e => ReferenceEquals(e.Object, f.B.Log)));   // only its own log slot
        }
    }

    [Fact]
    public void A_gate_bound_in_the_receiving_task_arrives_as_its_label_with_a_local_id_buffer()
    {
        // IPC-ITEM-ID-1: rcv type 4, the second word gate label | (W|S of the sender's cap and the fpage).
        var f = new Fixture();
        f.Cli.SetMr(0, (ulong)ItemBits.Map);
        f.Cli.SetMr(1, Fpage.Obj(Gate, 0, CapRights.RWS).Raw);
        f.Send(new MsgTag(0, 0, 1), u => { u.Bdr = 0; u.SetBr(0, SmallBuf(0x50, localId: true)); });
        Assert.Equal(IpcErr.None, f.Cli.Error);
        Assert.Null(f.B.Sigma0.Space[0x50]);
        Assert.Equal(0x3CUL, f.Srv.Mr(0));
        Assert.Equal(BootState.Sigma0GateLabel | 0x3, f.Srv.Mr(1));
        // With only W in the fpage the label carries W alone; another object is mapped as usual.
        f = new Fixture();
        f.Cli.SetMr(0, (ulong)ItemBits.Map);
        f.Cli.SetMr(1, Fpage.Obj(Gate, 0, CapRights.RW).Raw);
        f.Cli.SetMr(2, (ulong)ItemBits.Map);
        f.Cli.SetMr(3, Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS).Raw);
        f.Send(new MsgTag(0, 0, 2), u => { u.Bdr = 0; u.SetBr(0, SmallBuf(0x50, localId: true)); u.SetBr(1, SmallBuf(0x51, localId: true)); });
        Assert.Equal(BootState.Sigma0GateLabel | 0x1, f.Srv.Mr(1));
        Assert.Equal(0x38UL, f.Srv.Mr(2));
        Assert.Same(f.B.Log, f.B.Sigma0.Space[0x51]!.Object);
    }

    [Fact]
    public void A_memory_item_maps_into_the_memory_window()
    {
        var f = new Fixture();
        f.K.MapMemory(f.B.Sigma0, Fpage.Memory(0x30_0000, 12, MemRights.RW), f.B.Root, 0x1000_0000, false, 0);
        f.Cli.SetMr(0, (0x2000_0000UL) | (ulong)ItemBits.Map);
        f.Cli.SetMr(1, Fpage.Memory(0x1000_0000, 12, MemRights.RW).Raw);
        f.Cli.SetMr(2, (ulong)ItemBits.Map);
        f.Cli.SetMr(3, Fpage.Memory(0x5000_0000, 12, MemRights.RW).Raw);      // nothing there
        f.Send(new MsgTag(0, 0, 2), u =>
        {
            u.Bdr = 0;
            u.SetBr(0, (ulong)ItemBits.Map);
            u.SetBr(1, Fpage.Memory(0x4000_0000, 12, MemRights.RWX).Raw);
            u.SetBr(2, (ulong)ItemBits.Map);
            u.SetBr(3, Fpage.All.Raw);
        });
        Assert.Equal(IpcErr.None, f.Cli.Error);
        var m = f.K.FindMem(f.B.Sigma0, 0x4000_0000)!;
        Assert.Equal((0x30_0000UL, MemRights.RW), (m.Pa, m.Rights));
        Assert.NotNull(f.K.FindMem(f.B.Root, 0x1000_0000));                  // mapped, not granted: the source page stays
        Assert.Equal(0x2000_0000UL | 0x318, f.Srv.Mr(0));                   // memory fpage, order 12, map bit, mapped
        Assert.Equal(0x31AUL, f.Srv.Mr(2));                                  // empty_map: map nothing
        // No memory window (a small buffer is not one): cut.
        f = new Fixture();
        f.K.MapMemory(f.B.Sigma0, Fpage.Memory(0x30_0000, 12, MemRights.RW), f.B.Root, 0x1000_0000, false, 0);
        f.Cli.SetMr(0, (ulong)ItemBits.Map);
        f.Cli.SetMr(1, Fpage.Memory(0x1000_0000, 12, MemRights.RW).Raw);
        f.Send(new MsgTag(0, 0, 1), u => { u.Bdr = 0; u.SetBr(0, SmallBuf(0x50)); });
        Assert.Equal(IpcErr.SeMsgCut, f.Cli.Error);
    }
    [Fact]
    public void Buffers_need_their_map_bit_and_windows_their_own_type()
    {
        MsgTag One(Fixture f, Fpage fp, ulong ctl = (ulong)ItemBits.Map)
        {
            f.Cli.SetMr(0, ctl);
            f.Cli.SetMr(1, fp.Raw);
            return new MsgTag(0, 0, 1);
        }
        var log = Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS);
        var mem = Fpage.Memory(0x1000_0000, 12, MemRights.RW);
        // An object buffer word without L4_ITEM_MAP is no buffer.
        var f = new Fixture();
        f.Send(One(f, log), u => { u.Bdr = 0; u.SetBr(0, (0x50UL << 12) | 0x2); });
        Assert.Equal(IpcErr.SeMsgCut, f.Cli.Error);
        Assert.Null(f.B.Sigma0.Space[0x50]);
        // A memory buffer needs the map bit and no small/forward bits; its window must be a memory fpage.
        foreach (var (br0, br1) in new[] { (0UL, Fpage.Memory(0x4000_0000, 12, MemRights.RWX).Raw), ((ulong)ItemBits.Map | 0x2, Fpage.Memory(0x4000_0000, 12, MemRights.RWX).Raw), ((ulong)ItemBits.Map, Fpage.Obj(0x4000_0000, 12, CapRights.RWS).Raw) })
        {
            f = new Fixture();
            f.K.MapMemory(f.B.Sigma0, Fpage.Memory(0x30_0000, 12, MemRights.RW), f.B.Root, 0x1000_0000, false, 0);
            f.Send(One(f, mem), u => { u.Bdr = 0; u.SetBr(0, br0); u.SetBr(1, br1); });
            Assert.Equal(IpcErr.SeMsgCut, f.Cli.Error);
            Assert.DoesNotContain(f.B.Sigma0.Memory, m => m.Va >= 0x4000_0000);
        }
        // An all-spaces object window is the 2^16 slots: the hot spot is taken modulo 65536.
        f = new Fixture();
        f.Send(One(f, log, (0x1_1234UL << 12) | (ulong)ItemBits.Map), u => { u.Bdr = 0; u.SetBr(0, (ulong)ItemBits.Map); u.SetBr(1, Fpage.All.Raw); });
        Assert.Same(f.B.Log, f.B.Sigma0.Space[0x1234]!.Object);
        // A window buffer never takes the local-id path, a small buffer without the bit neither: the gate is mapped.
        foreach (var (br0, br1) in new[] { ((ulong)ItemBits.Map, Fpage.Obj(0x50 << 12, 0, CapRights.RWSD).Raw), (SmallBuf(0x50), 0UL) })
        {
            f = new Fixture();
            f.Send(One(f, Fpage.Obj(Gate, 0, CapRights.RWS)), u => { u.Bdr = 0; u.SetBr(0, br0); u.SetBr(1, br1); });
            Assert.Same(f.B.RootPagerGate, f.B.Sigma0.Space[0x50]!.Object);
            Assert.Equal(0x38UL, f.Srv.Mr(0));
        }
    }

    [Fact]
    public void An_item_at_MR63_is_cut_and_an_IO_item_maps_nothing()
    {
        var f = new Fixture();
        f.Send(new MsgTag(0, 63, 1), u => { u.Bdr = 0; u.SetBr(0, SmallBuf(0x50)); });
        Assert.Equal(IpcErr.SeMsgCut, f.Cli.Error);
        // I/O spaces are not modelled: the return item says map nothing, no error.
        f = new Fixture();
        var io = Fpage.Io(0x3F8, 3);
        f.Cli.SetMr(0, (ulong)ItemBits.Map);
        f.Cli.SetMr(1, io.Raw);
        f.Send(new MsgTag(0, 0, 1), u => { u.Bdr = 0; });
        Assert.Equal(IpcErr.None, f.Cli.Error);
        Assert.Equal(8UL | (io.Raw & 0xFF0) | 2, f.Srv.Mr(0));
        Assert.Contains(f.K.Trace.Events, e => e is L4Conf.Model.Trace.ModelNote { Text: "I/O-port map item in IPC: I/O spaces are not modelled yet; nothing mapped" });
    }

    [Fact]
    public void A_memory_item_takes_its_hot_spot_grant_bit_and_cache_bits_from_the_control_word()
    {
        var f = new Fixture();
        f.K.MapMemory(f.B.Sigma0, Fpage.Memory(0x30_0000, 12, MemRights.RW), f.B.Root, 0x1000_0000, false, 0);
        f.Cli.SetMr(0, 0x2000_0000UL | 0x20 | (ulong)ItemBits.Grant | (ulong)ItemBits.Map);   // cache 0x20: no set bit
        f.Cli.SetMr(1, Fpage.Memory(0x1000_0000, 12, MemRights.RW).Raw);
        f.Send(new MsgTag(0, 0, 1), u => { u.Bdr = 0; u.SetBr(0, (ulong)ItemBits.Map); u.SetBr(1, Fpage.Memory(0x4000_0000, 30, MemRights.RWX).Raw); });
        Assert.Equal(IpcErr.None, f.Cli.Error);
        var m = f.K.FindMem(f.B.Sigma0, 0x6000_0000)!;                         // window base + hot spot mod 2^30
        Assert.Equal((0x30_0000UL, (byte)0), (m.Pa, m.Cache));
        Assert.Null(f.K.FindMem(f.B.Root, 0x1000_0000));                      // granted away
    }
    [Fact]
    public void Between_threads_of_one_task_a_local_id_buffer_gets_the_senders_fpage_word()
    {
        // IPC-ITEM-ID-1: sender and receiver in one task: nothing is mapped; the return item says rcv type 3 (6 in the
        // low bits) and its second word is the sender's flexpage word.
        var b = BootState.Create();
        var k = b.Kernel;
        var root = new L4Sys(k, b.RootThread);
        const ulong Th = 0x100 << 12;
        Assert.Equal(0L, root.Error(root.FactoryCreate((ulong)InitialCap.Factory << 12, (long)Protocol.Thread, Th)));
        Assert.Equal(0L, root.Error(root.ThreadControl(Th, ThreadCtlFlags.BindTask, bindTask: (ulong)InitialCap.Task << 12, utcb: BootState.InitialUtcb + 0x400)));
        Assert.Equal(0L, root.Error(root.ExRegs(Th, 0x1000, 0)));
        var th = (L4Conf.Model.Kernel.Thread)b.Root.Space[Th >> 12]!.Object;
        Assert.Same(b.Root, th.Task);
        var s = new L4Sys(k, th, deferred: true);
        IEnumerable<SyscallRequest> Wait()
        {
            th.Utcb.Bdr = 0;
            th.Utcb.SetBr(0, SmallBuf(0x50, localId: true));
            yield return s.Next(s.Wait());
        }
        k.Start(th, Wait());
        k.Run();
        var fp = Fpage.Obj((ulong)InitialCap.Log << 12, 0, CapRights.RWS);
        b.RootThread.Utcb.SetMr(0, (ulong)ItemBits.Map);
        b.RootThread.Utcb.SetMr(1, fp.Raw);
        Assert.False(root.Send(Th, new MsgTag(0, 0, 1)).HasError);
        Assert.Null(b.Root.Space[0x50]);
        Assert.Equal(0x3EUL, th.Utcb.Mr(0));                                  // map bit, object fpage, order 0, rcv type 3
        Assert.Equal(fp.Raw, th.Utcb.Mr(1));
        Assert.Equal(new MsgTag(0, 0, 1).Raw, th.ResultTag.Raw);
    }
}
