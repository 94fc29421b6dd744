using System.Text;
using System.Text.Json;
using L4Conf.Adapters.Jdb;
using L4Conf.Model.Abi;
using L4Conf.Model.Trace;
using Xunit;

namespace L4Conf.Tests;

/// <summary>
/// Reading JDB trace-buffer dumps (ipc / answ / pf entries) from the real captures in traces/real. Every expected
/// count was taken independently with grep/awk on the files, e.g. entries `grep -cE '^ *[0-9]+\. '`, kinds by the
/// third field (`ipc:`, `pf:`) or the fourth (`answ`), protocols with `grep -oE '(L=[0-9a-f]+ |answ )\[[^],]+'`,
/// operations with `sed -E 's/.*ipc: [^ ]+ (.*)->\[C:.*/\1/'`.
/// </summary>
public class TraceBufferTests
{
    private static string Real(string name) => L4Conf.Conformance.Cases.TracePath.Real(name);

    private static TraceBufferCapture Read(string name) => L4Conf.Conformance.Cases.TracePath.TraceBuffer(name);

    /// <summary>The event of JDB entry <paramref name="number"/>.</summary>
    private static T Entry<T>(TraceBufferCapture c, long number) where T : TraceEvent
    {
        var i = c.EntryNumbers.ToList().IndexOf(number);
        Assert.True(i >= 0, $"entry {number} not in {c.FileName}");
        return Assert.IsType<T>(c.Events[i]);
    }

    // --- the real captures read completely ---------------------------------------------------------------------

    [Theory]
    [InlineData("jdb_tbuf.log", 2310, 1115, 1015, 180, TraceBufferOrder.NewestFirst, 1, 2310)]
    [InlineData("jdb_session.raw", 2310, 1115, 1015, 180, TraceBufferOrder.NewestFirst, 1, 2310)]
    [InlineData("file_server_jdb_tbuf_client_server.log", 71, 36, 35, 0, TraceBufferOrder.OldestFirst, 1755, 2070)]
    [InlineData("file_server_jdb.log", 2272, 1182, 1090, 0, TraceBufferOrder.NewestFirst, 1, 2272)]
    [InlineData("file_server_jdb.raw", 2272, 1182, 1090, 0, TraceBufferOrder.NewestFirst, 1, 2272)]
    [InlineData("faults_jdb_tbuf_pf_exc.log", 1433, 387, 383, 663, TraceBufferOrder.OldestFirst, 5, 10821)]
    [InlineData("faults_jdb.log", 11265, 5483, 5119, 663, TraceBufferOrder.NewestFirst, 1, 11265)]
    public void Real_captures_read_completely_with_the_counted_entries(
        string file, int entries, int ipc, int answ, int pf, TraceBufferOrder order, long first, long last)
    {
        var c = Read(file);
        Assert.Equal(entries, c.EntryCount);
        Assert.Equal(ipc, c.IpcCount);
        Assert.Equal(answ, c.AnswerCount);
        Assert.Equal(pf, c.PageFaultCount);
        Assert.Equal(entries, c.KindCounts.Values.Sum()); // no other kinds occur
        Assert.Equal(ipc, c.Events.OfType<Invoke>().Count());
        Assert.Equal(answ, c.Events.OfType<InvokeResultEvent>().Count());
        Assert.Equal(pf, c.Events.OfType<PageFault>().Count());
        Assert.Equal(order, c.Order);
        Assert.Equal(first, c.FirstEntry);
        Assert.Equal(last, c.LastEntry);
        Assert.Equal(Real(file), c.FileName);
    }

