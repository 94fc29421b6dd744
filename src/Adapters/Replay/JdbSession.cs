using System.Text.RegularExpressions;

namespace L4Conf.Adapters.Replay;

/// <summary>
/// One visit to the kernel debugger in a serial capture: from JDB's entry banner (a line of dashes, then `CPU n
/// [...]: ...`) to the `g` that resumed the system. What was typed there decides what the capture holds: logging
/// switched on (`I*` IPC, `P*` page faults into the trace buffer; `IR+` results too), a trace-buffer dump
/// (`tbufdumptext`, or the system report `Y`), object dumps (`dumpmapdbobjs`).
/// </summary>
/// <param name="Start">1-based line of the banner.</param>
/// <param name="End">1-based line of the resuming `g` (or the capture's last line).</param>
/// <param name="Anchor">1-based line of the last console line before the visit: the point of the script where it happened.</param>
public sealed record JdbSession(int Start, int End, int Anchor, IReadOnlyList<string> Commands)
{
    /// <summary>A `g` resumed the system; false when the capture ends inside the visit (a truncated capture).</summary>
    public bool Resumed { get; init; } = true;
    public bool IpcLoggingOn => Commands.Contains("I*");
    public bool ResultsOn => Commands.Contains("IR+");
    public bool PfLoggingOn => Commands.Contains("P*");
    public bool IpcLoggingOff => Commands.Contains("I-");
    public bool PfLoggingOff => Commands.Contains("P-");
    public bool DumpsTraceBuffer => Commands.Any(c => c is "tbufdumptext" or "Y");
    public int ObjectDumps => Commands.Count(c => c == "dumpmapdbobjs");
}

public static partial class JdbSessions
{
    [GeneratedRegex(@"^\s*-{20,}\s*$")]
    private static partial Regex Banner();
    [GeneratedRegex(@"^\s*CPU\s+\d+\s+\[[0-9a-f]+\]:")]
    private static partial Regex CpuLine();
    // short mode `jdb: X` (several may share a line: JDB echoes no newline after some), long mode `jdb# command`
    [GeneratedRegex(@"jdb: (\S+?)(?=\s|$|-{5}|jdb)|jdb# (\S+)")]
    private static partial Regex Command();

    /// <summary>The sessions in a capture's lines (index 0 is line 1), in order.</summary>
    public static IReadOnlyList<JdbSession> Find(IReadOnlyList<string> lines)
    {
        var list = new List<JdbSession>();
        for (int i = 0; i < lines.Count; i++)
        {
            if (!Banner().IsMatch(lines[i]) || i + 1 >= lines.Count || !CpuLine().IsMatch(lines[i + 1])) continue;
            int anchor = i - 1;
            while (anchor >= 0 && lines[anchor].Trim().Length == 0) anchor--;
            var cmds = new List<string>();
            int end = i + 1;
            for (; end < lines.Count; end++)
            {
                foreach (Match m in Command().Matches(lines[end]))
                    cmds.Add(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
                if (cmds.Count > 0 && cmds[^1] == "g" && lines[end].TrimEnd().EndsWith("jdb: g", StringComparison.Ordinal)) break;
            }
            bool resumed = end < lines.Count;
            if (end >= lines.Count) end = lines.Count - 1;
            list.Add(new JdbSession(i + 1, end + 1, anchor + 1, cmds) { Resumed = resumed });
            i = end;
        }
        return list;
    }
}
