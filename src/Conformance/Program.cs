using System.CommandLine;
using L4Conf.Conformance.Cli;

// l4conf: the conformance runner for the Fiasco.OC / L4Re reference model.
var root = new RootCommand("l4conf: executable reference model and conformance suite for Fiasco.OC / L4Re")
{
    RunCommand.Build(),
    CoverageCommand.Build(),
    ProveCommand.Build(),
    AbiCommand.Build(),
    ObjectsCommand.Build(),
    TraceCommand.Build(),
    BootCommand.Build(),
};
return root.Parse(args).Invoke();