    [Theory]
    [InlineData("jdb_tbuf.log",
        "0=802;1=72;4=4;6=4;8=40;E=6;Kfactory=73;Kirq=28;Klog=125;Kobj=16;Kpf=114;Ksched=8;Ksem=9;Ktask=222;Kthread=110;" +
        "ds=165;name=12;parent=2;rm=279",
        "call ipc=664;recv=5;repl=347;send=65;wait=34")]
    [InlineData("file_server_jdb_tbuf_client_server.log",
        "0=4;1=2;12=6;4=2;4649=29;7=2;E=1;Kirq=4;Kmeta=4;b=2;ds=2;fffffffffffffc17=2;ffffffffffffffd9=2;" +
        "ffffffffffffffda=2;ffffffffffffffde=4;ffffffffffffffe4=2",
        "call ipc=18;repl=17;wait=1")]
    [InlineData("faults_jdb_tbuf_pf_exc.log", "Kexc=7;Kpf=413;Kthread=350", "call ipc=387")]
    [InlineData("faults_jdb.log",
        "0=3070;1=294;4=14;6=14;8=140;E=14;Kexc=7;Kfactory=252;Kirq=150;Klog=2496;Kobj=56;Kpf=413;Ksched=28;Ksem=48;" +
        "Ktask=972;Kthread=434;ds=621;name=28;parent=12;rm=987",
        "call ipc=2603;recv=2;repl=1251;send=1077;wait=550")]
    [InlineData("file_server_jdb.log",
        "0=798;1=71;12=6;4=6;4649=29;6=4;7=2;8=40;E=4;Kfactory=73;Kirq=32;Klog=218;Kmeta=4;Kobj=17;Kpf=116;Ksched=8;" +
        "Ksem=9;Ktask=220;Kthread=102;b=2;ds=147;fffffffffffffc17=2;ffffffffffffffd9=2;ffffffffffffffda=2;" +
        "ffffffffffffffde=4;ffffffffffffffe4=2;name=8;parent=2;rm=287",
        "call ipc=667;recv=1;repl=358;send=102;wait=54")]
    public void Real_captures_have_the_counted_protocols_and_operations(string file, string protocols, string ops)
    {
        var c = Read(file);
        Assert.Equal(Counts(protocols), c.ProtocolCounts.OrderBy(k => k.Key, StringComparer.Ordinal));
        Assert.Equal(Counts(ops), c.OpCounts.OrderBy(k => k.Key, StringComparer.Ordinal));
    }

    private static IEnumerable<KeyValuePair<string, int>> Counts(string spec) =>
        spec.Split(';').Select(p => p.Split('=')).Select(p => KeyValuePair.Create(p[0], int.Parse(p[1])))
            .OrderBy(k => k.Key, StringComparer.Ordinal);

    [Theory]
    [InlineData("jdb_session.raw", "jdb_tbuf.log")]
    [InlineData("file_server_jdb.raw", "file_server_jdb.log")]
    public void A_raw_serial_session_gives_the_same_events_as_its_plain_dump(string raw, string plain)
    {
        var (r, p) = (Read(raw), Read(plain));
        Assert.Equal(p.EntryNumbers, r.EntryNumbers);
        Assert.Equal(p.Events.Select(Projection), r.Events.Select(Projection));
        Assert.Equal(p.Events.Select(e => e.Seq), r.Events.Select(e => e.Seq));
    }

    [Theory]
    [InlineData("file_server_jdb_tbuf_client_server.log", "file_server_jdb.log")]
    [InlineData("faults_jdb_tbuf_pf_exc.log", "faults_jdb.log")]
    public void An_extract_holds_the_same_events_as_the_whole_dump_it_was_cut_from(string extract, string whole)
    {
        var (x, w) = (Read(extract), Read(whole));
        var byNumber = w.EntryNumbers.Zip(w.Events).ToDictionary(p => p.First, p => Projection(p.Second));
        foreach (var (n, e) in x.EntryNumbers.Zip(x.Events))
            Assert.Equal(byNumber[n], Projection(e));
    }

    /// <summary>Everything of an event but its position in the file.</summary>
    private static string Projection(TraceEvent e) => JsonSerializer.Serialize(e with { Line = 0, Seq = 0 });

    // --- chronological order -------------------------------------------------------------------------------------

