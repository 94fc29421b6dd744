using System.Text;
using L4Conf.Reference.Boot;
using L4Conf.Reference.Programs;
using Xunit;
using static L4Conf.Tests.CliTests;

namespace L4Conf.Tests;

/// <summary>`l4conf boot`: the reference system from the command line, its exit codes, its determinism, Ned's options.</summary>
public class BootCommandTests
{
    private static string Real(string f) => L4Conf.Conformance.Cases.TracePath.Real(f);
    private static string Tmp(string name) => Path.Combine(Path.GetTempPath(), $"l4conf-boot-{Environment.ProcessId}-{name}");

    [Fact]
    public void Boot_hello_prints_the_real_lines_and_exits_0()
    {
        if (MachinePrograms.Unavailable != null) return;                 // hello is gcc's build (the suite reports the skip)
        var (code, o, e) = L4conf("boot", Real("programs/modules.list"), "--entry", "boot-hello");
        Assert.Equal(0, code);
        var lines = o.Split('\n');
        int Idx(string l) => Array.IndexOf(lines, l);
        string[] order = ["SIGMA0: Hello!", "MOE: Hello world", "Ned says: Hi World!", "Ned: loading file: 'rom/boot_hello.lua'",
            "BOOT_HELLO: starting rom/hello", "hello   | Hello World! (0)", "hello   | Hello World! (1)", "hello   | Hello World! (2)",
            "BOOT_HELLO: hello exited with 0", "=== SCRIPT DONE ==="];
        for (int i = 0; i < order.Length; i++) Assert.True(Idx(order[i]) >= 0, $"missing: {order[i]}");
        for (int i = 1; i < order.Length; i++) Assert.True(Idx(order[i - 1]) < Idx(order[i]), $"{order[i - 1]} before {order[i]}");
        Assert.DoesNotContain("\x1b[", o);                                 // colour escapes only with --color
        Assert.Contains("idle", e);
    }

    [Fact]
    public void Two_runs_give_identical_console_dump_and_trace()
    {
        string Run(string tag)
        {
            var (code, o, _) = L4conf("boot", Real("rom/modules.list"), "--entry", "t_file", "--dump-objects", Tmp(tag + ".dump"), "--trace", Tmp(tag + ".jsonl"));
            Assert.Equal(0, code);
            return o;
        }
        var a = Run("a");
        var b = Run("b");
        Assert.Equal(a, b);
        Assert.Equal(File.ReadAllBytes(Tmp("a.dump")), File.ReadAllBytes(Tmp("b.dump")));
        Assert.Equal(File.ReadAllBytes(Tmp("a.jsonl")), File.ReadAllBytes(Tmp("b.jsonl")));
        Assert.Contains("[Gate]", File.ReadAllText(Tmp("a.dump")));
        Assert.Contains("{\"ev\":\"invoke\"", File.ReadAllText(Tmp("a.jsonl")));
    }

