using KeraLua;
using L4Conf.Reference.Ned;
using Xunit;

namespace L4Conf.Tests;

/// <summary>The model's Lua environment for Ned scripts: libraries, determinism, confinement and limits.</summary>
public class LuaHostTests
{
    private static (LuaHost Host, List<string> Out) Host(LuaLimits? limits = null)
    {
        var h = new LuaHost(limits);
        var output = new List<string>();
        h.Write = output.Add;
        h.ReadFile = p => p == "rom/mod.lua" ? ("return { answer = 42 }", null) : (null, "No such file or directory");
        return (h, output);
    }

    private static string Run(LuaHost h, string code)
    {
        var l = h.L;
        if (l.LoadString(code, "=test") != LuaStatus.OK) return "load error: " + l.ToString(-1);
        return l.PCall(0, 0, 0) == LuaStatus.OK ? "ok" : "error: " + l.ToString(-1);
    }

    [Fact]
    public void Only_the_libraries_real_Ned_opens_are_there()
    {
        var (h, o) = Host();
        Assert.Equal("ok", Run(h, "print(type(os), type(math), type(utf8), type(coroutine), type(io), type(string), type(table), type(debug), type(package))"));
        Assert.Equal("nil\tnil\tnil\tnil\ttable\ttable\ttable\ttable\ttable\n", string.Concat(o));
    }

    [Fact]
    public void Pairs_order_is_fixed_numbers_then_strings()
    {
        var (h, o) = Host();
        Assert.Equal("ok", Run(h, "local t = { zeta = 1, alpha = 2, [3] = 'c', [1] = 'a', mid = 3 } local r = {} for k in pairs(t) do r[#r+1] = tostring(k) end print(table.concat(r, ','))"));
        Assert.Equal("1,3,alpha,mid,zeta\n", string.Concat(o));
    }

    [Fact]
    public void Object_addresses_are_the_same_in_every_run()
    {
        string Once()
        {
            var (h, o) = Host();
            Run(h, "local a, b = {}, function() end print(tostring(a), tostring(b), string.format('%s %p', a, b))");
            h.Dispose();
            return string.Concat(o);
        }
        var first = Once();
        Assert.Equal(first, Once());
        Assert.Matches(@"^table: 0x[0-9a-f]+\tfunction: 0x[0-9a-f]+\ttable: 0x[0-9a-f]+ 0x[0-9a-f]+\n$", first);
    }

    [Fact]
    public void Files_come_only_from_the_boot_modules()
    {
        var (h, o) = Host();
        Assert.Equal("ok", Run(h, "print(require('mod').answer) print(io.open('/etc/passwd')) print(pcall(dofile, '/etc/passwd')) print(io.open('rom/mod.lua', 'w'))"));
        var text = string.Concat(o);
        Assert.StartsWith("42\nnil\t/etc/passwd: No such file or directory\t2\n", text);
        Assert.Contains("false\tcannot open /etc/passwd: No such file or directory", text);
        Assert.Contains("rom/mod.lua: Read-only file system", text);
        Assert.Equal("ok", Run(h, "assert(package.loadlib == nil) assert(not load(string.dump(function() end)))"));
    }

    [Fact]
    public void An_endless_loop_is_stopped_even_inside_pcall()
    {
        var (h, _) = Host(new LuaLimits(Instructions: 2_000_000));
        var r = Run(h, "while true do pcall(function() while true do end end) end");
        Assert.Contains("instruction limit of 2000000 exceeded", r);
    }

    [Fact]
    public void A_memory_bomb_gets_a_Lua_error()
    {
        var (h, _) = Host(new LuaLimits(MemoryBytes: 8 << 20));
        Assert.Equal("error: not enough memory", Run(h, "local t = {} for i = 1, 1e8 do t[i] = string.rep('x', 64) .. i end"));
        Assert.True(h.MemoryUsed <= 8 << 20);
    }

    [Fact]
    public void The_hook_cannot_be_replaced()
    {
        var (h, _) = Host();
        Assert.Contains("debug.sethook is not available", Run(h, "debug.sethook()"));
    }
}