    [Theory]
    [InlineData("jdb_tbuf.log")]
    [InlineData("file_server_jdb_tbuf_client_server.log")]
    [InlineData("faults_jdb_tbuf_pf_exc.log")]
    [InlineData("faults_jdb.log")]
    [InlineData("file_server_jdb.log")]
    [InlineData("jdb_session.raw")]
    public void Events_come_oldest_first_whatever_the_order_of_the_text(string file)
    {
        var c = Read(file);
        Assert.Equal(Enumerable.Range(1, c.EntryCount).Select(i => (long)i), c.Events.Select(e => e.Seq));
        for (var i = 1; i < c.EntryCount; i++)
        {
            Assert.True(c.EntryNumbers[i] > c.EntryNumbers[i - 1], $"entry numbers fall at event {i + 1}");
            var (prev, cur) = (c.Events[i - 1], c.Events[i]);
            if (c.Order == TraceBufferOrder.NewestFirst)
                Assert.True(cur.Line < prev.Line, $"line {cur.Line} after line {prev.Line}");
            else
                Assert.True(cur.Line > prev.Line, $"line {cur.Line} after line {prev.Line}");
            Assert.True(Clock(cur) >= Clock(prev), $"kernel clock runs backwards at line {cur.Line}");
        }
    }

    private static ulong Clock(TraceEvent e) => e switch
    {
        Invoke i => i.TimeUs!.Value,
        InvokeResultEvent r => r.TimeUs!.Value,
        PageFault p => p.TimeUs!.Value,
        _ => throw new InvalidOperationException(e.GetType().Name),
    };

    // --- fields of specific real lines ---------------------------------------------------------------------------

    [Fact]
    public void Ipc_call_with_an_opcode_shown_by_name()
    {
        // 2302. 0 ipc: 0027 call ipc->[C:1003] DID=1e L=0 [Ktask,w=3,i=0] (Unmap,80000000,...) TO=INF/INF
        var c = Read("jdb_tbuf.log");
        var e = Entry<Invoke>(c, 2302);
        Assert.Equal(2302, e.Seq); // the dump holds entries 1..2310 without gaps
        Assert.Equal(10, e.Line);
        Assert.Equal(0x27ul, e.Thread);
        Assert.Null(e.ThreadRef);
        Assert.Equal(0x1003ul, e.Selector);
        Assert.Equal(CapSelector.Of(1, SysFlags.Call), new CapSelector(e.Selector));
        Assert.Equal("call ipc", e.Op);
        Assert.Equal(0x1eul, e.Dest);
        Assert.Equal(0ul, e.Label);
        Assert.Equal(new MsgTag(-11, 3, 0).Raw, e.Tag);
        Assert.Equal((long)Protocol.Task, new MsgTag(e.Tag).Label);
        Assert.Equal("INF/INF", e.TimeoutText);
        Assert.Equal(0ul, e.Timeouts); // never/never is raw 0, and JDB's text pins it down
        Assert.Equal("Unmap,80000000,...", e.Decoded);
        // JDB prints the opcode by name only when MR0 equals it exactly, so the name gives MR0 back
        Assert.Equal([(ulong)TaskOp.Unmap, (ulong)UnmapMask.AllSpaces], e.Mrs);
        Assert.False(e.MrsComplete);
        Assert.Equal(20662000ul, e.TimeUs);
    }

    [Fact]
    public void Answer_of_the_unmap_call()
    {
        // 2303. 0      0027 answ [0,w=3,i=0] L=0 err=0 (OK) (1,80000000,...)
        var e = Entry<InvokeResultEvent>(Read("jdb_tbuf.log"), 2303);
        Assert.Equal(9, e.Line);
        Assert.Equal(0x27ul, e.Thread);
        Assert.Equal(new MsgTag(0, 3, 0).Raw, e.Tag);
        Assert.Equal(0ul, e.Label);
        Assert.Equal((ulong)IpcErr.None, e.Error);
        Assert.Equal([1ul, 0x80000000ul], e.Mrs);
        Assert.False(e.MrsComplete);
        Assert.Equal("1,80000000,...", e.Decoded);
        Assert.Null(e.NotModelled);
        Assert.Equal(20665000ul, e.TimeUs);
    }

