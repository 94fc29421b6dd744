using L4Conf.Adapters.Check;
using L4Conf.Adapters.Jdb;
using L4Conf.Conformance.Cases;
using Xunit;

namespace L4Conf.Tests;

/// <summary>`trace check` finds a broken rule in an otherwise real capture, at the right line.</summary>
public class TraceCheckTests
{
    private static string Extract => File.ReadAllText(TracePath.Real("file_server_jdb_tbuf_client_server.log"));

    private static IpcCheckReport CheckText(string text) => IpcConsistency.Check(TraceBufferReader.Read(text, "tampered.log").Events);

    private static int LineOf(string text, string needle) =>
        text.Split('\n').Select((l, i) => (l, i)).First(x => x.l.Contains(needle)).i + 1;

    [Fact]
    public void Real_file_server_extract_is_consistent_with_known_figures()
    {
        var r = CheckText(Extract);
        Assert.True(r.Ok);
        Assert.Equal(34, r.PairedMessages);
        Assert.Equal(17, r.PairedReplies);
        Assert.Equal(17, r.Checked["IPC-LABEL-1"]);
    }

    [Fact]
    public void A_changed_gate_label_is_reported_at_its_line()
    {
        // The second receive through gate 37 claims different upper label bits than the first.
        var text = Extract;
        int first = text.IndexOf("004c answ [4649,w=3,i=0] L=42d421", StringComparison.Ordinal);
        int second = text.IndexOf("L=42d421", first + 40, StringComparison.Ordinal);
        text = text[..second] + "L=52d421" + text[(second + 8)..];
        var r = CheckText(text);
        var v = Assert.Single(r.Violations);
        Assert.Equal("IPC-LABEL-1", v.Clause);
        Assert.Equal(LineOf(text, "L=52d421"), v.Event.Line);
        Assert.NotEmpty(v.Before);
    }

    [Fact]
    public void A_send_that_does_not_return_its_tag_is_reported()
    {
        var text = File.ReadAllText(TracePath.Real("jdb_tbuf.log"));
        text = text.Replace("2309.   0      0027 answ [Klog,S,w=5,i=0] L=0 err=0 (OK) ()", "2309.   0      0027 answ [Klog,S,w=6,i=0] L=0 err=0 (OK) ()");
        var r = CheckText(text);
        Assert.Contains(r.Violations, v => v.Clause == "INV-3" && v.Event.Line == LineOf(text, "2309.   0      0027 answ"));
    }

    [Fact]
    public void A_receive_phase_error_on_a_send_only_call_is_reported()
    {
        var text = File.ReadAllText(TracePath.Real("jdb_tbuf.log"));
        text = text.Replace("2309.   0      0027 answ [Klog,S,w=5,i=0] L=0 err=0 (OK) ()", "2309.   0      0027 answ [E] L=0 err=3 (timeout/rcv) ()");
        var r = CheckText(text);
        Assert.Contains(r.Violations, v => v.Clause == "IPC-ERR-3");
    }

    [Fact]
    public void A_wrong_page_fault_message_word_is_reported()
    {
        var path = TracePath.Real("faults_jdb_tbuf_pf_exc.log");
        var text = File.ReadAllText(path);
        // The fetch fault at a0003fe8 reaches the pager as a0003fec (pfa | 4); claim a0003fe9 instead.
        text = text.Replace("answ [Kpf,w=2,i=0] L=17fe03 err=0 (OK) (a0003fec,a0003fe8)", "answ [Kpf,w=2,i=0] L=17fe03 err=0 (OK) (a0003fe9,a0003fe8)");
        var r = CheckText(text);
        var v = Assert.Single(r.Violations);
        Assert.Equal("PF-IPC-1", v.Clause);
        Assert.Contains("0xa0003fec", v.Message);
    }
}
