using System.IO.Compression;
using System.Text;
using L4Conf.Adapters.Jdb;
using L4Conf.Model.Trace;
using Xunit;

namespace L4Conf.Tests;

/// <summary>
/// Reading, writing and diffing JDB `dumpmapdbobjs` dumps against the real captures in traces/real.
/// Expected counts were taken independently with grep/awk on the files.
/// </summary>
public class ObjectDumpTests
{
    private static string Real(string name) => L4Conf.Conformance.Cases.TracePath.Real(name);

    private static ObjectGraph Single(string name) => Assert.Single(ObjectDumpReader.ReadFile(Real(name)));

    // --- reading the real captures -------------------------------------------------------------------------------

    [Theory]
    [InlineData("jdb_mapdb_objs.log", 0, 76, 145)]
    [InlineData("file_server_jdb_mapdb_objs.log", 0, 77, 144)]
    [InlineData("caplife_mapdb_objs.log", 0, 77, 154)]
    [InlineData("caplife_mapdb_objs.log", 1, 77, 152)]
    [InlineData("caplife_mapdb_objs.log", 2, 75, 140)]
    [InlineData("jdb_session.raw", 0, 76, 145)]
    [InlineData("caplife.log", 0, 77, 154)]
    [InlineData("caplife.log", 2, 75, 140)]
    public void Real_dumps_have_the_counted_objects_and_caps(string file, int dump, int objects, int caps)
    {
        var g = ObjectDumpReader.ReadFile(Real(file))[dump];
        Assert.Equal(objects, g.Objects.Count);
        Assert.Equal(caps, g.Objects.Sum(o => o.Caps.Count));
        Assert.Equal(0, g.FormatVersion);
        Assert.Equal("", g.UserTag);
    }

    [Theory]
    [InlineData("jdb_mapdb_objs.log", 1)]
    [InlineData("file_server_jdb_mapdb_objs.log", 1)]
    [InlineData("caplife_mapdb_objs.log", 3)]
    [InlineData("jdb_session.raw", 1)]
    [InlineData("caplife.log", 3)]
    public void Each_file_holds_the_expected_number_of_dumps(string file, int dumps) =>
        Assert.Equal(dumps, ObjectDumpReader.ReadFile(Real(file)).Count);

    [Fact]
    public void Spot_values_of_the_jdb_dump()
    {
        var g = Single("jdb_mapdb_objs.log");
        var factory = g.Objects[0];
        Assert.Equal(0ul, factory.Id);
        Assert.Equal(0xfffffffff020b5e0ul, factory.Address);
        Assert.Equal("Factory", factory.Type);
        Assert.Equal("root factory", factory.Name);
        Assert.Equal("c=0 l=0", factory.Attributes);
        Assert.Equal(4, factory.RefCount);
        Assert.Equal(4, factory.Caps.Count);
        Assert.Equal(2, factory.Line); // line 1 is the decoder's header

        var cap = factory.Caps[0]; // fffffffee1d43048[C:2]: space=D:3d rights=17 flags=10 obj=0xfffffffff020b5e0
        Assert.Equal(0xfffffffee1d43048ul, cap.MappingAddress);
        Assert.Equal(2ul, cap.Index);
        Assert.Equal(0x3dul, cap.SpaceId);
        Assert.Null(cap.SpaceName);
        Assert.Equal(0x17u, cap.Rights);
        Assert.Equal(0x10ul, cap.Flags);
        Assert.Equal(factory.Address, cap.ObjectAddress);
        Assert.Equal(3, cap.Line);
        Assert.Equal("moe", factory.Caps[2].SpaceName);

        var gate = Assert.Single(g.Objects, o => o.Name == "moe->s0");
        Assert.Equal("Gate", gate.Type);
        Assert.StartsWith("L=00000040 ", gate.Attributes);

        var types = g.Objects.Select(o => o.Type).ToHashSet();
        Assert.Contains("IRQ ipc", types);
        Assert.Contains("IRQ sem", types);
        Assert.Contains("Icu/Pfc", types);
        // Runtime attributes stay verbatim, double spaces included.
        Assert.Equal("C=0 R=1 rdy cur  22.400 s ", g.Objects.Single(o => o.Type == "Thread" && o.Name == "KERNEL").Attributes);
        Assert.Equal("I=  0 Soft F=0 L=680e0 T=b Q=0", g.Objects.Single(o => o.Id == 0xd).Attributes);
    }