    [Fact]
    public void Client_without_debug_id_calls_the_file_server()
    {
        // 1779. 0 ipc: p:0xfffffffee1d66000 call ipc->[C:18003] DID=37 L=0 [4649,w=3,i=0] (1,2c6f6c6c65480007,...) TO=INF/INF
        var c = Read("file_server_jdb_tbuf_client_server.log");
        var e = Entry<Invoke>(c, 1779);
        Assert.Equal(2, e.Seq);
        Assert.Equal(9, e.Line);
        Assert.Equal(0ul, e.Thread);
        Assert.Equal("p:0xfffffffee1d66000", e.ThreadRef);
        Assert.Equal(0x18003ul, e.Selector);
        Assert.Equal(0x37ul, e.Dest);
        Assert.Equal(new MsgTag(0x4649, 3, 0).Raw, e.Tag);
        Assert.Equal([1ul, 0x2c6f6c6c65480007ul], e.Mrs);
        Assert.False(e.MrsComplete);
        Assert.Equal(15324000ul, e.TimeUs);

        // 1780. 0      004c answ [4649,w=3,i=0] L=42d421 err=0 (OK) (1,2c6f6c6c65480007,...): the gate label | W
        var r = Entry<InvokeResultEvent>(c, 1780);
        Assert.Equal(0x4cul, r.Thread);
        Assert.Equal(0x42d421ul, r.Label);
        Assert.Equal(e.Tag, r.Tag);
        Assert.Equal(e.Mrs, r.Mrs);
    }

    [Fact]
    public void Reply_and_wait_through_the_invalid_selector_has_exact_timeouts()
    {
        // 1793. 0 ipc: 004c repl->[C:INV] DID=5e L=0 [7,w=0,i=0] TO=0/INF
        var e = Entry<Invoke>(Read("file_server_jdb_tbuf_client_server.log"), 1793);
        Assert.Equal("repl", e.Op);
        Assert.Equal((ulong)SelectorLayout.InvalidCap | (ulong)SysFlags.ReplyAndWait, e.Selector);
        Assert.True(new CapSelector(e.Selector).Invalid);
        Assert.Equal(0x5eul, e.Dest);
        Assert.Equal(MsgTag.Result(7).Raw, e.Tag);
        Assert.Equal("0/INF", e.TimeoutText);
        Assert.Equal(0x0400_0000ul, e.Timeouts); // send half zero (0x400) in bits 31..16, receive half never
        Assert.Empty(e.Mrs);
        Assert.True(e.MrsComplete);
        Assert.Null(e.Decoded);
    }

    [Fact]
    public void Call_through_an_empty_slot_and_its_error_answer()
    {
        var c = Read("file_server_jdb_tbuf_client_server.log");
        // 2047. ipc: p:0xfffffffee1d66000 call ipc->[C:41b003] DID=ffffffffffffffff ... [4649,w=2,i=0] (0,4)
        var e = Entry<Invoke>(c, 2047);
        Assert.Equal(0x41b003ul, e.Selector);
        Assert.Null(e.Dest); // ~0: the slot named no object
        Assert.Equal([0ul, 4ul], e.Mrs);
        Assert.True(e.MrsComplete);

        // 2048. p:0xfffffffee1d66000 answ [E] L=0 err=4 (not existent/snd) ()
        var r = Entry<InvokeResultEvent>(c, 2048);
        Assert.Equal(74, r.Line);
        Assert.Equal("p:0xfffffffee1d66000", r.ThreadRef);
        Assert.Equal((ulong)IpcErr.NotExistent, r.Error);
        Assert.Equal(MsgTag.IpcError.Raw, r.Tag);
        Assert.True(new MsgTag(r.Tag).HasError);
        Assert.Empty(r.Mrs);
        Assert.Equal("", r.Decoded);
    }

