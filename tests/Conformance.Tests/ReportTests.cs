using System.Xml.Linq;
using L4Conf.Conformance.Suite;
using Xunit;

namespace L4Conf.Tests;

/// <summary>The report formats CI systems read.</summary>
public class ReportTests
{
    private static RunReport Sample()
    {
        var pass = new ConformanceCase("a/pass", "passes", ["X-1"], _ => { });
        var fail = new ConformanceCase("a/fail", "fails", ["X-2"], c => c.Equal(1L, 2L, "value"));
        return Runner.Run([fail, pass], 7, null);
    }

    [Fact]
    public void Tap_has_plan_lines_and_yaml_diagnostics()
    {
        var lines = Reports.Tap(Sample()).Split('\n');
        Assert.Equal("TAP version 13", lines[0]);
        Assert.Equal("1..2", lines[1]);
        Assert.Equal("not ok 1 - a/fail", lines[2]);
        Assert.Contains("  message: |", lines);
        Assert.Contains("    value: expected 1 (0x1), model gave 2 (0x2)", lines);
        Assert.Contains("ok 2 - a/pass", lines);
    }

    [Fact]
    public void JUnit_counts_failures_and_names_cases()
    {
        var doc = XDocument.Parse(Reports.JUnit(Sample()));
        var suite = doc.Root!;
        Assert.Equal("2", suite.Attribute("tests")!.Value);
        Assert.Equal("1", suite.Attribute("failures")!.Value);
        Assert.Single(suite.Elements("testcase"), t => t.Element("failure") != null);
        Assert.Equal("7", suite.Element("properties")!.Element("property")!.Attribute("value")!.Value);
    }

    [Fact]
    public void Json_and_text_state_the_outcome()
    {
        var r = Sample();
        Assert.Contains("\"failed\": 1", Reports.Json(r));
        Assert.EndsWith("1 passed, 1 failed\n", Reports.Text(r).Replace("\r", ""));
        Assert.False(r.Success);
    }

    [Fact]
    public void A_case_that_throws_fails_with_the_exception_named()
    {
        var c = new ConformanceCase("a/throws", "throws", ["X-3"], _ => throw new InvalidOperationException("boom"));
        var r = Runner.Run([c], 1, null);
        Assert.Contains("InvalidOperationException: boom", r.Results[0].Message);
    }

    [Fact]
    public void Empty_selection_is_not_success()
    {
        Assert.False(Runner.Run([], 1, "nothing").Success);
    }
}
