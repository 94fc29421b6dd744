using System.CommandLine;
using System.Text.RegularExpressions;
using L4Conf.Adapters.Jdb;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Reference.Boot;

namespace L4Conf.Conformance.Cli;

/// <summary>
/// `l4conf boot MODULES_LIST --entry NAME`: boots a modules.list entry on the reference system (kernel, sigma0, Moe,
/// the L4Re runtime, Ned and the programs) and prints the serial console. Exit codes: 0 the init program exited with
/// 0, or the system went idle (nothing can run, no timeout pending: a script's end); 1 init exited with another code,
/// or the run stopped at --max-time; 2 bad input (a modules.list, entry, module or option that cannot be used).
/// </summary>
public static class BootCommand
{
    public const double DefaultMaxTimeS = 3600;

    public static Command Build()
    {
        var list = new Argument<FileInfo>("modules-list") { Description = "A modules.list in the L4Re format" };
        var entry = new Option<string>("--entry") { Description = "The entry to boot", Required = true };
        var rom = new Option<DirectoryInfo?>("--rom") { Description = $"Where data modules (Lua scripts) are found (default: {Paths.RelativeRom})" };
        var dump = new Option<FileInfo?>("--dump-objects") { Description = "Write the final object graph in JDB's dumpmapdbobjs format" };
        var trace = new Option<FileInfo?>("--trace") { Description = "Write the event trace as JSON lines" };
        var idle = new Option<bool>("--until-idle") { Description = "Keep running after the init program exited, until nothing can run" };
        var maxTime = new Option<double>("--max-time") { Description = $"Stop after this much logical time, in seconds (default {DefaultMaxTimeS})", DefaultValueFactory = _ => DefaultMaxTimeS };
        var color = new Option<bool>("--color") { Description = "Keep the console's colour escapes (as the raw serial line has them)" };
        var nedLua = new Option<FileInfo?>("--ned-lua") { Description = "Run this ned.lua (e.g. l4re-core's ned/server/src/ned.lua) in every Ned instead of the model's own" };
        var stdin = new Option<string?>("--stdin") { Description = "Console input for Ned's prompt and io.read: a file, or - for this program's standard input (default: none)" };
        var module = new Option<string[]>("--module") { Description = "NAME=FILE: use FILE as boot module NAME (e.g. t_caps.lua=my.lua); repeatable", AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("boot", "Boot a modules.list entry on the reference system and print its console output")
        {
            list, entry, rom, dump, trace, idle, maxTime, color, nedLua, module, stdin,
        };
        cmd.SetAction(pr => InputErrors.Guard(() => Run(pr.GetValue(list)!, pr.GetValue(entry)!, pr.GetValue(rom), pr.GetValue(dump),
            pr.GetValue(trace), pr.GetValue(idle), pr.GetValue(maxTime), pr.GetValue(color), pr.GetValue(nedLua), pr.GetValue(module) ?? [], pr.GetValue(stdin))));
        return cmd;
    }

    private static readonly Regex Ansi = new("\x1b\\[[0-9;]*m", RegexOptions.Compiled);

    public static int Run(FileInfo list, string entryName, DirectoryInfo? rom, FileInfo? dump, FileInfo? tracePath, bool untilIdle, double maxTimeS, bool color,
        FileInfo? nedLua = null, string[]? modules = null, string? stdinPath = null)
    {
        if (!list.Exists) { Console.Error.WriteLine($"l4conf: {list.FullName}: no such modules list"); return 2; }
        if (maxTimeS <= 0 || double.IsNaN(maxTimeS) || maxTimeS > 1e9) { Console.Error.WriteLine($"l4conf: --max-time {maxTimeS}: must be a positive number of seconds"); return 2; }
        var romDir = rom?.FullName ?? Paths.RomDir();
        if (!Directory.Exists(romDir)) { Console.Error.WriteLine($"l4conf: --rom {romDir}: no such directory"); return 2; }
        foreach (var f in new[] { dump, tracePath })
            if (f != null && (Directory.Exists(f.FullName) || !Directory.Exists(Path.GetDirectoryName(f.FullName))))
            { Console.Error.WriteLine($"l4conf: {f.FullName}: cannot write there (a directory, or its folder does not exist)"); return 2; }

        TextReader? input = null;
        if (stdinPath == "-") input = Console.In;
        else if (stdinPath != null)
        {
            if (!File.Exists(stdinPath)) { Console.Error.WriteLine($"l4conf: --stdin {Path.GetFullPath(stdinPath)}: no such file"); return 2; }
            input = new StringReader(File.ReadAllText(stdinPath, System.Text.Encoding.Latin1));
        }
        if (nedLua != null && !nedLua.Exists) { Console.Error.WriteLine($"l4conf: --ned-lua {nedLua.FullName}: no such file"); return 2; }
        var replace = new Dictionary<string, string>();
        foreach (var m in modules ?? [])
        {
            int eq = m.IndexOf('=');
            if (eq <= 0 || eq == m.Length - 1) { Console.Error.WriteLine($"l4conf: --module {m}: expected NAME=FILE"); return 2; }
            var file = Path.GetFullPath(m[(eq + 1)..]);
            if (!File.Exists(file)) { Console.Error.WriteLine($"l4conf: --module {m}: {file}: no such file"); return 2; }
            replace[m[..eq]] = file;
        }

        BootImage image;
        try
        {
            var entry = ModulesList.Load(list.FullName, entryName);
            var unknown = replace.Keys.Where(k => entry.Plain.All(p => p.Command != k)).ToList();
            if (unknown.Count > 0) { Console.Error.WriteLine($"l4conf: --module {unknown[0]}=...: entry '{entryName}' has no module '{unknown[0]}'"); return 2; }
            image = BootImage.Build(entry, romDir, replace);
        }
        catch (Exception e) when (e is ModulesListException or BootImageException)
        {
            Console.Error.WriteLine($"l4conf: {e.Message}");
            return 2;
        }

        var stdout = Console.Out;
        using var sys = BootedSystem.Start(image, new BootOptions
        {
            Trace = tracePath != null,
            Console = s => stdout.Write(color ? s : Ansi.Replace(s, "")),
            NedLua = nedLua != null ? File.ReadAllText(nedLua.FullName, System.Text.Encoding.Latin1) : null,
            Stdin = () => input?.ReadLine(),
        });
        BootResult r;
        try
        {
            r = sys.Run((ulong)(maxTimeS * 1e6), untilIdle);
        }
        catch (ProgramFaultException e)
        {
            stdout.Flush();
            Console.Error.WriteLine($"l4conf: internal error: {e.Message}");
            return 1;
        }
        stdout.Flush();
        if (dump != null)
        {
            File.WriteAllText(dump.FullName, ObjectDumpWriter.Write(sys.Kernel.Snapshot()));
        }
        if (tracePath != null)
        {
            using var w = new StreamWriter(tracePath.FullName);
            sys.Kernel.Trace.WriteJsonLines(w);
        }
        switch (r.Stop)
        {
            case BootStop.InitExited:
                Console.Error.WriteLine($"l4conf: init exited with {r.ExitCode} at {r.TimeUs / 1e6:0.000000} s");
                return r.ExitCode == 0 ? 0 : 1;
            case BootStop.Idle:
                Console.Error.WriteLine($"l4conf: idle at {r.TimeUs / 1e6:0.000000} s: no thread can run and no timeout is pending");
                return 0;
            case BootStop.TimeLimit:
                Console.Error.WriteLine($"l4conf: stopped at the time limit of {maxTimeS} s (logical time)");
                return 1;
            default:
                Console.Error.WriteLine($"l4conf: stopped at the model's step limit at {r.TimeUs / 1e6:0.000000} s");
                return 1;
        }
    }
}
