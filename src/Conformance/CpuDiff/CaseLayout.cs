namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// The address space of generated cases, inside <see cref="NativeRunner.WindowStart"/>..WindowEnd so the host
/// helper can map it: a code page filled with int3 around the code (every branch target ends the case with #BP), two
/// data pages with random bytes at their starts, a read-only page, an unmapped page after it (page faults), FS/GS
/// pages, and a stack page. Everything else stays unmapped.
/// </summary>
public static class CaseLayout
{
    public const ulong CodePage = 0x1000_0000;
    /// <summary>Bytes of int3 at the start of the code page; the instruction starts at <see cref="Rip"/>, more int3 follow it.</summary>
    public const int Int3Before = 0x80, Int3After = 0x80;
    public const ulong Rip = CodePage + Int3Before;
    public const ulong Data0 = 0x2000_0000, Data1 = 0x2000_1000, ReadOnly = 0x2000_2000, Unmapped = 0x2000_3000;
    public const ulong FsPage = 0x2100_0000, GsPage = 0x2200_0000, StackPage = 0x3000_0000;
    /// <summary>The initial RSP: 256 bytes into the stack page (pushes and pops of a case stay inside it).</summary>
    public const ulong StackPointer = StackPage + 0x100;
    /// <summary>Random bytes at the start of each data page; the rest is zero (keeps case lines short).</summary>
    public const int HotBytes = 128;

    public const ulong NonCanonical = 0x0000_8000_0000_0000, KernelHalf = 0xFFFF_8000_0000_0000;

    /// <summary>The pages of a case, with fresh random data; <paramref name="stackWords"/> are written at RSP upward (a ret's target).</summary>
    public static List<CasePage> Pages(Random rng, params (ulong Va, ulong Value)[] words)
    {
        var code = new byte[Int3Before];
        Array.Fill(code, (byte)0xCC);
        var pages = new List<CasePage>
        {
            new(CodePage, "rx", code),
            new(Data0, "rw", Hot(rng)),
            new(Data1, "rw", Hot(rng)),
            new(ReadOnly, "r", Hot(rng)),
            new(FsPage, "rw", Hot(rng)),
            new(GsPage, "rw", Hot(rng)),
            new(StackPage, "rw", StackBytes(rng)),
        };
        foreach (var (va, v) in words)
        {
            var p = pages.First(x => x.Address == (va & ~0xFFFUL));
            int off = (int)(va & 0xFFF);
            var c = p.Contents;
            if (c.Length < off + 8) { Array.Resize(ref c, off + 8); pages[pages.IndexOf(p)] = p = p with { Contents = c }; }
            BitConverter.GetBytes(v).CopyTo(c, off);
        }
        return pages;
    }

    private static byte[] Hot(Random rng)
    {
        var b = new byte[HotBytes];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>Random bytes 256 below and above the initial RSP.</summary>
    private static byte[] StackBytes(Random rng)
    {
        var b = new byte[0x200];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>The code: the instruction, then int3 (the end marker; the page holds int3 before it too).</summary>
    public static byte[] Code(byte[] instruction)
    {
        var c = new byte[instruction.Length + Int3After];
        instruction.CopyTo(c, 0);
        Array.Fill(c, (byte)0xCC, instruction.Length, Int3After);
        return c;
    }
}
