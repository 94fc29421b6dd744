using L4Conf.Adapters.Jdb;
using L4Conf.Conformance.Suite;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>The JDB object-dump format, on every real dump shipped in traces/real.</summary>
public static class DumpCases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("dump/real-dumps-read-and-round-trip", "every real dump reads (plain and uuencoded gzip) and writes back identically", ["DUMP-1"], c =>
        {
            var plain = TracePath.ObjectDumps("jdb_mapdb_objs.log").Single();
            var gz = TracePath.ObjectDumps("jdb_session.raw").Single();
            c.Equal(76, plain.Objects.Count, "objects in jdb_mapdb_objs.log");
            c.Equal(145, plain.Objects.Sum(o => o.Caps.Count), "capabilities in jdb_mapdb_objs.log");
            c.True(ObjectGraphDiff.Compare(plain, gz).Equal, "the gzip block in jdb_session.raw is the same graph");
            foreach (var file in new[] { "jdb_mapdb_objs.log", "caplife_mapdb_objs.log", "file_server_jdb_mapdb_objs.log" })
                foreach (var g in TracePath.ObjectDumps(file))
                {
                    var again = ObjectDumpReader.ReadAll(ObjectDumpWriter.Write(g), "written").Single();
                    c.Equal(ObjectDumpWriter.Write(g), ObjectDumpWriter.Write(again), $"{file}: write/read/write");
                    c.True(ObjectGraphDiff.Compare(g, again).Equal, $"{file}: round trip compares equal");
                }
        });
    }
}
