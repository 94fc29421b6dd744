using System.Text.RegularExpressions;
using L4Conf.Conformance.Properties;
using L4Conf.Conformance.Suite;
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
            c.Equal(Slot(c, out_, "A") + 1, Slot(c, out_, "B"), "the slot after the first dataspace's");
        });
    }

    /// <summary>Boots the script and returns its console; the script must finish.</summary>
    private static string Run(CaseContext c, string script)
    {
        var (sys, console) = NedScriptProperty.Boot(script + "\nprint(\"SCRIPT DONE\")\n");
        sys.Dispose();
        c.True(console.Contains("SCRIPT DONE"), "the script ran to its end:\n" + console[Math.Max(0, console.Length - 1500)..]);
        return console;
    }

    /// <summary>The capability index of the cap a line `TAG L4::Cap&lt;...&gt;[0x...]` printed.</summary>
    private static ulong Slot(CaseContext c, string console, string tag)
    {
        var m = Regex.Match(console, "\n" + tag + @" L4::Cap<[^>]*>\[0x([0-9a-f]+)\]");
        c.True(m.Success, $"line {tag} with a capability");
        return Convert.ToUInt64(m.Groups[1].Value, 16) >> 12;
    }
}
