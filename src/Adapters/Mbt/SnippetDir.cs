using System.Text;
using System.Text.RegularExpressions;
using L4Conf.Adapters.Jdb;
using L4Conf.Adapters.Replay;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Mbt;

/// <summary>One object dump of a plugin directory: its sequence number, the file it was read from and the graph.</summary>
public sealed record SnippetDump(int Seq, string File, ObjectGraph Graph);

/// <summary>
/// The directory the tap-wrapper's External plugin fills and model-based-testing.lua hands to the model: one
/// `&lt;seq&gt;_&lt;tag&gt;[_&lt;info&gt;].snippet` per tagged block or line (the block without its start and end
/// lines), and for each KernelObjects block the plugin's `.snippet.decoded` text (mk tool/lib/L4/TapWrapper/Plugin/
/// External.pm:27-62, tool/bin/tap-wrapper-plugins/model-based-testing.lua:62-77; our notes:
/// spec/reference/replay/mbt-contract.md §1). Reading prefers the decoded file and decodes a lone snippet itself;
/// writing makes such a directory from a serial capture, as the plugin would from the same console.
/// </summary>
public static partial class SnippetDir
{
    public const string Tag = "KernelObjects";

    [GeneratedRegex(@"^(\d+)_KernelObjects(?:_([0-9A-Za-z]+))?\.snippet(\.decoded)?$")]
    private static partial Regex DumpName();

    /// <summary>The dumps in <paramref name="dir"/>, by sequence number. Throws <see cref="ReplayInputException"/> naming the file.</summary>
    public static IReadOnlyList<SnippetDump> Read(string dir)
    {
        if (!Directory.Exists(dir)) throw new ReplayInputException($"{dir}: no such directory");
        var files = Directory.GetFiles(dir).Select(Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var bySeq = new SortedDictionary<int, string>();
        foreach (var f in files)
        {
            var m = DumpName().Match(f);
            if (!m.Success) continue;
            if (!int.TryParse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out var seq))
                throw new ReplayInputException($"{Path.Combine(dir, f)}: sequence number out of range");
            // the plugin's decoded text when it is there, else the raw snippet
            var decoded = m.Groups[3].Success ? f : f + ".decoded";
            bySeq[seq] = files.Contains(decoded) ? decoded : f;
        }
        var list = new List<SnippetDump>();
        foreach (var (seq, f) in bySeq)
        {
            var path = Path.Combine(dir, f);
            var text = File.ReadAllText(path, Encoding.Latin1);
            var lines = text.Split('\n');
            var version = lines[0].TrimEnd('\r');
            if (version != "dump format version number: 0")
                throw new ReplayInputException($"{path}:1: expected 'dump format version number: 0' (the first line of a {Tag} block), found '{version}'");
            if (lines.Length < 2 || !lines[1].StartsWith("user space tag:", StringComparison.Ordinal))
                throw new ReplayInputException($"{path}:2: expected 'user space tag:' (the second line of a {Tag} block)");
            // a raw snippet of a gzip console holds the uuencoded stream: read it as a block; a decoded listing the
            // reader takes as it is, header lines and all
            if (lines.Length > 2 && lines[2].StartsWith("begin ", StringComparison.Ordinal))
                text = $"{ObjectDumpReader.BlockStart}\n{text.TrimEnd()}\n{ObjectDumpReader.BlockEnd}\n";
            try
            {
                var graphs = ObjectDumpReader.ReadAll(text, path);
                if (graphs.Count != 1) throw new ReplayInputException($"{path}: holds {graphs.Count} object dumps (a snippet holds one block)");
                list.Add(new SnippetDump(seq, path, graphs[0]));
            }
            catch (ObjectDumpFormatException e) { throw new ReplayInputException(e.Message); }
        }
        return list;
    }

    // External's block start and end (TagPluginBase.pm:36,50) and single tagged lines (:92-93)
    [GeneratedRegex(@"^(.*)@@ (KernelObjects) @< BLOCK *([^\r\n]*)")]
    private static partial Regex BlockStart();
    [GeneratedRegex(@"^.*@@ (ModelBasedTest)(?:\[([^\]]*)\])?:")]
    private static partial Regex TaggedLine();

