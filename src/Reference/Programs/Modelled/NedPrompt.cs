using System.Text;
using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Programs.Modelled;

/// <summary>
/// L4Re's ned-prompt (ned/ned-prompt/src/ned-prompt.cc): a prompt on the console input whose lines go to a Ned's
/// command channel (the cap "svr", L4Re::Ned::Cmd_control::execute); the result is printed unless it is "nil",
/// a failed call as "Error calling ned: N". The prompt is argv[1] or "Cmd>" (echoed with the line, as readline shows
/// it on the serial console). At the end of the input it waits, as readline's loop would.
/// </summary>
public static class NedPrompt
{
    public const string Name = "ned-prompt";

    public static int Main(CRuntime rt, Func<string?> stdin)
    {
        rt.Printf("Welcome to ned prompt.\n");
        var s = rt.P.Sys;
        if (rt.Env.GetCap("svr") is not { } srv || (srv & (1UL << 11)) != 0)
        {
            rt.Printf("No such object found: Searching ned command capability 'svr'\n");   // L4Re::chkcap's Element_not_found
            return 1;
        }
        string prompt = (rt.Argv.Count >= 2 ? rt.Argv[1] : "Cmd>") + " ";
        while (true)
        {
            rt.Printf(prompt);
            rt.Out.Flush();
            var cmd = stdin();
            if (cmd == null) { rt.Printf("\n"); rt.Out.Flush(); rt.P.SleepForever(); return 0; }
            rt.Printf(cmd + "\n");
            if (cmd.Length == 0) continue;
            var w = new MsgWriter(s.Self.Utcb).Opcode(0).String(cmd);
            long e = Rpc.Call(s, srv, 0, w);
            if (e < 0) { rt.Printf($"Error calling ned: {e}\n"); continue; }
            var r = new MsgReader(s.Self.Utcb, Model.Kernel.Utcb.MrCount);
            var res = Encoding.Latin1.GetString(r.Array());
            if (res != "nil") rt.Printf(res + "\n");
        }
    }
}
