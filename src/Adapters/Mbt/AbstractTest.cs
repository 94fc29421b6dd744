using L4Conf.Adapters.Replay;
using L4Conf.Reference.Boot;

namespace L4Conf.Adapters.Mbt;

/// <summary>One point of the scenario where the test took an object dump.</summary>
/// <param name="Tag">The dump's `user space tag` this point is for, or null for the next dump whatever its tag.</param>
/// <param name="After">The model console text (a substring of a line) after which the dump is taken, or null for the end of the run.</param>
/// <param name="Line">The abstract test's line that names the point.</param>
public sealed record DumpPoint(string? Tag, string? After, int Line);

/// <summary>
/// Our form of the abstract test that Kernkonzept's model-based-testing plugin hands to `$L4RE_MODEL compare`: a
/// Ned script (`*.lua`, booted under the modules.list entry that runs the same script, every dump compared with
/// the state at the end of the run) or a scenario file (`*.mbt`) naming a modules.list entry and the console line
/// each dump was taken after. Format: spec/reference/replay/abstract-test.md.
/// </summary>
public sealed record AbstractTest(string File, BootEntry Entry, string ScriptModule, string Script, string? Known, IReadOnlyList<DumpPoint> Points)
{
    public string Name => Path.GetFileName(File);

    public static AbstractTest Load(string file, string modulesList, string romDir)
    {
        file = Path.GetFullPath(file);
        if (Directory.Exists(file)) throw new ReplayInputException($"{file}: the abstract test is a directory (expected a Ned script .lua or a scenario .mbt)");
        if (!System.IO.File.Exists(file)) throw new ReplayInputException($"{file}: no such abstract test");
        try
        {
            return file.EndsWith(".lua", StringComparison.OrdinalIgnoreCase) ? FromScript(file, modulesList, romDir) : FromScenario(file, modulesList, romDir);
        }
        catch (ModulesListException e) { throw new ReplayInputException(e.Message); }
    }

    private static AbstractTest FromScript(string file, string modulesList, string romDir)
    {
        var (entry, module) = ReplayInputs.EntryFor(modulesList, romDir, System.IO.File.ReadAllText(file), file);
        // the known differences of the script's capture, where replay looks for them too
        var name = Path.GetFileNameWithoutExtension(file);
        var dir = Path.GetDirectoryName(file)!;
        var known = new[] { Path.Combine(dir, name + ".known"), Path.Combine(dir, "known", name + ".known") }.FirstOrDefault(System.IO.File.Exists);
        return new AbstractTest(file, entry, module, file, known, []);
    }

    private static AbstractTest FromScenario(string file, string modulesList, string romDir)
    {
        var dir = Path.GetDirectoryName(file)!;
        string? entryName = null, script = null, known = null, list = null;
        var points = new List<DumpPoint>();
        var lines = System.IO.File.ReadAllLines(file);
        for (int i = 0; i < lines.Length; i++)
        {
            var l = lines[i].Trim();
            if (l.Length == 0 || l.StartsWith('#')) continue;
            int colon = l.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw Bad(file, i, $"'{l}' is not 'key: value'");
            var key = l[..colon].Trim();
            var value = l[(colon + 1)..].Trim();
            string Path1() => value.Length == 0 ? throw Bad(file, i, $"{key}: names no file") : Path.GetFullPath(Path.Combine(dir, value));
            switch (key)
            {
                case "entry": entryName = value.Length > 0 ? value : throw Bad(file, i, "entry: names no entry"); break;
                case "modules-list": list = Path1(); break;
                case "script": script = Path1(); break;
                case "known": known = Path1(); break;
                case var k when k == "dump" || k.StartsWith("dump ", StringComparison.Ordinal):
                    var tag = k == "dump" ? null : k[5..].Trim();
                    if (value == "end") points.Add(new DumpPoint(tag, null, i + 1));
                    else if (value.StartsWith("after ", StringComparison.Ordinal) && value[6..].Trim().Length > 0) points.Add(new DumpPoint(tag, value[6..].Trim(), i + 1));
                    else throw Bad(file, i, $"'{l}': a dump point is 'dump: after <console text>' or 'dump: end' (optionally 'dump <tag>: ...')");
                    break;
                default: throw Bad(file, i, $"unknown key '{key}' (entry, modules-list, script, known, dump)");
            }
        }
        if (entryName == null) throw Bad(file, -1, "no 'entry:' line naming the modules.list entry to boot");
        list ??= modulesList;
        foreach (var (what, f) in new[] { ("modules-list", list), ("script", script), ("known", known) })
            if (f != null && !System.IO.File.Exists(f)) throw new ReplayInputException($"{file}: {what}: {f}: no such file");
        var entry = ModulesList.Load(list, entryName);
        var module = ReplayInputs.ScriptOf(entry) ?? throw new ReplayInputException($"{file}: entry {entryName}: the entry runs no Lua script (its Moe command line is '{entry.RootTask.CmdLine}')");
        script ??= Path.Combine(romDir, module);
        if (!System.IO.File.Exists(script)) throw new ReplayInputException($"{file}: the entry's script {script} is missing (give script:)");
        return new AbstractTest(file, entry, module, script, known, points);
    }

    private static ReplayInputException Bad(string file, int index, string why) =>
        new(index < 0 ? $"{file}: {why}" : $"{file}:{index + 1}: {why}");
}
