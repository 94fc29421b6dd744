using System.Text;
using System.Text.RegularExpressions;
using L4Conf.Conformance.Properties;
using L4Conf.Conformance.Suite;
using L4Conf.Reference.Boot;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// Ned scripts booted on the reference system (l4re, ned, capdump, hello as boot modules) and judged by their console
/// output: behaviour of Ned's L4 package that no capture shows.
/// </summary>
public static class NedScriptCases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("ned/create-bad-arg-frees-slot", "a factory create whose argument is no integer raises the Lua error and frees the capability slot it took", ["RT-NED-6"], c =>
        {
            var out_ = Run(c, """
                local L4 = require("L4")
                local mf = L4.Env.mem_alloc
                print("A " .. tostring(mf:create(L4.Proto.Dataspace, 4096)))
                local ok, e = pcall(function() return mf:create(L4.Proto.Dataspace, 1.5) end)
                print("E " .. tostring(ok) .. " " .. tostring(e))
                print("B " .. tostring(mf:create(L4.Proto.Dataspace, 4096)))
                """);
            // lua_factory.cc:50 takes the slot as a unique_cap; luaL_checkinteger (61) raises through C++ (Ned is
            // linked with lua++, Makefile:14), so the unique_cap frees it and the next create gets the same slot.
            c.True(out_.Contains("number has no integer representation"), "the error of luaL_checkinteger");
            c.True(out_.Contains("SCRIPT DONE"), "the script ran to its end");
            c.Equal(Slot(c, out_, "A") + 1, Slot(c, out_, "B"), "the slot after the first dataspace's");
        });
        yield return Case("ned/cpu-set-edge-cases", "Cpu_set keeps its CPUs in .set, takes a range anywhere in a string (\"x1-3\"), and & always makes a new set",
            ["RT-NED-2"], c =>
        {
            var out_ = Run(c, """
                local L4 = require("L4")
                local r = L4.Cpu_set:new("x1-3")
                print("RANGE " .. tostring(r.set[1]) .. " " .. tostring(r.set[3]) .. " " .. tostring(r.set[4]))
                local all = L4.Cpu_set:new()
                local two = L4.Cpu_set:new(2)
                local both = all & two
                both:add(5)
                print("AND " .. tostring(rawequal(both, two)) .. " " .. tostring(two.set[5]) .. " " .. tostring(both.set[2]))
                """);
            // ned.lua@b6f7495:409 (unanchored match), 381-383 (.set), 445-470 (__band builds a new set).
            c.True(out_.Contains("RANGE true true nil"), "\"x1-3\" is CPUs 1..3");
            c.True(out_.Contains("AND false nil true"), "all & {2} is a new set with 2; adding 5 to it leaves {2} alone");
        });
        yield return Case("ned/method-checks-and-path-walk", "App_env's setters and create_sched_proxy check their object, create_sched_proxy needs its props, fill_namespace checks nothing, and a path through a plain value is an index error",
            ["RT-NED-2"], c =>
        {
            var out_ = Run(c, """
                local L4 = require("L4")
                local function try(f) local ok, e = pcall(f) print(tostring(ok) .. " " .. tostring(e)) end
                io.write("NS ") try(function() L4.App_env.set_ns({}, {}) end)
                io.write("FAB ") try(function() L4.App_env.set_loader_fab({}, nil) end)
                io.write("MEM ") try(function() L4.App_env.set_mem_alloc({}, nil) end)
                io.write("SCHED ") try(function() L4.Loader.create_sched_proxy({}, {}) end)
                io.write("PROPS ") try(function() L4.default_loader:create_sched_proxy(nil) end)
                io.write("ENVNS ") try(function() local e = L4.App_env.new({}) e:set_ns({}) end)
                io.write("FILL ") try(function() L4.Loader.fill_namespace({}, L4.Env.names or {}, {}) end)
                L4.Env.plain = 5
                local ns = L4.default_loader:create_namespace({})
                io.write("WALK ") try(function() ns:r("k", "plain/x") end)
                io.write("MISS ") try(function() ns:r("k", "nothing/x") end)
                """);
            // ned.lua@b6f7495: 261-276 (Class.check in set_ns, set_loader_fab, set_mem_alloc), 263 (the global
            // Namespace, which does not exist), 309-312 (create_sched_proxy: check, then props.fab), 181-189
            // (fill_namespace checks nothing), 146-157 (a non-nil intermediate is asked res:query(i)).
            const string incompatible = "method called with incompatible object";
            foreach (var what in new[] { "NS", "FAB", "MEM", "SCHED" })
                c.True(out_.Contains($"{what} false") && Line(out_, what).Contains(incompatible), $"{what}: {incompatible}");
            c.True(Line(out_, "PROPS").Contains("ned.lua:312: attempt to index a nil value (local 'props')"), "create_sched_proxy(nil) is real Ned's index error at ned.lua:312");
            c.True(Line(out_, "ENVNS").Contains("ned.lua:263: attempt to index a nil value (global 'Namespace')"), "set_ns on an App_env reaches the missing global Namespace");
            c.True(Line(out_, "FILL").StartsWith("FILL true", StringComparison.Ordinal), "fill_namespace on a plain table does not check its object");
            c.True(Line(out_, "WALK").Contains("ned.lua:151: attempt to index a number value (local 'res')"), "a path through a number is an index error at ned.lua:151");
            c.True(Line(out_, "MISS").Contains("Could not resolve: 'nothing/x'"), "a path that ends in nil cannot be resolved");
        });
        yield return Case("ned/startv-default-caps", "startv fills the default caps into a caps table, replacing a false entry too", ["RT-NED-2"], c =>
        {
            if (Reference.Programs.MachinePrograms.Unavailable is { } why) c.Skip(why);
            var out_ = Run(c, """
                local L4 = require("L4")
                local env = { caps = { rom = false }, log = { "hello", "w" } }
                local t = L4.default_loader:startv(env, "rom/hello")
                print("ROM " .. type(env.caps.rom) .. " " .. tostring(env.caps.rom ~= false))
                t:wait()
                """, "hello");
            // ned.lua@b6f7495:282-296: caps[k] = caps[k] or v, inside the table branch.
            c.True(out_.Contains("ROM userdata true"), "rom = false is replaced by the default rom capability");
        });
        yield return Case("ned/start-backtracer", "start_backtracer starts its program with the args as argv (startv), returns nothing, and becomes the loader's dbg_events afterwards", ["RT-NED-2"], c =>
        {
            if (Reference.Programs.MachinePrograms.Unavailable is { } why) c.Skip(why);
            var out_ = Run(c, """
                local L4 = require("L4")
                local ld = L4.Loader.new({ factory = L4.Env.factory, mem = L4.Env.mem_alloc })
                print("BEFORE " .. tostring(ld.dbg_events))
                local r = ld:start_backtracer({ prog = "rom/hello", args = { "one", "two" } })
                print("RESULT " .. tostring(r) .. " " .. tostring(ld.dbg_events ~= nil))
                """, "hello");
            // ned.lua@b6f7495:337-349: startv(env, prog, table.unpack(args)), no return value, dbg_events set after.
            c.True(out_.Contains("BEFORE nil"), "a new loader has no dbg_events");
            c.True(out_.Contains("RESULT nil true"), "nothing returned; the channel is the loader's dbg_events");
        });
        yield return Case("ned/exregs-trigger-exception-resumes", "an exception a thread triggers on itself with ex_regs is answered by the runtime, and the thread goes on", ["RT-SIG-2"], c =>
        {
            if (Reference.Programs.MachinePrograms.Unavailable is { } why) c.Skip(why);
            var out_ = Run(c, """
                local L4 = require("L4")
                local t = L4.default_loader:start({ log = { "exc", "w" } }, "rom/exc_trigger")
                print("EXIT " .. tostring(t:wait()))
                """, "exc_trigger");
            // sig_arch.h:193-194: trap 0xff is Exc_cause::Ex_regs; with the thread not stopped and no page fault in the
            // trampoline, op_exception delivers pending signals (none) and answers with the registers (signals.cc:296-314).
            c.True(!out_.Contains("Unhandled exception"), "no 'Unhandled exception' report");
            c.True(out_.Contains("exc_trigger: after ex_regs, error flag 0"), "the thread goes on after the exception");
            c.True(out_.Contains("EXIT 0\nSCRIPT DONE"), "and exits with 0");
        });
        yield return Case("ned/command-line-getopt", "Ned's options are getopt \"+e:\" only: -i is an invalid option (no prompt) and the script still runs; with no script it still prints the loading line, '(null)'", ["RT-NED-1"], c =>
        {
            // lua.cc:69-74, 215-230: getopt_long("+e:", --execute); uClibc's getopt reports an unknown letter as
            // "%s: invalid option -- %c" (getopt.c:795-798) and Ned goes on.
            var o = BootEntry("roottask moe -- -i rom/t.lua", "print('SCRIPT RAN')\n", ["x = 6 * 7", "print(x)"]);
            c.True(o.Contains("invalid option -- i\n"), "getopt reports -i as an invalid option");
            c.True(!o.Contains("Interactive mode"), "no interactive prompt");
            c.True(o.Contains("Ned: loading file: 'rom/t.lua'\nSCRIPT RAN\n"), "the script runs");
            // lua.cc:254-255: the loading line and luaL_dofile come whether or not a script was named; argv[optind] is
            // NULL, which printf shows as (null), and luaL_dofile(NULL) reads standard input.
            var none = BootEntry("roottask moe --", "", []);
            c.True(none.Contains("Ned: loading file: '(null)'\n"), "no script: the loading line with (null)");
        });
    }

    /// <summary>Boots Ned from a modules.list roottask line (with t.lua as a boot module) and the console input lines.</summary>
    private static string BootEntry(string roottask, string script, string[] stdin)
    {
        var dir = Path.Combine(Path.GetTempPath(), "l4conf-nedcase-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "t.lua"), script);
        var entry = ModulesList.Parse($"entry t\n{roottask}\nmodule l4re\nmodule ned\nmodule t.lua\n", "generated", "t");
        var input = new Queue<string>(stdin);
        var sb = new StringBuilder();
        using var sys = BootedSystem.Start(BootImage.Build(entry, dir), new BootOptions
        {
            Console = s => sb.Append(s),
            Stdin = () => input.Count > 0 ? input.Dequeue() : null,
        });
        sys.Run(20_000_000, untilIdle: true);
        return string.Join("\n", Adapters.Console.ConsoleText.Lines(sb.ToString())) + "\n";
    }

    /// <summary>Boots the script and returns its console (noted when the script did not end).</summary>
    private static string Run(CaseContext c, string script, params string[] modules)
    {
        var (sys, console) = NedScriptProperty.Boot(script + "\nprint(\"SCRIPT DONE\")\n", modules);
        sys.Dispose();
        c.Note(console.Contains("SCRIPT DONE") ? "the script ran to its end" : "the script did not end:\n" + console[Math.Max(0, console.Length - 1500)..]);
        return console;
    }

    /// <summary>The console line that starts with `TAG ` (empty when there is none).</summary>
    private static string Line(string console, string tag) =>
        console.Split('\n').FirstOrDefault(l => l.Contains(tag + " ", StringComparison.Ordinal) && l.TrimStart().StartsWith(tag + " ", StringComparison.Ordinal)) ?? "";

    /// <summary>The capability index of the cap a line `TAG L4::Cap&lt;...&gt;[0x...]` printed.</summary>
    private static ulong Slot(CaseContext c, string console, string tag)
    {
        var m = Regex.Match(console, "\n" + tag + @" L4::Cap<[^>]*>\[0x([0-9a-f]+)\]");
        c.True(m.Success, $"line {tag} with a capability");
        return Convert.ToUInt64(m.Groups[1].Value, 16) >> 12;
    }
}
