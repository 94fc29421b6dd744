namespace L4Conf.Model.Machine;

/// <summary>
/// The x86-64 4-level page walk (Intel SDM Vol. 3 §4.5, §4.6, §4.7, §4.8; abi-facts §13) over <see cref="PhysicalMemory"/>.
/// Modelled CPU configuration: CR4.PAE=1, EFER.LME=1 (4-level paging), EFER.NXE=1 (bit 63 is XD, not reserved),
/// CR0.WP=1 (supervisor writes honour R/W), 1 GiB pages supported, SMEP/SMAP/PKE off (supervisor accesses to user
/// pages allowed; bits 62..59 ignored), MAXPHYADDR from <see cref="PhysicalMemory.MaxPhysAddrBits"/>.
/// <para>Accessed/Dirty: hardware sets A in each entry as it uses it and may leave A set even if the walk faults
/// later. The model sets nothing on a fault: <see cref="Probe"/> reads only, and A (every entry used) and D (the
/// leaf, on a write) are written by <see cref="Commit"/> only after a successful translation. A bit already set
/// is not rewritten (no frame-version bump).</para>
/// </summary>
public static class Mmu
{
    /// <summary>Bits 63..47 all equal (48-bit linear addresses).</summary>
    public static bool IsCanonical(ulong va) => (ulong)((long)va >> 47) + 1 <= 1;

    /// <summary>
    /// Translates <paramref name="va"/> for an access of <paramref name="kind"/> at CPL 3 (<paramref name="user"/>)
    /// or CPL 0, setting A/D on success. On failure <paramref name="trap"/> is #GP(0) for a non-canonical address
    /// (no CR2) or #PF with the error code and CR2 = <paramref name="va"/>; memory is unchanged.
    /// </summary>
    public static bool Translate(PhysicalMemory mem, ulong cr3, ulong va, AccessKind kind, bool user, out ulong pa, out Trap trap)
    {
        if (!Probe(mem, cr3, va, kind, user, out var t, out trap)) { pa = 0; return false; }
        Commit(mem, t, kind);
        pa = t.Pa;
        return true;
    }

    /// <summary>The walk without side effects: the translation and effective rights, or the trap the access raises.</summary>
    public static bool Probe(PhysicalMemory mem, ulong cr3, ulong va, AccessKind kind, bool user, out Translation t, out Trap trap)
    {
        t = default;
        if (!IsCanonical(va)) { trap = new Trap(Vector.GeneralProtection, 0); return false; }

        ulong rsvdAddr = mem.ReservedAddressBits;
        ulong table = cr3 & Pte.AddrMask & ~rsvdAddr;   // CR3 bits 11..0 (PWT/PCD, PCID) are not part of the root
        ulong ea0 = 0, ea1 = 0, ea2 = 0, ea3 = 0;
        bool w = true, u = true, nx = false, accessed = true;
        int level = Pte.Levels, n = 0;
        ulong e = 0;   // assigned here too so that a mutant of the loop below still compiles (Stryker would drop all of Probe)
        while (true)
        {
            ulong ea = table + (ulong)Pte.Index(va, level) * Pte.EntrySize;
            e = mem.ReadU64(ea);
            switch (n++) { case 0: ea0 = ea; break; case 1: ea1 = ea; break; case 2: ea2 = ea; break; default: ea3 = ea; break; }
            if (!Pte.IsPresent(e)) return PageFault(va, kind, user, present: false, reserved: false, out trap);

            bool leaf = Pte.IsLeaf(e, level);
            ulong rsvd = e & rsvdAddr;
            if (level == 4) rsvd |= e & (ulong)PteBits.Pse_bit;
            else if (leaf && level == 3) rsvd |= e & Pte.Reserved1G;
            else if (leaf && level == 2) rsvd |= e & Pte.Reserved2M;
            if (rsvd != 0) return PageFault(va, kind, user, present: true, reserved: true, out trap);

            w &= (e & (ulong)PteBits.Writable) != 0;
            u &= (e & (ulong)PteBits.User) != 0;
            nx |= (e & (ulong)PteBits.XD) != 0;
            accessed &= (e & (ulong)PteBits.Referenced) != 0;
            if (leaf) break;
            table = Pte.TableAddress(e);
            level--;
        }

        // Rights, combined over all levels. A user access needs U everywhere; a write needs R/W everywhere (CR0.WP=1
        // makes this hold for supervisor writes too); a fetch needs XD clear everywhere.
        bool violation = (user && !u) || (kind == AccessKind.Write && !w) || (kind == AccessKind.Execute && nx);
        if (violation) return PageFault(va, kind, user, present: true, reserved: false, out trap);

        var size = PageSizeExtensions.AtLevel(level);
        ulong pa = Pte.LeafAddress(e, size) | (va & size.OffsetMask());
        t = new Translation(va, pa, size, e, w, u, !nx, n, ea0, ea1, ea2, ea3, accessed);
        trap = default;
        return true;
    }

    /// <summary>Sets Accessed in every entry the walk used and Dirty in the leaf for a write (only bits not yet set are written).</summary>
    public static void Commit(PhysicalMemory mem, in Translation t, AccessKind kind)
    {
        if (t.AllAccessed && (kind != AccessKind.Write || t.LeafDirty)) return;   // nothing to set (fast path on TLB refills)
        for (int i = 0; i < t.EntryCount; i++)
        {
            ulong ea = t.EntryAddress(i);
            ulong e = mem.ReadU64(ea);
            ulong ne = e | (ulong)PteBits.Referenced;
            if (i == t.EntryCount - 1 && kind == AccessKind.Write) ne |= (ulong)PteBits.Dirty;
            if (ne != e) mem.WriteU64(ea, ne);
        }
    }

    /// <summary>
    /// The page-fault error code, bit by bit (SDM Vol. 3 §4.7): P when the page was present (a rights violation or a
    /// reserved bit: RSVD faults always have P), W/R for a write, U/S for a CPL-3 access, RSVD for a reserved bit,
    /// I/D for an instruction fetch (EFER.NXE = 1).
    /// </summary>
    public static ulong PageFaultCode(AccessKind kind, bool user, bool present, bool reserved)
    {
        ulong err = 0;
        if (present || reserved) err |= (ulong)PfErr.Present;
        if (kind == AccessKind.Write) err |= (ulong)PfErr.Write;
        if (user) err |= (ulong)PfErr.User;
        if (reserved) err |= (ulong)PfErr.Reserved;
        if (kind == AccessKind.Execute) err |= (ulong)PfErr.InstrFetch;
        return err;
    }

    private static bool PageFault(ulong va, AccessKind kind, bool user, bool present, bool reserved, out Trap trap)
    {
        ulong err = PageFaultCode(kind, user, present, reserved);
        if (ErrorCodeMutation.Value is { } mutate) err = mutate(err);
        trap = new Trap(Vector.PageFault, err, va);
        return false;
    }

    /// <summary>
    /// Only for mutation runs (`l4conf run --mutant pfec-*`): rewrites the error code the walk raises, to show that each
    /// bit's case notices. Flows with the running case, so parallel tests never see it.
    /// </summary>
    public static readonly AsyncLocal<Func<ulong, ulong>?> ErrorCodeMutation = new();
}