    [Theory]
    [InlineData(2124, 188, "p:0xfffffffee1d66000", IpcErr.ReCanceled)] // err=7 (canceled/rcv)
    [InlineData(2119, 193, "p:0xfffffffee1d66000", IpcErr.ReTimeout)]  // err=3 (timeout/rcv)
    [InlineData(2189, 123, null, IpcErr.NotExistent)]                   // 0033 ... err=4 (not existent/snd)
    public void Answers_with_an_ipc_error(long number, int line, string? threadRef, IpcErr err)
    {
        var r = Entry<InvokeResultEvent>(Read("jdb_tbuf.log"), number);
        Assert.Equal(line, r.Line);
        Assert.Equal(threadRef, r.ThreadRef);
        Assert.Equal((ulong)err, r.Error);
        Assert.Equal(MsgTag.IpcError.Raw, r.Tag);
    }

    [Theory]
    [InlineData(2310, 0x27ul, null, ">99s")]                   // 0027 recv->[C:INV] DID=27 L=0 TO=>99s
    [InlineData(2118, 0x5dul, "p:0xfffffffee1d66000", "100m")] // p:... recv->[C:INV] DID=5d L=0 TO=100m
    public void Receive_only_calls_have_no_tag_and_keep_only_the_timeout_text(long number, ulong dest, string? threadRef, string timeout)
    {
        var e = Entry<Invoke>(Read("jdb_tbuf.log"), number);
        Assert.Equal("recv", e.Op);
        Assert.Equal((ulong)SelectorLayout.InvalidCap | (ulong)SysFlags.Recv, e.Selector);
        Assert.Equal(dest, e.Dest);
        Assert.Equal(threadRef, e.ThreadRef);
        Assert.Equal(0, e.Tag);
        Assert.Equal(timeout, e.TimeoutText);
        Assert.Equal(0ul, e.Timeouts); // a rounded receive timeout and no send half: the raw pair is unknown
        Assert.Empty(e.Mrs);
    }

    [Fact]
    public void Log_write_shows_the_length_in_decimal()
    {
        // 2308. ipc: 0027 send->[C:5001] DID=5 L=0 [Klog,S,w=5,i=0] (Write,len=19,'...') TO=INF
        var e = Entry<Invoke>(Read("jdb_tbuf.log"), 2308);
        Assert.Equal("send", e.Op);
        Assert.Equal(CapSelector.Of((ulong)InitialCap.Log, SysFlags.Send).Raw, e.Selector);
        Assert.Equal(new MsgTag((long)Protocol.Log, 5, 0, MsgTagFlags.Schedule).Raw, e.Tag);
        Assert.Equal("Write,len=19,'...'", e.Decoded);
        Assert.Equal([(ulong)VconOp.Write, 19ul], e.Mrs);
        Assert.False(e.MrsComplete);
        Assert.Equal("INF", e.TimeoutText);
        Assert.Equal(0ul, e.Timeouts); // only the send half is shown
    }

    [Fact]
    public void Irq_trigger_has_no_words()
    {
        // 2298. ipc: 0027 send->[C:422001] DID=2f L=0 [Kirq,w=0,i=0] (trigger) TO=0
        var e = Entry<Invoke>(Read("jdb_tbuf.log"), 2298);
        Assert.Equal(new MsgTag((long)Protocol.Irq, 0, 0).Raw, e.Tag);
        Assert.Equal("trigger", e.Decoded);
        Assert.Empty(e.Mrs);
        Assert.True(e.MrsComplete);
        Assert.Equal("0", e.TimeoutText);
        Assert.Equal(0ul, e.Timeouts);
    }

    [Fact]
    public void Page_fault_trampoline_call_names_an_operation_of_unknown_value()
    {
        // 9. ipc: 0028 call ipc->[C:INV] DID=28 L=0 [Kthread,w=1,i=0] (PF-tramp::resume) TO=INF/INF
        var e = Entry<Invoke>(Read("faults_jdb_tbuf_pf_exc.log"), 9);
        Assert.Equal(2, e.Seq);
        Assert.Equal((ulong)SelectorLayout.InvalidCap | (ulong)SysFlags.Call, e.Selector);
        Assert.Equal(0x28ul, e.Dest); // the self capability: the thread itself
        Assert.Equal(new MsgTag((long)Protocol.Thread, 1, 0).Raw, e.Tag);
        Assert.Equal("PF-tramp::resume", e.Decoded);
        Assert.Empty(e.Mrs);
        Assert.False(e.MrsComplete);
    }

