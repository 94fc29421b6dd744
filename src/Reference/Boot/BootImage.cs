using L4Conf.Model.Kernel;
using L4Conf.Reference.Moe;
using L4Conf.Reference.Programs;

namespace L4Conf.Reference.Boot;

/// <summary>A boot module with its content and where the boot loader put it.</summary>
public sealed record PlacedModule(BootModule Module, byte[] Content, ulong Start, string Source)
{
    public ulong End => Start + (ulong)Content.Length;
}

/// <summary>A boot-module file that cannot be found or built: the message names the module and its modules.list line.</summary>
public sealed class BootImageException(string message) : Exception(message);

/// <summary>
/// What the boot loader (bootstrap) makes of an entry: each module's content, from the project's programs (by name)
/// or from the rom directory (data such as Lua scripts), placed page by page from 0x713000, where the captured
/// bootstrap put the first module; and the KIP the kernel gets, whose boot-module descriptor covers them.
/// </summary>
public sealed class BootImage
{
    public const ulong FirstModule = 0x71_3000;
    public required BootEntry Entry { get; init; }
    public required IReadOnlyList<PlacedModule> Modules { get; init; }
    public required IReadOnlyList<MemDesc> Kip { get; init; }

    /// <param name="replace">Files to use for named modules instead of the program or the rom folder's file.</param>
    public static BootImage Build(BootEntry entry, string romDir, IReadOnlyDictionary<string, string>? replace = null)
    {
        var placed = new List<PlacedModule>();
        ulong at = FirstModule;
        foreach (var m in entry.Plain)
        {
            var (content, source) = replace != null && replace.TryGetValue(m.Command, out var file)
                ? (File.ReadAllBytes(file), file) : Load(m, romDir);
            placed.Add(new PlacedModule(m, content, at, source));
            at = (at + (ulong)content.Length + 0xFFF) & ~0xFFFUL;
        }
        ulong end = placed.Count > 0 ? placed[^1].End : FirstModule;
        var kip = Model.Kernel.Kip.CapturedDescriptors
            .Select(d => d.Type == MemDescType.Bootloader && d.Start == 0x713000 ? d with { End = (end + 0x3FF) & ~0x3FFUL } : d)
            .ToList();
        return new BootImage { Entry = entry, Modules = placed, Kip = kip };
    }

    private static (byte[], string) Load(BootModule m, string romDir)
    {
        var name = m.Command;
        if (ProgramCatalog.Find(name) is { } prog)
        {
            try { return (ProgramCatalog.Image(prog), prog.Kind == ProgramKind.MachineCode ? "gcc" : "model"); }
            catch (ProgramBuildException e) { throw new BootImageException($"{m.Line}: module '{name}': {e.Message}"); }
        }
        foreach (var candidate in new[] { Path.Combine(romDir, name), Path.Combine(romDir, Path.GetFileName(m.File)) })
            if (File.Exists(candidate)) return (File.ReadAllBytes(candidate), candidate);
        throw new BootImageException($"{m.Line}: module '{name}' is neither a program of the model nor a file in {romDir}");
    }

    /// <summary>The modules as Moe sees them in the multiboot info: command line and memory.</summary>
    public IReadOnlyList<MoeModule> MoeModules => Modules.Select(p => new MoeModule(p.Module.CmdLine, p.Start, p.End)).ToList();
}
