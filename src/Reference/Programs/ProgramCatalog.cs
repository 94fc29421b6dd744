using L4Conf.Reference.Itas;

namespace L4Conf.Reference.Programs;

/// <summary>What kind of program a boot-module name is.</summary>
public enum ProgramKind { Modelled, MachineCode }

/// <summary>One program of the model: its name, kind, entry names and where its image is linked.</summary>
public sealed record ProgramInfo(string Name, ProgramKind Kind, string Description, IReadOnlyList<string> Entries, ulong TextBase = 0x400000,
    bool Pie = false, ulong? StackAddr = null);

/// <summary>
/// The project's programs, found by the names modules.list uses: the L4Re runtime (`l4re`) and Ned, the modelled
/// test programs (C# against the same system calls), and machine-code programs compiled from C by gcc.
/// </summary>
public static class ProgramCatalog
{
    public static readonly IReadOnlyList<ProgramInfo> All =
    [
        new("l4re", ProgramKind.Modelled, "the L4Re runtime loaded into every task (l4re_itas)", ItasProgram.Entries, 0, Pie: true, StackAddr: 0x7100_0000),
        new("ned", ProgramKind.Modelled, "Ned, the Lua script runner", ["ned", "ned:svr"], 0x20_0000),
        new("capdump", ProgramKind.Modelled, "prints its arguments, environment and initial capabilities (traces/real/programs/capdump.cc)", ["capdump"]),
        new("file_server", ProgramKind.Modelled, "the seed's file server (traces/real/programs/file_server.cc)", ["file_server"]),
        new("file_client", ProgramKind.Modelled, "the seed's file client (traces/real/programs/file_client.cc)", ["file_client"]),
        new("caplife", ProgramKind.Modelled, "capability lifecycle (traces/real/programs/caplife.cc)", ["caplife"]),
        new("pingpong", ProgramKind.Modelled, "IPC round trips (traces/real/programs/pingpong.c)", ["pingpong", "pingpong:server", "pthread:manager"]),
        new("ned-prompt", ProgramKind.Modelled, "L4Re's prompt for a Ned's command channel (ned/ned-prompt)", ["ned-prompt"]),
        new("hello", ProgramKind.MachineCode, "traces/real/programs/hello.c compiled by gcc", []),
        new("faults", ProgramKind.MachineCode, "traces/real/programs/faults.c compiled by gcc", []),
        new("exc_trigger", ProgramKind.MachineCode, "Programs/c/programs/exc_trigger.c compiled by gcc: an exception triggered on itself with ex_regs", []),
    ];

    public static ProgramInfo? Find(string name) => All.FirstOrDefault(p => p.Name == name);

    /// <summary>The boot-module image of a program (an ELF file); machine code is built by gcc on first use.</summary>
    public static byte[] Image(ProgramInfo p) => p.Kind == ProgramKind.MachineCode
        ? MachinePrograms.Image(p.Name) ?? throw new ProgramBuildException($"no C source for '{p.Name}'")
        : ModelledImage.Build(p.TextBase, p.Entries, p.Pie, p.StackAddr);
}