    [Fact]
    public void Exception_message_received_by_the_handler()
    {
        // 1050. p:0xfffffffee1d44000 answ [Kexc,F,w=26,i=0] L=a0101c53 err=0 (OK) (4,2,...)
        var r = Entry<InvokeResultEvent>(Read("faults_jdb_tbuf_pf_exc.log"), 1050);
        Assert.Equal(226, r.Line);
        Assert.Equal(new MsgTag((long)Protocol.Exception, 26, 0, MsgTagFlags.TransferFpu).Raw, r.Tag);
        Assert.Equal(0xa0101c53ul, r.Label);
        Assert.Equal([4ul, 2ul], r.Mrs);
        Assert.False(r.MrsComplete);
    }

    [Theory]
    [InlineData(2637, 425, 0x400170ul, 0x400254ul, 7ul, "wp")]    // write to read-only text: present|write|user
    [InlineData(4255, 632, 0x420000ul, 0x420000ul, 0x14ul, "x-")] // jump to an NX page: err=14 is hex, user|fetch
    [InlineData(1039, 222, 0xdead0000ul, 0x4001c9ul, 4ul, "r-")]  // read of an unmapped address
    public void Fatal_page_faults_of_the_faults_program(long number, int line, ulong pfa, ulong ip, ulong err, string access)
    {
        var e = Entry<PageFault>(Read("faults_jdb_tbuf_pf_exc.log"), number);
        Assert.Equal(line, e.Line);
        Assert.Equal(0ul, e.Thread);
        Assert.Equal("p:0xfffffffee1d50000", e.ThreadRef);
        Assert.Equal(pfa, e.Pfa);
        Assert.Equal(ip, e.Ip);
        Assert.Equal(err, e.ErrorCode);
        Assert.Equal(access, e.Access);
        Assert.Null(e.Space); // DID=???: the task was gone at dump time
    }

    [Fact]
    public void Page_fault_of_a_thread_with_debug_id()
    {
        // 5. pf:  0027 pfa=0000000000251d20 ip=0000000000251d20 (x-) spc=0xfffffffee1ef5678 (DID=1e) err=14
        var e = Entry<PageFault>(Read("jdb_tbuf.log"), 5);
        Assert.Equal(5, e.Seq);
        Assert.Equal(2307, e.Line);
        Assert.Equal(0x27ul, e.Thread);
        Assert.Null(e.ThreadRef);
        Assert.Equal(0x1eul, e.Space);
        Assert.Equal(0x251d20ul, e.Pfa);
        Assert.Equal(0x14ul, e.ErrorCode);
        Assert.Equal(20240000ul, e.TimeUs);
    }

    // --- malformed input -----------------------------------------------------------------------------------------

    private static string[] TbufLines() => File.ReadAllText(Real("jdb_tbuf.log"), Encoding.Latin1).Split('\n');

    /// <summary>jdb_tbuf.log with line <paramref name="line"/> (1-based) changed.</summary>
    private static string Mutated(int line, Func<string, string> change)
    {
        var lines = TbufLines();
        lines[line - 1] = change(lines[line - 1]);
        return string.Join('\n', lines);
    }

    private static TraceBufferFormatException Refused(string text, int line, string messagePart)
    {
        var ex = Assert.Throws<TraceBufferFormatException>(() => TraceBufferReader.Read(text, "t.log"));
        Assert.Equal("t.log", ex.FileName);
        Assert.Equal(line, ex.Line);
        Assert.Contains(messagePart, ex.Message);
        Assert.StartsWith(line > 0 ? $"t.log:{line}: " : "t.log: ", ex.Message);
        return ex;
    }

