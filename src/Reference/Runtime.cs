using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Reference.Itas;
using L4Conf.Reference.L4Re;
using L4Conf.Reference.Programs;
using L4Conf.Reference.Programs.Modelled;

namespace L4Conf.Reference;

/// <summary>
/// The programs behind the model's marked code (<see cref="ModelledCodeMarker"/>): the L4Re runtime's entry points
/// and the modelled programs, each started as a blocking program on the thread that reached it.
/// </summary>
public sealed class Runtime(Kernel kernel) : IModelledCode
{
    private readonly Dictionary<string, Action<Process>> _entries = new();
    public Kernel Kernel { get; } = kernel;

    public void Register(string name, Action<Process> body) => _entries[name] = body;

    /// <summary>The console's input, for programs that read it (ned-prompt).</summary>
    public Func<string?> Stdin { get; set; } = () => null;

    public IEnumerable<SyscallRequest> Enter(Model.Kernel.Thread t, string name)
    {
        if (!_entries.TryGetValue(name, out var body))
            return Process.Start(Kernel, t, name, p => throw new InvalidOperationException($"no modelled program named '{name}'"));
        return Process.Start(Kernel, t, name, body);
    }

    /// <summary>The modelled C/C++ programs (traces/real/programs): each runs main with the C library's start-up.</summary>
    public void RegisterPrograms()
    {
        Register(Capdump.Name, p => CRuntime.Run(p, Capdump.Main));
        Register(FileServer.Name, p => CRuntime.Run(p, FileServer.Main));
        Register(FileClient.Name, p => CRuntime.Run(p, FileClient.Main));
        Register(Caplife.Name, p => CRuntime.Run(p, Caplife.Main));
        Register(NedPrompt.Name, p => CRuntime.Run(p, rt => NedPrompt.Main(rt, Stdin)));
        var pp = ProgramCatalog.Find(Pingpong.Name)!;
        Register(Pingpong.Name, p => CRuntime.Run(p, rt => Pingpong.Main(rt, e => ModelledImage.EntryAddress(pp.TextBase, IndexOf(pp, e)))));
        Register(Pingpong.ServerEntry, p => Pingpong.ServerLoop(null, p, "intra-server"));
        // libpthread's manager thread: it waits for requests (the model's pthread_create needs none)
        Register(Pthread.ManagerEntry, p => { while (true) p.Sys.Wait(); });
    }

    private static int IndexOf(ProgramInfo p, string entry)
    {
        int i = p.Entries.ToList().IndexOf(entry);
        return i >= 0 ? i : throw new InvalidOperationException($"program '{p.Name}' has no entry '{entry}'");
    }

    /// <summary>The runtime entries every task with rom/l4re has.</summary>
    public void RegisterItas()
    {
        // The runtime finds its other entries from where it was entered: the image's first marker.
        Register(ItasProgram.Main, p =>
        {
            ulong imageBase = p.Thread.Machine!.Regs.Rip - ModelledImage.EntryOffset;
            ItasProgram.Run(p, n => ModelledImage.EntryAddress(imageBase, Array.IndexOf(ItasProgram.Entries, n)));
        });
        Register(ItasProgram.Loader, ItasLoader.Run);
        Register(ItasProgram.PfHandler, PfHandler.Run);
    }
}
