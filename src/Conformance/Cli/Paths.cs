namespace L4Conf.Conformance.Cli;

/// <summary>Finds spec/ next to the binary (copied at build) or in the source tree.</summary>
public static class Paths
{
    /// <summary>The default rom directory: the captures' boot modules (traces/real/rom), next to l4conf or in the source tree.</summary>
    public const string RelativeRom = "traces/real/rom";

    public static string RomDir()
    {
        var here = Path.Combine(AppContext.BaseDirectory, "traces", "real", "rom");
        if (Directory.Exists(here)) return here;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Conformance.sln"))) return Path.Combine(d.FullName, "traces", "real", "rom");
        return here;
    }

    public static string Spec()
    {
        var here = Path.Combine(AppContext.BaseDirectory, "spec");
        if (Directory.Exists(here)) return here;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Conformance.sln"))) return Path.Combine(d.FullName, "spec");
        throw new DirectoryNotFoundException("spec/ not found next to l4conf or in the source tree");
    }
}
