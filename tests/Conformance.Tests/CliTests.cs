using System.Diagnostics;
using Xunit;

namespace L4Conf.Tests;

/// <summary>The shipped command line, run as a user runs it (the built l4conf next to the tests).</summary>
public class CliTests
{
    internal static (int Code, string Out, string Err) L4conf(params string[] args) => L4confWith(null, args);

    /// <summary>As <see cref="L4conf"/>, with environment variables set for the child (a null value removes one).</summary>
    internal static (int Code, string Out, string Err) L4confWith(IReadOnlyDictionary<string, string?>? env, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "l4conf.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) psi.Environment[k] = v;
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(300_000), "l4conf did not finish in 5 minutes");   // the whole suite takes about 1 min alone, more on a loaded machine
        return (p.ExitCode, o.Result, e.Result);
    }

    private static string Real(string f) => L4Conf.Conformance.Cases.TracePath.Real(f);

    [Fact]
    public void Run_tap_passes_everything()
    {
        var (code, o, _) = L4conf("run", "--format", "tap");
        Assert.Equal(0, code);
        Assert.StartsWith("TAP version 13", o);
        Assert.DoesNotContain("not ok", o);
    }

    [Fact]
    public void Run_with_a_mutant_exits_nonzero()
    {
        var (code, o, _) = L4conf("run", "--mutant", "keep-s", "--filter", "s-needs");
        Assert.Equal(1, code);
        Assert.Contains("FAIL map/s-needs-both-task-caps", o);
    }

    [Fact]
    public void Abi_json_has_real_names_and_sources()
    {
        var (code, o, _) = L4conf("abi", "--json");
        Assert.Equal(0, code);
        var doc = System.Text.Json.JsonDocument.Parse(o);
        var w = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "L4_CAP_FPAGE_W");
        Assert.Equal("0x1", w.GetProperty("value").GetString());   // 64-bit values are hex strings
        Assert.Contains("l4re:l4sys/include/__l4_fpage.h", w.GetProperty("source").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public void Objects_diff_model_boot_against_the_real_dump_matches()
    {
        var (code, o, _) = L4conf("objects", "diff", "model", Real("jdb_mapdb_objs.log"), "--initial-caps", "moe");
        Assert.Equal(0, code);
        Assert.Contains("graphs match", o);
    }

    [Fact]
    public void Objects_diff_of_different_dumps_exits_1_and_names_differences()
    {
        var (code, o, _) = L4conf("objects", "diff", Real("caplife_mapdb_objs.log"), Real("caplife_mapdb_objs.log"), "--b-dump", "2");
        Assert.Equal(1, code);
        Assert.Contains("C:425", o);
    }

    [Fact]
    public void Objects_diff_of_unreadable_input_exits_2_with_the_line()
    {
        var bad = Path.GetTempFileName();
        File.WriteAllText(bad, "0 fffffffff020b5e0 [Factory] {root factory} c=0 l=0 ref_cnt=4\n\tgarbage here\n");
        try
        {
            var (code, _, e) = L4conf("objects", "diff", bad, "model");
            Assert.Equal(2, code);
            Assert.Contains(":2:", e);
        }
        finally { File.Delete(bad); }
    }

    [Fact]
    public void Objects_prints_the_jdb_format_that_reads_back()
    {
        var (code, o, _) = L4conf("objects");
        Assert.Equal(0, code);
        Assert.StartsWith("\n@@ KernelObjects @< BLOCK\ndump format version number: 0\n", o);
        var g = L4Conf.Adapters.Jdb.ObjectDumpReader.ReadAll(o, "stdout").Single();
        Assert.Equal(12, g.Objects.Count);
    }

    [Fact]
    public void Prove_discharges_all_obligations()
    {
        var (code, o, _) = L4conf("prove");
        Assert.Equal(0, code);
        var count = Directory.GetFiles(Path.Combine(Repo.Root, "spec", "obligations"), "*.smt2").Length;
        Assert.Contains($"{count} passed, 0 failed", o);
    }

    [Fact]
    public void Coverage_reports_every_clause_covered()
    {
        var (code, o, _) = L4conf("coverage");
        Assert.Equal(0, code);
        Assert.Contains(", 0 not covered", o);
    }
}
