namespace L4Conf.Conformance.Cases;

/// <summary>Finds the captures shipped with the tool (copied next to the binary) or in the source tree.</summary>
public static class TracePath
{
    public static string Real(string file)
    {
        foreach (var dir in Candidates())
        {
            var p = Path.Combine(dir, "real", file);
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException($"capture traces/real/{file} not found next to the tool or in the source tree");
    }

    private static IEnumerable<string> Candidates()
    {
        yield return Path.Combine(AppContext.BaseDirectory, "traces");
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Conformance.sln"))) { yield return Path.Combine(d.FullName, "traces"); break; }
    }
}
