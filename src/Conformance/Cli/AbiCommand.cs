using System.CommandLine;
using System.Text.Json;
using L4Conf.Model.Abi;

namespace L4Conf.Conformance.Cli;

/// <summary>`l4conf abi`: every ABI constant of the model with its real name and source file.</summary>
public static class AbiCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print as a JSON array of {name, value (a hex string), group, model, source}" };
        var cmd = new Command("abi", "List every ABI constant the model uses, named as in the real headers") { json };
        cmd.SetAction(pr =>
        {
            if (pr.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(AbiCatalog.All.Select(a => new
                {
                    name = a.Name, value = a.Value, group = a.Group, model = a.ModelName, source = a.Source,
                }), Model.Trace.TraceRecorder.JsonOptions(indented: true)));
            else
                foreach (var g in AbiCatalog.All.GroupBy(a => a.Group))
                {
                    Console.WriteLine($"{g.Key}  ({string.Join(", ", g.First().Source)})");
                    foreach (var a in g) Console.WriteLine($"  {a.Name,-44} {a.Value,22}  0x{a.Value:x}");
                }
            return 0;
        });
        return cmd;
    }
}
