using System.CommandLine;
using L4Conf.Adapters.Console;
using L4Conf.Adapters.Jdb;
using L4Conf.Adapters.Replay;
using L4Conf.Model.Bindings;
using L4Conf.Reference.Boot;

namespace L4Conf.Conformance.Cli;

/// <summary>
/// `l4conf replay CAPTURE...`: boots each capture's scenario on the model with the capture's own script and reports
/// where the model parts from the capture (objects, then trace buffer, then console), each divergence matched
/// against the capture's known-differences file. Exit 0 nothing unexplained differs and no known entry is stale,
/// 1 something does, 2 bad input (a capture that does not belong to its script, a missing file, a bad option).
/// </summary>
public static class ReplayCommand
{
    public static Command Build()
    {
        var captures = new Argument<FileInfo[]>("capture") { Description = "Real serial captures (.log or .raw) with their Ned script beside them as NAME.lua", Arity = ArgumentArity.OneOrMore };
        var script = new Option<FileInfo?>("--script") { Description = "The Ned script the capture ran (default: NAME.lua beside the capture)" };
        var entry = new Option<string?>("--entry") { Description = "The modules.list entry to boot (default: the one whose script has the same text, else the most similar)" };
        var list = new Option<FileInfo?>("--modules-list") { Description = $"The modules.list (default: {Paths.RelativeRom}/modules.list)" };
        var rom = new Option<DirectoryInfo?>("--rom") { Description = $"Where the boot modules that are data are found (default: {Paths.RelativeRom})" };
        var known = new Option<FileInfo?>("--known") { Description = "Known-differences file (default: known/NAME.known beside the capture)" };
        var format = new Option<string>("--format") { Description = "text, json or junit", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "junit");
        var output = new Option<FileInfo?>("--output") { Description = "Write the report to this file instead of standard output" };
        var all = new Option<bool>("--explained") { Description = "Also list the divergences the known file explains (text format)" };
        var limit = new Option<int>("--limit") { Description = "How many further unexplained divergences to print in full (text format)", DefaultValueFactory = _ => 20 };
        var picture = new Option<FileInfo?>("--picture") { Description = "Draw the divergent part of both object graphs side by side (SVG with Graphviz's dot, else DOT text)" };
        var maxTime = new Option<double>("--max-time") { Description = "Stop the model after this much logical time, in seconds", DefaultValueFactory = _ => 3600 };
        var cmd = new Command("replay", "Replay real captures on the model and report the first divergence, each further one after resynchronising, and a summary by kind")
        {
            captures, script, entry, list, rom, known, format, output, all, limit, picture, maxTime,
        };
        cmd.SetAction(pr => InputErrors.Guard(() => Run(pr.GetValue(captures)!, pr.GetValue(script), pr.GetValue(entry), pr.GetValue(list), pr.GetValue(rom),
            pr.GetValue(known), pr.GetValue(format)!, pr.GetValue(output), pr.GetValue(all), pr.GetValue(limit), pr.GetValue(picture), pr.GetValue(maxTime))));
        return cmd;
    }

    public static int Run(FileInfo[] captures, FileInfo? script, string? entry, FileInfo? list, DirectoryInfo? rom, FileInfo? known, string format,
        FileInfo? output, bool explained, int limit, FileInfo? picture, double maxTimeS)
    {
        if (captures.Length > 1 && (script != null || entry != null || known != null || picture != null))
        { Console.Error.WriteLine("l4conf: --script, --entry, --known and --picture name one capture's inputs: give one capture with them"); return 2; }
        if (InputErrors.ModelRun(maxTimeS, rom, list, out var romDir, out var listFile) is { } bad) { Console.Error.WriteLine($"l4conf: {bad}"); return 2; }
        if (limit < 0) { Console.Error.WriteLine($"l4conf: --limit {limit}: must be 0 or more"); return 2; }
        foreach (var (f, option) in new[] { (output, "--output"), (picture, "--picture") })
            if (InputErrors.CannotWrite(f, option) is { } why) { Console.Error.WriteLine($"l4conf: {why}"); return 2; }

        var inputs = new List<ReplayInputs>();
        try
        {
            foreach (var c in captures)
                inputs.Add(ReplayInputs.Resolve(c.FullName, script?.FullName, entry, listFile, known?.FullName, romDir));
        }
        catch (ReplayInputException e) { Console.Error.WriteLine($"l4conf: {e.Message}"); return 2; }

        var reports = new List<ReplayReport>();
        foreach (var i in inputs)
        {
            try { reports.Add(Replay.Run(i, (ulong)(maxTimeS * 1e6))); }
            catch (KnownDifferencesException e) { Console.Error.WriteLine($"l4conf: {e.Message}"); return 2; }
            catch (Exception e) when (e is BootImageException or ModulesListException) { Console.Error.WriteLine($"l4conf: {e.Message}"); return 2; }
            catch (ProgramFaultException e) { Console.Error.WriteLine($"l4conf: {i.Capture}: the model failed internally: {e.Message}"); return 1; }
        }
        var text = format switch
        {
            "json" => reports.Count == 1 ? ReplayWriters.JsonText(reports[0]) + "\n" : "[\n" + string.Join(",\n", reports.Select(ReplayWriters.JsonText)) + "\n]\n",
            "junit" => ReplayWriters.JUnit(reports),
            _ => string.Join("\n", reports.Select(r => ReplayWriters.Text(r, limit, explained))),
        };
        if (output != null) File.WriteAllText(output.FullName, text);
        else Console.Out.Write(text);
        if (picture != null) Console.Error.WriteLine("l4conf: " + ReplayPicture.Write(reports[0], picture.FullName));
        return reports.All(r => r.Passed) ? 0 : 1;
    }
}