    [Fact]
    public void Gzip_block_in_the_raw_session_gives_the_decoded_listing()
    {
        var raw = Single("jdb_session.raw");
        var decoded = Single("jdb_mapdb_objs.log");
        AssertSameGraph(decoded, raw);
        // Objects inside a gzip block carry the line of its `begin` line.
        Assert.All(raw.Objects, o => Assert.Equal(3642, o.Line));
    }

    [Fact]
    public void Gzip_blocks_in_the_caplife_console_log_give_the_decoded_dumps()
    {
        var raw = ObjectDumpReader.ReadFile(Real("caplife.log"));
        var decoded = ObjectDumpReader.ReadFile(Real("caplife_mapdb_objs.log"));
        Assert.Equal(decoded.Count, raw.Count);
        for (var i = 0; i < raw.Count; i++)
            AssertSameGraph(decoded[i], raw[i]);
        Assert.Equal([147, 235, 329], raw.Select(d => d.Objects[0].Line));
    }

    [Fact]
    public void Caplife_dumps_start_after_their_header_lines()
    {
        var dumps = ObjectDumpReader.ReadFile(Real("caplife_mapdb_objs.log"));
        Assert.Equal([2, 234, 464], dumps.Select(d => d.Objects[0].Line));
    }

    // --- writer --------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("jdb_mapdb_objs.log")]
    [InlineData("file_server_jdb_mapdb_objs.log")]
    [InlineData("caplife_mapdb_objs.log")]
    [InlineData("jdb_session.raw")]
    [InlineData("caplife.log")]
    public void Writing_and_reading_back_gives_the_same_graph(string file)
    {
        foreach (var g in ObjectDumpReader.ReadFile(Real(file)))
        {
            var text = ObjectDumpWriter.Write(g);
            var back = Assert.Single(ObjectDumpReader.ReadAll(text, "written.log"));
            AssertSameGraph(g, back);
            Assert.Equal(text, ObjectDumpWriter.Write(back));
        }
    }

    [Fact]
    public void Writer_prints_the_kernel_format()
    {
        var decodedLines = File.ReadAllLines(Real("jdb_mapdb_objs.log")).Skip(1).ToArray();
        var text = ObjectDumpWriter.Write(Single("jdb_mapdb_objs.log"));
        Assert.StartsWith("\n@@ KernelObjects @< BLOCK\ndump format version number: 0\nuser space tag:\n", text);
        Assert.EndsWith("\n@@ KernelObjects BLOCK >@\n", text);
        Assert.DoesNotContain('\r', text);
        // Between the header lines and the end marker, the listing is byte for byte what the kernel printed.
        var body = text.Split('\n')[4..^2];
        Assert.Equal(decodedLines, body);
    }

    [Fact]
    public void Writer_pads_only_the_mapping_address()
    {
        var cap = new GraphCap(0x1048, 0x2, 0x9, "moe", 0xff, 0xf8, 0x5e0);
        var g = new ObjectGraph(0, "", [new GraphObject(0x1f, 0x5e0, "IRQ sem", null, "I=  0 Soft F=1 Q=0", 1, [cap])]);
        var lines = ObjectDumpWriter.Write(g).Split('\n');
        // "%lx %lx [%s]" for the object, L4_PTR_FMT (%016lx) for the mapping, %p for obj.
        Assert.Equal("1f 5e0 [IRQ sem] I=  0 Soft F=1 Q=0 ref_cnt=1", lines[4]);
        Assert.Equal("\t0000000000001048[C:2]: space=D:9(moe) rights=ff flags=f8 obj=0x5e0", lines[5]);
    }

    [Fact]
    public void Writer_refuses_text_that_would_read_back_differently()
    {
        var o = new GraphObject(1, 2, "Task", "a}b", "", 0, []);
        Assert.Throws<ArgumentException>(() => ObjectDumpWriter.Write(new ObjectGraph(0, "", [o])));
        Assert.Throws<ArgumentException>(() => ObjectDumpWriter.Write(new ObjectGraph(0, "x\ny", [])));
    }

