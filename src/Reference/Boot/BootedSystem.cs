using L4Conf.Model.Kernel;
using L4Conf.Reference.L4Re;
using L4Conf.Reference.Moe;
using L4Conf.Reference.Sigma0;

namespace L4Conf.Reference.Boot;

/// <summary>How a run ended.</summary>
public enum BootStop
{
    /// <summary>The init program signalled its exit to Moe (its code is in <see cref="BootResult.ExitCode"/>).</summary>
    InitExited,
    /// <summary>No thread can run and no timeout is pending: the system waits for ever (Ned's server loop).</summary>
    Idle,
    /// <summary>The logical time limit was reached.</summary>
    TimeLimit,
    /// <summary>The model's step limit was reached.</summary>
    StepLimit,
}

public sealed record BootResult(BootStop Stop, long? ExitCode, ulong TimeUs);

/// <summary>
/// A booted reference system for one modules.list entry (the boot chain of the seeds): the kernel with the machine
/// attached and the KIP describing the modules, the modules in physical memory as bootstrap leaves them, sigma0,
/// and Moe with the entry's command line, which starts the init program through rom/l4re. Everything above the
/// kernel runs as modelled programs that act only through system calls.
/// </summary>
public sealed class BootedSystem : IDisposable
{
    public Kernel Kernel { get; }
    public BootState Boot { get; }
    public Sigma0Server Sigma0 { get; }
    public BootImage Image { get; }
    public Runtime Runtime { get; }
    public MoeServer? Moe { get; private set; }
    public BootOptions Options { get; }

    private BootedSystem(BootImage image, BootOptions options)
    {
        Image = image;
        Options = options;
        Kernel = new Kernel();
        Kernel.Trace.Enabled = options.Trace;
        if (options.Console != null) Kernel.ConsoleWritten += options.Console;
        Boot = BootState.Create(Kernel, "moe");
        Kernel.AttachMachine(null, image.Kip);
        foreach (var m in image.Modules) Kernel.Physical!.Write(m.Start, m.Content);
        Runtime = new Runtime(Kernel);
        Runtime.RegisterItas();
        Runtime.RegisterPrograms();
        Runtime.Stdin = options.Stdin;
        Runtime.Register(Ned.NedProgram.Entry, p => new Ned.NedProgram(p, options.NedLimits) { NedLua = options.NedLua, Stdin = options.Stdin }.Main());
        Runtime.Register(Ned.NedProgram.ServerEntry, Ned.NedTasks.ForeignServer);
        Kernel.ModelledCode = Runtime;

        // The kernel greets first (its version string, as in the KIP), then sigma0 and Moe start.
        Kernel.KernelPrint(Model.Kernel.Kip.Banner.Replace("\x1b[0m\n", "\x1b[0m\n\n"));
        var descs = KipReader.Read(Kernel.Physical!, Model.Kernel.Kip.PhysAddress).Descriptors;
        Sigma0 = new Sigma0Server(Kernel, Boot.Sigma0Thread, ReferenceSystem.OwnersFromKip(descs, Kernel.Config.RamBytes),
            Model.Kernel.Kip.PhysAddress, announce: true);
        Kernel.Start(Boot.Sigma0Thread, Sigma0.Program());
        var info = new MoeBootInfo(image.Entry.RootTask.CmdLine, image.MoeModules, Model.Kernel.Kip.PhysAddress, image.Kip);
        Kernel.Start(Boot.RootThread, Process.Start(Kernel, Boot.RootThread, "moe", p =>
        {
            Moe = new MoeServer(p, info);
            Moe.Main();
        }));
    }

    /// <summary>Boots <paramref name="image"/>; console output is passed to <paramref name="console"/> as it is written.</summary>
    public static BootedSystem Start(BootImage image, bool trace = false, Action<string>? console = null) =>
        new(image, new BootOptions { Trace = trace, Console = console });

    public static BootedSystem Start(BootImage image, BootOptions options) => new(image, options);

    /// <summary>
    /// Runs until the init program exits (or, with <paramref name="untilIdle"/>, until nothing can run any more), or
    /// until <paramref name="maxTimeUs"/> of logical time.
    /// </summary>
    public BootResult Run(ulong maxTimeUs, bool untilIdle = false, long maxSteps = 200_000_000)
    {
        bool Done() =>
            (!untilIdle && Moe?.Init?.ExitCode != null) || Kernel.Clock >= maxTimeUs;
        var stop = Kernel.Run(Done, maxSteps);
        long? code = Moe?.Init?.ExitCode;
        var how = stop switch
        {
            RunStop.StepLimit => BootStop.StepLimit,
            _ when Kernel.Clock >= maxTimeUs => BootStop.TimeLimit,
            _ when code != null && !untilIdle => BootStop.InitExited,
            _ => code != null ? BootStop.InitExited : BootStop.Idle,
        };
        return new BootResult(how, code, Kernel.Clock);
    }

    /// <summary>Runs until <paramref name="stop"/> holds (checked between steps), nothing can run, or <paramref name="maxTimeUs"/>.</summary>
    public bool RunUntil(Func<bool> stop, ulong maxTimeUs, long maxSteps = 200_000_000)
    {
        Kernel.Run(() => stop() || Kernel.Clock >= maxTimeUs, maxSteps);
        return stop();
    }

    /// <summary>Ends every modelled program still waiting on its host thread.</summary>
    public void Dispose()
    {
        foreach (var t in Kernel.Objects.OfType<Model.Kernel.Thread>())
        {
            var p = t.Program;
            if (p is Model.Bindings.BlockingProgram bp) { try { bp.Dispose(); } catch (InvalidOperationException) { } }
        }
    }
}

/// <summary>How a boot runs: event trace on or off, where console output goes, Ned's Lua limits and ned.lua.</summary>
public sealed record BootOptions
{
    public bool Trace { get; init; }
    public Action<string>? Console { get; init; }
    /// <summary>Instruction and memory limits of every Ned's Lua.</summary>
    public Ned.LuaLimits NedLimits { get; init; } = Ned.LuaLimits.Default;
    /// <summary>A ned.lua (its text) every Ned runs instead of the model's own (a user's real one).</summary>
    public string? NedLua { get; init; }
    /// <summary>The console's input: what Ned's prompt and io.read get, a line per call, null at the end.</summary>
    public Func<string?> Stdin { get; init; } = () => null;
}
