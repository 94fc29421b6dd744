using L4Conf.Adapters.Console;
using L4Conf.Reference.Boot;
using L4Conf.Reference.Programs;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// A real capture's scenario replayed on the model: the capture (traces/real/CAPTURE.log, its script CAPTURE.lua beside
/// it, which replaces the entry's script module where the capture ran a variant of it), the modules.list entry the
/// capture used, and the known-differences file it is compared under (traces/real/known/CAPTURE.known).
/// </summary>
public sealed record RuntimeScenario(string Id, string Capture, string Title, string ModulesList, string Entry, string[] Clauses)
{
    /// <summary>Programs compiled by gcc that the scenario starts (a machine without gcc skips it).</summary>
    public bool NeedsGcc { get; init; }
    /// <summary>How the run ends: at idle, or at this logical time (a scenario that never goes idle).</summary>
    public ulong MaxTimeUs { get; init; } = 3_600_000_000;

    public string KnownFile => TracePath.Real(Path.Combine("known", Capture + ".known"));

    public static readonly IReadOnlyList<RuntimeScenario> All =
    [
        new("runtime/boot-hello", "boot_hello", "a whole boot: sigma0, Moe, Ned, hello's three lines and its exit code",
            "programs/modules.list", "boot-hello", ["RT-BOOT-1", "RT-SIGMA0-1", "RT-MOE-1", "RT-LOG-1", "RT-NED-1", "RT-EXEC-1"]) { NeedsGcc = true },
        new("runtime/ned-t-tables", "ned_t_tables", "every key and value of Ned's L4 package tables",
            "programs/modules.list", "t_tables", ["RT-NED-1", "RT-NED-2"]) { NeedsGcc = true },
        new("runtime/ned-t-caps", "ned_t_caps", "capability objects in Ned: channels, rights, casts, the meta protocol",
            "programs/modules.list", "t_caps", ["RT-NED-3", "RT-NED-4", "RT-META-1"]) { NeedsGcc = true },
        new("runtime/ned-t-caps-crash-m-table", "ned_t_caps_crash_m_table", "cap:m({}) crashes Ned as the real one does (exit 139)",
            "programs/modules.list", "t_caps", ["RT-NED-5", "RT-SIG-1"])
            { NeedsGcc = true },
        new("runtime/ned-t-caps-hang-unbound-gate", "ned_t_caps_hang_unbound_gate", "a method lookup on an unserved channel blocks Ned",
            "programs/modules.list", "t_caps", ["RT-META-1"])
            { NeedsGcc = true },
        new("runtime/ned-t-factory", "ned_t_factory", "object creation through the kernel factory and Moe's, with every result and error",
            "programs/modules.list", "t_factory", ["RT-NED-6", "RT-MOE-2", "RT-MOE-3"]) { NeedsGcc = true },
        new("runtime/ned-t-start", "ned_t_start", "starting programs: caps tables, log tags and colours, exit codes, kill, bad inputs, a nested Ned",
            "programs/modules.list", "t_start", ["RT-EXEC-1", "RT-EXEC-2", "RT-LOG-1", "RT-ITAS-1", "RT-ITAS-2"]) { NeedsGcc = true },
        new("runtime/file-server-plain", "file_server_plain", "the seed's file server and client: every request and answer",
            "rom/modules.list", "t_file", ["RT-SRV-1", "RT-SRV-2", "RT-META-1"]),
        new("runtime/faults-plain", "faults_plain", "page faults and CPU exceptions in L4Re programs: the runtime's reports and exit codes",
            "rom/modules.list", "t_faults", ["RT-ITAS-3", "RT-SIG-1", "RT-SIG-2", "EXC-CR2-1", "THR-1"]) { NeedsGcc = true },
        new("runtime/caplife", "caplife", "capability lifecycle: validity after unmaps and deletions with and without D",
            "rom/modules.list", "t_caplife", ["RT-EXEC-1", "CAP-UNMAP-3", "CAP-UNMAP-5", "CAP-UNMAP-6", "CAP-INFO-1", "MAP-WARN-1"]),
        new("runtime/jdb-session", "jdb_session", "the main kernel-debugger session's scenario (the debugger's own output is cut)",
            "rom/modules.list", "t_jdb", ["RT-EXEC-1", "RT-NED-1", "RT-EXIT-1"]) { NeedsGcc = true },
        new("runtime/jdb-live-log", "jdb_live_log", "the live-logging session's scenario (JDB's log lines are not modelled)",
            "rom/modules.list", "t_jdb", ["RT-EXEC-1", "RT-NED-1"]) { NeedsGcc = true },
        new("runtime/faults-jdb", "faults_jdb", "the faults scenario of the logging session",
            "rom/modules.list", "t_faults_jdb", ["RT-ITAS-3", "RT-SIG-1", "RT-LOG-2"]) { NeedsGcc = true },
        new("runtime/file-server-jdb", "file_server_jdb", "the file-server scenario of the logging session",
            "rom/modules.list", "t_file_jdb", ["RT-SRV-1", "RT-SRV-2"]) { MaxTimeUs = 100_000_000 },
        new("runtime/pingpong", "pingpong", "IPC round trips within a task (thread cap, gate) and between tasks",
            "rom/modules.list", "t_pingpong", ["RT-PTHREAD-1"]),
    ];

    public bool Available(out string? why)
    {
        why = NeedsGcc ? MachinePrograms.Unavailable : null;
        return why == null;
    }
}
