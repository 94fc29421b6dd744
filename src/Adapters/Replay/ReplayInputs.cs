using System.Text.RegularExpressions;
using L4Conf.Adapters.Console;
using L4Conf.Reference.Boot;

namespace L4Conf.Adapters.Replay;

/// <summary>A replay's input that cannot be used: the message names the file, option or line (exit code 2).</summary>
public sealed class ReplayInputException(string message) : Exception(message);

/// <summary>
/// What a replay runs: the capture, its Ned script, the modules.list entry the script runs under, and the
/// known-differences file. Defaults: the script is `NAME.lua` beside `NAME.log`/`NAME.raw`; the entry is the one
/// whose script module has the same text (else the most similar one, run with the capture's script in its place);
/// the known file is `known/NAME.known` beside the capture (or `NAME.known` beside it).
/// </summary>
public sealed partial record ReplayInputs(string Capture, string Script, BootEntry Entry, string ScriptModule, string? Known, string RomDir)
{
    public string Name => CaptureName(Capture);

    public static string CaptureName(string path)
    {
        var n = Path.GetFileName(path);
        foreach (var ext in new[] { ".log", ".raw", ".txt" })
            if (n.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) return n[..^ext.Length];
        return n;
    }

    public static ReplayInputs Resolve(string capture, string? script, string? entryName, string modulesList, string? known, string romDir)
    {
        capture = Path.GetFullPath(capture);
        if (!File.Exists(capture)) throw new ReplayInputException($"{capture}: no such capture");
        var name = CaptureName(capture);
        var dir = Path.GetDirectoryName(capture)!;
        if (script != null)
        {
            script = Path.GetFullPath(script);
            if (!File.Exists(script)) throw new ReplayInputException($"--script {script}: no such file");
        }
        else
        {
            script = Path.Combine(dir, name + ".lua");
            if (!File.Exists(script)) throw new ReplayInputException($"{capture}: no Ned script beside it ({name}.lua); give one with --script");
        }
        modulesList = Path.GetFullPath(modulesList);
        if (!File.Exists(modulesList)) throw new ReplayInputException($"--modules-list {modulesList}: no such file");
        if (known != null)
        {
            known = Path.GetFullPath(known);
            if (!File.Exists(known)) throw new ReplayInputException($"--known {known}: no such file");
        }
        else
        {
            foreach (var k in new[] { Path.Combine(dir, "known", name + ".known"), Path.Combine(dir, name + ".known") })
                if (File.Exists(k)) { known = k; break; }
        }

        var text = File.ReadAllText(script);
        BootEntry entry;
        string module;
        try
        {
            if (entryName != null)
            {
                entry = ModulesList.Load(modulesList, entryName);
                module = ScriptOf(entry) ?? throw new ReplayInputException($"--entry {entryName}: the entry runs no Lua script (its Moe command line is '{entry.RootTask.CmdLine}')");
            }
            else (entry, module) = EntryFor(modulesList, romDir, text, script);
        }
        catch (ModulesListException e) { throw new ReplayInputException(e.Message); }
        CheckBelongs(capture, module);
        return new ReplayInputs(capture, script, entry, module, known, romDir);
    }

    /// <summary>The Lua module an entry's Moe runs through Ned (`rom/x.lua` or `--init=rom/ned rom/x.lua`).</summary>
    public static string? ScriptOf(BootEntry e)
    {
        var m = LuaArg().Match(e.RootTask.Args);
        return m.Success ? m.Groups[1].Value : null;
    }

    [GeneratedRegex(@"rom/(\S+\.lua)\b")]
    private static partial Regex LuaArg();

    public static (BootEntry Entry, string Module) EntryFor(string list, string romDir, string text, string script)
    {
        var candidates = new List<(BootEntry Entry, string Module, double Score)>();
        foreach (var name in ModulesList.Entries(list))
        {
            var e = ModulesList.Load(list, name);
            if (ScriptOf(e) is not { } mod) continue;
            var file = Path.Combine(romDir, mod);
            if (!File.Exists(file)) continue;
            var other = File.ReadAllText(file);
            if (other == text) return (e, mod);
            candidates.Add((e, mod, Similarity(text, other)));
        }
        var best = candidates.OrderByDescending(c => c.Score).FirstOrDefault();
        if (best.Entry == null || best.Score < 0.5)
            throw new ReplayInputException($"{script}: no entry of {list} runs this script or one like it; name one with --entry");
        return (best.Entry, best.Module);
    }

    /// <summary>Shared non-blank lines over all non-blank lines of both (a variant of a script keeps most of them).</summary>
    private static double Similarity(string a, string b)
    {
        var la = a.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet();
        var lb = b.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet();
        if (la.Count + lb.Count == 0) return 0;
        return 2.0 * la.Intersect(lb).Count() / (la.Count + lb.Count);
    }

    /// <summary>Refuses a capture that ran another script: Moe's command line and Ned's loading line name the module.</summary>
    private static void CheckBelongs(string capture, string module)
    {
        var lines = ConsoleText.Read(capture);
        for (int i = 0; i < lines.Count; i++)
        {
            var m = RanScript().Match(lines[i]);
            if (!m.Success) continue;
            var ran = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            if (ran != module)
                throw new ReplayInputException($"{capture}:{i + 1}: the capture ran rom/{ran}, but the script is replayed as rom/{module}: the capture does not belong to the script (give --script or --entry)");
            return;
        }
        throw new ReplayInputException($"{capture}: no 'MOE: cmdline:' or 'Ned: loading file:' line: cannot tell which script the capture ran (is it an L4Re boot console?)");
    }

    [GeneratedRegex(@"^MOE: cmdline: .*\brom/(\S+\.lua)\b|^Ned: loading file: 'rom/(\S+\.lua)'")]
    private static partial Regex RanScript();
}
