using System.Text;
using FsCheck;
using FsCheck.Fluent;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Reference.Boot;
using KTask = L4Conf.Model.Kernel.Task;

namespace L4Conf.Conformance.Properties;

/// <summary>
/// Random Ned scripts on the booted reference system (l4re, ned, capdump): channels, rights given as letters or
/// numbers, programs started with caps tables, and calls of the L4 package with odd arguments. Each script is
/// booted on its own; what must hold is checked on the kernel's state and the console afterwards.
/// </summary>
public static class NedScriptProperty
{
    /// <summary>One step of a rights script: derive a cap from channel C with rights R (letters or a number), and
    /// maybe hand it to the program under a name.</summary>
    public sealed record Derive(int Channel, string Rights, bool Give)
    {
        public override string ToString() => $"ch{Channel}:m({Rights}){(Give ? " given" : "")}";
    }

    private static readonly string[] Letters = ["r", "w", "s", "d", "n", "c", "R", "W", "x", ""];

    private static Gen<string> RightsArg =>
        Gen.OneOf(
            (from n in Gen.Choose(0, 5) from a in Gen.ListOf(Gen.Elements(Letters), n) select "\"" + string.Concat(a) + "\""),
            Gen.Choose(0, 0xFF).Select(n => n.ToString()),
            Gen.Elements("nil", "-1", "0x7fffffff", "\"rwsdnc\""));

    private static Gen<Derive> DeriveGen =>
        from ch in Gen.Choose(0, 1)
        from r in RightsArg
        from give in Gen.Elements(true, true, false)
        select new Derive(ch, r, give);

    public static Arbitrary<Derive[]> RightsScripts =>
        (from n in Gen.Choose(1, 8) from l in Gen.ListOf(DeriveGen, n) select l.ToArray()).ToArbitrary();

    /// <summary>The script: two channels, the derived caps, and capdump started with the given ones (it stays, waiting).</summary>
    public static string RightsScript(Derive[] steps)
    {
        var sb = new StringBuilder("local L4 = require(\"L4\")\nlocal ch = { [0] = L4.default_loader:new_channel(), [1] = L4.default_loader:new_channel() }\nlocal caps = {}\n");
        for (int i = 0; i < steps.Length; i++)
        {
            sb.Append($"local ok{i}, c{i} = pcall(function() return ch[{steps[i].Channel}]:m({steps[i].Rights}) end)\n");
            if (steps[i].Give) sb.Append($"if ok{i} then caps[\"k{i}\"] = c{i} end\n");
        }
        sb.Append("local t = L4.default_loader:start({ caps = caps, log = { \"cd\", \"w\" } }, \"rom/capdump 0 wait\")\nprint(\"RIGHTS SCRIPT DONE\")\n");
        return sb.ToString();
    }

