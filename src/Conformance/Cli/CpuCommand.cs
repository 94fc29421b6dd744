using System.CommandLine;
using L4Conf.Conformance.CpuDiff;

namespace L4Conf.Conformance.Cli;

/// <summary>
/// `l4conf cpu run [FILE|-]`: machine-code cases (JSON lines, spec/machine/cpu-cases.md) run on the model CPU, one
/// outcome line each. `l4conf cpu diff`: generated cases run natively on the host CPU and on the model, compared.
/// </summary>
public static class CpuCommand
{
    public static Command Build()
    {
        var file = new Argument<string>("file") { Description = "Cases as JSON lines (spec/machine/cpu-cases.md); - or nothing for standard input", DefaultValueFactory = _ => "-" };
        var run = new Command("run", "Run machine-code cases on the model CPU and print one JSON line per case: status, trap, registers, RIP, RFLAGS, changed selectors, changed bytes") { file };
        run.SetAction(pr => InputErrors.Guard(() => Run(pr.GetValue(file)!, Console.Out)));
        var cmd = new Command("cpu", "The model's user-mode x86-64 CPU on its own: run cases, or compare it with the host CPU") { run, CpuDiffCommand.Build() };
        return cmd;
    }

    public static int Run(string path, TextWriter output)
    {
        List<CpuCase> cases;
        if (path == "-") cases = [.. CpuCaseJson.ReadAll(Console.In, "standard input")];
        else
        {
            if (Directory.Exists(path)) { Console.Error.WriteLine($"l4conf: {Path.GetFullPath(path)}: is a directory, not a file of cases"); return 2; }
            if (!File.Exists(path)) { Console.Error.WriteLine($"l4conf: {Path.GetFullPath(path)}: no such file"); return 2; }
            using var r = new StreamReader(path);
            cases = [.. CpuCaseJson.ReadAll(r, path)];   // all lines are checked before anything runs
        }
        var model = new ModelCpuRunner();
        foreach (var c in cases) output.WriteLine(CpuCaseJson.Write(c.Name, model.Run(c)));
        return 0;
    }
}
