using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// Reads JDB `dumpmapdbobjs` output (fiasco src/jdb/jdb_mapdb.cpp, dump_all_obj_mappings) in the three forms it is
/// found in: `@@ KernelObjects` blocks with a plain listing, the same blocks with a uuencoded gzip stream (the
/// gzip console, as in real captures), and bare decoded listings optionally split by `=== ... ===` header lines.
/// Whether a file holds blocks decides the mode: with blocks, console output outside them is ignored; without,
/// every non-blank line must belong to a listing.
/// </summary>
public static partial class ObjectDumpReader
{
    public const string BlockStart = "@@ KernelObjects @< BLOCK";
    public const string BlockEnd = "@@ KernelObjects BLOCK >@";
    private const string VersionPrefix = "dump format version number:";
    private const string TagPrefix = "user space tag:";

    /// <summary>Reads every dump in a file; serial captures are read as Latin-1 so no byte can fail to decode.</summary>
    public static IReadOnlyList<ObjectGraph> ReadFile(string path) =>
        ReadAll(File.ReadAllText(path, Encoding.Latin1), path);

    /// <summary>
    /// All dumps in <paramref name="text"/>, in order. Object and cap lines carry their 1-based line in the text;
    /// for dumps inside a gzip block that is the line of its `begin` line. Throws
    /// <see cref="ObjectDumpFormatException"/> for anything malformed and when there is no dump at all.
    /// </summary>
    public static IReadOnlyList<ObjectGraph> ReadAll(string text, string fileName)
    {
        var lines = CleanLines(text);
        var dumps = lines.Any(l => l.Contains(BlockStart, StringComparison.Ordinal))
            ? ReadBlocks(lines, fileName)
            : ReadListings(lines, fileName);
        if (dumps.Count == 0)
            throw new ObjectDumpFormatException(fileName, 0, null,
                $"no object dump found (expected '{BlockStart}' blocks or a decoded listing of object lines)");
        return dumps;
    }

