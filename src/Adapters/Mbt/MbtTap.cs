using System.Security.Cryptography;
using System.Text;

namespace L4Conf.Adapters.Mbt;

/// <summary>
/// The TAP a model prints for model-based-testing.lua: unnumbered `ok`/`not ok` lines (other plugins add lines to
/// the same stream and nothing renumbers), each followed by a `# Test-uuid:` comment and, for a failure, a YAML
/// block in the shape of TapWrapper::fail_test; then a plan at column 0, which the wrapper sums (mk
/// tool/lib/L4/TapWrapper.pm:207-320; spec/reference/replay/mbt-contract.md §4). Only TAP goes to standard output.
/// </summary>
public static class MbtTap
{
    /// <summary>Fixed namespace of our name-based UUIDs: the same test of the same abstract test keeps its UUID across runs.</summary>
    private static readonly Guid Namespace = new("3c6c1a52-8f0e-4d57-9a43-0b1f2c5e7d19");

    public static string Write(MbtResult r)
    {
        var sb = new StringBuilder();
        if (r.SkipReason != null) return $"1..0 # SKIP {Clean(r.SkipReason)}\n";
        foreach (var v in r.Verdicts)
        {
            var name = $"ModelBasedTest:{r.Test.Name}: {v.Title}";
            if (v.Ok)
            {
                var what = v.Dump != null ? $"the model's graph agrees with the {v.Dump.Graph.Objects.Count} real objects and {v.Dump.Graph.Objects.Sum(o => o.Caps.Count)} caps" : "every entry explains a difference";
                sb.Append($"ok {Clean(name)} - {what}{(v.Explained > 0 ? $" ({v.Explained} known differences)" : "")}\n");
                sb.Append($"# Test-uuid: {Uuid(r.Test.Name + "\0" + v.Key)}\n");
                continue;
            }
            var first = v.Why ?? v.Unexplained[0];
            sb.Append($"not ok {Clean(name)} - {(v.Why != null ? "not compared" : $"{v.Unexplained.Count} unexplained difference(s)")}\n");
            sb.Append($"# Test-uuid: {Uuid(r.Test.Name + "\0" + v.Key)}\n");
            sb.Append("  ---\n");
            sb.Append($"  message: {Yaml(first)}\n");
            sb.Append("  severity: fail\n");
            if (v.Dump != null) sb.Append($"  real: {Yaml(v.Dump.File)}\n");
            if (v.Point != null) sb.Append($"  point: {Yaml(v.Point.After == null ? "end of run" : $"after '{v.Point.After}' ({r.Test.File}:{v.Point.Line})")}\n");
            if (v.Unexplained.Count > 0)
            {
                sb.Append("  legend: 'A = the model, B = the real dump'\n");
                sb.Append("  differences:\n");
                foreach (var d in v.Unexplained) sb.Append($"    - {Yaml(d)}\n");
            }
            if (v.Explained > 0) sb.Append($"  explained: {v.Explained}\n");
            sb.Append("  ...\n");
        }
        sb.Append($"1..{r.Verdicts.Count}\n");
        return sb.ToString();
    }

    /// <summary>The TAP for input that could not be used: the harness reads only TAP, so the error is a failed test.</summary>
    public static string Error(string abstractTest, string message) =>
        $"not ok ModelBasedTest:{Clean(Path.GetFileName(abstractTest))}: l4conf compare - input error\n" +
        $"# Test-uuid: {Uuid(Path.GetFileName(abstractTest) + "\0input")}\n  ---\n  message: {Yaml(message)}\n  severity: fail\n  ...\n1..1\n";

    /// <summary>A TAP description may not hold `#` (a directive) or a line break.</summary>
    private static string Clean(string s) => s.Replace('#', '_').Replace('\n', ' ').Replace('\r', ' ');

    /// <summary>A single-quoted YAML scalar.</summary>
    private static string Yaml(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal).Replace('\n', ' ') + "'";

    /// <summary>A name-based (version 5, SHA-1) UUID, RFC 9562 §5.5.</summary>
    public static string Uuid(string name)
    {
        var ns = Namespace.ToByteArray(bigEndian: true);
        var data = new byte[ns.Length + Encoding.UTF8.GetByteCount(name)];
        ns.CopyTo(data, 0);
        Encoding.UTF8.GetBytes(name, 0, name.Length, data, ns.Length);
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 prescribes for version 5, not a security use
        var hash = SHA1.HashData(data);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0f) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3f) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }
}
