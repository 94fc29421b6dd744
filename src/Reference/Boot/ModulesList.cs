namespace L4Conf.Reference.Boot;

/// <summary>One boot module of an entry: the file to find and the command line the system sees.</summary>
/// <param name="File">File name as written (a path on the build host, or a plain name).</param>
/// <param name="Command">Name in the L4Re environment: the basename of <paramref name="File"/>, or the <c>fname=</c> option.</param>
/// <param name="Args">Arguments after the file name, trimmed ("" if none).</param>
/// <param name="Kind">What the module is to bootstrap: kernel, sigma0, root task or a plain module.</param>
/// <param name="Line">Where the module was named: file and line.</param>
public sealed record BootModule(string File, string Command, string Args, BootModuleKind Kind, string Line)
{
    /// <summary>Command and arguments separated by one blank, as the kernel and Moe see the module's command line.</summary>
    public string CmdLine => Args.Length == 0 ? Command : $"{Command} {Args}";
}

/// <summary>Module types of a boot image (mk tool/lib/L4/ModList.pm %type_num: generic 0, kernel 1, sigma0 2, roottask 3).</summary>
public enum BootModuleKind { Module = 0, Kernel = 1, Sigma0 = 2, RootTask = 3 }

/// <summary>An entry of a modules.list, resolved: kernel, sigma0, root task first, then the modules in order.</summary>
public sealed record BootEntry(string Name, string ListFile, IReadOnlyList<BootModule> Modules, string? ModAddr)
{
    public BootModule Kernel => Modules.First(m => m.Kind == BootModuleKind.Kernel);
    public BootModule Sigma0 => Modules.First(m => m.Kind == BootModuleKind.Sigma0);
    public BootModule RootTask => Modules.First(m => m.Kind == BootModuleKind.RootTask);
    /// <summary>The modules after kernel, sigma0 and root task: what Moe's rom name space lists.</summary>
    public IEnumerable<BootModule> Plain => Modules.Where(m => m.Kind == BootModuleKind.Module);
}

/// <summary>A modules.list that cannot be used: the message names the file and line.</summary>
public sealed class ModulesListException(string message) : Exception(message);

/// <summary>
/// Reads the L4Re modules.list format as the real image builder does (kernkonzept/mk tool/lib/L4/ModList.pm,
/// get_module_entry and readin_config): '#' comments, `entry`/`title`, `group`, `module`/`bin`/`data`,
/// `module-group`, `roottask`/`kernel`/`sigma0`/`bootstrap`, `default-kernel`/`-sigma0`/`-roottask`/`-bootstrap`,
/// `moe FILE` (root task `moe rom/FILE` plus the module), `modaddr`, `set`, `include`, options in `[...]`.
/// Entry names match without regard to case; a type outside an entry or group is ignored, as the tool does.
/// </summary>
public static class ModulesList
{
    private static readonly string[] ValidTypes =
        ["bin", "data", "bootstrap", "roottask", "kernel", "sigma0", "module-group", "moe", "initrd", "set"];

    /// <summary>Reads <paramref name="path"/> and resolves <paramref name="entry"/>.</summary>
    public static BootEntry Load(string path, string entry)
    {
        var lines = ReadWithIncludes(path, new HashSet<string>());
        return Resolve(lines, path, entry);
    }

    /// <summary>The entry names of a modules.list, in file order.</summary>
    public static IReadOnlyList<string> Entries(string path)
    {
        var names = new List<string>();
        foreach (var (_, text) in ReadWithIncludes(path, new HashSet<string>()))
        {
            var (type, _, rest) = Split(text);
            if (type is "entry" or "title" && rest.Length > 0) names.Add(rest);
        }
        return names;
    }

    /// <summary>Parses lines given in memory (tests); <paramref name="name"/> is used in messages.</summary>
    public static BootEntry Parse(string text, string name, string entry)
    {
        var lines = new List<(string Where, string Text)>();
        int n = 0;
        foreach (var raw in text.Split('\n'))
        {
            n++;
            var l = Clean(raw);
            if (l.Length > 0) lines.Add(($"{name}:{n}", l));
        }
        return Resolve(lines, name, entry);
    }