    [Fact]
    public void Corrupted_ipc_line_is_refused_at_its_line()
    {
        var ex = Refused(Mutated(10, l => l.Replace("DID=1e", "DXD=1e")), 10, "DID=");
        Assert.Contains("call ipc->[C:1003] DXD=1e", ex.LineText);
    }

    [Theory]
    [InlineData("[Ktask,w=3,i=0]", "[Ktask;w=3,i=0]", "tag")]
    [InlineData("[Ktask,w=3,i=0]", "[Kbogus,w=3,i=0]", "protocol name")]
    [InlineData("[Ktask,w=3,i=0]", "[Ktask,w=64,i=0]", "w=<0..63>")]
    [InlineData("[Ktask,w=3,i=0]", "[Ktask,Q,w=3,i=0]", "flag letters")]
    [InlineData("[Ktask,w=3,i=0]", "[fffffffffffffff5,w=3,i=0]", "'Ktask'")] // JDB names label -11
    [InlineData("[Ktask,w=3,i=0]", "[Ktask,w=3,i=0", "the tag")]
    public void Bad_tag_bracket_is_refused(string good, string bad, string messagePart) =>
        Refused(Mutated(10, l => l.Replace(good, bad)), 10, messagePart);

    [Theory]
    [InlineData(9, "err=0 (OK)", "err=0 (timeout/rcv)", "disagrees")]     // answ [0,w=3,i=0] ... (OK)
    [InlineData(123, "err=4 (not existent/snd)", "err=4 (OK)", "disagrees")]
    [InlineData(123, "err=4 (not existent/snd)", "err=4 (not existent/rcv)", "disagrees")]
    [InlineData(123, "err=4 (not existent/snd)", "err=6 (not existent/snd)", "'(canceled/snd)'")]
    [InlineData(9, "err=0 (OK)", "err=4 (not existent/snd)", "[E]")]      // an error needs the error tag
    public void Answer_whose_status_disagrees_with_err_is_refused(int line, string good, string bad, string messagePart) =>
        Refused(Mutated(line, l => l.Replace(good, bad)), line, messagePart);