    [Theory]
    [InlineData("no-such.list", "--entry", "x", "no such modules list")]
    [InlineData("@rom", "--entry", "no_such_entry", "no_such_entry")]
    [InlineData("@rom", "--entry", "t_file", "--module", "t_file.lua", "expected NAME=FILE")]
    [InlineData("@rom", "--entry", "t_file", "--module", "nothere.lua=@list", "has no module 'nothere.lua'")]
    [InlineData("@rom", "--entry", "t_file", "--module", "t_file.lua=/no/such/file", "no such file")]
    [InlineData("@rom", "--entry", "t_file", "--ned-lua", "/no/such/ned.lua", "--ned-lua")]
    [InlineData("@rom", "--entry", "t_file", "--stdin", "/no/such/input", "--stdin")]
    [InlineData("@rom", "--entry", "t_file", "--max-time", "0", "--max-time")]
    [InlineData("@rom", "--entry", "t_file", "--rom", "/no/such/dir", "--rom")]
    public void Bad_input_is_one_line_and_exit_2(params string[] args)
    {
        var a = args.Select(x => x == "@rom" ? Real("rom/modules.list") : x.Replace("@list", Real("rom/modules.list"))).ToList();
        string want = a[^1];
        a.RemoveAt(a.Count - 1);
        var (code, o, e) = L4conf(["boot", .. a]);
        Assert.Equal(2, code);
        Assert.Contains(want, e);
        Assert.Single(e.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", e);                                 // no stack trace
    }

    [Fact]
    public void A_module_can_be_replaced_and_ned_lua_too()
    {
        File.WriteAllText(Tmp("s.lua"), "print('replaced script')\n");
        File.WriteAllText(Tmp("ned.lua"), "local L4 = require 'L4'\nprint('own ned.lua runs')\nreturn L4\n");
        var (code, o, _) = L4conf("boot", Real("rom/modules.list"), "--entry", "t_file", "--module", "t_file.lua=" + Tmp("s.lua"), "--ned-lua", Tmp("ned.lua"));
        Assert.Equal(0, code);
        Assert.Contains("own ned.lua runs\n", o);
        Assert.Contains("Ned: loading file: 'rom/t_file.lua'\nreplaced script\n", o);
    }

    /// <summary>l4re-core's own ned.lua (GPL, not shipped): set L4CONF_REAL_NED_LUA to a copy to run this.</summary>
    [Fact]
    public void The_real_ned_lua_runs_unchanged_when_given()
    {
        var real = Environment.GetEnvironmentVariable("L4CONF_REAL_NED_LUA");
        if (real == null || !File.Exists(real)) return;
        var (code, o, _) = L4conf("boot", Real("rom/modules.list"), "--entry", "t_file", "--ned-lua", real);
        Assert.Equal(0, code);
        Assert.Contains("T_FILE: file_client exited with 0", o);
    }

    [Fact]
    public void Ned_prompt_drives_a_neds_command_channel()
    {
        var dir = Tmp("cmdchannel");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "outer.lua"), """
            local L4 = require("L4")
            local ch = L4.default_loader:new_channel()
            L4.default_loader:start({ caps = { svr = ch:svr() }, log = { "inner", "c" } }, "rom/ned rom/inner.lua")
            L4.default_loader:start({ caps = { svr = ch }, log = { "prompt", "g" } }, "rom/ned-prompt")
            """);
        File.WriteAllText(Path.Combine(dir, "inner.lua"), "local L4 = require(\"L4\")\ncounter = 0\nL4.server_loop(L4.Env.svr)\n");   // ned.dox:271-289
        var entry = ModulesList.Parse("entry p\nroottask moe rom/outer.lua\nmodule l4re\nmodule ned\nmodule ned-prompt\nmodule outer.lua\nmodule inner.lua\n", "test", "p");
        var input = new Queue<string>(["counter = counter + 1", "return counter * 10", "not lua at all", "error('boom')"]);
        var sb = new StringBuilder();
        using var sys = BootedSystem.Start(BootImage.Build(entry, dir), new BootOptions
        {
            Console = s => sb.Append(s),
            Stdin = () => input.Count > 0 ? input.Dequeue() : null,
        });
        sys.Run(10_000_000, untilIdle: true);
        var text = L4Conf.Adapters.Console.ConsoleText.Lines(sb.ToString());
        Assert.Contains("prompt  | Welcome to ned prompt.", text);
        Assert.Contains("prompt  | Cmd> return counter * 10", text);
        Assert.Contains("prompt  | 10", text);                                // the state is kept between commands
        Assert.Contains("prompt  | Error calling ned: -22", text);            // parse error: -L4_EINVAL
        Assert.Contains("prompt  | Error calling ned: -5", text);             // runtime error: -L4_EIO
        Assert.Contains("inner   | lua couldn't execute 'error('boom')': [string \"argument\"]:1: boom.", text);
    }
}