    private static string Clean(string raw)
    {
        int hash = raw.IndexOf('#');
        var l = hash >= 0 ? raw[..hash] : raw;
        return l.Trim();
    }

    private static List<(string Where, string Text)> ReadWithIncludes(string path, HashSet<string> seen)
    {
        var full = Path.GetFullPath(path);
        if (!seen.Add(full)) return [];
        string[] raw;
        try { raw = File.ReadAllLines(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModulesListException($"{path}: cannot read the modules list: {e.Message}");
        }
        var result = new List<(string, string)>();
        for (int i = 0; i < raw.Length; i++)
        {
            var l = Clean(raw[i]);
            if (l.Length == 0) continue;
            var (type, _, rest) = Split(l);
            if (type == "include")
            {
                var inc = Path.IsPathRooted(rest) ? rest : Path.Combine(Path.GetDirectoryName(full)!, rest);
                if (!File.Exists(inc)) throw new ModulesListException($"{path}:{i + 1}: included file '{rest}' not found");
                result.AddRange(ReadWithIncludes(inc, seen));
                continue;
            }
            result.Add(($"{path}:{i + 1}", l));
        }
        return result;
    }

    /// <summary>`type[opts] rest`: the type in lower case, the option string, the rest (ModList.pm disassemble_line).</summary>
    private static (string Type, string? Opts, string Remainder) Split(string line)
    {
        int i = 0;
        while (i < line.Length && !char.IsWhiteSpace(line[i]) && line[i] != '[') i++;
        string type = line[..i].ToLowerInvariant();
        string? opts = null;
        if (i < line.Length && line[i] == '[')
        {
            int close = line.IndexOf(']', i);
            if (close < 0) { opts = line[(i + 1)..]; i = line.Length; }
            else { opts = line[(i + 1)..close].Trim(); i = close + 1; }
        }
        return (type, opts, line[i..].Trim());
    }

    private static Dictionary<string, string?> Options(string? opts)
    {
        var d = new Dictionary<string, string?>();
        if (opts == null) return d;
        foreach (var o in opts.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = o.IndexOf('=');
            if (eq > 0) d[o[..eq].Trim()] = o[(eq + 1)..].Trim();
            else d[o] = null;
        }
        return d;
    }

    /// <summary>File, command (basename or fname=) and arguments of a module line (ModList.pm get_command_and_cmdline).</summary>
    private static (string File, string Command, string Args) Command(string text, Dictionary<string, string?> opts)
    {
        var parts = text.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
        string file = parts[0].Trim();
        string args = parts.Length > 1 ? parts[1].Trim() : "";
        string command = opts.TryGetValue("fname", out var fname) && fname != null ? fname.Trim() : Path.GetFileName(file.TrimEnd('/'));
        return (file, command, args);
    }

    private static BootEntry Resolve(List<(string Where, string Text)> lines, string listName, string entry)
    {
        var baseMods = new Dictionary<BootModuleKind, (BootModule Mod, bool Default)>
        {
            [BootModuleKind.Kernel] = (new BootModule("fiasco", "fiasco", "", BootModuleKind.Kernel, "default"), true),
            [BootModuleKind.Sigma0] = (new BootModule("sigma0", "sigma0", "", BootModuleKind.Sigma0, "default"), true),
            [BootModuleKind.RootTask] = (new BootModule("moe", "moe", "", BootModuleKind.RootTask, "default"), true),
        };
        var groups = new Dictionary<string, List<BootModule>>();
        var mods = new List<BootModule>();
        string? mode = null, group = null, modAddrGlobal = null, modAddrEntry = null;
        bool global = true, found = false, noDefaults = false;
        string? foundName = null;

        foreach (var (where, text) in lines)
        {
            if (text.StartsWith("modaddr", StringComparison.Ordinal) && text.Length > 7 && char.IsWhiteSpace(text[7]))
            {
                var v = text[7..].Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                if (global) modAddrGlobal = v;
                else if (mode != null) modAddrEntry = v;
                continue;
            }
            var (type, optText, rest) = Split(text);
            var opts = Options(optText);
            if (type == "module") type = "bin";
            if (type is "entry" or "title")
            {
                if (found) break;                                  // the entry ends at the next one
                if (rest.Length > 0 && string.Equals(rest, entry, StringComparison.OrdinalIgnoreCase))
                {
                    mode = "entry";
                    found = true;
                    foundName = rest;
                    noDefaults = opts.ContainsKey("no-defaults");
                }
                else mode = null;
                global = false;
                continue;
            }
            if (type == "searchpath") continue;
            if (type == "group")
            {
                mode = "group";
                group = rest.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
                continue;
            }
            if (type == "default-bootstrap") continue;
            if (type is "default-kernel" or "default-sigma0" or "default-roottask")
            {
                if (rest.Length == 0) continue;
                var kind = type switch { "default-kernel" => BootModuleKind.Kernel, "default-sigma0" => BootModuleKind.Sigma0, _ => BootModuleKind.RootTask };
                var (f, c, a) = Command(rest, opts);
                baseMods[kind] = (new BootModule(f, c, a, kind, where), true);
                continue;
            }
            if (mode == null) continue;
            if (type.EndsWith("-nostrip", StringComparison.Ordinal)) type = type[..^"-nostrip".Length];
            if (Array.IndexOf(ValidTypes, type) < 0) throw new ModulesListException($"{where}: Invalid type \"{type}\"");
            if (type == "moe")
            {
                var bn = rest.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? rest;
                baseMods[BootModuleKind.RootTask] = (new BootModule("moe", "moe", $"rom/{bn}", BootModuleKind.RootTask, where), false);
            }
            if (rest.Length == 0) continue;
            if (mode == "entry")
            {
                switch (type)
                {
                    case "bootstrap" or "set" or "initrd":
                        break;
                    case "roottask" or "kernel" or "sigma0":
                    {
                        var kind = type switch { "kernel" => BootModuleKind.Kernel, "sigma0" => BootModuleKind.Sigma0, _ => BootModuleKind.RootTask };
                        var (f, c, a) = Command(rest, opts);
                        baseMods[kind] = (new BootModule(f, c, a, kind, where), false);
                        break;
                    }
                    case "module-group":
                        foreach (var g in rest.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                        {
                            if (!groups.TryGetValue(g, out var gm)) throw new ModulesListException($"{where}: Unknown group '{g}'");
                            mods.AddRange(gm);
                        }
                        break;
                    default:
                    {
                        var (f, c, a) = Command(rest, opts);
                        mods.Add(new BootModule(f, c, a, BootModuleKind.Module, where));
                        break;
                    }
                }
            }
            else if (type != "set")
            {
                var (f, c, a) = Command(rest, opts);
                if (!groups.TryGetValue(group!, out var list)) groups[group!] = list = new List<BootModule>();
                list.Add(new BootModule(f, c, a, BootModuleKind.Module, where));
            }
        }
        if (!found)
        {
            var all = lines.Select(l => Split(l.Text)).Where(s => s.Type is "entry" or "title" && s.Remainder.Length > 0).Select(s => s.Remainder).OrderBy(s => s, StringComparer.Ordinal);
            throw new ModulesListException($"{listName}: Unknown entry \"{entry}\"! Available entries: {string.Join(' ', all)}");
        }
        var result = new List<BootModule>();
        foreach (var kind in new[] { BootModuleKind.Kernel, BootModuleKind.Sigma0, BootModuleKind.RootTask })
        {
            var (m, isDefault) = baseMods[kind];
            if (!(isDefault && noDefaults)) result.Add(m);
        }
        result.AddRange(mods);
        return new BootEntry(foundName!, listName, result, modAddrEntry ?? modAddrGlobal);
    }
}
