using Xunit;
using static L4Conf.Tests.CliTests;

namespace L4Conf.Tests;

/// <summary>What a new user types wrong: one line naming the option or file, exit 2, no stack trace, before any work.</summary>
public class CliInputTests
{
    private static string Real(string f) => L4Conf.Conformance.Cases.TracePath.Real(f);

    [Theory]
    [InlineData("--output /nonexist-l4conf/x.txt: its folder does not exist", "run", "--filter", "abi/", "--output", "/nonexist-l4conf/x.txt")]
    [InlineData(": is a directory", "run", "--filter", "abi/", "--output", "/tmp")]
    [InlineData("--filter '[': not a regular expression", "run", "--filter", "[")]
    [InlineData("--timeout-ms 0: must be 1 to 3600000 milliseconds", "prove", "--timeout-ms", "0")]
    [InlineData("--max-index 0x100000000: out of range", "objects", "diff", "model", "model", "--max-index", "0x100000000")]
    [InlineData("--max-index 'zz': not a number", "objects", "diff", "model", "model", "--max-index", "zz")]
    [InlineData("--spaces nosuch: no task named 'nosuch'", "objects", "diff", "model", "model", "--spaces", "nosuch")]
    [InlineData("--initial-caps nosuch: no task named 'nosuch'", "objects", "diff", "model", "model", "--initial-caps", "nosuch")]
    [InlineData("option '--cases' as a whole number", "cpu", "diff", "--cases", "abc")]
    [InlineData("option '--seconds' as a number", "cpu", "diff", "--seconds", "x")]
    [InlineData("/tmp: is a directory, not a capture or dump file", "objects", "--file", "/tmp", "--format", "dot")]
    [InlineData("/nonexist-l4conf.log: no such file", "objects", "diff", "/nonexist-l4conf.log", "model")]
    public void A_mistake_is_one_line_and_exit_2(string says, params string[] args)
    {
        var (code, o, e) = L4conf(args);
        Assert.Equal(2, code);
        Assert.Equal("", o);
        Assert.Single(e.TrimEnd('\n').Split('\n'));
        Assert.Contains(says, e);
        Assert.DoesNotContain("   at ", e);
    }

    [Fact]
    public void A_trace_buffer_cut_inside_its_last_entry_is_refused_not_read_as_a_shorter_number()
    {
        var lines = File.ReadAllLines(Real("jdb_tbuf.log"), System.Text.Encoding.Latin1);
        int last = Array.FindLastIndex(lines, l => l.Contains("kclk=", StringComparison.Ordinal));
        var cut = string.Join('\n', lines.Take(last)) + "\n" + lines[last][..(lines[last].IndexOf("kclk=", StringComparison.Ordinal) + 7)];
        var f = Path.Combine(Path.GetTempPath(), $"l4conf-cut-{Environment.ProcessId}.log");
        File.WriteAllText(f, cut, System.Text.Encoding.Latin1);
        var (code, _, e) = L4conf("trace", "read", f);
        Assert.Equal(2, code);
        Assert.Contains($":{last + 1}: the file ends inside this entry (no line end after it): the capture is cut short", e);
    }

    [Fact]
    public void A_huge_line_is_quoted_by_a_short_prefix()
    {
        var f = Path.Combine(Path.GetTempPath(), $"l4conf-huge-{Environment.ProcessId}.dump");
        File.WriteAllText(f, "dump format version number: 0\nuser space tag:\n" + new string('x', 100_000) + "\n");
        var (code, _, e) = L4conf("objects", "diff", f, "model");
        Assert.Equal(2, code);
        Assert.Contains("... (100000 characters)", e);
        Assert.True(e.Length < 600, $"the message has {e.Length} characters");
    }

    [Fact]
    public void A_plugins_decoded_dump_is_read_with_its_header_lines()
    {
        var decoded = Path.Combine(Repo.Root, "traces", "mbt", "caplife", "1_KernelObjects.snippet.decoded");
        var (code, o, e) = L4conf("objects", "diff", decoded, Real("caplife.log"));
        Assert.True(code == 0, e);
        Assert.Equal("graphs match\n", o);
    }

    [Fact]
    public void Json_is_camel_case_with_hex_strings()
    {
        var (_, o, _) = L4conf("objects", "--format", "json");
        Assert.Contains("\"formatVersion\": 0", o);
        Assert.Contains("\"address\": \"0xfffffffee1000000\"", o);
        Assert.DoesNotContain("\"Objects\"", o);
    }

    [Fact]
    public void Shards_split_the_selection_and_their_junit_reports_add_up_to_the_full_run()
    {
        static List<string> Names(string junit) =>
            System.Xml.Linq.XDocument.Parse(junit).Descendants("testcase").Select(t => (string)t.Attribute("name")!).ToList();
        var (code, full, _) = L4conf("run", "--filter", "^(abi|map|unmap)/", "--format", "junit");
        Assert.Equal(0, code);
        var union = new List<string>();
        for (int k = 1; k <= 3; k++)
        {
            var (c, o, _) = L4conf("run", "--filter", "^(abi|map|unmap)/", "--format", "junit", "--shard", $"{k}/3");
            Assert.Equal(0, c);
            var names = Names(o);
            Assert.NotEmpty(names);
            Assert.Empty(union.Intersect(names));
            union.AddRange(names);
        }
        Assert.Equal(Names(full).Order(), union.Order());
        var (bad, _, e) = L4conf("run", "--shard", "4/3");
        Assert.Equal(2, bad);
        Assert.Contains("--shard '4/3': expected K/N with 1 <= K <= N", e);
    }

    [Fact]
    public void Prove_with_a_broken_task_map_s_mask_fails_with_a_counterexample_step()
    {
        Assert.True(L4Conf.Conformance.Proofs.Z3Solver.IsAvailable(out var why), why);
        var (ok, good, _) = L4conf("prove");
        Assert.Equal(0, ok);
        Assert.Contains("proved  OBL-CAP-IND-1", good);
        var (code, o, _) = L4conf("prove", "--mutant", "keep-s");
        Assert.Equal(1, code);
        Assert.Contains("FAILED  OBL-MAP-4", o);
        Assert.Matches(@"counterexample: Task::map of a slot with attributes 0x[0-9a-f]{2} \([a-z+0-9]*s[a-z+0-9]*\) .* through the source task cap 0x[0-9a-f]{2} .*: the new slot is 0x[0-9a-f]{2} \([a-z+0-9]*s", o);
        Assert.Contains("the task-map-mask written in obl-map-4.smt2 is not the model's", o);
        var (g, go, _) = L4conf("prove", "--mutant", "grow-rights", "--filter", "IND");
        Assert.Equal(1, g);
        Assert.Contains("counterexample: before: slot0", go);
    }

    [Fact]
    public void An_unknown_cpu_engine_is_one_line_and_exit_2()
    {
        var (code, o, e) = CliTests.L4confWith(new Dictionary<string, string?> { ["L4CONF_CPU_ENGINE"] = "jit" }, "run", "--filter", "abi/constants");
        Assert.Equal(2, code);
        Assert.Equal("", o);
        Assert.Equal("l4conf: L4CONF_CPU_ENGINE='jit' is not an engine: use interpreter, compiler or compiler-eager", e.Trim());
        var (ok, _, _) = CliTests.L4confWith(new Dictionary<string, string?> { ["L4CONF_CPU_ENGINE"] = "interpreter" }, "run", "--filter", "abi/constants");
        Assert.Equal(0, ok);
    }
}
