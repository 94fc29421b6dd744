using System.Diagnostics;
using System.Text.RegularExpressions;
using L4Conf.Adapters.Mbt;
using Xunit;
using static L4Conf.Tests.CliTests;

namespace L4Conf.Tests;

/// <summary>
/// `l4conf compare` as the `$L4RE_MODEL` of Kernkonzept's model-based-testing plugin: the example directories made
/// from our captures pass, a tampered dump fails with the changed right named, and the plugin's way of calling it
/// (decoded snippets, SEARCHPATH, `sh -c "$L4RE_MODEL compare file dir"`, TAP back) works through bin/l4re-model.
/// </summary>
public class CompareCommandTests
{
    private static readonly string Root = Repo.Root;
    private static string Mbt(string f) => Path.Combine(Root, "traces", "mbt", f);
    private static string Real(string f) => Path.Combine(Root, "traces", "real", f);

    /// <summary>A fresh copy of an example directory holding only the snippets, as the plugin finds it before decoding.</summary>
    private static string SnippetsOnly(string example, string name)
    {
        var d = Path.Combine(Path.GetTempPath(), $"l4conf-compare-{Environment.ProcessId}-{name}");
        if (Directory.Exists(d)) Directory.Delete(d, true);
        Directory.CreateDirectory(d);
        foreach (var f in Directory.GetFiles(Mbt(example), "*.snippet")) File.Copy(f, Path.Combine(d, Path.GetFileName(f)));
        return d;
    }

    private static List<string> TestLines(string tap) => tap.Split('\n').Where(l => l.StartsWith("ok ", StringComparison.Ordinal) || l.StartsWith("not ok ", StringComparison.Ordinal)).ToList();