    /// <summary>Boots a script as rom/t.lua with the runtime, capdump, hello and <paramref name="modules"/>; returns the system (to inspect) and its console.</summary>
    public static (BootedSystem Sys, string Console) Boot(string script, params string[] modules)
    {
        var dir = Path.Combine(Path.GetTempPath(), "l4conf-nedprop-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "t.lua"), script);
        var entry = ModulesList.Parse("entry t\nroottask moe rom/t.lua\nmodule l4re\nmodule ned\nmodule capdump\nmodule hello\n"
            + string.Concat(modules.Select(m => $"module {m}\n")) + "module t.lua\n", "generated", "t");
        var image = BootImage.Build(entry, dir);
        var sb = new StringBuilder();
        var sys = BootedSystem.Start(image, new BootOptions { Console = s => sb.Append(s), NedLimits = new Reference.Ned.LuaLimits(Instructions: 20_000_000) });
        sys.Run(60_000_000, untilIdle: true);
        return (sys, sb.ToString());
    }

    /// <summary>
    /// Rights never grow end to end: every cap a started program holds to a channel's gate has at most the rights of
    /// Ned's own cap to it, and at most what the script asked for (letters or a number; R is always there).
    /// </summary>
    public static void CheckRights(Derive[] steps)
    {
        var (sys, console) = Boot(RightsScript(steps));
        using var _ = sys;
        if (!console.Contains("RIGHTS SCRIPT DONE")) throw new Exception("the script did not finish:\n" + Tail(console));
        if (console.Contains("internal error in the model")) throw new Exception("the model failed:\n" + Tail(console));
        var k = sys.Kernel;
        KTask ned;
        lock (Reference.Ned.NedProgram.Instances) ned = Reference.Ned.NedProgram.Instances.Keys.First(t => t.Kernel == k);
        var gates = ned.Space.Entries.Where(e => e.Object is IpcGate).ToList();
        // the programs Ned started: the tasks it holds caps to (not its own); the gate's creator (Moe) is not one
        var children = ned.Space.Entries.Select(e => e.Object).OfType<KTask>().Where(t => t != ned && t.Alive).Distinct().ToList();
        if (children.Count == 0) throw new Exception("Ned started no program:\n" + Tail(console));
        foreach (var task in children)
            // the named caps: from slot 0x16 on (the runtime's own, e.g. the region map at 0x10, are no channel)
            foreach (var e in task.Space.Entries.Where(e => e.Index >= 0x16 && e.Index < 0x16 + (ulong)steps.Length + 1
                         && e.Object is IpcGate && gates.Any(g => g.Object == e.Object)))
            {
                var src = gates.Where(g => g.Object == e.Object).Select(g => g.Attr).Aggregate(CapRights.None, (a, b) => a | b);
                var extra = e.Attr & ~src & CapRights.RWSD;
                if (extra != CapRights.None)
                    throw new Exception($"task D:{task.DbgId:x} holds gate D:{e.Object.DbgId:x} with rights {e.Attr} beyond Ned's {src} (extra {extra})");
                var asked = steps.Where(s => s.Give).Select(s => Asked(s.Rights)).Aggregate(CapRights.None, (a, b) => a | b) | CapRights.R;
                if ((e.Attr & ~asked & CapRights.RWSD) != CapRights.None)
                    throw new Exception($"task D:{task.DbgId:x} (started by Ned D:{ned.DbgId:x}) holds gate D:{e.Object.DbgId:x} at C:{e.Index:x} with rights {e.Attr} though the script asked at most for {asked}\n{Tail(console)}");
            }
    }

    /// <summary>What Ned's __set_mode_call makes of an argument (lua_cap.cc:107-135): letters add to R, a number is taken as is.</summary>
    public static CapRights Asked(string arg)
    {
        if (arg == "nil") return CapRights.RWSD;                         // m(nil) returns the cap's rights unchanged
        if (arg.StartsWith('"'))
        {
            var r = CapRights.R;
            foreach (char ch in arg.Trim('"'))
                r |= char.ToLowerInvariant(ch) switch { 'w' => CapRights.W, 's' => CapRights.S, 'd' => CapRights.D, _ => CapRights.None };
            return r;
        }
        long n = arg.StartsWith("0x") ? Convert.ToInt64(arg[2..], 16) : long.Parse(arg);
        return (CapRights)(n & 0xF);
    }

    // ---- any script gets an answer ---------------------------------------------------------------------------

    private static readonly string[] CapExprs = ["L4.Env.factory", "L4.Env.mem_alloc", "L4.Env.rom", "L4.Env.log", "L4.Env.parent", "ch", "ch:m(\"r\")", "L4.Env.rom:m(\"rws\")"];
    /// <summary>Caps used as arguments: not the unserved channel (a table lookup on it blocks Ned, as in the real system).</summary>
    private static readonly string[] ArgCaps = ["L4.Env.factory", "L4.Env.mem_alloc", "L4.Env.rom", "L4.Env.log", "L4.Env.parent", "L4.Env.rom:m(\"rws\")"];
    private static Gen<string> Value =>
        Gen.OneOf(
            Gen.Choose(-5, 70000).Select(n => n.ToString()),
            Gen.Elements("nil", "true", "false", "\"\"", "\"rw\"", "\"rom/hello\"", "\"rom/capdump 3\"", "\"L4::Factory\"", "\"x\"",
                "0x7fffffffffffffff", "-0x8000000000000000", "1.5", "string.rep(\"a\", 300)", "{}", "{ log = { \"z\", \"r\" } }"),
            Gen.Elements(ArgCaps));
    private static Gen<string> Args => from n in Gen.Choose(0, 4) from a in Gen.ListOf(Value, n) select string.Join(", ", a);

    /// <summary>A call of the L4 package. Not generated: method lookups on the unserved channel (they block Ned, as in
    /// the real system) and m() of a table (it crashes the real Ned).</summary>
    private static Gen<string> Call =>
        Gen.OneOf(
            Args.Select(a => $"L4.Env.factory:create({a})"),
            Args.Select(a => $"L4.Env.mem_alloc:create({a})"),
            Gen.Zip(Gen.Elements(CapExprs), Gen.Elements("\"r\"", "\"rw\"", "7", "0", "nil", "\"q\"")).Select(t => $"({t.Item1}):m({t.Item2})"),
            Gen.Zip(Gen.Elements(CapExprs), Gen.Elements("is_valid", "svr")).Select(t => $"({t.Item1}):{t.Item2}()"),
            Args.Select(a => $"L4.cast({a})"),
            Args.Select(a => $"L4.Env.rom:query({a})"),
            Args.Select(a => $"L4.default_loader:start({a})"),
            Args.Select(a => $"L4.exec({a})"),
            Gen.Elements(CapExprs).Select(c => $"tostring({c})"),
            Gen.Constant("L4.Info.Kip.str():sub(1, 7)"),
            Args.Select(a => $"L4.Env.rom:__register({a})"));

    public static Arbitrary<string[]> CallScripts => (from n in Gen.Choose(1, 12) from l in Gen.ListOf(Call, n) select l.ToArray()).ToArbitrary();

    /// <summary>Every call gets its line: a result or an error (a string or a {msg, code} table); nothing fails in the model.</summary>
    public static void CheckAnswers(string[] calls)
    {
        var sb = new StringBuilder("local L4 = require(\"L4\")\nlocal ch = L4.default_loader:new_channel()\n");
        for (int i = 0; i < calls.Length; i++)
            sb.Append($"do local ok, e = pcall(function() return {calls[i]} end) print(\"A{i} \" .. tostring(ok) .. \" \" .. (type(e) == \"table\" and tostring(e.msg) or tostring(e))) end\n");
        sb.Append("print(\"CALLS DONE\")\n");
        var (sys, console) = Boot(sb.ToString());
        using var _ = sys;
        if (console.Contains("internal error in the model")) throw new Exception("the model failed:\n" + Tail(console));
        for (int i = 0; i < calls.Length; i++)
            if (!console.Contains($"\nA{i} ")) throw new Exception($"call {i} ({calls[i]}) got no answer:\n" + Tail(console));
        if (!console.Contains("CALLS DONE")) throw new Exception("the script did not finish:\n" + Tail(console));
    }

    private static string Tail(string s) => s.Length > 1500 ? "..." + s[^1500..] : s;
}
