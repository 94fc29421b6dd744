using System.Text.RegularExpressions;
using System.Text;
using Xunit;
using static L4Conf.Tests.CliTests;

namespace L4Conf.Tests;

/// <summary>`l4conf replay`: real captures pass with their known-differences files; a tampered copy names the changed field first.</summary>
public class ReplayCommandTests
{
    private static string Real(string f) => L4Conf.Conformance.Cases.TracePath.Real(f);
    private static string TmpDir(string name)
    {
        var d = Path.Combine(Path.GetTempPath(), $"l4conf-replay-{Environment.ProcessId}-{name}");
        Directory.CreateDirectory(Path.Combine(d, "known"));
        return d;
    }

    [Fact]
    public void Ned_t_caps_replays_with_exit_0()
    {
        var (code, o, _) = L4conf("replay", Real("ned_t_caps.log"));
        Assert.Equal(0, code);
        Assert.Contains("PASS: nothing unexplained differs", o);
    }

    [Fact]
    public void File_server_jdb_replays_and_a_changed_answer_label_is_named_first()
    {
        var (code, o, _) = L4conf("replay", Real("file_server_jdb.log"));
        Assert.Equal(0, code);
        Assert.Contains("2272 trace-buffer entries", o);

        // the server's answer to the first write through `service` (rw): label 0x42d421 becomes 0x42d420
        var dir = TmpDir("label");
        var text = File.ReadAllText(Real("file_server_jdb.log"), Encoding.Latin1);
        const string entry = "      004c answ [4649,w=3,i=0] L=42d421 err=0 (OK) (1,2c6f6c6c65480007,...)";
        Assert.Contains(entry, text);
        File.WriteAllText(Path.Combine(dir, "file_server_jdb.log"), text.Replace(entry, entry.Replace("L=42d421", "L=42d420")), Encoding.Latin1);
        File.Copy(Real("file_server_jdb.lua"), Path.Combine(dir, "file_server_jdb.lua"), true);
        foreach (var k in Directory.GetFiles(Path.GetDirectoryName(Real("known/boot.known"))!)) File.Copy(k, Path.Combine(dir, "known", Path.GetFileName(k)), true);
        (code, o, _) = L4conf("replay", Path.Combine(dir, "file_server_jdb.log"), "--limit", "0");
        Assert.Equal(1, code);
        var first = o[(o.IndexOf("first divergence:", StringComparison.Ordinal))..];
        Assert.Contains("[tbuf/label] entry 1780 `answ` [4649,w=3,i=0]: label 0x42d420 real, 0x42d421 model (the W bit of the cap used differs)", first.Split('\n')[1]);
    }

    [Fact]
    public void A_capture_of_another_script_is_refused_with_exit_2()
    {
        var (code, _, e) = L4conf("replay", Real("ned_t_caps.log"), "--script", Real("ned_t_factory.lua"));
        Assert.Equal(2, code);
        Assert.Contains("does not belong to the script", e);
    }