    /// <summary>
    /// Writes the plugin directory a tap-wrapper run over <paramref name="capture"/> would leave: the snippets, and
    /// with <paramref name="decode"/> the `.decoded` files. <paramref name="abstractTest"/>, when given, is written
    /// first as the `ModelBasedTest[AbstractTestName]` line the test program prints. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> Write(string capture, string dir, string? abstractTest, bool decode)
    {
        if (!File.Exists(capture)) throw new ReplayInputException($"{capture}: no such capture");
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            throw new ReplayInputException($"{dir}: not empty (the plugin refuses a directory with other files in it)");
        var all = File.ReadAllText(capture, Encoding.Latin1);
        if (!all.Contains("@@ KernelObjects @< BLOCK", StringComparison.Ordinal))
            throw new ReplayInputException($"{capture}: no @@ KernelObjects block in the capture (nothing for the model to compare)");
        var lines = Regex.Split(all, @"(?<=\n)");
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        int idx = 0;
        void Put(string name, string content)
        {
            var p = Path.Combine(dir, name);
            File.WriteAllText(p, content, Encoding.Latin1);
            written.Add(p);
        }
        if (abstractTest != null) Put($"{idx++}_ModelBasedTest_AbstractTestName.snippet", abstractTest + "\n");
        for (int i = 0; i < lines.Length; i++)
        {
            var start = BlockStart().Match(lines[i]);
            if (start.Success)
            {
                var prefix = start.Groups[1].Value;
                var end = prefix + "@@ KernelObjects BLOCK >@";
                var body = new StringBuilder();
                int j = i + 1;
                for (; j < lines.Length && !lines[j].StartsWith(end, StringComparison.Ordinal); j++)
                    body.Append(lines[j].StartsWith(prefix, StringComparison.Ordinal) ? lines[j][prefix.Length..] : lines[j]);
                if (j >= lines.Length) throw new ReplayInputException($"{capture}:{i + 1}: the KernelObjects block is not closed");
                var info = Regex.Replace(start.Groups[3].Value, @"\x1b\[[^m]*m", "").Trim();
                var name = $"{idx++}_{Tag}{(info.Length > 0 ? "_" + info : "")}.snippet";
                Put(name, body.ToString());
                if (decode) Put(name + ".decoded", Decode(body.ToString(), $"{capture}:{i + 1}"));
                i = j;
                continue;
            }
            var tagged = TaggedLine().Match(lines[i]);
            if (tagged.Success)
            {
                var info = tagged.Groups[2].Value;
                Put($"{idx++}_{tagged.Groups[1].Value}{(info.Length > 0 ? "_" + info : "")}.snippet", lines[i][tagged.Length..]);
            }
        }
        return written;
    }

    /// <summary>
    /// What the plugin's helper makes of a KernelObjects snippet (helper.lua:101-116, model-based-testing.lua:69):
    /// two header lines kept, a uuencoded gzip body inflated, trailing white space dropped, CRLF made LF, colour
    /// escapes removed, one newline added.
    /// </summary>
    public static string Decode(string snippet, string where)
    {
        var text = snippet;
        var m = Regex.Match(snippet, @"^([^\n]+\n[^\n]+\n)begin ");
        if (m.Success)
        {
            var bytes = new List<byte>();
            foreach (var raw in snippet[m.Length..].Split('\n').Skip(1))
            {
                var l = raw.TrimEnd('\r');
                if (l is "`" or "end" || l.Length == 0) continue;
                if (!UuGzip.TryDecodeLine(l, bytes, out var term, out var err)) throw new ReplayInputException($"{where}: {err}");
                if (term) break;
            }
            if (!UuGzip.TryGunzip(bytes.ToArray(), out var body, out var gzErr)) throw new ReplayInputException($"{where}: {gzErr}");
            text = m.Groups[1].Value + Encoding.Latin1.GetString(body);
        }
        text = text.TrimEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        return Regex.Replace(text, @"\x1b\[[^m]*m", "") + "\n";
    }
}
