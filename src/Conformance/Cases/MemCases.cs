using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Reference.Sigma0;
using KipReader = L4Conf.Reference.Sigma0.KipReader;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>sigma0's protocol and the memory mapping database (abi-facts §8.2, §10), driven through real IPC.</summary>
public static class MemCases
{
    private const ulong Any = (ulong)Sigma0Request.FpageAny, Ram = (ulong)Sigma0Request.FpageRam, KipReq = (ulong)Sigma0Request.Kip;
    private static Fpage Win(ulong va, int order) => Fpage.Memory(va, order, MemRights.RWX);

    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("sigma0/fpage-any-lowest-free", "FPAGE_ANY hands out the lowest free RAM page as the KIP descriptors leave it, first come first served",
            ["SIGMA0-ANY-1", "SIGMA0-ANSWER-1", "SIGMA0-INIT-1", "MEM-MAP-2"], c =>
        {
            var w = new World(sigma0: true);
            var t = w.Sigma0Call(w.Root, World.PagerCap, Any, Fpage.Memory(0, 12, MemRights.None), Win(0x1000_0000, 12));
            c.Equal(new MsgTag(0, 0, 1).Raw, t.Raw, "answer tag: one item");
            // Page 0 is never given, 0x1000 is the boot loader's (root task's), 0x2000 is the first free page.
            // The receiver sees the kernel's return item: sigma0's word (0x2038) with bits 1,2,4..11 replaced by the fpage's
            // order and type: 0x2000 | 8 | (12 << 6) | (1 << 4) = 0x2318 (abi-facts §5.3).
            c.Equal(0x2318UL, w.Boot.RootThread.Utcb.Mr(0), "return item word 0");
            // The return item's second word is not written (IPC-ITEM-1): what sigma0 sent is in its own MR1.
            c.Equal(Fpage.Memory(0x2000, 12, MemRights.RWX).Raw, w.Boot.Sigma0Thread.Utcb.Mr(1), "sigma0 sent the RWX fpage");
            var m = w.K.FindMem(w.Boot.Root, 0x1000_0000);
            c.True(m != null && m.Pa == 0x2000 && m.Rights == MemRights.RWX, $"root maps 0x10000000 -> 0x2000 RWX ({m})");
            c.True(m!.Parent is { } p && p.Space == w.Boot.Sigma0 && p.Va == p.Pa, "derived from sigma0's 1:1 root");
            w.Sigma0Call(w.Root, World.PagerCap, Any, Fpage.Memory(0, 12, MemRights.None), Win(0x1000_1000, 12));
            c.Equal(0x3000UL, w.Boot.RootThread.Utcb.Mr(0) & ~0xFFFUL, "next FPAGE_ANY: 0x3000");
        });
        yield return Case("sigma0/page-fault-rights", "a page fault needs R, W for a write, X for a fetch in the region's rights and is answered with the region's rights",
            ["SIGMA0-PF-1", "SIGMA0-INIT-1"], c =>
        {
            // l4re sigma0 memmap.cc:163-181 (needed rights from MR0 bits 2 and 1; -ENOMEM when not granted),
            // mem_man.cc:217-230 (alloc_get_rights: the region must hold them; the page is sent with the region's rights),
            // init_mem.cc:69-76 (a boot-loader region's rights are its descriptor's sub-type: Moe text 5, Moe data 6, 0x713000 none).
            var w = new World(sigma0: true);
            MsgTag Fault(ulong pfa, ulong va)
            {
                var u = w.Boot.RootThread.Utcb;
                u.SetMr(0, pfa);
                u.SetMr(1, 0x1234);
                u.Bdr = 0;
                u.SetBr(0, (ulong)ItemBits.Map);
                u.SetBr(1, Win(va, 12).Raw);
                return w.Root.Call(World.PagerCap, new MsgTag((long)Protocol.PageFault, 2, 0));
            }
            ulong Mr1() => w.Boot.Sigma0Thread.Utcb.Mr(1);        // the fpage sigma0 sent (the receiver's MR1 is not written: IPC-ITEM-1)
            c.Equal(new MsgTag(0, 0, 1).Raw, Fault(0x18000, 0x3000_0000).Raw, "read of Moe text (R-X): one item");
            c.Equal(Fpage.Memory(0x18000, 12, MemRights.RX).Raw, Mr1(), "sent with the region's R-X");
            c.Equal(new MsgTag(0, 0, 1).Raw, Fault(0x19000 | 4, 0x3000_1000).Raw, "fetch from Moe text: ok");
            c.Equal(Fpage.Memory(0x19000, 12, MemRights.RX).Raw, Mr1(), "fetch: R-X");
            c.Equal(-12L, w.Root.Error(Fault(0x1a000 | 2, 0x3000_2000)), "write to Moe text: the region lacks W, -ENOMEM");
            c.Equal(new MsgTag(0, 0, 1).Raw, Fault(0x5d000 | 2, 0x3000_3000).Raw, "write to Moe data (RW-): ok");
            c.Equal(Fpage.Memory(0x5d000, 12, MemRights.RW).Raw, Mr1(), "sent with the region's RW-");
            c.Equal(-12L, w.Root.Error(Fault(0x5e000 | 4, 0x3000_4000)), "fetch from Moe data: the region lacks X");
            c.Equal(-12L, w.Root.Error(Fault(0x714000, 0x3000_5000)), "read of a boot-loader region without rights: -ENOMEM");
            c.Equal(new MsgTag(0, 0, 1).Raw, Fault(0x100000 | 2 | 4, 0x3000_6000).Raw, "write+fetch of free RAM: ok");
            c.Equal(Fpage.Memory(0x100000, 12, MemRights.RWX).Raw, Mr1(), "free RAM: RWX");
            c.Equal(-12L, w.Root.Error(Fault(0x8000, 0x3000_7000)), "a reserved page (sigma0's): -ENOMEM");
        });
        yield return Case("sigma0/ram-first-come", "FPAGE_RAM gives a free range to the first client only; a new client gets a gate labelled index << 4", ["SIGMA0-RAM-1", "SIGMA0-NEW-1", "SIGMA0-ID-1"], c =>
        {
            var w = new World(sigma0: true);
            c.Equal(0L, w.Root.Error(w.Sigma0Call(w.Root, World.PagerCap, Ram, Win(0x100000, 12), Win(0x2000_0000, 12))), "root takes 0x100000");
            // A new client: factory protocol with MR0 = L4_PROTO_SIGMA0 through the root's gate (it has S).
            var u = w.Boot.RootThread.Utcb;
            u.SetMr(0, unchecked((ulong)(long)Protocol.Sigma0));
            u.Bdr = 0;
            u.SetBr(0, (0x200UL << 12) | (ulong)ItemBits.RcvSingleCap);
            var t = w.Root.Call(World.PagerCap, new MsgTag((long)Protocol.Factory, 1, 0));
            c.Equal(new MsgTag(0, 0, 1).Raw, t.Raw, "new-client answer");
            var gate = (IpcGate)w.Obj(0x200UL << 12);
            c.Equal(0xC0UL, gate.GateLabel, "first client gate label 0xc << 4 (the real dump's sigma0 C:c gate has L=000000c0)");
            c.Equal((byte)0x17, (byte)w.Boot.Root.Space[0x200]!.Attr, "mapped back RWS");
            var other = w.NewTask("client12");
            w.Check(w.Map(other.TaskSel, 0x30 << 12, CapRights.RWS, 0, 0x200UL << 12), "new client's gate");
            c.Equal(-12L, other.Sys.Error(w.Sigma0Call(other.Sys, 0x30 << 12, Ram, Win(0x100000, 12), Win(0x2000_0000, 12))), "client 12 asks for the root's page: -ENOMEM");
            c.Equal(0L, other.Sys.Error(w.Sigma0Call(other.Sys, 0x30 << 12, Ram, Win(0x101000, 12), Win(0x2000_0000, 12))), "a free page: ok");
            c.Equal(0xCUL, w.Sigma0!.Owners.OwnerOf(0x101000), "owned by client 12");
        });
        yield return Case("sigma0/new-client-ignores-create-result", "sigma0 does not look at its create_gate result: it maps the (maybe empty) slot back and advances the index",
            ["SIGMA0-NEW-1"], c =>
        {
            var w = new World(sigma0: true);
            // sigma0 loses its factory capability, so its create_gate fails.
            w.K.UnmapObjects(w.Boot.Sigma0, Fpage.Obj(2 << 12, 0, CapRights.RWSD), UnmapMask.AllSpaces);
            c.True(w.Boot.Sigma0.Space[2] == null, "sigma0's factory slot is empty");
            var u = w.Boot.RootThread.Utcb;
            u.SetMr(0, unchecked((ulong)(long)Protocol.Sigma0));
            u.Bdr = 0;
            u.SetBr(0, (0x200UL << 12) | (ulong)ItemBits.RcvSingleCap);
            var t = w.Root.Call(World.PagerCap, new MsgTag((long)Protocol.Factory, 1, 0));
            // memmap.cc:71-74: l4_factory_create_gate_u's result is not checked; snd_fpage of the slot, index advanced.
            c.Equal(new MsgTag(0, 0, 1).Raw, t.Raw, "the answer: one item, as for a created gate");
            c.True(w.Boot.Root.Space[0x200] == null, "nothing arrives (the slot was empty)");
        });
        yield return Case("sigma0/errors", "sigma0 refuses bad requests with the real errors", ["SIGMA0-ERR-1"], c =>
        {
            var w = new World(sigma0: true);
            c.Equal(-38L, w.Root.Error(w.Sigma0Call(w.Root, World.PagerCap, 0x60, Win(0x100000, 12), Win(0x2000_0000, 12))), "MR0 without the magic: -ENOSYS");
            c.Equal(-22L, w.Root.Error(w.Sigma0Call(w.Root, World.PagerCap, Ram, new Fpage(0x101000 | (13 << 6) | 0x17), Win(0x2000_0000, 13))), "base 0x101000 not aligned to order 13: -EINVAL");
            c.Equal(-22L, w.Root.Error(w.Sigma0Call(w.Root, World.PagerCap, Any, new Fpage(11 << 6), Win(0x2000_0000, 12))), "FPAGE_ANY order 11: -EINVAL");
            c.Equal(-12L, w.Root.Error(w.Sigma0Call(w.Root, World.PagerCap, Ram, Win(0x8000, 12), Win(0x2000_0000, 12))), "a reserved page (sigma0's): -ENOMEM");
            w.Boot.RootThread.Utcb.SetMr(0, 0);
            c.Equal(-39L, w.Root.Error(w.Root.Call(World.PagerCap, new MsgTag(0x4000, 1, 0))), "another protocol: -EBADPROTO");
        });
        yield return Case("sigma0/io-ports", "an I/O page fault (label -8) gets the ports first come, first served, as an RW I/O flexpage; a port another client holds is -ENOMEM",
            ["SIGMA0-ERR-1"], c =>
        {
            var w = new World(sigma0: true);
            MsgTag Io(L4Sys who, ulong gate, Fpage fp)
            {
                var u = who.Self.Utcb;
                u.SetMr(0, fp.Raw);
                u.Bdr = 2 << 5;                                          // the I/O buffers start at BR2 (l4_buf_desc io index)
                u.SetBr(2, (ulong)ItemBits.Map);
                u.SetBr(3, Fpage.Io(0, 16).Raw);                        // receive window: all 65536 ports
                return who.Call(gate, new MsgTag((long)Protocol.IoPageFault, 1, 0));
            }
            // memmap.cc:321-323 and ioports_x86.cc:32-45: the ports are kept shifted by 12, allocated to the client,
            // and sent with base 0 (snd_fpage, memmap_internal.h:23-38) as l4_iofpage(port, order) (RW).
            var t = Io(w.Root, World.PagerCap, Fpage.Io(0x60, 0));
            c.Equal(new MsgTag(0, 0, 1).Raw, t.Raw, "the root task gets port 0x60: one item");
            c.Equal((ulong)ItemBits.Map, w.Boot.Sigma0Thread.Utcb.Mr(0), "sigma0 sent a map item with base 0");
            c.Equal(Fpage.Io(0x60, 0).Raw, w.Boot.Sigma0Thread.Utcb.Mr(1), "and the RW I/O flexpage of port 0x60");
            c.Equal(0L, w.Root.Error(Io(w.Root, World.PagerCap, Fpage.Io(0x60, 0))), "the same client again: ok");
            // A second client through a gate of its own (a new-client request, then that gate).
            var u = w.Boot.RootThread.Utcb;
            u.SetMr(0, unchecked((ulong)(long)Protocol.Sigma0));
            u.Bdr = 0;
            u.SetBr(0, (0x200UL << 12) | (ulong)ItemBits.RcvSingleCap);
            w.Check(w.Root.Call(World.PagerCap, new MsgTag((long)Protocol.Factory, 1, 0)), "a new client's gate");
            var other = w.NewTask("client12");
            w.Check(w.Map(other.TaskSel, 0x30 << 12, CapRights.RWS, 0, 0x200UL << 12), "the gate into the other task");
            c.Equal(-12L, other.Sys.Error(Io(other.Sys, 0x30 << 12, Fpage.Io(0x60, 0))), "another client asks for port 0x60: -ENOMEM");
            c.Equal(0L, other.Sys.Error(Io(other.Sys, 0x30 << 12, Fpage.Io(0x64, 2))), "ports 0x64-0x67: ok");
        });
        yield return Case("sigma0/iomem", "IOMEM maps device memory outside RAM uncached (IOMEM_CACHED cached), to any client; RAM is refused", ["SIGMA0-IO-1"], c =>
        {
            var w = new World(sigma0: true);
            // 0xfed1c000 is an Arch region above RAM in the captured KIP: free I/O memory.
            c.Equal(0L, w.Root.Error(w.Sigma0Call(w.Root, World.PagerCap, (ulong)Sigma0Request.FpageIomem, Win(0xfed1c000, 12), Win(0x4000_0000, 12))), "IOMEM");
            var m = w.K.FindMem(w.Boot.Root, 0x4000_0000);
            c.True(m != null && m.Pa == 0xfed1c000 && m.Rights == MemRights.RW && m.Cache == 0x10, $"mapped RW, uncached ({m}, cache 0x{m?.Cache:x})");
            c.Equal(0L, w.Root.Error(w.Sigma0Call(w.Root, World.PagerCap, (ulong)Sigma0Request.FpageIomemCached, Win(0xfed1d000, 12), Win(0x4000_1000, 12))), "IOMEM_CACHED");
            c.Equal((byte)0x30, w.K.FindMem(w.Boot.Root, 0x4000_1000)!.Cache, "cached");
            c.Equal(-12L, w.Root.Error(w.Sigma0Call(w.Root, World.PagerCap, (ulong)Sigma0Request.FpageIomem, Win(0x100000, 12), Win(0x4000_2000, 12))), "RAM through IOMEM: -ENOMEM");
        });
        yield return Case("sigma0/kip", "the KIP request maps the KIP page (physical 0x600000) read-execute", ["SIGMA0-KIP-1"], c =>
        {
            var w = new World(sigma0: true);
            w.Sigma0Call(w.Root, World.PagerCap, KipReq, Fpage.Invalid, Win(Kip.PhysAddress, 12));
            var m = w.K.FindMem(w.Boot.Root, Kip.PhysAddress);
            c.True(m != null && m.Pa == Kip.PhysAddress && m.Rights == MemRights.RX, $"KIP mapped 1:1 RX ({m})");
        });
        yield return Case("sigma0/kip-in-memory", "the KIP page at 0x600000 holds the real header and the captured descriptors, and sigma0 builds its memory map from it",
            ["KIP-1", "SIGMA0-INIT-1"], c =>
        {
            var w = new World(sigma0: true, machine: true);
            var kip = KipReader.Read(w.K.Physical!, Kip.PhysAddress);
            c.Equal(0x4BE6344CU, kip.Magic, "magic 'L4µK'");
            c.Equal(0x87034444U, kip.Version, "version as the real dump shows");
            c.Equal(22, kip.Descriptors.Count, "the 22 captured descriptors");
            c.True(kip.Descriptors.SequenceEqual(Kip.CapturedDescriptors), "read back exactly");
            var t = w.Sigma0Call(w.Root, World.PagerCap, Any, Fpage.Memory(0, 12, MemRights.None), Win(0x1000_0000, 12));
            c.Equal(0x2000UL, w.Boot.RootThread.Utcb.Mr(0) & ~0xFFFUL, "sigma0's first free page, from the KIP in memory");
            var feats = new byte[0x200];
            w.K.Physical!.Read(Kip.PhysAddress + 0x490, feats);
            c.True(System.Text.Encoding.ASCII.GetString(feats).Contains("pf_tramp"), "feature strings follow the banner");
        });
        yield return Case("mem/recursive-unmap", "unmap revokes from every descendant; W or X alone are taken away; the task keeps its own page without the self bit",
            ["MEM-UNMAP-1", "MEM-UNMAP-2", "MEM-MAP-1"], c =>
        {
            var (w, a, b) = Chain();
            var ma = w.K.FindMem(a.Task, 0x40_0000)!;
            w.Check(w.Root.TaskUnmap(World.TaskCap, Fpage.Memory(0x1000_0000, 12, MemRights.W), UnmapMask.OtherSpaces), "revoke W below root");
            c.Equal(MemRights.RX, ma.Rights, "child lost W");
            c.Equal(MemRights.RX, w.K.FindMem(b.Task, 0x50_0000)!.Rights, "grandchild lost W");
            c.Equal(MemRights.RWX, w.K.FindMem(w.Boot.Root, 0x1000_0000)!.Rights, "root keeps RWX (no self bit)");
            w.Check(w.Root.TaskUnmap(World.TaskCap, Fpage.Memory(0x1000_0000, 12, MemRights.RWX), UnmapMask.OtherSpaces), "flush below root");
            c.True(w.K.FindMem(a.Task, 0x40_0000) == null && w.K.FindMem(b.Task, 0x50_0000) == null, "descendants gone");
            c.True(w.K.FindMem(w.Boot.Root, 0x1000_0000) != null, "root's page stays");
            w.Check(w.Root.TaskUnmap(World.TaskCap, Fpage.Memory(0x1000_0000, 12, MemRights.RWX), UnmapMask.AllSpaces), "flush with self");
            c.True(w.K.FindMem(w.Boot.Root, 0x1000_0000) == null, "root's page gone too");
        });
        yield return Case("mem/upgrade-overwrite-grant", "mapping the same page again upgrades rights; another page in the way is unmapped first; grant moves the mapping",
            ["MEM-MAP-3", "MEM-MAP-4", "MEM-GRANT-1"], c =>
        {
            var (w, a, b) = Chain();
            w.Check(w.Root.TaskMap(a.TaskSel, World.TaskCap, Fpage.Memory(0x1000_0000, 12, MemRights.R), 0x60_0000), "map R at 0x600000");
            w.Check(w.Root.TaskMap(a.TaskSel, World.TaskCap, Fpage.Memory(0x1000_0000, 12, MemRights.W), 0x60_0000), "map W on top");
            c.Equal(MemRights.RW, w.K.FindMem(a.Task, 0x60_0000)!.Rights, "upgraded to RW (OR)");
            w.Sigma0Call(w.Root, World.PagerCap, Any, Fpage.Memory(0, 12, MemRights.None), Win(0x1100_0000, 12));
            ulong other = w.K.FindMem(w.Boot.Root, 0x1100_0000)!.Pa;
            w.Check(w.Root.TaskMap(a.TaskSel, World.TaskCap, Fpage.Memory(0x1100_0000, 12, MemRights.RW), 0x40_0000), "another page over 0x400000");
            c.Equal(other, w.K.FindMem(a.Task, 0x40_0000)!.Pa, "the new page replaced the old");
            c.True(w.K.FindMem(b.Task, 0x50_0000) == null, "the old page's descendants went with it");
            var mid = w.K.FindMem(a.Task, 0x40_0000)!;
            c.Equal(0L, a.Sys.Error(a.Sys.TaskMap(0x20 << 12, World.TaskCap, Fpage.Memory(0x40_0000, 12, MemRights.RW), 0x70_0000 | (ulong)ItemBits.Grant)), "a grants 0x400000 to b");
            c.True(w.K.FindMem(a.Task, 0x40_0000) == null, "gone from a");
            var g = w.K.FindMem(b.Task, 0x70_0000)!;
            c.True(g.Pa == other && g.Parent == mid.Parent, "b's page takes a's place under root's mapping");
        });
        yield return Case("mem/order-below-12-is-no-op", "a memory map item whose fpage or receive window has an order below 12 maps nothing, silently: the transfer succeeds and the return item does not say map-nothing",
            ["MEM-MAP-1"], c =>
        {
            foreach (var (sndOrder, winOrder) in new[] { (12, 11), (11, 12) })
            {
                var (w, a, b) = Chain();
                w.Check(w.Map(a.TaskSel, 0x21 << 12, CapRights.RWS, 0, b.ThreadSel), "b's thread cap into a");
                var bs = w.ProgramSys(b.Thread);
                var asys = w.ProgramSys(a.Thread);
                IEnumerable<SyscallRequest> B()
                {
                    var u = b.Thread.Utcb;
                    u.Bdr = 0;
                    u.SetBr(0, (ulong)ItemBits.Map);
                    u.SetBr(1, Fpage.Memory(0x20_0000, winOrder, MemRights.RWX).Raw);
                    yield return bs.Next(bs.Wait());
                }
                IEnumerable<SyscallRequest> A()
                {
                    var u = a.Thread.Utcb;
                    u.SetMr(0, (ulong)ItemBits.Map);
                    u.SetMr(1, Fpage.Memory(0x40_0000, sndOrder, MemRights.RWX).Raw);
                    yield return asys.Next(asys.Send(0x21 << 12, new MsgTag(0, 0, 1)));
                }
                w.K.Start(b.Thread, B());
                w.K.Start(a.Thread, A());
                w.K.Run();
                // map_util-mem.cpp:50-52: either order below 12 returns L4_error::None before anything is looked at;
                // only empty_map marks the return item map-nothing (thread-ipc.cpp:1234-1237).
                string what = $"send order {sndOrder}, window order {winOrder}";
                c.True(!a.Thread.ResultTag.HasError && !b.Thread.ResultTag.HasError, $"{what}: the transfer succeeds");
                c.True(w.K.FindMem(b.Task, 0x20_0000) == null, $"{what}: nothing mapped");
                c.Equal(0UL, b.Thread.Utcb.Mr(0) & 2, $"{what}: the return item is not map-nothing");
            }
        });
        yield return Case("mem/no-rights-counts-as-absent", "a map whose rights come out empty maps nothing, and the kernel warns 'nothing mapped' as for an absent page",
            ["MEM-MAP-2"], c =>
        {
            var (w, a, b) = Chain();
            int before = w.K.Console.ToString().Split("nothing mapped: (Mem_space)").Length;
            w.Check(a.Sys, a.Sys.TaskMap(0x20 << 12, World.TaskCap, Fpage.Memory(0x40_0000, 12, MemRights.None), 0x60_0000), "a maps its page to b with rights 0");
            // map_util.cpp:491-493: map_lookup_src treats empty rights as no page; with no page mapped map() WARNs
            // (798-805) and sets empty_map (807-808).
            c.True(w.K.FindMem(b.Task, 0x60_0000) == null, "nothing mapped");
            int after = w.K.Console.ToString().Split("nothing mapped: (Mem_space)").Length;
            c.Equal(before + 1, after, "the kernel's 'nothing mapped' warning");
        });
        yield return Case("mem/map-copies-accessed-dirty", "a new mapping's leaf takes the source leaf's accessed and dirty bits: unmapping the child returns them",
            ["MEM-MAP-3", "MMU-PTE-1"], c =>
        {
            var w = new World(sigma0: true, machine: true);
            w.Check(w.Sigma0Call(w.Root, World.PagerCap, Any, Fpage.Memory(0, 12, MemRights.None), Win(0x1000_0000, 12)), "page from sigma0");
            var a = w.NewTask("a");
            var b = w.NewTask("b");
            w.Check(w.Root.TaskMap(a.TaskSel, World.TaskCap, Fpage.Memory(0x1000_0000, 12, MemRights.RWX), 0x40_0000), "root -> a");
            c.True(w.K.BusOf(a.Task).Write(0x40_0010, [1, 2, 3], out _), "a writes its page (its leaf: accessed, dirty)");
            w.Check(w.Map(a.TaskSel, 0x20 << 12, CapRights.RWS, 0, b.TaskSel), "b's task cap into a");
            w.Check(a.Sys, a.Sys.TaskMap(0x20 << 12, World.TaskCap, Fpage.Memory(0x40_0000, 12, MemRights.RWX), 0x50_0000), "a -> b");
            // mem_space-ia32.cpp:259-274 (v_lookup returns the leaf's A/D), page.cpp:60-69 (apply keeps them),
            // paging-ia32.cpp:81-97, 119-127 (make_page writes them into b's new leaf); b never touched its page.
            var t = a.Sys.TaskUnmapBatch(World.TaskCap, [Fpage.Memory(0x40_0000, 12, MemRights.RWX)], UnmapMask.OtherSpaces);
            c.Equal(0L, a.Sys.Error(t), "a unmaps its child");
            c.Equal(3UL, a.Thread.Utcb.Mr(2) & 0xF, "b's leaf carried a's referenced | dirty");
        });
        yield return Case("mem/map-onto-source", "mapping a page onto itself (or onto an ancestor of the source) unmaps it, the source and its subtree with it, and maps nothing",
            ["MEM-MAP-4"], c =>
        {
            var (w, a, b) = Chain();
            // map_util.cpp:652-693: the receiver's mapping is flushed with its subtree; Dst_equal_to_or_ancestor_of_src: the
            // source is gone too, nothing is inserted (mapdb.cpp:810-828).
            w.Check(a.Sys, a.Sys.TaskMap(World.TaskCap, World.TaskCap, Fpage.Memory(0x40_0000, 12, MemRights.RWX), 0x40_0000), "a maps its page onto itself");
            c.True(w.K.FindMem(a.Task, 0x40_0000) == null, "a's page is unmapped");
            c.True(w.K.FindMem(b.Task, 0x50_0000) == null, "and b's, derived from it");
            c.True(w.K.FindMem(w.Boot.Root, 0x1000_0000) != null, "root's page stays");
        });
        yield return Case("mem/unmap-all-spaces-fpage", "Task::unmap with the all-spaces fpage unmaps memory over the whole space, with the fpage's own rights",
            ["MEM-UNMAP-1"], c =>
        {
            var (w, a, b) = Chain();
            // map_util.cpp:456-457: an all-spaces fpage goes to mem_fpage_unmap too (start 0, the largest order, its rights).
            w.Check(a.Sys, a.Sys.TaskUnmap(World.TaskCap, new Fpage(Fpage.All.Raw | 4), UnmapMask.OtherSpaces), "all-spaces fpage, rights R, without the self bit");
            c.True(w.K.FindMem(b.Task, 0x50_0000) == null, "b's page, derived from a's, is gone");
            c.True(w.K.FindMem(a.Task, 0x40_0000) != null, "a keeps its own page");
            w.Check(a.Sys, a.Sys.TaskUnmap(World.TaskCap, new Fpage(Fpage.All.Raw | 7), UnmapMask.AllSpaces), "all-spaces fpage, RWX, with the self bit");
            c.True(w.K.FindMem(a.Task, 0x40_0000) == null, "a has no memory left");
        });
        yield return Case("mem/unmap-collects-accessed-dirty", "every unmap reads and clears the accessed/dirty bits of the leaves it visits, rights changed or not (rights 0 is a query), and ORs them into the task's own page if it still exists",
            ["MEM-UNMAP-3"], c =>
        {
            // (a) rights 0, without the self bit: b's read shows up although nothing is revoked.
            {
                var (w, a, b) = Chain(machine: true);
                c.True(w.K.BusOf(b.Task).Read(0x50_0010, new byte[1], Model.Machine.AccessKind.Read, out _), "b reads its page");
                var t = a.Sys.TaskUnmapBatch(World.TaskCap, [Fpage.Memory(0x40_0000, 12, MemRights.None)], UnmapMask.OtherSpaces);
                c.Equal(0L, a.Sys.Error(t), "unmap with rights 0");
                // map_util.cpp:917-921 and mem_space-ia32.cpp:283-303: v_delete reads the flags of every leaf it visits.
                c.Equal(1UL, a.Thread.Utcb.Mr(2) & 0xF, "rights 0: b's referenced bit comes back");
                c.True(w.K.FindMem(b.Task, 0x50_0000) != null, "b keeps its page");
            }
            // (b) with the self bit and W only: the task's own page stays, and keeps its bits (save_access_flags, 812-823).
            {
                var (w, a, _) = Chain(machine: true);
                c.True(w.K.BusOf(a.Task).Write(0x40_0010, [1], out _), "a writes its page");
                var t = a.Sys.TaskUnmapBatch(World.TaskCap, [Fpage.Memory(0x40_0000, 12, MemRights.W)], UnmapMask.AllSpaces);
                c.Equal(3UL, a.Thread.Utcb.Mr(2) & 0xF, "first revoke of W with the self bit: referenced | dirty");
                t = a.Sys.TaskUnmapBatch(World.TaskCap, [Fpage.Memory(0x40_0000, 12, MemRights.W)], UnmapMask.AllSpaces);
                c.Equal(3UL, a.Thread.Utcb.Mr(2) & 0xF, "second revoke: the bits were OR-ed back into a's own page");
            }
        });
        yield return Case("mem/accessed-dirty", "unmap returns the accessed and dirty bits of what it removed in the fpage word", ["MEM-UNMAP-3"], c =>
        {
            var (w, a, b) = Chain(machine: true);
            var bus = w.K.BusOf(b.Task);
            c.True(bus.Write(0x50_0010, [1, 2, 3], out _), "b writes its page");
            var t = w.Root.TaskUnmapBatch(World.TaskCap, [Fpage.Memory(0x1000_0000, 12, MemRights.RWX)], UnmapMask.OtherSpaces);
            c.Equal(0L, w.Root.Error(t), "unmap");
            c.Equal(3UL, w.Boot.RootThread.Utcb.Mr(2) & 0xF, "referenced | dirty came back");
            c.True(w.K.FindMem(b.Task, 0x50_0000) == null, "b's page is gone");
            c.True(!bus.Read(0x50_0010, new byte[1], Model.Machine.AccessKind.Read, out var trap) && trap.ErrorCode == 0x4,
                $"b's read now faults not-present/user (0x4), got {trap}");
            var t2 = w.Root.TaskUnmapBatch(World.TaskCap, [Fpage.Memory(0x1000_0000, 12, MemRights.RWX)], UnmapMask.AllSpaces);
            c.Equal(3UL, w.Boot.RootThread.Utcb.Mr(2) & 0xF, "the children's bits were OR-ed into root's own page and come back with it");
        });
        yield return Case("mem/accessed-dirty-per-page", "an unmap over several pages gives each page of the task only its own descendants' accessed and dirty bits", ["MEM-UNMAP-3"], c =>
        {
            var (w, a, b) = Chain(machine: true);
            w.Sigma0Call(w.Root, World.PagerCap, Any, Fpage.Memory(0, 12, MemRights.None), Win(0x1000_1000, 12));
            w.Check(w.Root.TaskMap(a.TaskSel, World.TaskCap, Fpage.Memory(0x1000_1000, 12, MemRights.RW), 0x40_1000), "second page to a, never touched");
            c.True(w.K.BusOf(b.Task).Write(0x50_0010, [1], out _), "b writes the first page");
            w.Check(w.Root.TaskUnmap(World.TaskCap, Fpage.Memory(0x1000_0000, 13, MemRights.RWX), UnmapMask.OtherSpaces), "flush both pages below root");
            w.Root.TaskUnmapBatch(World.TaskCap, [Fpage.Memory(0x1000_0000, 12, MemRights.RWX), Fpage.Memory(0x1000_1000, 12, MemRights.RWX)], UnmapMask.AllSpaces);
            var u = w.Boot.RootThread.Utcb;
            c.Equal(3UL, u.Mr(2) & 0xF, "first page: its descendant's referenced | dirty");
            c.Equal(0UL, u.Mr(3) & 0xF, "second page: nothing, its descendant was never touched");
        });
        yield return Case("mem/grant-part-of-superpage", "a grant of part of a larger page is demoted to a map, with the kernel's warning",
            ["MEM-GRANT-1"], c =>
        {
            var w = new World(sigma0: true);
            w.Check(w.Sigma0Call(w.Root, World.PagerCap, Any, Fpage.Memory(0, 21, MemRights.None), Win(0x2000_0000, 21)), "a 2 MiB page for root");
            var a = w.NewTask("a");
            w.Check(w.Root.TaskMap(a.TaskSel, World.TaskCap, Fpage.Memory(0x2000_1000, 12, MemRights.RW), 0x40_0000 | (ulong)ItemBits.Grant), "grant 4 KiB of it to a");
            // map_util.cpp:598-617: the page order shrinks below the source's, so the grant becomes a map, with a WARN.
            c.True(w.K.FindMem(w.Boot.Root, 0x2000_0000) is { Order: 21 }, "root keeps its 2 MiB page");
            c.True(w.K.FindMem(a.Task, 0x40_0000) is { Order: 12 } m && m.Parent?.Space == w.Boot.Root, "a's 4 KiB page is a child of it (mapped, not granted)");
            var line = $"\n\x1b[31mKERNEL\x1b[m: Warning: XXX Can't GRANT page from superpage (0x{w.Boot.Root.Address + Kernel.SpaceOffset:x}: {0x2000_1000UL >> 12:x16} -> 0x{a.Task.Address + Kernel.SpaceOffset:x}: {0x40_0000UL >> 12:x16}), demoting to MAP\n";
            c.True(w.K.Console.ToString().Contains(line), "the kernel's demotion warning");
        });
        yield return Case("mem/superpage", "a 2 MiB page maps whole; unmapping 4 KiB of it with the self bit removes the whole page and what derives from it", ["MEM-SUPER-1"], c =>
        {
            var w = new World(sigma0: true);
            var t = w.Sigma0Call(w.Root, World.PagerCap, Any, Fpage.Memory(0, 21, MemRights.None), Win(0x2000_0000, 21));
            c.Equal(0L, w.Root.Error(t), "FPAGE_ANY order 21");
            var m = w.K.FindMem(w.Boot.Root, 0x2000_0000)!;
            c.Equal(21, m.Order, "one 2 MiB mapping");
            c.Equal(0x20_0000UL, m.Pa, "the lowest free 2 MiB block (0x200000)");
            var a = w.NewTask("a");
            w.Check(w.Root.TaskMap(a.TaskSel, World.TaskCap, Fpage.Memory(0x2000_5000, 12, MemRights.RW), 0x40_0000), "4 KiB of it to a");
            c.Equal(0x20_5000UL, w.K.FindMem(a.Task, 0x40_0000)!.Pa, "the right 4 KiB");
            w.Check(w.Root.TaskUnmap(World.TaskCap, Fpage.Memory(0x2000_0000, 12, MemRights.RWX), UnmapMask.AllSpaces), "unmap 4 KiB with self");
            c.True(w.K.FindMem(w.Boot.Root, 0x2010_0000) == null, "the whole 2 MiB page is gone");
            c.True(w.K.FindMem(a.Task, 0x40_0000) == null, "and a's derived page");
        });
    }

    /// <summary>The receiver's page tables limit a superpage (MEM-SUPER-1, memory.md D13).</summary>
    public static IEnumerable<ConformanceCase> SuperpageLimits()
    {
        yield return Case("mem/no-gigabyte-pages", "1 GiB from sigma0 maps as 512 pages of 2 MiB (the captured CPU has no 1 GiB pages): unmapping one 2 MiB piece with the self bit leaves the other 511", ["MEM-SUPER-1"], c =>
        {
            var w = new World(sigma0: true);
            var a = w.NewTask("a");
            var r = w.K.MapMemory(w.Boot.Sigma0!, Fpage.Memory(0x4000_0000, 30, MemRights.RWX), a.Task, 0x4000_0000, grant: false, cache: 0);
            c.Equal(512, r.Mapped, "pieces mapped");
            c.Equal(21, w.K.FindMem(a.Task, 0x4000_0000)?.Order ?? -1, "each piece is 2 MiB");
            w.Check(w.Map(a.TaskSel, 0x20 << 12, CapRights.RWS, 0, a.TaskSel), "a's own task cap");
            w.Check(a.Sys, a.Sys.TaskUnmap(0x20 << 12, Fpage.Memory(0x4000_0000, 21, MemRights.RWX), UnmapMask.AllSpaces), "a unmaps its first 2 MiB with the self bit");
            c.True(w.K.FindMem(a.Task, 0x4000_0000) == null, "the first 2 MiB is gone");
            c.True(w.K.FindMem(a.Task, 0x4020_0000) is { Order: 21 }, "the next 2 MiB is still mapped (the old model mapped one 1 GiB page and removed it whole)");
            c.Equal(511, a.Task.Memory.Count(), "511 pieces stay");
        });
        yield return Case("mem/superpage-into-page-table", "where the receiver has a page table, even an emptied one, a 2 MiB page is mapped in 4 KiB pieces: unmapping one with the self bit leaves the rest", ["MEM-SUPER-1"], c =>
        {
            var w = new World(sigma0: true);
            c.Equal(0L, w.Root.Error(w.Sigma0Call(w.Root, World.PagerCap, Any, Fpage.Memory(0, 21, MemRights.None), Win(0x2000_0000, 21))), "FPAGE_ANY order 21");
            var a = w.NewTask("a");
            w.Check(w.Map(a.TaskSel, 0x20 << 12, CapRights.RWS, 0, a.TaskSel), "a's own task cap");
            w.Check(w.Root.TaskMap(a.TaskSel, World.TaskCap, Fpage.Memory(0x2000_0000, 12, MemRights.RW), 0x20_0000), "4 KiB to a at 0x200000");
            w.Check(a.Sys, a.Sys.TaskUnmap(0x20 << 12, Fpage.Memory(0x20_0000, 12, MemRights.RWX), UnmapMask.AllSpaces), "a unmaps it again");
            c.True(w.K.FindMem(a.Task, 0x20_0000) == null, "nothing mapped at 0x200000");
            w.Check(w.Root.TaskMap(a.TaskSel, World.TaskCap, Fpage.Memory(0x2000_0000, 21, MemRights.RW), 0x20_0000), "the 2 MiB page to a at 0x200000");
            c.Equal(12, w.K.FindMem(a.Task, 0x20_0000)?.Order ?? -1, "mapped as 4 KiB pages: the page table stayed (the old model mapped 2 MiB)");
            c.Equal(512, a.Task.Memory.Count(), "512 pieces");
            w.Check(a.Sys, a.Sys.TaskUnmap(0x20 << 12, Fpage.Memory(0x20_1000, 12, MemRights.RWX), UnmapMask.AllSpaces), "a unmaps 4 KiB at 0x201000");
            c.True(w.K.FindMem(a.Task, 0x20_0000) != null, "0x200000 is still mapped");
            c.True(w.K.FindMem(a.Task, 0x20_1000) == null, "0x201000 is not");
            var b = w.NewTask("b");
            w.Check(w.Root.TaskMap(b.TaskSel, World.TaskCap, Fpage.Memory(0x2000_0000, 21, MemRights.RW), 0x20_0000), "the same page to b, which has no page table there");
            c.Equal(21, w.K.FindMem(b.Task, 0x20_0000)?.Order ?? -1, "b gets one 2 MiB page");
        });
    }

    /// <summary>Root gets a page from sigma0 at 0x10000000, maps it RWX to a at 0x400000, a maps it to b at 0x500000.</summary>
    private static (World, UserTask A, UserTask B) Chain(bool machine = false)
    {
        var w = new World(sigma0: true, machine: machine);
        w.Check(w.Sigma0Call(w.Root, World.PagerCap, Any, Fpage.Memory(0, 12, MemRights.None), Win(0x1000_0000, 12)), "page from sigma0");
        var a = w.NewTask("a");
        var b = w.NewTask("b");
        w.Check(w.Root.TaskMap(a.TaskSel, World.TaskCap, Fpage.Memory(0x1000_0000, 12, MemRights.RWX), 0x40_0000), "root -> a");
        w.Check(w.Map(a.TaskSel, 0x20 << 12, CapRights.RWS, 0, b.TaskSel), "b's task cap into a");
        w.Check(a.Sys, a.Sys.TaskMap(0x20 << 12, World.TaskCap, Fpage.Memory(0x40_0000, 12, MemRights.RWX), 0x50_0000), "a -> b");
        return (w, a, b);
    }
}
