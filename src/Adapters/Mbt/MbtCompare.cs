using L4Conf.Adapters.Console;
using L4Conf.Adapters.Jdb;
using L4Conf.Adapters.Replay;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Mbt;

/// <summary>The verdict on one real dump of a plugin directory (or on the run as a whole when <see cref="Dump"/> is null).</summary>
/// <param name="Key">Stable name of the test within the abstract test (its UUID is made from it).</param>
/// <param name="Title">What was compared, for the TAP description.</param>
/// <param name="Unexplained">Differences no known entry explains, as `ObjectGraphDiff` words them (A = the model, B = the real system).</param>
public sealed record MbtVerdict(string Key, string Title, SnippetDump? Dump, DumpPoint? Point, IReadOnlyList<string> Unexplained, int Explained, string? Why = null)
{
    public bool Ok => Unexplained.Count == 0 && Why == null;
}

/// <summary>What `compare` found: no dumps at all (a skip), or a verdict per dump and one for stale known entries.</summary>
public sealed record MbtResult(AbstractTest Test, string Dir, IReadOnlyList<MbtVerdict> Verdicts, string? SkipReason);

/// <summary>
/// `$L4RE_MODEL compare &lt;abstract-test&gt; &lt;dir&gt;`: boots the abstract test's scenario on the model, takes the
/// model's object graph at each dump point, and compares it with the real dump of the same order in the plugin
/// directory, with the abstract test's known differences (`diff:` entries) accepted.
/// </summary>
public static class MbtCompare
{
    public static MbtResult Run(AbstractTest test, string dir, string romDir, ulong maxTimeUs = Replay.Replay.DefaultMaxTimeUs)
    {
        var dumps = SnippetDir.Read(dir);
        if (dumps.Count == 0) return new MbtResult(test, dir, [], $"no {SnippetDir.Tag} dump in {dir}: nothing to compare");
        var known = test.Known != null ? KnownDifferences.Load(test.Known) : [];

        var image = ModelRun.Image(test.Entry, romDir, test.ScriptModule, test.Script);
        var plain = ModelRun.Plain(image, maxTimeUs);
        var points = test.Points.Count > 0 ? test.Points : dumps.Select(_ => new DumpPoint(null, null, 0)).ToList();
        var verdicts = new List<MbtVerdict>();

        // each point becomes a stop of the model's run: the first console line at or after the previous stop that holds its text
        var stops = new List<(int Line, string Why)?>();
        var sessions = new List<JdbSession>();
        int from = 0;
        foreach (var p in points)
        {
            int line = p.After == null ? plain.Console.Count : IndexFrom(plain.Console, p.After, from);
            stops.Add(line < 0 ? null : (line, p.After ?? "the end of the run"));
            sessions.Add(new JdbSession(p.Line, p.Line, p.Line, ["dumpmapdbobjs"]));
            if (line >= 0) from = Math.Max(from, p.After == null ? line : line - 1);
        }
        var run = ModelRun.Run(image, maxTimeUs, plain, sessions, stops);

        for (int k = 0; k < Math.Max(dumps.Count, points.Count); k++)
        {
            var dump = k < dumps.Count ? dumps[k] : null;
            var point = k < points.Count ? points[k] : null;
            var key = $"dump {k + 1}";
            var title = dump != null ? $"dump {k + 1} ({Path.GetFileName(dump.File)}{TagText(dump.Graph.UserTag)})" : $"dump point {k + 1}";
            if (point == null) { verdicts.Add(new MbtVerdict(key, title, dump, null, [], 0, $"{test.Name} names {points.Count} dump point(s): nothing to compare this dump with")); continue; }
            var at = PointText(test, point);
            if (dump == null) { verdicts.Add(new MbtVerdict(key, $"{title} {at}", null, point, [], 0, $"the directory holds {dumps.Count} dump(s): the test took no dump here")); continue; }
            title += " " + at;
            if (point.Tag != null && point.Tag != dump.Graph.UserTag.Trim())
            { verdicts.Add(new MbtVerdict(key, title, dump, point, [], 0, $"its user space tag is '{dump.Graph.UserTag.Trim()}', the abstract test expects '{point.Tag}' here")); continue; }
            if (stops[k] == null) { verdicts.Add(new MbtVerdict(key, title, dump, point, [], 0, $"the model never prints a console line holding '{point.After}' (after the previous dump point)")); continue; }
            if (run.Unreached.TryGetValue(k, out var why)) { verdicts.Add(new MbtVerdict(key, title, dump, point, [], 0, why)); continue; }
            var diff = ObjectGraphDiff.Compare(run.Dumps[k][0], dump.Graph);
            var un = new List<string>();
            int explained = 0;
            foreach (var d in diff.Differences)
            {
                var e = known.FirstOrDefault(e => e.Diff is { } re && re.IsMatch(d.Message));
                if (e == null) { un.Add(d.Message); continue; }
                e.Uses++;
                explained++;
            }
            verdicts.Add(new MbtVerdict(key, title, dump, point, un, explained));
        }
        var own = test.Known != null ? Path.GetFullPath(test.Known) : null;
        if (own != null && known.Any(e => e.Diff != null && e.File == own))
        {
            var stale = known.Where(e => e.Diff != null && e.Uses == 0 && e.File == own).Select(e => $"stale known difference {e.Where} explains nothing any more: {e.Why}").ToList();
            verdicts.Add(new MbtVerdict("known", $"known differences {Path.GetFileName(test.Known)}", null, null, stale, 0));
        }
        return new MbtResult(test, dir, verdicts, null);
    }

    private static int IndexFrom(IReadOnlyList<string> console, string text, int from)
    {
        for (int i = from; i < console.Count; i++)
            if (console[i].Contains(text, StringComparison.Ordinal)) return i + 1;
        return -1;
    }

    private static string TagText(string tag) => tag.Trim().Length > 0 ? $", tag '{tag.Trim()}'" : "";

    private static string PointText(AbstractTest t, DumpPoint p) =>
        p.After == null ? "at the end of the run" : $"after '{p.After}' ({t.Name}:{p.Line})";
}