    [Theory]
    [InlineData("replay", "x.log", "--format", "xml")]
    [InlineData("replay", "x.log", "--limit", "abc")]
    [InlineData("replay")]
    [InlineData("boot", "x", "--entry")]
    [InlineData("nosuchcommand")]
    public void A_bad_option_is_one_line_and_exit_2(params string[] args)
    {
        var (code, o, e) = L4conf(args);
        Assert.Equal(2, code);
        Assert.Equal("", o);
        Assert.Single(e.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("l4conf: ", e);
    }

    [Fact]
    public void Unusable_captures_are_one_line_and_exit_2()
    {
        var dir = TmpDir("bad");
        File.WriteAllText(Path.Combine(dir, "empty.log"), "");
        File.Copy(Real("ned_t_caps.lua"), Path.Combine(dir, "empty.lua"), true);
        var text = File.ReadAllText(Real("file_server_jdb.log"), Encoding.Latin1);
        File.WriteAllText(Path.Combine(dir, "cut.log"), text[..200_000], Encoding.Latin1);   // ends inside the trace-buffer dump
        File.Copy(Real("file_server_jdb.lua"), Path.Combine(dir, "cut.lua"), true);
        foreach (var (capture, says) in new[] { ("empty.log", "cannot tell which script"), ("cut.log", "cut.log:1059:"), ("nosuch.log", "no such capture") })
        {
            var (code, _, e) = L4conf("replay", Path.Combine(dir, capture));
            Assert.Equal(2, code);
            Assert.Contains(says, e);
            Assert.DoesNotContain("   at ", e);
        }
    }

    /// <summary>A copy of a capture, changed, with its script and the known files beside it.</summary>
    private static string Tampered(string name, string capture, Func<string, string> change)
    {
        var dir = TmpDir(name);
        var text = File.ReadAllText(Real(capture), Encoding.Latin1);
        var changed = change(text);
        Assert.NotEqual(text, changed);
        var path = Path.Combine(dir, capture);
        File.WriteAllText(path, changed, Encoding.Latin1);
        File.Copy(Real(Path.ChangeExtension(capture, ".lua")), Path.ChangeExtension(path, ".lua"), true);
        foreach (var k in Directory.GetFiles(Path.GetDirectoryName(Real("known/boot.known"))!)) File.Copy(k, Path.Combine(dir, "known", Path.GetFileName(k)), true);
        return path;
    }

    private static string FirstDivergence(string report) =>
        report[(report.IndexOf("first divergence:", StringComparison.Ordinal))..].Split('\n')[1];

    [Fact]
    public void A_dropped_trace_buffer_entry_is_named_first_with_the_gap_in_the_numbering()
    {
        const string entry = "         1780.   0      004c answ [4649,w=3,i=0] L=42d421 err=0 (OK) (1,2c6f6c6c65480007,...)";
        var path = Tampered("dropped", "file_server_jdb.log", t => Regex.Replace(t, "^" + Regex.Escape(entry) + ".*\n", "", RegexOptions.Multiline));
        var (code, o, _) = L4conf("replay", path, "--limit", "0");
        Assert.Equal(1, code);
        Assert.Equal("  [tbuf/only-model] model event 1114 `answ`: only in the model: D:4b answ [4649,w=3,i=0] L=42d421 err=0 (1,2c6f6c6c65480007,...) " +
                     "(the capture's entry numbers skip from 1779 to 1781 here)", FirstDivergence(o));
    }

    [Fact]
    public void A_receipt_logged_before_its_message_is_named_first_as_an_order_divergence()
    {
        // entries 1779 (the client's call) and 1780 (the server's receipt of it) trade places, numbers kept
        var path = Tampered("reordered", "file_server_jdb.log", t =>
        {
            var lines = t.Split('\n');
            int a = Array.FindIndex(lines, l => l.StartsWith("         1780.   0      004c answ [4649,w=3,i=0]", StringComparison.Ordinal));
            int b = a + 1;
            Assert.StartsWith("         1779.   0 ipc: p:0xfffffffee1d66000 call ipc->[C:18003]", lines[b]);
            int pa = lines[a].IndexOf("1780.", StringComparison.Ordinal) + 5, pb = lines[b].IndexOf("1779.", StringComparison.Ordinal) + 5;
            (lines[a], lines[b]) = (lines[a][..pa] + lines[b][pb..], lines[b][..pb] + lines[a][pa..]);
            return string.Join('\n', lines);
        });
        var (code, o, _) = L4conf("replay", path, "--limit", "0");
        Assert.Equal(1, code);
        Assert.StartsWith("  [tbuf/order] entry 1779 `answ`: the receipt of a message is logged before the message: entry 1780 `ipc` p:0xfffffffee1d66000 sends it later " +
                          "(the model logs the send, event 1113, before the receipt, event 1114)", FirstDivergence(o));
    }

    [Fact]
    public void A_changed_right_in_an_object_dump_is_named_first_and_drawn_in_red()
    {
        // the second dump of caplife.log (gzip) replaced by its decoded listing with one right changed (rights=17 -> 1f, D added)
        var listing = File.ReadAllText(Path.Combine(Path.GetDirectoryName(Real("caplife.log"))!, "..", "mbt", "caplife", "2_KernelObjects.snippet.decoded"));
        const string cap = "\tfffffffee1d26048[C:2]: space=D:1f(ned) rights=17 flags=10 obj=0xfffffffff020b5e0";
        Assert.Contains(cap, listing);
        var path = Tampered("right", "caplife.log", t =>
        {
            int s1 = t.IndexOf("@@ KernelObjects @< BLOCK", StringComparison.Ordinal);
            int s2 = t.IndexOf("@@ KernelObjects @< BLOCK", s1 + 1, StringComparison.Ordinal);
            int body = t.IndexOf('\n', s2) + 1;
            int end = t.IndexOf("@@ KernelObjects BLOCK >@", s2, StringComparison.Ordinal);
            return t[..body] + listing.Replace(cap, cap.Replace("rights=17", "rights=1f", StringComparison.Ordinal), StringComparison.Ordinal) + t[end..];
        });
        var svg = Path.ChangeExtension(path, ".svg");
        var (code, o, e) = L4conf("replay", path, "--limit", "0", "--picture", svg);
        Assert.Equal(1, code);
        Assert.Equal("  [objects/rights] rights differ at D:ned C:2 on [Factory] {root factory} (A:0 B:0): A=0x17 B=0x1f: B has D that A lacks", FirstDivergence(o));
        var picture = File.ReadAllText(svg);
        if (e.Contains("(SVG)", StringComparison.Ordinal))
        {
            Assert.StartsWith("<?xml", picture);
            Assert.Contains("C:2 rwsd", picture);     // the real slot with the added D, drawn
            Assert.Contains("stroke=\"red\"", picture);
        }
        else
        {
            Assert.Contains("holds DOT text", e);   // no Graphviz here: the DOT source
            Assert.Contains("label=\"C:2 rwsd\", color=red", picture);
        }
    }

    [Fact]
    public void A_capture_cut_inside_a_debugger_visit_is_named_first_as_truncated()
    {
        var path = Tampered("truncated", "file_server_jdb.log", t => string.Join('\n', t.Split('\n').Take(1500)) + "\n");
        var (code, o, _) = L4conf("replay", path, "--limit", "0");
        Assert.Equal(1, code);
        Assert.StartsWith("  [capture/truncated] the capture ends at line 1500 inside the debugger visit of line 178 while JDB was dumping the trace buffer", FirstDivergence(o));
    }

    [Fact]
    public void Objects_draws_a_capability_graph_as_dot()
    {
        var (code, o, _) = L4conf("objects", "--format", "dot", "--file", Real("caplife.log"), "--dump", "2");
        Assert.Equal(0, code);
        Assert.StartsWith("digraph caps {", o);
        Assert.Contains("subgraph cluster_t1f { label=\"task D:1f ned\"", o);
        Assert.Contains("s1f_2 [shape=box, label=\"C:2 rws\"];", o);          // ned's root-factory cap, rights 0x17
        Assert.Contains("s1f_2 -> o0 [style=solid];", o);
        Assert.Matches(@"-> o[0-9a-f]+ \[style=dashed\]", o);               // weak caps (no 0x10) are dashed
    }
}