    [Theory]
    [InlineData(60)]
    [InlineData(140)]
    public void Truncated_line_is_refused(int keep) =>
        Refused(Mutated(10, l => l[..keep]), 10, "timing columns");

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("Fiasco boot log\nnothing of interest\njdb: g\n")]
    public void Text_without_entries_is_refused(string text) =>
        Refused(text, 0, "no trace-buffer entries");

    [Fact]
    public void Heading_without_entries_is_refused() =>
        Refused("Trace buffer:\n-----------------------------------------------------------------------\n", 1, "no entries");

    [Fact]
    public void Garbage_inside_the_dump_is_refused_not_taken_for_its_end() =>
        Refused(Mutated(500, _ => "some console noise"), 500, "expected a trace-buffer entry");

    [Fact]
    public void Blank_line_between_entries_is_refused() =>
        Refused(Mutated(500, _ => ""), 500, "expected a trace-buffer entry");

    [Fact]
    public void Entry_numbers_out_of_order_are_refused()
    {
        var lines = TbufLines();
        (lines[9], lines[10]) = (lines[10], lines[9]);
        Refused(string.Join('\n', lines), 11, "newest first");
    }

    [Fact]
    public void Unknown_entry_kind_is_refused() =>
        Refused(Mutated(10, l => l.Replace("ipc: 0027 call ipc->", "ke:  0027 \"hello\" @ ")), 10, "ke:");

    [Theory]
    [InlineData("(Unmap,80000000,...)", "(Unmap,80000000)", "w=3")]          // three words show ',...'
    [InlineData("(Unmap,80000000,...)", "(Unmap,8000000g,...)", "second word")]
    [InlineData("call ipc->[C:1003]", "send->[C:1003]", "op bits")]          // 3 is a call
    [InlineData("TO=INF/INF", "TO=INF", "send/receive timeouts")]
    [InlineData("TO=INF/INF", "TO=INF/soon", "bad timeout")]
    [InlineData("[C:1003]", "[C:1803]", "C:INV")]                            // bit 11 set prints C:INV
    [InlineData(" [Ktask,w=3,i=0] (Unmap,80000000,...)", "", "sends")]      // a call must show its tag
    [InlineData("ipc: 0027", "ipc: 27", "thread")]
    public void Inconsistent_ipc_entry_is_refused(string good, string bad, string messagePart) =>
        Refused(Mutated(10, l => l.Replace(good, bad)), 10, messagePart);

    [Fact]
    public void Page_fault_whose_access_letters_disagree_with_err_is_refused() =>
        Refused(Mutated(2307, l => l.Replace("(x-)", "(w-)")), 2307, "disagrees with err=14");

    [Fact]
    public void Second_dump_in_one_file_is_refused()
    {
        var text = File.ReadAllText(Real("jdb_tbuf.log"), Encoding.Latin1);
        Refused(text + "-----\njdb# tbufdumptext\n" + TbufLines()[1] + "\n", 2313, "second trace-buffer dump");
    }

    [Fact]
    public void Entry_cut_at_jdbs_120_columns_is_refused_with_a_hint()
    {
        // JDB prints the entry with %120.120s: a long one loses its end (here the words and TO=)
        var entry = " 0 ipc: p:0xfffffffee1d66000 call ipc->[C:18003] DID=ffffffffffffffff L=ffffffffffffffff "
                    + "[4649,w=3,i=0] (7000000001,77206552344c000b,...) TO=INF/INF";
        var line = "   " + "2302".PadLeft(10) + ".  " + entry[..120]
                   + "       381539 (      0.000155 s)   62743092234 (       25.639476 s) kclk=20662000";
        Refused(line + "\n", 1, "120-column field");
    }

    [Fact]
    public void Very_long_line_is_refused_quickly() =>
        Refused(Mutated(10, l => l + new string(' ', 10000) + "x"), 10, "characters");

    // --- framing: where a dump starts and ends ---------------------------------------------------------------------

    [Fact]
    public void Dump_in_a_session_ends_at_the_next_prompt_and_later_output_is_ignored()
    {
        var entries = TbufLines()[1..4]; // entries 2310, 2309, 2308
        var text = "boot noise\n1. not an entry: before the dump\njdb# tbufdumptext\n" + string.Join('\n', entries)
                   + "\njdb# mode\n42. console output after the dump\n";
        var c = TraceBufferReader.Read(text, "s.log");
        Assert.Equal([2308L, 2309L, 2310L], c.EntryNumbers);
        Assert.Equal([6, 5, 4], c.Events.Select(e => e.Line));
        Assert.Equal(TraceBufferOrder.NewestFirst, c.Order);
    }

    [Fact]
    public void Raw_serial_text_with_pager_prompt_and_escapes_reads_like_the_plain_text()
    {
        var lines = TbufLines();
        var raw = "\x1b[32mjdb: \x1b[m\x1b[KY\r\nTrace buffer:\r\n" + lines[1] + "\r\n"
                  + "--- CR: line, SPACE: page, ESC: abort ---\r\x1b[K" + lines[2] + "\r\n"
                  + "\x1b[1m" + lines[3] + "\x1b[m\r\n-----------------\r\nConsole output:\r\n";
        var c = TraceBufferReader.Read(raw, "s.raw");
        var plain = TraceBufferReader.Read("Trace buffer:\n" + string.Join('\n', lines[1..4]) + "\n", "s.log");
        Assert.Equal(plain.Events.Select(Projection), c.Events.Select(Projection));
        Assert.Equal([5, 4, 3], c.Events.Select(e => e.Line));
    }

    [Fact]
    public void Single_entry_is_read()
    {
        var c = TraceBufferReader.Read(TbufLines()[9] + "\n", "one.log");
        var e = Assert.IsType<Invoke>(Assert.Single(c.Events));
        Assert.Equal(1, e.Seq);
        Assert.Equal(1, e.Line);
        Assert.Equal(2302L, c.FirstEntry);
        Assert.Equal(2302L, c.LastEntry);
    }
}
