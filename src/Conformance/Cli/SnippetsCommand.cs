using System.CommandLine;
using L4Conf.Adapters.Mbt;
using L4Conf.Adapters.Replay;

namespace L4Conf.Conformance.Cli;

/// <summary>
/// `l4conf snippets CAPTURE DIR`: the directory Kernkonzept's tap-wrapper External plugin and model-based-testing.lua
/// would leave for the model after a run with this console: for a serial capture taken without the tap-wrapper.
/// </summary>
public static class SnippetsCommand
{
    public static Command Build()
    {
        var capture = new Argument<FileInfo>("capture") { Description = "A serial capture holding @@ KernelObjects blocks (and @@ ModelBasedTest lines)" };
        var dir = new Argument<DirectoryInfo>("dir") { Description = "The directory to write (new or empty)" };
        var test = new Option<string?>("--abstract-test") { Description = "Write a ModelBasedTest[AbstractTestName] snippet naming this abstract test first, as the test program would print it" };
        var raw = new Option<bool>("--no-decode") { Description = "Write only the snippets, not the plugin's .decoded texts (compare then decodes them itself)" };
        var cmd = new Command("snippets", "Make a model-based-testing plugin directory from a serial capture (input for l4conf compare)") { capture, dir, test, raw };
        cmd.SetAction(pr => InputErrors.Guard(() => Run(pr.GetValue(capture)!, pr.GetValue(dir)!, pr.GetValue(test), pr.GetValue(raw))));
        return cmd;
    }

    public static int Run(FileInfo capture, DirectoryInfo dir, string? test, bool raw)
    {
        if (test != null && (test.Length == 0 || test.Any(char.IsWhiteSpace)))
        { Console.Error.WriteLine($"l4conf: --abstract-test '{test}': a file name without white space (the plugin keeps a leading space as part of the name)"); return 2; }
        try
        {
            var files = SnippetDir.Write(capture.FullName, dir.FullName, test, !raw);
            foreach (var f in files) Console.Out.WriteLine(f);
            return 0;
        }
        catch (ReplayInputException e) { Console.Error.WriteLine($"l4conf: {e.Message}"); return 2; }
        catch (IOException e) { Console.Error.WriteLine($"l4conf: {dir.FullName}: {e.Message}"); return 2; }
    }
}
