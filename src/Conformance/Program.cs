using System.CommandLine;
using L4Conf.Conformance.Cli;

// l4conf: the conformance runner for the Fiasco.OC / L4Re reference model.
if (Environment.GetEnvironmentVariable("L4CONF_DEBUG_EXCEPTIONS") != null)   // every first-chance exception with its stack (debugging the model)
    AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        Console.Error.WriteLine($"DBG first-chance {e.Exception.GetType().Name}: {e.Exception.Message}\n{Environment.StackTrace}");
var root = new RootCommand("l4conf: executable reference model and conformance suite for Fiasco.OC / L4Re")
{
    RunCommand.Build(),
    CoverageCommand.Build(),
    ProveCommand.Build(),
    AbiCommand.Build(),
    ObjectsCommand.Build(),
    TraceCommand.Build(),
    BootCommand.Build(),
    ReplayCommand.Build(),
};
return root.Parse(args).Invoke();
