using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Xunit.Sdk;

namespace L4Conf.Tests;

/// <summary>
/// Approved-file snapshots (the role Verify.Xunit plays elsewhere; it does not restore here): an output is compared
/// with tests/Conformance.Tests/approved/NAME.approved.txt. A difference fails with a line diff and the command that
/// approves the new output, which is written beside it as NAME.received.txt. `L4CONF_APPROVE=1 dotnet test ...`
/// approves every snapshot the run compares.
/// </summary>
public static class Approved
{
    public static readonly string Dir = Path.Combine(Repo.Root, "tests", "Conformance.Tests", "approved");

    public static void Verify(string name, string actual)
    {
        actual = Scrub(actual);
        var approved = Path.Combine(Dir, name + ".approved.txt");
        var received = Path.Combine(Dir, name + ".received.txt");
        if (Environment.GetEnvironmentVariable("L4CONF_APPROVE") == "1")
        {
            File.WriteAllText(approved, actual);
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        var expected = File.Exists(approved) ? File.ReadAllText(approved) : null;
        if (expected == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        var relApproved = Path.GetRelativePath(Repo.Root, approved);
        var relReceived = Path.GetRelativePath(Repo.Root, received);
        var sb = new StringBuilder();
        sb.AppendLine(expected == null ? $"no approved snapshot {relApproved} yet" : $"snapshot {name} differs from {relApproved} (- approved, + received):");
        if (expected != null) sb.Append(Diff(expected, actual));
        sb.AppendLine($"approve it: cp {relReceived} {relApproved}    (all of a run: L4CONF_APPROVE=1 dotnet test tests/Conformance.Tests --filter FullyQualifiedName~Snapshot)");
        throw new XunitException(sb.ToString());
    }

    /// <summary>The changed lines with two lines of context.</summary>
    public static string Diff(string expected, string actual)
    {
        var model = InlineDiffBuilder.Diff(expected, actual, ignoreWhiteSpace: false);
        var lines = model.Lines;
        var show = new bool[lines.Count];
        for (int i = 0; i < lines.Count; i++)
            if (lines[i].Type != ChangeType.Unchanged)
                for (int k = Math.Max(0, i - 2); k <= Math.Min(lines.Count - 1, i + 2); k++) show[k] = true;
        var sb = new StringBuilder();
        // deleted lines are numbered in the approved file, inserted ones in the received one
        for (int i = 0, shown = 0, oldNo = 0, newNo = 0; i < lines.Count && shown < 200; i++)
        {
            var l = lines[i];
            if (l.Type != ChangeType.Inserted) oldNo++;
            if (l.Type != ChangeType.Deleted) newNo++;
            if (!show[i]) { if (i > 0 && show[i - 1]) sb.AppendLine("  ..."); continue; }
            sb.AppendLine(l.Type switch { ChangeType.Inserted => $"+ {newNo,5}: ", ChangeType.Deleted => $"- {oldNo,5}: ", _ => $"  {oldNo,5}: " } + l.Text);
            shown++;
        }
        return sb.ToString();
    }

    /// <summary>Paths of this checkout (the test binary's copy of traces/ or the source tree's) made repository-relative.</summary>
    private static string Scrub(string s)
    {
        s = s.Replace("\r\n", "\n", StringComparison.Ordinal);
        s = s.Replace(Path.Combine(AppContext.BaseDirectory, "traces") + "/", "traces/", StringComparison.Ordinal);
        return s.Replace(Repo.Root + "/", "", StringComparison.Ordinal);
    }
}

/// <summary>The source tree above the test binary.</summary>
public static class Repo
{
    public static readonly string Root = Find();

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Conformance.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("the source tree (Conformance.sln) is not above the test binary");
    }
}
