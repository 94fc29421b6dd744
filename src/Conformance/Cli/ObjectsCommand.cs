using System.CommandLine;
using System.Text.Json;
using L4Conf.Adapters.Jdb;
using L4Conf.Adapters.Pictures;
using L4Conf.Model.Kernel;
using L4Conf.Model.Trace;

namespace L4Conf.Conformance.Cli;

/// <summary>
/// `l4conf objects`: the model's object graph (or a capture's dump) in JDB's dumpmapdbobjs format, JSON or as a
/// capability graph (DOT/SVG), and `objects diff A B`: a structural
/// diff of two graphs (files with real dumps, or `model` for the model's boot state). Exit 0 equal, 1 different, 2 unreadable.
/// </summary>
public static class ObjectsCommand
{
    public static Command Build()
    {
        var format = new Option<string>("--format") { Description = "jdb (the kernel's plain dump format), json, dot (a capability graph in Graphviz's language) or svg (drawn by Graphviz's dot; DOT text when it is not installed)", DefaultValueFactory = _ => "jdb" };
        format.AcceptOnlyFromAmong("jdb", "json", "dot", "svg");
        var root = new Option<string>("--root-name") { Description = "Name of the root task the kernel boots", DefaultValueFactory = _ => "moe" };
        var file = new Option<FileInfo?>("--file") { Description = "Show a dump from this capture or dump file instead of the model's boot state" };
        var dump = new Option<int>("--dump") { Description = "Which dump of --file (1-based)", DefaultValueFactory = _ => 1 };
        var output = new Option<FileInfo?>("--output") { Description = "Write to this file instead of standard output" };
        var cmd = new Command("objects", "Print the model's kernel object graph (boot state), or a dump of a capture, as JDB's dumpmapdbobjs would, as JSON, or as a capability graph") { format, root, file, dump, output };
        cmd.SetAction(pr => InputErrors.Guard(() =>
        {
            var f = pr.GetValue(file);
            var g = f != null ? Load(f.FullName, pr.GetValue(dump)) : BootState.Create(rootName: pr.GetValue(root)!).Kernel.Snapshot("l4conf model");
            var title = f != null ? $"{f.Name}, dump {pr.GetValue(dump)}" : "model boot state";
            var fmt = pr.GetValue(format)!;
            var text = fmt switch
            {
                "json" => JsonSerializer.Serialize(g, Model.Trace.TraceRecorder.JsonOptions(indented: true)) + "\n",
                "dot" or "svg" => CapGraphDot.Render(g, title),
                _ => ObjectDumpWriter.Write(g),
            };
            if (fmt == "svg")
            {
                if (CapGraphDot.ToSvg(text, out var why) is { } svg) text = svg;
                else Console.Error.WriteLine($"l4conf: {why}: writing DOT text instead of SVG");
            }
            if (pr.GetValue(output) is { } o) File.WriteAllText(o.FullName, text);
            else Console.Write(text);
            return 0;
        }));
        cmd.Subcommands.Add(BuildDiff());
        return cmd;
    }

    private static Command BuildDiff()
    {
        var a = new Argument<string>("A") { Description = "A capture or dump file, or 'model' for the model's boot state" };
        var b = new Argument<string>("B") { Description = "A capture or dump file, or 'model'" };
        var aDump = new Option<int>("--a-dump") { Description = "Which dump of A (1-based) when A holds several", DefaultValueFactory = _ => 1 };
        var bDump = new Option<int>("--b-dump") { Description = "Which dump of B (1-based)", DefaultValueFactory = _ => 1 };
        var initial = new Option<string?>("--initial-caps") { Description = "Compare only the kernel-made initial caps (slots 1..0xb of sigma0 and this root task), e.g. moe" };
        var spaces = new Option<string?>("--spaces") { Description = "Comma-separated task names: compare only capabilities in these spaces" };
        var maxIndex = new Option<string?>("--max-index") { Description = "Compare only capabilities with an index up to this (hex with 0x, or decimal)" };
        var cmd = new Command("diff", "Structurally diff two object graphs (objects matched by type, name and capability structure)")
            { a, b, aDump, bDump, initial, spaces, maxIndex };
        cmd.SetAction(pr => InputErrors.Guard(() =>
        {
            var ga = Load(pr.GetValue(a)!, pr.GetValue(aDump));
            var gb = Load(pr.GetValue(b)!, pr.GetValue(bDump));
            var opts = DiffOptions.Default;
            if (pr.GetValue(initial) is { } r) opts = DiffOptions.InitialCaps(r);
            if (pr.GetValue(spaces) is { } s) opts = opts with { Spaces = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet() };
            if (pr.GetValue(maxIndex) is { } mi) opts = opts with { MaxCapIndex = ParseInt(mi) };
            // a filter that keeps nothing would report "graphs match" about nothing
            var names = ga.Objects.Concat(gb.Objects).SelectMany(o => o.Caps).Select(c => c.SpaceName).OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var (opt, value) in new[] { ("--initial-caps", pr.GetValue(initial)), ("--spaces", pr.GetValue(spaces)) })
                if (value != null)
                    foreach (var n in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        if (!names.Contains(n))
                        {
                            Console.Error.WriteLine($"l4conf: {opt} {InputErrors.Quote(value)}: no task named '{InputErrors.Quote(n)}' holds a capability in either graph (names there: {string.Join(", ", names.Order(StringComparer.Ordinal))})");
                            return 2;
                        }
            if (opts.IsFiltered && !ObjectGraphDiff.ApplyFilter(ga, opts).Objects.Any(o => o.Caps.Count > 0) && !ObjectGraphDiff.ApplyFilter(gb, opts).Objects.Any(o => o.Caps.Count > 0))
            {
                Console.Error.WriteLine($"l4conf: the filter ({string.Join(" ", new[] { pr.GetValue(initial) is { } i ? "--initial-caps " + i : null, pr.GetValue(spaces) is { } sp ? "--spaces " + sp : null, pr.GetValue(maxIndex) is { } mx ? "--max-index " + mx : null }.OfType<string>())}) matches no capability in either graph");
                return 2;
            }
            var result = ObjectGraphDiff.Compare(ga, gb, opts);
            Console.Write(ObjectGraphDiff.Format(result));
            return result.Equal ? 0 : 1;
        }));
        return cmd;
    }

    private static int ParseInt(string s)
    {
        bool hex = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (!ulong.TryParse(hex ? s[2..] : s, hex ? System.Globalization.NumberStyles.AllowHexSpecifier : System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v))
            throw new ArgumentException($"--max-index '{InputErrors.Quote(s)}': not a number (hex with 0x, or decimal)");
        if (v > int.MaxValue) throw new ArgumentException($"--max-index {s}: out of range (at most 0x{int.MaxValue:x})");
        return (int)v;
    }

    private static ObjectGraph Load(string what, int n)
    {
        if (what == "model") return BootState.Create().Kernel.Snapshot();
        if (Directory.Exists(what)) throw new ArgumentException($"{what}: is a directory, not a capture or dump file");
        if (!File.Exists(what)) throw new ArgumentException($"{what}: no such file");
        var dumps = ObjectDumpReader.ReadFile(what);
        if (n < 1 || n > dumps.Count) throw new ArgumentException($"{what}: has {dumps.Count} dump(s), dump {n} asked for");
        return dumps[n - 1];
    }
}
