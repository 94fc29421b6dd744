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
}
