using System.CommandLine;
using L4Conf.Conformance.Cli;

// l4conf: the conformance runner for the Fiasco.OC / L4Re reference model.
if (Environment.GetEnvironmentVariable("L4CONF_DEBUG_EXCEPTIONS") != null)   // every first-chance exception with its stack (debugging the model)
    AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        Console.Error.WriteLine($"DBG first-chance {e.Exception.GetType().Name}: {e.Exception.Message}\n{Environment.StackTrace}");
if (Environment.GetEnvironmentVariable("L4CONF_CPU_ENGINE") is { Length: > 0 } engine && L4Conf.Model.Machine.Cpu.ParseEngine(engine) is null)
{
    Console.Error.WriteLine($"l4conf: L4CONF_CPU_ENGINE='{InputErrors.Quote(engine)}' is not an engine: use " +
        string.Join(", ", L4Conf.Model.Machine.Cpu.EngineNames.SkipLast(1)) + " or " + L4Conf.Model.Machine.Cpu.EngineNames.Last());
    return 2;
}
var root = new RootCommand("l4conf: executable reference model and conformance suite for Fiasco.OC / L4Re.\n" +
    "Exit codes, every command: 0 success, 1 it ran and found a failure or a difference, 2 the input or the options are wrong\n" +
    "(one line on standard error names the file, line or option); compare also 69: nothing to compare (TAP SKIP);\n" +
    "cpu diff 69: no native runs possible here (not x86-64 Linux, or no gcc).\n" +
    "Environment: L4CONF_CPU_ENGINE=interpreter|compiler|compiler-eager chooses how the CPU model runs machine code\n" +
    "(default compiler: hot blocks compiled to .NET code; compiler-eager compiles every block at once; both give the\n" +
    "interpreter's results).")
{
    RunCommand.Build(),
    CoverageCommand.Build(),
    ProveCommand.Build(),
    AbiCommand.Build(),
    ObjectsCommand.Build(),
    TraceCommand.Build(),
    BootCommand.Build(),
    ReplayCommand.Build(),
    CompareCommand.Build(),
    SnippetsCommand.Build(),
    CpuCommand.Build(),
};
var parsed = root.Parse(args);
// a bad option or argument is the user's input: one line, exit 2 (System.CommandLine would print the help and exit 1);
// an unknown word says more than the missing command it leaves behind
if (parsed.Errors.Count > 0)
{
    var first = parsed.Errors.OrderBy(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal) ? 0 : 1).First();
    var names = new List<string>();
    for (var r = parsed.CommandResult; r != null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        names.Insert(0, r.Command == root ? "l4conf" : r.Command.Name);
    Console.Error.WriteLine($"l4conf: {InputErrors.PlainTypeNames(string.Join(" ", first.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))} (see {string.Join(" ", names)} --help)");
    return 2;
}
return parsed.Invoke();