    /// <summary>Splits into lines (LF), dropping CRs and ANSI escape sequences, so line i is file line i+1.</summary>
    internal static string[] CleanLines(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var l = lines[i].Replace("\r", "", StringComparison.Ordinal);
            lines[i] = l.Contains('\x1b') ? AnsiRegex().Replace(l, "") : l;
        }
        return lines;
    }

    // CSI sequences (ESC [ params final) and the two-character ESC forms JDB's screen handling emits.
    [GeneratedRegex(@"\x1B(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])", RegexOptions.CultureInvariant)]
    private static partial Regex AnsiRegex();

    [GeneratedRegex(@"^begin [0-7]{3,4} \S", RegexOptions.CultureInvariant)]
    private static partial Regex UuBeginRegex();

    private static List<ObjectGraph> ReadBlocks(string[] lines, string file)
    {
        var dumps = new List<ObjectGraph>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(BlockEnd, StringComparison.Ordinal))
                throw Fail(file, i, lines[i], $"block end marker without a preceding '{BlockStart}'");
            if (!lines[i].Contains(BlockStart, StringComparison.Ordinal))
                continue; // other console output of a serial session
            RequireAlone(file, lines, i, BlockStart);
            var end = FindBlockEnd(file, lines, i);
            dumps.Add(ReadBlock(file, lines, i, end));
            i = end;
        }
        return dumps;
    }

    /// <summary>Index of the end marker that closes the block opened at <paramref name="start"/>.</summary>
    private static int FindBlockEnd(string file, string[] lines, int start)
    {
        for (var j = start + 1; j < lines.Length; j++)
        {
            if (lines[j].Contains(BlockEnd, StringComparison.Ordinal))
            {
                RequireAlone(file, lines, j, BlockEnd);
                return j;
            }
            if (lines[j].Contains(BlockStart, StringComparison.Ordinal))
                throw Fail(file, start, lines[start],
                    $"truncated KernelObjects block: no end marker '{BlockEnd}' before the next block starts at line {j + 1}");
        }
        throw Fail(file, start, lines[start], $"truncated KernelObjects block: no end marker '{BlockEnd}' before the end of the file");
    }

    /// <summary>Reads the block between the markers at <paramref name="start"/> and <paramref name="end"/>.</summary>
    private static ObjectGraph ReadBlock(string file, string[] lines, int start, int end)
    {
        var at = NextContent(lines, start + 1, end);
        if (at == end || !lines[at].StartsWith(VersionPrefix, StringComparison.Ordinal))
            throw Fail(file, at, lines[at], $"expected '{VersionPrefix} 0' after the block start marker");
        var versionText = lines[at][VersionPrefix.Length..].Trim();
        if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            throw Fail(file, at, lines[at], $"cannot read the dump format version '{versionText}'");
        if (version != ObjectGraph.JdbFormatVersion)
            throw Fail(file, at, lines[at], $"unsupported dump format version {version} (this reader knows version {ObjectGraph.JdbFormatVersion})");

        at = NextContent(lines, at + 1, end);
        if (at == end || !lines[at].StartsWith(TagPrefix, StringComparison.Ordinal))
            throw Fail(file, at, lines[at], $"expected '{TagPrefix}' after the format version line");
        var tag = lines[at][TagPrefix.Length..];
        tag = tag.StartsWith(' ') ? tag[1..] : tag; // kernel prints "user space tag:" + (" " + tag)

        at = NextContent(lines, at + 1, end);
        if (at < end && UuBeginRegex().IsMatch(lines[at]))
            return ReadGzipBlock(file, lines, at, end, version, tag);

        var builder = new ObjectDumpBuilder(file);
        for (var i = at; i < end; i++)
            builder.Add(lines[i], i + 1);
        return builder.Build(version, tag);
    }

    /// <summary>A uuencoded gzip listing from the `begin` line to `end`; its objects get the `begin` line number.</summary>
    private static ObjectGraph ReadGzipBlock(string file, string[] lines, int begin, int end, int version, string tag)
    {
        var data = new List<byte>();
        var terminated = false;
        var i = begin + 1;
        for (; i < end && lines[i].Trim() != "end"; i++)
        {
            if (terminated)
                throw Fail(file, i, lines[i], $"uuencoded data after the zero-length line that ends it: '{ObjectDumpBuilder.Show(lines[i])}'");
            if (!UuGzip.TryDecodeLine(lines[i], data, out terminated, out var error))
                throw Fail(file, i, lines[i], $"bad uuencoded line: {error}: '{ObjectDumpBuilder.Show(lines[i])}'");
        }
        if (i == end)
            throw Fail(file, begin, lines[begin], $"truncated uuencoded block: no 'end' line before the block end marker at line {end + 1}");
        var after = NextContent(lines, i + 1, end);
        if (after != end)
            throw Fail(file, after, lines[after], $"unexpected text between the uuencoded 'end' and the block end marker: '{ObjectDumpBuilder.Show(lines[after])}'");
        if (!UuGzip.TryGunzip(data.ToArray(), out var inflated, out var gzError))
            throw Fail(file, begin, lines[begin], $"cannot unpack the uuencoded gzip block: {gzError}");

        var decoded = CleanLines(Encoding.Latin1.GetString(inflated));
        var builder = new ObjectDumpBuilder(file);
        for (var k = 0; k < decoded.Length; k++)
            builder.Add(decoded[k], begin + 1, $"line {k + 1} of the gzip data decoded from the block at line {begin + 1}");
        return builder.Build(version, tag);
    }

    /// <summary>Bare listings: a `=== ... ===` header starts a new dump; a listing may also start without one.</summary>
    private static List<ObjectGraph> ReadListings(string[] lines, string file)
    {
        var dumps = new List<ObjectGraph>();
        ObjectDumpBuilder? current = null;
        var headerLine = 0;
        var tag = "";

        void Finish()
        {
            if (current is null)
                return;
            if (current.ObjectCount == 0)
                throw Fail(file, headerLine - 1, lines[headerLine - 1], "dump header is not followed by any object line");
            dumps.Add(current.Build(ObjectGraph.JdbFormatVersion, tag));
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (string.IsNullOrWhiteSpace(line))
                continue;
            if (IsHeader(line))
            {
                Finish();
                current = new ObjectDumpBuilder(file);
                headerLine = i + 1;
                tag = "";
                continue;
            }
            // the kernel's own two header lines (a block's body as the tap-wrapper plugins keep it, `*.decoded`)
            if (line.StartsWith(VersionPrefix, StringComparison.Ordinal))
            {
                var v = line[VersionPrefix.Length..].Trim();
                if (v != ObjectGraph.JdbFormatVersion.ToString(CultureInfo.InvariantCulture))
                    throw Fail(file, i, line, $"unsupported dump format version '{ObjectDumpBuilder.Show(v)}' (this reader knows version {ObjectGraph.JdbFormatVersion})");
                if (current is not { ObjectCount: 0 }) { Finish(); current = new ObjectDumpBuilder(file); headerLine = i + 1; }
                tag = "";
                continue;
            }
            if (line.StartsWith(TagPrefix, StringComparison.Ordinal) && current is { ObjectCount: 0 })
            {
                tag = line[TagPrefix.Length..].Trim();
                continue;
            }
            if (current is null)
            {
                if (!ObjectDumpLine.IsObjectShaped(line) && !ObjectDumpLine.IsCapShaped(line))
                    throw Fail(file, i, line,
                        $"no object dump found: expected '{BlockStart}', a '=== ... ===' header or an object line {ObjectDumpLine.ObjectShape}, got '{ObjectDumpBuilder.Show(line)}'");
                current = new ObjectDumpBuilder(file);
                headerLine = i + 1;
            }
            current.Add(line, i + 1);
        }
        Finish();
        return dumps;
    }

    private static bool IsHeader(string line)
    {
        var t = line.Trim();
        return t.Length >= 6 && t.StartsWith("===", StringComparison.Ordinal) && t.EndsWith("===", StringComparison.Ordinal);
    }

    private static int NextContent(string[] lines, int from, int end)
    {
        while (from < end && string.IsNullOrWhiteSpace(lines[from]))
            from++;
        return from;
    }

    private static void RequireAlone(string file, string[] lines, int i, string marker)
    {
        if (lines[i].Trim() != marker)
            throw Fail(file, i, lines[i], $"unexpected text around the marker '{marker}': '{ObjectDumpBuilder.Show(lines[i])}'");
    }

    /// <summary>Error at 0-based line index <paramref name="index"/>.</summary>
    private static ObjectDumpFormatException Fail(string file, int index, string line, string problem) =>
        new(file, index + 1, line, problem);
}