    [Fact]
    public void Writer_keeps_a_user_tag_and_the_reader_reads_it()
    {
        var g = Single("jdb_mapdb_objs.log") with { UserTag = "after boot" };
        var text = ObjectDumpWriter.Write(g);
        Assert.Contains("\nuser space tag: after boot\n", text);
        Assert.Equal("after boot", Assert.Single(ObjectDumpReader.ReadAll(text, "t.log")).UserTag);
    }

    [Fact]
    public void Reader_finds_plain_and_gzip_blocks_amid_console_noise()
    {
        var g = Single("jdb_mapdb_objs.log");
        var plain = ObjectDumpWriter.Write(g with { UserTag = "one" });
        var gzip = GzipBlock(g, "two");
        var text = "boot noise\r\n\x1b[32mjdb: \x1b[m" + plain.Replace("\n", "\r\n") + "more output\n" + gzip + "tail\n";
        var dumps = ObjectDumpReader.ReadAll(text, "mixed.log");
        Assert.Equal(2, dumps.Count);
        Assert.Equal("one", dumps[0].UserTag);
        Assert.Equal("two", dumps[1].UserTag);
        AssertSameGraph(g, dumps[0] with { UserTag = "" });
        AssertSameGraph(g, dumps[1] with { UserTag = "" });
        Assert.Equal(6, dumps[0].Objects[0].Line); // noise, "jdb: " + the writer's leading "\n", marker, version, tag
    }

    // --- diff ----------------------------------------------------------------------------------------------------

    [Fact]
    public void Initial_caps_filter_keeps_the_kernel_created_objects()
    {
        var g = Single("jdb_mapdb_objs.log");
        var options = DiffOptions.InitialCaps("moe");
        Assert.False(options.CompareRefCount);
        var kept = ObjectGraphDiff.ApplyFilter(g, options).Objects.Select(o => $"{o.Type} {o.Name}").ToArray();
        Assert.Equal(
        [
            "Factory root factory", "Task KERNEL", "Icu/Pfc ", "Sched ", "Jdb ", "Vlog ", "Thread KERNEL",
            "Task sigma0", "Thread sigma0", "Task moe", "Gate moe->s0", "Thread moe",
        ], kept);
        Assert.True(ObjectGraphDiff.Compare(g, g, options).Equal);
    }

    [Fact]
    public void Initial_caps_are_the_same_in_two_different_boots()
    {
        var jdb = Single("jdb_mapdb_objs.log");
        var caplife = ObjectDumpReader.ReadFile(Real("caplife_mapdb_objs.log"))[0];
        var result = ObjectGraphDiff.Compare(jdb, caplife, DiffOptions.InitialCaps("moe"));
        Assert.True(result.Equal, ObjectGraphDiff.Format(result));
    }

    [Theory]
    [InlineData("jdb_mapdb_objs.log")]
    [InlineData("file_server_jdb_mapdb_objs.log")]
    [InlineData("jdb_session.raw")]
    public void A_dump_equals_itself(string file)
    {
        var g = ObjectDumpReader.ReadFile(Real(file))[0];
        var result = ObjectGraphDiff.Compare(g, g);
        Assert.True(result.Equal);
        Assert.Equal("graphs match\n", ObjectGraphDiff.Format(result));
    }

    [Fact]
    public void Caplife_partial_unmaps_show_as_removed_caps_and_lower_ref_counts()
    {
        var dumps = ObjectDumpReader.ReadFile(Real("caplife_mapdb_objs.log"));
        var result = ObjectGraphDiff.Compare(dumps[0], dumps[1]);
        var text = ObjectGraphDiff.Format(result);
        Assert.Equal(
        [
            (DifferenceKind.RefCountDiffer, null, null),
            (DifferenceKind.CapabilityMissingInB, "D:3f", 0x1dul), // g_rw
            (DifferenceKind.RefCountDiffer, null, null),
            (DifferenceKind.CapabilityMissingInB, "D:3f", 0x22ul), // i_rws
            (DifferenceKind.CapabilityMissingInB, "D:3f", 0x1ful), // i_rw
            (DifferenceKind.CapabilityMissingInA, "D:3f", 0x425ul), // selfcopy of i_r
        ], result.Differences.Select(d => (d.Kind, d.Space, d.CapIndex)));
        Assert.All(result.Differences.Take(2), d => Assert.Equal("Gate", d.A!.Type));
        Assert.All(result.Differences.Skip(2), d => Assert.Equal("IRQ ipc", d.A!.Type));
        Assert.Contains("ref_cnt differs on [Gate] L=00000000 (A:37 B:37): A=5 B=4", text);
        Assert.Contains("capability missing in B at D:3f C:1d on [Gate] L=00000000 (A:37 B:37) (A: rights=0x15 flags=0x10)", text);
        Assert.Contains("capability missing in A at D:3f C:425 on [IRQ ipc] (A:38 B:38) (B: rights=0x14 flags=0x10)", text);
        Assert.EndsWith("\n6 differences\n", text);
    }

