using System.Diagnostics;
using System.Text.Json;
using L4Conf.Conformance.CpuDiff;
using Xunit;
using Xunit.Abstractions;
using static L4Conf.Tests.CliTests;

namespace L4Conf.Tests;

/// <summary>`l4conf cpu run` and `l4conf cpu diff` as a user runs them (spec/machine/cpu-cases.md).</summary>
public class CpuCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly List<string> temps = [];

    public void Dispose()
    {
        foreach (var f in temps) File.Delete(f);
    }

    /// <summary>The CI seed of the differential run; printed so a failure is reproduced with the same cases.</summary>
    public const int DiffSeed = 20261201;

    private const string AddAndPush = """{"name":"add-and-push","code":"4801d850cc","rip":"0x400000","regs":{"rax":"0x7fffffffffffffff","rbx":"0x1","rsp":"0x800000"},"pages":[{"address":"0x7ff000","prot":"rw"}]}""";
    private const string SsPush = """{"name":"ss-push","code":"50cc","rip":"0x400000","regs":{"rsp":"0x800000000008"}}""";

    private string Temp(params string[] lines)
    {
        string f = Path.Combine(Path.GetTempPath(), $"l4conf-cpu-{Guid.NewGuid():n}.jsonl");
        File.WriteAllLines(f, lines);
        temps.Add(f);
        return f;
    }

    private static (int Code, string Out, string Err) WithStdin(string stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "l4conf.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(120_000), "l4conf did not finish");
        return (p.ExitCode, o.Result, e.Result);
    }

    [Fact]
    public void Run_prints_one_outcome_per_case_the_spec_example()
    {
        string f = Temp("# the example of spec/machine/cpu-cases.md", AddAndPush, "", SsPush);
        var (code, o, e) = L4conf("cpu", "run", f);
        Assert.True(code == 0, e);
        var lines = o.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(2, lines.Length);
        var a = lines[0];
        Assert.Equal("add-and-push", a.GetProperty("name").GetString());
        Assert.Equal("trap", a.GetProperty("status").GetString());
        Assert.Equal(3, a.GetProperty("vector").GetInt32());                 // ended at the int3, RIP after it
        Assert.Equal("0x400005", a.GetProperty("rip").GetString());
        Assert.Equal("0x8000000000000000", a.GetProperty("regs").GetProperty("rax").GetString());
        Assert.Equal("0xa96", a.GetProperty("rflags").GetString());          // OF SF AF PF after 0x7fff... + 1
        Assert.Equal("0x7ffff8", a.GetProperty("regs").GetProperty("rsp").GetString());
        var m = a.GetProperty("memory").EnumerateArray().Single();           // the pushed 0x80000000_00000000: only its top byte changed
        Assert.Equal("0x7ff000", m.GetProperty("page").GetString());
        Assert.Equal(4095, m.GetProperty("offset").GetInt32());
        Assert.Equal("80", m.GetProperty("bytes").GetString());
        var b = lines[1];
        Assert.Equal(12, b.GetProperty("vector").GetInt32());               // #SS: the slot 2^47 is non-canonical
        Assert.Equal("#SS", b.GetProperty("trap").GetString());
        Assert.Equal("0x400000", b.GetProperty("rip").GetString());
        Assert.Equal("0x800000000008", b.GetProperty("regs").GetProperty("rsp").GetString());
    }

    [Fact]
    public void Run_reads_standard_input_and_stops_at_syscall_and_budget()
    {
        var (code, o, e) = WithStdin("""{"code":"0f05","rip":"0x400000","rflags":"0x203"}""" + "\n" + """{"code":"ebfe","rip":"0x400000","budget":5}""" + "\n", "cpu", "run", "-");
        Assert.True(code == 0, e);
        var l = o.TrimEnd('\n').Split('\n').Select(x => JsonDocument.Parse(x).RootElement).ToArray();
        Assert.Equal("standard input line 1", l[0].GetProperty("name").GetString());
        Assert.Equal("syscall", l[0].GetProperty("status").GetString());
        Assert.Equal("0x400002", l[0].GetProperty("regs").GetProperty("rcx").GetString());   // RCX = next RIP
        Assert.Equal("0x203", l[0].GetProperty("regs").GetProperty("r11").GetString());      // R11 = RFLAGS
        Assert.Equal("budget", l[1].GetProperty("status").GetString());
        Assert.Equal(5, l[1].GetProperty("retired").GetInt32());
    }

    [Theory]
    [InlineData("line 2: regs.rax: \"12\" is not a 64-bit hex string", """{"code":"cc","rip":"0x400000","regs":{"rax":"12"}}""")]
    [InlineData("line 2: regs.rip: not a general-purpose register", """{"code":"cc","rip":"0x400000","regs":{"rip":"0x1"}}""")]
    [InlineData("line 2: field 'code' is missing", """{"rip":"0x400000"}""")]
    [InlineData("line 2: code: \"zz\" is not a string of hex byte pairs", """{"code":"zz","rip":"0x400000"}""")]
    [InlineData("line 2: pages[1].address: 0x1001 is not a 4 KiB-aligned user address", """{"code":"cc","rip":"0x400000","pages":[{"address":"0x1000"},{"address":"0x1001"}]}""")]
    [InlineData("line 2: pages[0].prot: 'w'; one of r, rw, rx, rwx", """{"code":"cc","rip":"0x400000","pages":[{"address":"0x1000","prot":"w"}]}""")]
    [InlineData("line 2: rflags: 0x302; only CF PF AF ZF SF DF OF", """{"code":"cc","rip":"0x400000","rflags":"0x302"}""")]
    [InlineData("line 2: rip: 0x800000000000 puts the code outside the user half", """{"code":"cc","rip":"0x800000000000"}""")]
    [InlineData("line 2: gdt: \"x\"; \"fiasco\" (the default) or \"linux\"", """{"code":"cc","rip":"0x400000","gdt":"x"}""")]
    [InlineData("line 2: gdt: 5 is not a string", """{"code":"cc","rip":"0x400000","gdt":5}""")]
    [InlineData("line 2: mode: \"32\"; \"64\" (the default) or \"compat\"", """{"code":"cc","rip":"0x400000","mode":"32"}""")]
    [InlineData("line 2: cs: 0x23 is not a present user code segment with RPL 3 in the fiasco table", """{"code":"cc","rip":"0x400000","cs":"0x23"}""")]
    [InlineData("line 2: cs: rip 0x400000 is not within the segment (base 0x10000000, limit 0xffff)", """{"code":"cc","rip":"0x400000","gdt":"linux","cs":"0x7"}""")]
    [InlineData("line 2: cs: give \"cs\" or \"mode\": \"compat\", not both", """{"code":"cc","rip":"0x400000","mode":"compat","cs":"0x1b"}""")]
    [InlineData("line 2: budget: 0; a whole number of instructions", """{"code":"cc","rip":"0x400000","budget":0}""")]
    [InlineData("line 2: unknown field 'regz'", """{"code":"cc","rip":"0x400000","regz":{}}""")]
    [InlineData("line 2: not a JSON object", """{"code":"cc",""")]
    public void A_bad_case_line_names_the_line_and_field_and_runs_nothing(string says, string line)
    {
        string f = Temp("""{"code":"cc","rip":"0x400000"}""", line);
        var (code, o, e) = L4conf("cpu", "run", f);
        Assert.Equal(2, code);
        Assert.Equal("", o);                                  // the good first line did not run either
        Assert.Single(e.TrimEnd('\n').Split('\n'));
        Assert.Contains(f + " " + says, e);
        Assert.DoesNotContain("   at ", e);
    }

    [Fact]
    public void A_case_may_start_in_a_16_bit_code_segment_with_a_base_and_reports_ip()
    {
        // Linux's table: the helper's LDT segment 0x07, 16-bit code based at 0x10000000. 40 = inc ax; cc = int3.
        var (code, o, e) = WithStdin("""{"code":"40cc","rip":"0x10000080","gdt":"linux","cs":"0x7","regs":{"rax":"0xffff"}}""" + "\n", "cpu", "run", "-");
        Assert.True(code == 0, e);
        var r = JsonDocument.Parse(o).RootElement;
        Assert.Equal("#BP", r.GetProperty("trap").GetString());
        Assert.Equal("0x82", r.GetProperty("rip").GetString());                       // IP, an offset in CS
        Assert.Equal("0x0", r.GetProperty("regs").GetProperty("rax").GetString());    // inc ax: 16 bits
    }

    [Theory]
    [InlineData("no such file", "cpu", "run", "/nonexist-l4conf.jsonl")]
    [InlineData("is a directory", "cpu", "run", "/tmp")]
    [InlineData("--cases 0: must be 1 to 100000000", "cpu", "diff", "--cases", "0")]
    [InlineData("give --cases or --seconds, not both", "cpu", "diff", "--cases", "5", "--seconds", "1")]
    [InlineData("--seconds -1: must be a positive number", "cpu", "diff", "--seconds", "-1")]
    public void A_bad_option_is_one_line_and_exit_2(string says, params string[] args)
    {
        var (code, o, e) = L4conf(args);
        Assert.Equal(2, code);
        Assert.Equal("", o);
        Assert.Contains(says, e);
        Assert.DoesNotContain("   at ", e);
    }

    /// <summary>The differential run of CI: a fixed seed, a few seconds, every form covered, no difference.</summary>
    [Fact]
    public void Diff_against_the_host_cpu_finds_no_difference()
    {
        if (NativeRunner.Unavailable() is string why) { log.WriteLine($"skipped: {why}"); return; }
        log.WriteLine($"l4conf cpu diff --seed {DiffSeed} --seconds 3");
        var (code, o, e) = L4conf("cpu", "diff", "--seed", DiffSeed.ToString(), "--seconds", "3", "--format", "json");
        log.WriteLine(e);
        var r = JsonDocument.Parse(o).RootElement;
        log.WriteLine($"{r.GetProperty("cases")} cases in {r.GetProperty("seconds")} s, forms {r.GetProperty("forms").GetProperty("covered")} of {r.GetProperty("forms").GetProperty("total")}");
        Assert.Equal(DiffSeed, r.GetProperty("seed").GetInt32());
        Assert.True(code == 0, $"seed {DiffSeed}: {r.GetProperty("differenceCount")} differences, {r.GetProperty("nativeErrors")} native errors: {o}");
        Assert.Equal(0, r.GetProperty("differenceCount").GetInt32());
        var forms = r.GetProperty("forms");
        int outside = forms.GetProperty("outsideModel").GetArrayLength();
        // InstructionSet.Supported and the Translator agree: the only forms of supported mnemonics the model answers
        // with #UD are SSE4.1's pextrw m16 (pextrw itself is SSE2; the captured CPU has no SSE4.1).
        foreach (var f in forms.GetProperty("outsideModel").EnumerateArray())
            Assert.StartsWith("Pextrw_r", f.GetProperty("form").GetString());
        // Environment-defined forms (descriptor-table registers, rdtsc, cpuid, tzcnt/lzcnt) are listed with why, never run.
        int excluded = forms.GetProperty("environmentDefined").EnumerateArray().Sum(x => x.GetProperty("forms").GetInt32());
        Assert.True(excluded > 0 && forms.GetProperty("environmentDefined").EnumerateArray().All(x => x.GetProperty("why").GetString()!.Length > 20));
        outside += excluded + forms.GetProperty("neverEncodable").GetArrayLength(); // a form dropped after 8 unencodable draws may have run before
        // Every form ran at least once, whatever the machine's speed: forms are visited round-robin first.
        Assert.True(r.GetProperty("cases").GetInt32() < forms.GetProperty("total").GetInt32()
            || forms.GetProperty("covered").GetInt32() >= forms.GetProperty("total").GetInt32() - outside, o[..Math.Min(o.Length, 2000)]);
        Assert.True(forms.GetProperty("total").GetInt32() > 800);
    }

    [Fact]
    public void Diff_text_report_names_the_seed_and_how_to_reproduce()
    {
        if (NativeRunner.Unavailable() is string why) { log.WriteLine($"skipped: {why}"); return; }
        var (code, o, e) = L4conf("cpu", "diff", "--seed", "7", "--cases", "300");
        Assert.True(code == 0, o + e);
        Assert.Contains("cpu diff: seed 7: 300 cases", o);
        Assert.Contains("l4conf cpu diff --seed 7 --cases 300", o);
        Assert.Contains("differences: 0", o);
        Assert.Contains("undefined flags", o);
        Assert.Contains("environment-defined (not compared", o);
    }
}
