using System.CommandLine;
using L4Conf.Adapters.Console;
using L4Conf.Adapters.Mbt;
using L4Conf.Adapters.Replay;
using L4Conf.Model.Bindings;
using L4Conf.Reference.Boot;

namespace L4Conf.Conformance.Cli;

/// <summary>
/// `l4conf compare ABSTRACT-TEST DIR`: the model's side of Kernkonzept's model-based-testing plugin, called as
/// `$L4RE_MODEL compare &lt;abstract-test&gt; &lt;dir&gt;` (bin/l4re-model). TAP on standard output and nothing else;
/// exit 0 every dump agrees, 1 one does not, 2 unusable input (also reported as a failed TAP test, since the
/// plugin ignores the exit code), 69 no dump to compare (`1..0 # SKIP`).
/// </summary>
public static class CompareCommand
{
    public const int Skip = 69;

    public static Command Build()
    {
        var test = new Argument<FileInfo>("abstract-test") { Description = "The abstract test: a Ned script (.lua) or a scenario file (.mbt); see spec/reference/replay/abstract-test.md" };
        var dir = new Argument<DirectoryInfo>("dir") { Description = "The plugin's directory: N_KernelObjects.snippet files and their .decoded texts" };
        var list = new Option<FileInfo?>("--modules-list") { Description = $"The modules.list for a .lua abstract test (default: {Paths.RelativeRom}/modules.list)" };
        var rom = new Option<DirectoryInfo?>("--rom") { Description = $"Where the boot modules that are data are found (default: {Paths.RelativeRom})" };
        var maxTime = new Option<double>("--max-time") { Description = "Stop the model after this much logical time, in seconds", DefaultValueFactory = _ => 3600 };
        var cmd = new Command("compare", "Compare the object dumps of a real test run (a model-based-testing plugin directory) with the model running the abstract test; TAP out")
        {
            test, dir, list, rom, maxTime,
        };
        cmd.SetAction(pr => InputErrors.Guard(() => Run(pr.GetValue(test)!, pr.GetValue(dir)!, pr.GetValue(list), pr.GetValue(rom), pr.GetValue(maxTime))));
        return cmd;
    }

    public static int Run(FileInfo test, DirectoryInfo dir, FileInfo? list, DirectoryInfo? rom, double maxTimeS)
    {
        int Bad(string message)
        {
            Console.Out.Write(MbtTap.Error(test.FullName, message));
            Console.Error.WriteLine($"l4conf: {message}");
            return 2;
        }
        if (InputErrors.ModelRun(maxTimeS, rom, list, out var romDir, out var listFile) is { } bad) return Bad(bad);
        MbtResult r;
        try
        {
            var t = AbstractTest.Load(test.FullName, listFile, romDir);
            r = MbtCompare.Run(t, dir.FullName, romDir, (ulong)(maxTimeS * 1e6));
        }
        catch (ReplayInputException e) { return Bad(e.Message); }
        catch (KnownDifferencesException e) { return Bad(e.Message); }
        catch (Exception e) when (e is BootImageException or ModulesListException) { return Bad(e.Message); }
        catch (ProgramFaultException e)
        {
            Console.Out.Write(MbtTap.Error(test.FullName, $"the model failed internally: {e.Message}"));
            Console.Error.WriteLine($"l4conf: {test.FullName}: the model failed internally: {e.Message}");
            return 1;
        }
        Console.Out.Write(MbtTap.Write(r));
        if (r.SkipReason != null) { Console.Error.WriteLine($"l4conf: {r.SkipReason}"); return Skip; }
        return r.Verdicts.All(v => v.Ok) ? 0 : 1;
    }
}