    [Fact]
    public void Caplife_deletions_show_as_missing_objects()
    {
        var dumps = ObjectDumpReader.ReadFile(Real("caplife_mapdb_objs.log"));
        var result = ObjectGraphDiff.Compare(dumps[1], dumps[2]);
        Assert.Equal([DifferenceKind.ObjectMissingInB, DifferenceKind.ObjectMissingInB], result.Differences.Select(d => d.Kind));
        Assert.Equal([0x37ul, 0x38ul], result.Differences.Select(d => d.A!.Id));
        Assert.StartsWith("object missing in B: [Gate] L=00000000 (A:37) ref_cnt=4, mapped at D:3f C:21,", result.Differences[0].Message);
        Assert.StartsWith("object missing in B: [IRQ ipc] (A:38) ref_cnt=4, mapped at D:3f C:425,", result.Differences[1].Message);
        Assert.Contains("D:ned C:427", result.Differences[0].Message);

        var reverse = ObjectGraphDiff.Compare(dumps[2], dumps[1]);
        Assert.Equal([DifferenceKind.ObjectMissingInA, DifferenceKind.ObjectMissingInA], reverse.Differences.Select(d => d.Kind));
    }

    [Fact]
    public void Losing_the_S_bit_is_named()
    {
        var a = Single("jdb_mapdb_objs.log");
        var b = ChangeCap(a, 0, 0, c => c with { Rights = 0x15 }); // root factory, D:3d C:2 was rights=17
        var d = Assert.Single(ObjectGraphDiff.Compare(a, b).Differences);
        Assert.Equal(DifferenceKind.RightsDiffer, d.Kind);
        Assert.Equal("rights differ at D:3d C:2 on [Factory] {root factory} (A:0 B:0): A=0x17 B=0x15: A has S that B lacks", d.Message);
    }

    [Fact]
    public void Rights_message_lists_every_differing_bit()
    {
        var a = Single("jdb_mapdb_objs.log");
        var gate = a.Objects.ToList().FindIndex(o => o.Name == "moe->s0");
        var b = ChangeCap(a, gate, 0, c => c with { Rights = 0x17, Flags = 0x10 });
        var d = Assert.Single(ObjectGraphDiff.Compare(a, b).Differences);
        Assert.Equal("rights differ at D:moe C:4 on [Gate] L=00000040 {moe->s0} (A:a B:a): A=0xff B=0x17: "
                     + "A has D, obj-right-1(0x20), obj-right-2(0x40), obj-right-3(0x80) that B lacks", d.Message);
    }

    [Fact]
    public void Interface_and_gate_label_differences_are_found()
    {
        var a = Single("jdb_mapdb_objs.log");
        var gate = a.Objects.ToList().FindIndex(o => o.Id == 0xe); // its moe caps point to the control part
        var b = ChangeCap(a, gate, 3, c => c with { ObjectAddress = a.Objects[gate].Address });
        b = ChangeObject(b, gate, o => o with { Attributes = o.Attributes.Replace("L=00002fc0", "L=00002fc4") });
        var result = ObjectGraphDiff.Compare(a, b);
        Assert.Equal([DifferenceKind.GateLabelDiffer, DifferenceKind.InterfaceDiffer], result.Differences.Select(d => d.Kind));
        Assert.Contains("A=L=00002fc0 B=L=00002fc4", result.Differences[0].Message);
        Assert.Contains("at D:moe C:105", result.Differences[1].Message);
    }