    [Fact]
    public void The_caplife_example_agrees_dump_by_dump_with_a_uuid_after_each_test_and_a_plan()
    {
        var (code, o, e) = L4conf("compare", Mbt("caplife.mbt"), Mbt("caplife"));
        Assert.True(code == 0, o + e);
        var lines = o.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, TestLines(o).Count);
        Assert.All(TestLines(o), l => Assert.StartsWith("ok ModelBasedTest:caplife.mbt: ", l));
        for (int i = 0; i < lines.Length - 1; i++)
            if (lines[i].StartsWith("ok ", StringComparison.Ordinal)) Assert.Matches(@"^# Test-uuid: [0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", lines[i + 1]);
        Assert.Equal("1..4", lines[^1]);
        Assert.Contains("dump 2 (2_KernelObjects.snippet.decoded) after 'CAPLIFE: partial unmaps done (B1-B4), sleeping 15 s'", o);
        Assert.Equal("", e);
    }

    [Fact]
    public void A_changed_right_in_a_dump_fails_that_dump_only_and_names_the_right()
    {
        var d = SnippetsOnly("caplife", "right");
        foreach (var f in Directory.GetFiles(Mbt("caplife"), "*.decoded")) File.Copy(f, Path.Combine(d, Path.GetFileName(f)));
        var dump2 = Path.Combine(d, "2_KernelObjects.snippet.decoded");
        var lines = File.ReadAllLines(dump2);
        Assert.Equal("\tfffffffee1d26048[C:2]: space=D:1f(ned) rights=17 flags=10 obj=0xfffffffff020b5e0", lines[4]);
        lines[4] = lines[4].Replace("rights=17", "rights=1f", StringComparison.Ordinal);
        File.WriteAllText(dump2, string.Join('\n', lines) + "\n");
        var (code, o, _) = L4conf("compare", Mbt("caplife.mbt"), d);
        Assert.Equal(1, code);
        var tests = TestLines(o);
        Assert.StartsWith("ok ", tests[0]);
        Assert.StartsWith("not ok ModelBasedTest:caplife.mbt: dump 2 ", tests[1]);
        Assert.StartsWith("ok ", tests[2]);
        Assert.Contains("  message: 'rights differ at D:ned C:2 on [Factory] {root factory} (A:0 B:0): A=0x17 B=0x1f: B has D that A lacks'", o);
        Assert.Contains("  severity: fail", o);
    }

    [Fact]
    public void Undecoded_snippets_are_decoded_as_the_plugin_decodes_them()
    {
        var d = SnippetsOnly("caplife", "raw");
        foreach (var f in Directory.GetFiles(d, "*_KernelObjects.snippet"))
            Assert.Equal(File.ReadAllText(Path.Combine(Mbt("caplife"), Path.GetFileName(f) + ".decoded")),
                SnippetDir.Decode(File.ReadAllText(f, System.Text.Encoding.Latin1), f));
        var (code, o, _) = L4conf("compare", Mbt("caplife.mbt"), d);
        Assert.Equal(0, code);
        Assert.Contains("dump 1 (1_KernelObjects.snippet) after", o);
    }

    [Fact]
    public async Task The_plugins_call_through_sh_and_bin_l4re_model_reads_back_as_tap()
    {
        // what model-based-testing.lua does: decode each KernelObjects snippet beside it, find the abstract test on
        // SEARCHPATH (exactly once), then os.execute(L4RE_MODEL .. ' compare ' .. file .. ' ' .. dir)
        var d = SnippetsOnly("file_server_jdb", "plugin");
        foreach (var f in Directory.GetFiles(d, "*_KernelObjects.snippet"))
            File.WriteAllText(f + ".decoded", SnippetDir.Decode(File.ReadAllText(f, System.Text.Encoding.Latin1), f));
        var name = File.ReadAllText(Path.Combine(d, "0_ModelBasedTest_AbstractTestName.snippet")).TrimEnd();
        var searchPath = new[] { Path.Combine(Root, "traces", "mbt"), Path.Combine(Root, "traces", "real") };
        var hits = searchPath.Select(p => p + "/" + name).Where(File.Exists).ToList();
        Assert.Single(hits);
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("$L4RE_MODEL compare " + hits[0] + " " + d);
        psi.Environment["L4RE_MODEL"] = Path.Combine(Root, "bin", "l4re-model");
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(cts.Token);
        var (out_, err) = (await o, await e);
        Assert.True(p.ExitCode == 0, out_ + err);
        var lines = out_.Split('\n');
        Assert.StartsWith("ok ModelBasedTest:file_server_jdb.lua: dump 1 (1_KernelObjects.snippet.decoded) at the end of the run", lines[0]);
        Assert.StartsWith("# Test-uuid: ", lines[1]);
        Assert.Equal("1..1", lines[2]);
        Assert.Equal("", lines[3]);   // every line ends in a newline, so the wrapper's summed plan starts a line of its own
    }

    [Fact]
    public void A_directory_without_dumps_is_a_tap_skip_with_exit_69()
    {
        var d = SnippetsOnly("caplife", "empty");
        foreach (var f in Directory.GetFiles(d, "*_KernelObjects.snippet")) File.Delete(f);
        var (code, o, _) = L4conf("compare", Mbt("caplife.mbt"), d);
        Assert.Equal(69, code);
        Assert.Matches(@"^1\.\.0 # SKIP no KernelObjects dump in .*\n$", o);
    }

    [Fact]
    public void More_dumps_than_dump_points_fails_the_extra_dump()
    {
        var d = SnippetsOnly("caplife", "extra");
        File.Copy(Path.Combine(d, "3_KernelObjects.snippet"), Path.Combine(d, "4_KernelObjects.snippet"));
        var (code, o, _) = L4conf("compare", Mbt("caplife.mbt"), d);
        Assert.Equal(1, code);
        Assert.Contains("not ok ModelBasedTest:caplife.mbt: dump 4 (4_KernelObjects.snippet) - not compared", o);
        Assert.Contains("message: 'caplife.mbt names 3 dump point(s): nothing to compare this dump with'", o);
    }

    [Theory]
    [InlineData("entry: t_caplife\nfoo: bar\n", ":2: unknown key 'foo'")]
    [InlineData("dump: after x\n", "no 'entry:' line")]
    [InlineData("entry: t_caplife\ndump: sometime\n", ":2: 'dump: sometime': a dump point is")]
    [InlineData("entry: nosuch\n", "Unknown entry \"nosuch\"")]
    public void A_bad_abstract_test_is_one_line_exit_2_and_a_failed_tap_test(string text, string message)
    {
        var f = Path.Combine(Path.GetTempPath(), $"l4conf-compare-{Environment.ProcessId}-bad.mbt");
        File.WriteAllText(f, text);
        var (code, o, e) = L4conf("compare", f, Mbt("caplife"));
        Assert.Equal(2, code);
        Assert.Contains(message, e);
        Assert.Single(e.Trim().Split('\n'));
        Assert.StartsWith("not ok ModelBasedTest:", o);
        Assert.EndsWith("1..1\n", o);
    }

    [Fact]
    public void Snippets_from_a_capture_match_the_shipped_example()
    {
        var d = Path.Combine(Path.GetTempPath(), $"l4conf-snippets-{Environment.ProcessId}");
        if (Directory.Exists(d)) Directory.Delete(d, true);
        var (code, _, e) = L4conf("snippets", Real("caplife.log"), d, "--abstract-test", "caplife.mbt");
        Assert.True(code == 0, e);
        var made = Directory.GetFiles(d).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(Directory.GetFiles(Mbt("caplife")).Select(Path.GetFileName).Order().ToList(), made);
        foreach (var f in made) Assert.Equal(File.ReadAllBytes(Path.Combine(Mbt("caplife"), f!)), File.ReadAllBytes(Path.Combine(d, f!)));
        (code, _, e) = L4conf("snippets", Real("ned_t_caps.log"), d + "-none");
        Assert.Equal(2, code);
        Assert.Contains("no @@ KernelObjects block", e);
    }

    [Fact]
    public void Test_uuids_are_name_based_and_stable()
    {
        Assert.Equal(MbtTap.Uuid("caplife.mbt\0dump 1"), MbtTap.Uuid("caplife.mbt\0dump 1"));
        Assert.NotEqual(MbtTap.Uuid("caplife.mbt\0dump 1"), MbtTap.Uuid("caplife.mbt\0dump 2"));
        Assert.Matches(new Regex("^[0-9a-f]{8}-[0-9a-f]{4}-5"), MbtTap.Uuid("x"));
    }
}
