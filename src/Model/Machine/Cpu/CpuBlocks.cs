namespace L4Conf.Model.Machine;

/// <summary>How the CPU runs code: the interpreter alone, or hot blocks compiled to .NET code with the interpreter for the rest.</summary>
public enum CpuEngine
{
    Interpreter,
    /// <summary>A block is compiled when execution has entered it <see cref="Cpu.CompileThreshold"/> times.</summary>
    Compiler,
}

/// <summary>
/// The block compiler's side of the CPU: the engine choice, the exit state a compiled block leaves, and the few
/// helpers compiled code calls (memory accesses with the interpreter's exact trap rules, the code-change check).
/// </summary>
public sealed partial class Cpu
{
    /// <summary>The values L4CONF_CPU_ENGINE takes, in the order they are offered (first: static initialisation order).</summary>
    private static readonly (string Name, CpuEngine Engine, int Threshold)[] Engines =
    [
        ("interpreter", CpuEngine.Interpreter, 0),
        ("compiler", CpuEngine.Compiler, DefaultCompileThreshold),
        ("compiler-eager", CpuEngine.Compiler, 0),   // every block compiled on its first run, for tests
    ];

    public static IEnumerable<string> EngineNames => Engines.Select(e => e.Name);

    /// <summary>The engine a name stands for (case and surrounding blanks do not matter), or null when it names none.</summary>
    public static (CpuEngine Engine, int Threshold)? ParseEngine(string? v)
    {
        string? name = v?.Trim().ToLowerInvariant();
        foreach (var e in Engines)
            if (e.Name == name) return (e.Engine, e.Threshold);
        return null;
    }

    /// <summary>The engine of <c>new Cpu()</c>: from L4CONF_CPU_ENGINE, else the compiler.</summary>
    public static (CpuEngine Engine, int Threshold) DefaultEngine { get; } = FromEnvironment(Environment.GetEnvironmentVariable("L4CONF_CPU_ENGINE"));

    public static (CpuEngine Engine, int Threshold) FromEnvironment(string? v) =>
        ParseEngine(v) ?? (CpuEngine.Compiler, DefaultCompileThreshold);

    /// <summary>Entries into a block before it is compiled: compiling costs far more than interpreting a few times.</summary>
    public const int DefaultCompileThreshold = 16;

    public CpuEngine Engine { get; }
    public int CompileThreshold { get; }
    /// <summary>Blocks compiled so far (for statistics and tests).</summary>
    public int BlocksCompiled { get; private set; }

    public Cpu() : this(DefaultEngine.Engine, DefaultEngine.Threshold) { }

    public Cpu(CpuEngine engine, int compileThreshold = DefaultCompileThreshold)
    {
        if (compileThreshold is < 0 or > 250) throw new ArgumentOutOfRangeException(nameof(compileThreshold), "0..250");
        Engine = engine;
        CompileThreshold = compileThreshold;
    }

    /// <summary>Where a compiled block left off: the next RIP (or the faulting instruction's), and why (written by compiled code).</summary>
#pragma warning disable CS0649
    internal ulong blockNext;
    internal int blockStatus;
#pragma warning restore CS0649

    /// <summary>The compiled block starting at <paramref name="off"/> once it is hot; null while it is not (yet).</summary>
    private Block? HotBlock(CodePage page, int off)
    {
        var blocks = page.Blocks ??= new Block?[CodePage.Size];
        Block? b = blocks[off];
        if (b is null)
        {
            var heat = page.Heat ??= new byte[CodePage.Size];
            if (heat[off]++ < CompileThreshold) return null;
            b = blocks[off] = BlockCompiler.Compile(page, off) ?? Block.None;
            if (b.Fn is not null) BlocksCompiled++;
        }
        return b.Fn is null ? null : b;
    }

    // Entry points for compiled code, with the interpreter's semantics (a failed access changes nothing and leaves
    // the trap in `trap`; an SS-segment access that is not canonical is #SS).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal bool BlockLoad(ulong ea, int size, bool ss, out ulong v)
    {
        if (pagedBus is { } p && p.TryReadTlb(ea, forWrite: false, out v)) return true;
        ssRef = ss;
        return Load(ea, size, out v);
    }

    /// <summary>The first access of a read-modify-write operand: with write intent, as <see cref="LoadForWrite"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal bool BlockLoadForWrite(ulong ea, int size, bool ss, out ulong v)
    {
        if (pagedBus is { } p && p.TryReadTlb(ea, forWrite: true, out v)) return true;
        ssRef = ss;
        return LoadForWrite(ea, size, out v);
    }

    /// <summary>
    /// A store, and then what the interpreter checks after every store: did the code being run change? 0 = stored,
    /// code unchanged; 1 = the store faulted (nothing written); 2 = stored, and the running page must be refetched.
    /// A store through the TLB into another frame than the page's own cannot change it, so that needs no lookup.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal int BlockStore(ulong ea, int size, bool ss, ulong v, CodePage page)
    {
        if (pagedBus is { } p && p.TryWriteTlb(ea, size, v, out object? frame))
        {
            if (page.Frame is not null && !ReferenceEquals(frame, page.Frame))
            {
                writeEpoch++;                      // other cached pages are re-checked when entered
                page.CheckedEpoch = writeEpoch;
                return 0;
            }
        }
        else
        {
            ssRef = ss;
            if (!Store(ea, size, v)) return 1;
        }
        return CodeStillCurrent(page) ? 0 : 2;
    }

    /// <summary>
    /// The first access of a compiled read-modify-write: as <see cref="BlockLoadForWrite"/>, and the frame when the TLB
    /// had it, for <see cref="BlockStoreRmw"/>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal bool BlockLoadRmw(ulong ea, int size, bool ss, out ulong v, out object? frame)
    {
        if (pagedBus is { } p && p.TryReadTlbForWrite(ea, out v, out var f)) { frame = f; return true; }
        frame = null;
        ssRef = ss;
        return LoadForWrite(ea, size, out v);
    }

    /// <summary>The store of a compiled read-modify-write: straight into the frame its load found, else <see cref="BlockStore"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal int BlockStoreRmw(object? frame, ulong ea, int size, bool ss, ulong v, CodePage page)
    {
        if (frame is not PhysicalMemory.Frame f) return BlockStore(ea, size, ss, v, page);
        pagedBus!.WriteFrame(f, ea, size, v);
        if (page.Frame is not null && !ReferenceEquals(f, page.Frame))
        {
            writeEpoch++;                          // as BlockStore: other cached pages are re-checked when entered
            page.CheckedEpoch = writeEpoch;
            return 0;
        }
        return CodeStillCurrent(page) ? 0 : 2;
    }

    /// <summary>The bus as the paged bus it usually is, for the TLB fast path of compiled accesses.</summary>
    private PagedMemoryBus? pagedBus;

    internal bool BlockCond(int cc) => Cond(cc);
    internal ulong BlockSyscallFlags() => SyscallFlags();
    internal bool BlockCarry() => Carry();
}
