using Xunit;
using static L4Conf.Tests.CliTests;

namespace L4Conf.Tests;

/// <summary>
/// Whole outputs kept as approved files (tests/Conformance.Tests/approved/): a change to a boot console, an object
/// dump, a replay report or the compare TAP shows up as a readable diff to approve or to fix.
/// </summary>
public class SnapshotTests
{
    private static string Real(string f) => L4Conf.Conformance.Cases.TracePath.Real(f);
    private static string Mbt(string f) => Path.Combine(Repo.Root, "traces", "mbt", f);

    [Fact]
    public void Snapshot_boot_hello_console()
    {
        var (code, o, e) = L4conf("boot", Real("programs/modules.list"), "--entry", "boot-hello");
        Assert.True(code == 0, e);
        Approved.Verify("boot-hello.console", o);
    }

    [Fact]
    public void Snapshot_model_boot_objects()
    {
        var (code, o, _) = L4conf("objects");
        Assert.Equal(0, code);
        Approved.Verify("objects.boot", o);
    }

    [Fact]
    public void Snapshot_replay_ned_t_caps_report()
    {
        var (code, o, _) = L4conf("replay", Real("ned_t_caps.log"), "--explained");
        Assert.Equal(0, code);
        Approved.Verify("replay.ned_t_caps", o);
    }

    [Fact]
    public void Snapshot_replay_file_server_jdb_report()
    {
        var (code, o, _) = L4conf("replay", Real("file_server_jdb.log"));
        Assert.Equal(0, code);
        Approved.Verify("replay.file_server_jdb", o);
    }

    [Fact]
    public void Snapshot_compare_caplife_tap()
    {
        var (code, o, _) = L4conf("compare", Mbt("caplife.mbt"), Mbt("caplife"));
        Assert.Equal(0, code);
        Approved.Verify("compare.caplife.tap", o);
    }

    [Fact]
    public void A_changed_output_fails_with_a_diff_and_the_approve_command()
    {
        var name = $"selftest-{Environment.ProcessId}";
        var approved = Path.Combine(Approved.Dir, name + ".approved.txt");
        File.WriteAllText(approved, "one\ntwo\nthree\n");
        try
        {
            Approved.Verify(name, "one\ntwo\nthree\n");
            var ex = Assert.ThrowsAny<Exception>(() => Approved.Verify(name, "one\nTWO\nthree\n"));
            Assert.Contains("-     2: two", ex.Message);
            Assert.Contains("+     2: TWO", ex.Message);
            Assert.Contains($"approve it: cp tests/Conformance.Tests/approved/{name}.received.txt tests/Conformance.Tests/approved/{name}.approved.txt", ex.Message);
        }
        finally
        {
            File.Delete(approved);
            File.Delete(Path.Combine(Approved.Dir, name + ".received.txt"));
        }
    }
}
