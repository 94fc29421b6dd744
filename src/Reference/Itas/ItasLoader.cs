using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Itas;

/// <summary>
/// The loader the program thread starts in (itas/loader.cc:290-302, loader_elf.cc, libloader local_app_model; itas
/// notes §1.5-1.7): it reads the binary's headers, makes the program's stack, attaches the segments through the
/// runtime's region map (IPC to the runtime thread), builds the initial stack, and jumps to the entry point.
/// </summary>
public static class ItasLoader
{
    private static string Rights(uint f) =>
        $"{((f & ElfSegment.PfR) != 0 ? 'r' : '-')}{((f & ElfSegment.PfW) != 0 ? 'w' : '-')}{((f & ElfSegment.PfX) != 0 ? 'x' : '-')}";

    private static string Hex(ulong v, int width) => (v == 0 ? "0" : $"0x{v:x}").PadLeft(width);

    public static void Run(Process p)
    {
        ItasState st;
        lock (ItasProgram.States) st = ItasProgram.States[p.Task];
        var env = st.Env;
        var s = p.Sys;
        var rm = new RmClient(s, st.RmGate);
        ulong bin = st.BinarySlot << 12;

        // read_infos: the whole binary, through a temporary region
        var (ir, size, _) = DsClient.Info(s, bin);
        if (ir < 0) { ItasProgram.Terminate(p, st, "N2L413Runtime_errorE", $"{L4Errors.Text(ir)}: dataspace info"); return; }
        var bytes = ReadDs(p, st, rm, bin, size);
        var elf = ElfImage.Parse(bytes);
        if (elf == null) { ItasProgram.Terminate(p, st, "N2L413Runtime_errorE", "Invalid argument: not an ELF binary"); return; }
        st.Dbg(p, ItasState.DbgLoader, "ldr", $"  STACK: {elf.StackAddr:x} ({elf.StackSize:x})    KIP: {elf.KipAddr ?? env.KipAddr:x}\n");
        st.Dbg(p, ItasState.DbgLoader, "ldr", "  PHDRs:     type   offset       paddr       vaddr    filesz     memsz rights\n");
        foreach (var sg in elf.Segments)
        {
            string tn = ElfImage.TypeName(sg.Type);
            string head = tn.Length > 0 ? $"   [{tn,-12}]" : $"   [{sg.Type,12:x}]";
            st.Dbg(p, ItasState.DbgLoader, "ldr", $"{head}{Hex(sg.Offset, 9)}{Hex(sg.PAddr, 12)}{Hex(sg.VAddr, 12)}{Hex(sg.FileSize, 10)}{Hex(sg.MemSize, 10)} {Rights(sg.Flags)}\n");
        }

        // the program's stack: a dataspace of mem_alloc, attached at the binary's stack address
        ulong stackDs = st.AllocCap();
        long cr = FactoryClient.Create(s, env.MemAlloc, 0x4000, stackDs, FactoryClient.Int((long)elf.StackSize), FactoryClient.Uint(0), FactoryClient.Uint(0));
        if (cr < 0) { ItasProgram.Terminate(p, st, "N2L413Runtime_errorE", $"{L4Errors.Text(cr)}: l4re_itas: Attach application stack."); return; }
        bool eager = (env.LdrFlags & 1) != 0;
        var (ar, stackAt) = rm.Attach(elf.StackAddr, elf.StackSize, RmFlags.RW | RmFlags.SearchAddr | (eager ? RmFlags.EagerMap : 0),
            stackDs << 12, CapRights.RWS, 0, 12, "[stack]", 0);
        if (ar < 0) { ItasProgram.Terminate(p, st, "N2L413Runtime_errorE", $"{L4Errors.Text(ar)}: l4re_itas: Attach application stack."); return; }

        // the segments
        ulong baseAddr = 0;
        foreach (var sg in elf.Segments.Where(x => x.Type == ElfSegment.PtLoad))
        {
            ulong start = baseAddr + (sg.VAddr & ~0xFFFUL);
            ulong len = ((sg.VAddr + sg.MemSize + 0xFFF) & ~0xFFFUL) - (sg.VAddr & ~0xFFFUL);
            uint rights = ((sg.Flags & ElfSegment.PfR) != 0 ? RmFlags.R : 0) | ((sg.Flags & ElfSegment.PfW) != 0 ? RmFlags.W : 0) | ((sg.Flags & ElfSegment.PfX) != 0 ? RmFlags.X : 0);
            uint flags = rights | (eager ? RmFlags.EagerMap : 0);
            ulong fileOffs = sg.Offset & ~0xFFFUL;
            if ((sg.Flags & ElfSegment.PfW) == 0 && sg.MemSize == sg.FileSize)
            {
                var (r1, _) = rm.Attach(start, len, flags, bin, CapRights.RWS, fileOffs, 12, st.Binary, fileOffs);
                if (r1 < 0) { ItasProgram.Terminate(p, st, "N2L413Runtime_errorE", $"{L4Errors.Text(r1)}: attaching ELF segment"); return; }
            }
            else
            {
                ulong copy = st.AllocCap();
                long c1 = FactoryClient.Create(s, env.MemAlloc, 0x4000, copy, FactoryClient.Int((long)len), FactoryClient.Uint(0), FactoryClient.Uint(0));
                if (c1 < 0) { ItasProgram.Terminate(p, st, "N2L413Runtime_errorE", $"{L4Errors.Text(c1)}: l4re_itas: Loading writable ELF segment."); return; }
                long c2 = DsClient.CopyIn(s, copy << 12, sg.VAddr & 0xFFF, bin, sg.Offset, sg.FileSize);
                if (c2 < 0) { ItasProgram.Terminate(p, st, "N2L413Runtime_errorE", $"{L4Errors.Text(c2)}: l4re_itas: Copy-in failed."); return; }
                var (r2, _) = rm.Attach(start, len, flags, copy << 12, CapRights.RWS, 0, 12, st.Binary, fileOffs);
                if (r2 < 0) { ItasProgram.Terminate(p, st, "N2L413Runtime_errorE", $"{L4Errors.Text(r2)}: attaching ELF segment"); return; }
            }
        }

        // the initial stack (loader:229-327; itas/loader.cc:184-271)
        var sb = new StackBuilder(stackAt + elf.StackSize);
        ulong[] envw = env.EnvWords();
        envw[1] = st.RmGate;                                             // rm: the runtime's region map
        envw[4] = st.ProgramThreadSlot << 12;                             // main_thread: the program thread
        envw[7] = st.SignalMgrGate;                                       // itas
        envw[12] = st.FirstFreeUtcbForProgram;
        for (int i = envw.Length - 1; i >= 0; i--) sb.PushWord(envw[i]);
        ulong envPtr = sb.Sp;
        sb.Align16();
        ulong beforeAuxv = sb.Sp;
        Moe.MoeLoader.PushAuxv(sb, elf, envPtr, elf.KipAddr ?? env.KipAddr, env.AuxAddr, baseAddr);
        sb.PushWord(0);
        foreach (var e in EnvPointers(p, env)) sb.PushWord(e);            // forward order: the program sees it reversed
        sb.PushWord(0);
        var argvPtrs = ArgvPointers(p, env);
        for (int i = argvPtrs.Count - 1; i >= 0; i--) sb.PushWord(argvPtrs[i]);
        sb.PushWord((ulong)argvPtrs.Count);
        sb.AdjustSp(beforeAuxv);
        var (imgAt, img) = sb.Image();
        for (int off = 0; off < img.Length; off += 0x1000)
        {
            ulong page = imgAt + (ulong)off;
            st.Rm!.Resolve(p, s, page | 2, 0);
            p.Write(page, img.AsSpan(off, Math.Min(0x1000, img.Length - off)));
        }
        st.Dbg(p, ItasState.DbgLoader, "ldr", " done...\n");

        // start_prog: off the loader stack, which goes away, then to the entry point
        rm.Detach(st.LoaderStackAddr, ItasProgram.LoaderStackSize, 0);
        s.TaskUnmap(0x1000, Fpage.Obj(st.LoaderStackSlot << 12, 0, CapRights.RWSD), UnmapMask.AllSpaces);
        st.FreeCap(st.LoaderStackSlot);
        var regs = p.Thread.Machine!.Regs;
        regs.Rsp = sb.Sp;
        regs.Rip = baseAddr + elf.Entry;
        regs.Rdx = 0;
    }

    /// <summary>The runtime's own argv strings (argv[0] is the binary), passed on as they are.</summary>
    private static List<ulong> ArgvPointers(Process p, L4ReEnv env) => env.ArgvAddrs;

    private static IEnumerable<ulong> EnvPointers(Process p, L4ReEnv env) => env.EnvpAddrs;

    /// <summary>The binary's bytes: attached in the runtime's region map for the read, then detached (elf read_infos).</summary>
    private static byte[] ReadDs(Process p, ItasState st, RmClient rm, ulong ds, ulong size)
    {
        ulong len = (size + 0xFFF) & ~0xFFFUL;
        var (r, at) = rm.Attach(0, len, RmFlags.R | RmFlags.SearchAddr, ds, CapRights.RWS, 0, 12, "", 0);
        if (r < 0) return [];
        var bytes = new byte[size];
        for (ulong off = 0; off < size; off += 0x1000)
        {
            st.Rm!.Resolve(p, p.Sys, at + off, 0);
            p.TryRead(at + off, bytes.AsSpan((int)off, (int)Math.Min(0x1000, size - off)));
        }
        rm.Detach(at, len, 0);
        return bytes;
    }
}