    [Fact]
    public void Different_ids_and_addresses_do_not_matter()
    {
        var a = Single("jdb_mapdb_objs.log");
        // Another "system": every id, address and space id shifted, objects in reverse order.
        var b = a with
        {
            Objects = a.Objects.Reverse().Select(o => o with
            {
                Id = o.Id + 0x100, Address = o.Address - 0x1000,
                Caps = o.Caps.Select(c => c with { SpaceId = c.SpaceId + 0x100, ObjectAddress = c.ObjectAddress - 0x1000, MappingAddress = 0 }).ToArray(),
            }).ToArray(),
        };
        var result = ObjectGraphDiff.Compare(a, b);
        Assert.True(result.Equal, ObjectGraphDiff.Format(result));
    }

    [Fact]
    public void Ref_count_is_compared_without_filters()
    {
        var a = Single("jdb_mapdb_objs.log");
        var b = ChangeObject(a, 0, o => o with { RefCount = 5 });
        Assert.Equal(DifferenceKind.RefCountDiffer, Assert.Single(ObjectGraphDiff.Compare(a, b).Differences).Kind);
        Assert.True(ObjectGraphDiff.Compare(a, b, new DiffOptions { CompareRefCount = false }).Equal);
        Assert.True(ObjectGraphDiff.Compare(a, b, DiffOptions.InitialCaps("moe")).Equal);
    }

    // --- malformed input -----------------------------------------------------------------------------------------

    private const string Obj0 = "0 fffffffff020b5e0 [Factory] {root factory} c=0 l=0 ref_cnt=1\n";
    private const string Cap0 = "\tfffffffee1efa048[C:2]: space=D:9(moe) rights=ff flags=f8 obj=0xfffffffff020b5e0\n";

