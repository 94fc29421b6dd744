namespace L4Conf.Model.Machine;

/// <summary>
/// The two sub-modes of IA-32e mode user code runs in (Intel SDM Vol. 3A §2.2, §5.2-5.5): 64-bit mode, where CS, DS,
/// ES and SS have no base or limit, and compatibility mode, entered by loading a code segment without L (Fiasco's 0x1B
/// user code32, or a 32-bit user GDT entry), where code runs with 32-bit defaults and every data segment has its base,
/// limit and type again.
/// </summary>
/// <remarks>
/// <para>The CPU keeps each segment register's descriptor as it was loaded (<see cref="shadow"/>, the hidden part),
/// read from the GDT for the selectors a run starts with: Fiasco reloads them on every switch to the thread
/// (context-ia32-64.cpp switch_cpu). In compatibility mode the register-file slots <see cref="EsSlot"/>,
/// <see cref="CsSlot"/>, <see cref="SsSlot"/> and <see cref="DsSlot"/> hold the bases (zero in 64-bit mode), so an
/// effective address comes out as a linear address; <see cref="SegmentedBus"/> then checks the segment's type and
/// limit and wraps the address at 4 GiB. The stack is ESP (SS.B set) or SP, the instruction pointer EIP.</para>
/// <para>The code segment's base is added to EIP for every fetch (the decoded pages are pages of EIP, fetched from
/// the linear address, across two linear pages when the base is not page-aligned: CodePage); an instruction whose
/// bytes lie past its limit, and a branch to a target past it, is #GP(0) (at the branch). A 16-bit code segment runs
/// 16-bit code (IP wraps at 64 KiB).</para>
/// </remarks>
public sealed partial class Cpu
{
    /// <summary>Register-file slots of the ES, CS and DS bases in compatibility mode (SS's is <see cref="SsSlot"/>).</summary>
    internal const byte EsSlot = 20, CsSlot = 21, DsSlot = 22;
    private const ulong Low32 = 0xFFFF_FFFF;

    /// <summary>Whether the code segment is a compatibility-mode one (decoding, stack and addressing follow it).</summary>
    private bool compat => codeBits != 64;
    /// <summary>EIP wraps at 4 GiB in compatibility mode, IP at 64 KiB in 16-bit code.</summary>
    private ulong ipMask = ulong.MaxValue;
    /// <summary>The code segment's base and limit (0 and no limit in 64-bit mode), and how its code decodes (64, 32, 16).</summary>
    private ulong csBase, csLimit = ulong.MaxValue;
    private int codeBits = 64;
    /// <summary>The stack-pointer width: RSP in 64-bit mode, ESP or SP (SS.B) in compatibility mode.</summary>
    private ulong stackMask = ulong.MaxValue;
    /// <summary>The segment slot of the last data access (<see cref="SegmentedBus"/> checks that segment).</summary>
    private byte lastSeg;
    /// <summary>The descriptors the segment registers were loaded with, by register number; null ones are unusable.</summary>
    private readonly SegmentDescriptor[] shadow = new SegmentDescriptor[6];
    private readonly bool[] usable = new bool[6];
    /// <summary>The bus the run was given, and its segmented view for compatibility mode.</summary>
    private IMemoryBus flatBus = null!;
    private SegmentedBus? segBus;

    /// <summary>Whether the data segments' hidden parts were read in this run (only compatibility mode needs them).</summary>
    private bool shadowsLoaded;

    /// <summary>
    /// The hidden part of CS for the selector a run starts with (as Fiasco's switch to the thread loaded it); the data
    /// segments' are read when the run first enters compatibility mode (<see cref="LoadDataShadows"/>).
    /// </summary>
    private void LoadShadows()
    {
        shadowsLoaded = false;
        LoadShadow(SegCs);
    }

    /// <summary>
    /// The data segments' hidden parts, from the table as it is: the same descriptors a load earlier in this run kept
    /// (the table does not change while a run goes on), so reading them late loses nothing.
    /// </summary>
    private void LoadDataShadows()
    {
        if (shadowsLoaded) return;
        shadowsLoaded = true;
        foreach (int r in (ReadOnlySpan<int>)[SegEs, SegSs, SegDs, SegFs, SegGs]) LoadShadow(r);
    }

    private void LoadShadow(int r)
    {
        ushort sel = SegReg(r);
        usable[r] = (sel & 0xFFFC) != 0 && st.Gdt.TryRead(sel, out shadow[r]);
        if (!usable[r]) shadow[r] = default;
    }

    /// <summary>
    /// Switch decoding, stack width and addressing to the mode CS names; false (with the stop) for a code segment the
    /// model does not run. Called when a run starts and after every far transfer.
    /// </summary>
    private bool SetMode(ulong at)
    {
        var cs = shadow[SegCs];
        if (usable[SegCs] && cs.IsCode && cs.Long)
        {
            ipMask = stackMask = csLimit = ulong.MaxValue;
            csBase = 0;
            codeBits = 64;
            Gpr(EsSlot) = Gpr(CsSlot) = Gpr(SsSlot) = Gpr(DsSlot) = 0;
            mem = flatBus;
            return true;
        }
        if (!usable[SegCs] || !cs.IsCode)
            return NotModelled($"CS 0x{st.Cs:x} is not a code segment", at);                // no transfer loads one; a state may hold it
        codeBits = cs.Default32 ? 32 : 16;
        ipMask = cs.Default32 ? Low32 : 0xFFFF;
        csBase = cs.Base;
        csLimit = cs.Limit;
        LoadDataShadows();
        RefreshCompatSlots();
        mem = segBus ??= new SegmentedBus(this);
        return true;
    }

    /// <summary>The base slots and stack width from the hidden parts (compatibility mode; an unusable one is empty: base 0).</summary>
    private void RefreshCompatSlots()
    {
        Gpr(EsSlot) = shadow[SegEs].Base;
        Gpr(CsSlot) = shadow[SegCs].Base;
        Gpr(SsSlot) = shadow[SegSs].Base;
        Gpr(DsSlot) = shadow[SegDs].Base;
        stackMask = shadow[SegSs].Default32 ? Low32 : 0xFFFF;
    }

    /// <summary>The segment register a base slot stands for.</summary>
    private static int SregOfSlot(byte slot) => slot switch
    {
        EsSlot => SegEs, CsSlot => SegCs, SsSlot => SegSs, FsSlot => SegFs, GsSlot => SegGs, _ => SegDs,
    };

    /// <summary>
    /// The type and limit checks of a data access of <paramref name="size"/> bytes at linear <paramref name="linear"/>
    /// through the segment of slot <paramref name="slot"/> (SDM Vol. 3A §5.3, §5.5): a null segment, a write to a
    /// read-only or code segment, a read of an execute-only one, or an offset outside the limit (above it, or at or
    /// below it for expand-down) is #GP(0), #SS(0) for SS.
    /// </summary>
    private bool SegmentAllows(byte slot, ulong linear, int size, bool write, out Trap fault)
    {
        fault = default;
        int r = SregOfSlot(slot);
        var d = shadow[r];
        ulong off = (linear - Gpr(slot)) & Low32, last = off + (ulong)size - 1;
        bool ok = usable[r] && (write ? d.Writable : d.Readable);
        if (ok)
        {
            bool expandDown = d.IsData && (d.Type & 4) != 0;
            ok = expandDown ? off > d.Limit && last <= (d.Default32 ? Low32 : 0xFFFF) : last <= d.Limit;
        }
        if (ok) return true;
        fault = new Trap(r == SegSs ? Vector.StackSegment : Vector.GeneralProtection, 0);
        return false;
    }
}