    [Fact]
    public void Bad_capability_line_is_reported_with_its_line()
    {
        var text = "=== dump ===\n" + Obj0 + "\tfffffffee1efa048[C:2]: space=D:9(moe) rights=zz flags=f8 obj=0x1\n";
        var e = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadAll(text, "bad.log"));
        Assert.Equal(3, e.Line);
        Assert.Equal("bad.log", e.FileName);
        Assert.StartsWith(@"bad.log:3: cannot read capability line: '\tfffffffee1efa048[C:2]: space=D:9(moe) rights=zz", e.Message);
        Assert.Contains(@"(expected '\t<addr>[C:<idx>]: space=D:<id>", e.Message);
    }

    [Fact]
    public void Unrecognised_line_inside_a_dump_is_an_error()
    {
        var text = Obj0 + Cap0 + "Done\n";
        var e = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadAll(text, "x.log"));
        Assert.Equal(3, e.Line);
        Assert.Equal("Done", e.LineText);
    }

    [Fact]
    public void Bad_object_line_and_cap_before_object_are_errors()
    {
        var e1 = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadAll("=== d ===\n0 zz [Task] ref_cnt=1\n", "x.log"));
        Assert.Equal(2, e1.Line);
        Assert.Contains("cannot read object line", e1.Message);
        var e2 = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadAll("=== d ===\n" + Cap0, "x.log"));
        Assert.Equal(2, e2.Line);
        Assert.Contains("capability line before any object line", e2.Message);
        var e3 = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadAll("=== d ===\n=== e ===\n" + Obj0, "x.log"));
        Assert.Equal(1, e3.Line);
    }

    [Fact]
    public void Truncated_plain_block_is_reported_at_its_start()
    {
        var text = "noise\n@@ KernelObjects @< BLOCK\ndump format version number: 0\nuser space tag:\n" + Obj0 + Cap0;
        var e = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadAll(text, "t.log"));
        Assert.Equal(2, e.Line);
        Assert.Contains("truncated KernelObjects block", e.Message);
    }

    [Fact]
    public void Truncated_gzip_block_without_end_is_reported_at_begin()
    {
        var lines = RawBlockLines();
        lines.RemoveAt(lines.FindIndex(l => l == "end"));
        var e = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadAll(string.Join("\n", lines), "t.log"));
        Assert.Equal(4, e.Line);
        Assert.Contains("no 'end' line", e.Message);
    }

    [Fact]
    public void Gzip_data_cut_short_is_an_error()
    {
        var lines = RawBlockLines();
        var end = lines.FindIndex(l => l == "end");
        lines.RemoveRange(end - 5, 4); // drop the last data lines, keep the terminator
        var e = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadAll(string.Join("\n", lines), "t.log"));
        Assert.Equal(4, e.Line);
        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void Bad_uuencode_character_is_reported_at_its_line()
    {
        var lines = RawBlockLines();
        lines[10] = lines[10][..20] + "a" + lines[10][21..]; // 'a' (0x61) is outside the uuencode alphabet
        var e = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadAll(string.Join("\n", lines), "t.log"));
        Assert.Equal(11, e.Line);
        Assert.Contains("bad uuencoded line", e.Message);
    }

    [Fact]
    public void Corrupted_gzip_data_is_reported_at_begin()
    {
        var lines = RawBlockLines();
        var c = lines[20][30];
        lines[20] = lines[20][..30] + (c == 'A' ? 'B' : 'A') + lines[20][31..];
        var e = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadAll(string.Join("\n", lines), "t.log"));
        Assert.Equal(4, e.Line);
        Assert.Contains("gzip", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r\n\n  \n")]
    public void Empty_input_has_no_dump(string text)
    {
        var e = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadAll(text, "empty.log"));
        Assert.Equal(0, e.Line);
        Assert.Equal("empty.log: no object dump found (expected '@@ KernelObjects @< BLOCK' blocks or a decoded listing of object lines)", e.Message);
    }

    [Fact]
    public void Console_text_without_dump_is_an_error()
    {
        var e = Assert.Throws<ObjectDumpFormatException>(() => ObjectDumpReader.ReadFile(Real("ned_t_factory.log")));
        Assert.Equal(2, e.Line); // line 1 is blank, line 2 the first console output
        Assert.Equal("L4 Bootstrapper", e.LineText);
        Assert.Contains("no object dump found", e.Message);
    }

    [Fact]
    public void Stray_end_marker_and_wrong_version_are_errors()
    {
        var e1 = Assert.Throws<ObjectDumpFormatException>(() =>
            ObjectDumpReader.ReadAll("@@ KernelObjects BLOCK >@\n" + ObjectDumpWriter.Write(Single("jdb_mapdb_objs.log")), "x.log"));
        Assert.Equal(1, e1.Line);
        var e2 = Assert.Throws<ObjectDumpFormatException>(() =>
            ObjectDumpReader.ReadAll("@@ KernelObjects @< BLOCK\ndump format version number: 1\nuser space tag:\n@@ KernelObjects BLOCK >@\n", "x.log"));
        Assert.Equal(2, e2.Line);
        Assert.Contains("unsupported dump format version 1", e2.Message);
    }

    [Fact]
    public void Mutated_inputs_fail_only_with_ObjectDumpFormatException()
    {
        var texts = new[] { "jdb_session.raw", "caplife_mapdb_objs.log" }
            .Select(f => File.ReadAllText(Real(f), Encoding.Latin1)).ToArray();
        // The raw session is mutated only around its block so most mutations hit the dump.
        var start = texts[0].IndexOf("@@ KernelObjects @< BLOCK", StringComparison.Ordinal);
        texts[0] = texts[0][(start - 200)..(texts[0].IndexOf("@@ KernelObjects BLOCK >@", StringComparison.Ordinal) + 200)];
        var rnd = new Random(4711);
        var failures = 0;
        for (var it = 0; it < 400; it++)
        {
            var sb = new StringBuilder(texts[it % 2]);
            for (var k = 1 + rnd.Next(3); k > 0; k--)
            {
                var pos = rnd.Next(sb.Length);
                switch (rnd.Next(4))
                {
                    case 0: sb[pos] = (char)rnd.Next(256); break;
                    case 1: sb.Remove(pos, Math.Min(rnd.Next(300), sb.Length - pos)); break;
                    case 2: sb.Insert(pos, (char)rnd.Next(256)); break;
                    default: sb.Insert(pos, '\n'); break;
                }
            }
            try
            {
                ObjectDumpReader.ReadAll(sb.ToString(), "fuzz.log");
            }
            catch (ObjectDumpFormatException e)
            {
                Assert.StartsWith("fuzz.log:", e.Message);
                failures++;
            }
        }
        Assert.InRange(failures, 100, 400); // most mutations must be noticed
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    /// <summary>The KernelObjects block of the raw session, cleaned: line 1 is the start marker, line 4 `begin`.</summary>
    private static List<string> RawBlockLines()
    {
        var all = File.ReadAllText(Real("jdb_session.raw"), Encoding.Latin1).Replace("\r", "").Split('\n');
        var start = Array.IndexOf(all, "@@ KernelObjects @< BLOCK");
        var end = Array.IndexOf(all, "@@ KernelObjects BLOCK >@");
        var lines = all[start..(end + 1)].ToList();
        Assert.Equal("begin 644 jdb.gz", lines[3]);
        return lines;
    }

    /// <summary>A block as the gzip console prints it: the listing gzipped and uuencoded.</summary>
    private static string GzipBlock(ObjectGraph g, string tag)
    {
        var listing = string.Concat(ObjectDumpWriter.Write(g).Split('\n')[4..^2].Select(l => l + "\r\n"));
        using var packed = new MemoryStream();
        using (var gz = new GZipStream(packed, CompressionLevel.Optimal, leaveOpen: true))
            gz.Write(Encoding.Latin1.GetBytes(listing));
        var data = packed.ToArray();
        var sb = new StringBuilder($"\n@@ KernelObjects @< BLOCK\ndump format version number: 0\nuser space tag: {tag}\nbegin 644 jdb.gz\n");
        static char Enc(int v) => v == 0 ? '`' : (char)(v + 0x20);
        for (var i = 0; i < data.Length; i += 45)
        {
            var n = Math.Min(45, data.Length - i);
            sb.Append(Enc(n));
            for (var k = 0; k < n; k += 3)
            {
                int b0 = data[i + k], b1 = k + 1 < n ? data[i + k + 1] : 0, b2 = k + 2 < n ? data[i + k + 2] : 0;
                sb.Append(Enc(b0 >> 2)).Append(Enc(((b0 & 3) << 4) | (b1 >> 4))).Append(Enc(((b1 & 15) << 2) | (b2 >> 6))).Append(Enc(b2 & 63));
            }
            sb.Append('\n');
        }
        return sb.Append("`\nend\n@@ KernelObjects BLOCK >@\n").ToString();
    }

    private static ObjectGraph ChangeObject(ObjectGraph g, int index, Func<GraphObject, GraphObject> change)
    {
        var objects = g.Objects.ToArray();
        objects[index] = change(objects[index]);
        return g with { Objects = objects };
    }

    private static ObjectGraph ChangeCap(ObjectGraph g, int obj, int cap, Func<GraphCap, GraphCap> change) =>
        ChangeObject(g, obj, o =>
        {
            var caps = o.Caps.ToArray();
            caps[cap] = change(caps[cap]);
            return o with { Caps = caps };
        });

    /// <summary>Field-by-field equality, source line numbers aside (records compare lists by reference).</summary>
    private static void AssertSameGraph(ObjectGraph expected, ObjectGraph actual)
    {
        Assert.Equal(expected.FormatVersion, actual.FormatVersion);
        Assert.Equal(expected.UserTag, actual.UserTag);
        Assert.Equal(expected.Objects.Count, actual.Objects.Count);
        for (var i = 0; i < expected.Objects.Count; i++)
        {
            GraphObject e = expected.Objects[i], a = actual.Objects[i];
            Assert.Equal(e with { Caps = [], Line = 0 }, a with { Caps = [], Line = 0 }, ObjectWithoutCaps.Instance);
            Assert.Equal(e.Caps.Select(c => c with { Line = 0 }), a.Caps.Select(c => c with { Line = 0 }));
        }
    }

    private sealed class ObjectWithoutCaps : IEqualityComparer<GraphObject>
    {
        public static readonly ObjectWithoutCaps Instance = new();

        public bool Equals(GraphObject? x, GraphObject? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Address == y.Address && x.Type == y.Type && x.Name == y.Name
            && x.Attributes == y.Attributes && x.RefCount == y.RefCount;

        public int GetHashCode(GraphObject o) => HashCode.Combine(o.Id, o.Address, o.Type);
    }
}
