using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Programs.Modelled;

/// <summary>
/// traces/real/programs/capdump.cc: prints its arguments, environment, the L4Re env's capabilities and each initial
/// capability with the kernel's cap_valid answer, queries the rom namespace, then exits with atoi(argv[1]) or, with
/// "wait" as second argument, sleeps for ever. Output as in ned_t_start.log:129-146.
/// </summary>
public static class Capdump
{
    public const string Name = "capdump";

    public static int Main(CRuntime rt)
    {
        var a = rt.Argv;
        var e = rt.Env;
        rt.Printf($"capdump: argc={a.Count}\n");
        for (int i = 0; i < a.Count; i++) rt.Printf($"capdump: argv[{i}]='{a[i]}'\n");
        foreach (var v in e.Envp) rt.Printf($"capdump: env '{v}'\n");
        void Show(string n, ulong c) => rt.Printf($"capdump: env.{n} = 0x{c:x}{((c & (1UL << 11)) != 0 ? " (invalid)" : "")}\n");
        Show("parent", e.Parent);
        Show("mem_alloc", e.MemAlloc);
        Show("rm", e.Rm);
        Show("log", e.Log);
        Show("main_thread", e.MainThread);
        Show("factory", e.Factory);
        Show("scheduler", e.Scheduler);
        Show("dbg_events", e.DbgEvents);
        // utcb_area is an fpage: printed as its raw word
        rt.Printf($"capdump: first_free_cap=0x{e.FirstFreeCap << 12:x} utcb_area={e.UtcbArea:x}\n");
        foreach (var c in e.Caps)
        {
            long valid = rt.P.Sys.CapValid(0x1000, c.Cap).Label;          // l4_task_cap_valid(L4RE_THIS_TASK_CAP, cap)
            rt.Printf($"capdump: initial cap '{c.Name}' -> 0x{c.Cap:x} flags=0x{c.Flags:x} valid={valid}\n");
        }
        if (e.GetCap("rom") is { } rom && (rom & (1UL << 11)) == 0)
        {
            ulong slot = rt.AllocCap();
            long r = NsClient.Query(rt.P.Sys, rom, "l4re", slot >> 12);
            rt.Printf($"capdump: rom->query(\"l4re\") = {r}\n");
            r = NsClient.Query(rt.P.Sys, rom, "does-not-exist", slot >> 12);
            rt.Printf($"capdump: rom->query(\"does-not-exist\") = {r} ({CRuntime.ErrText(r)})\n");
        }
        int code = a.Count > 1 ? Atoi(a[1]) : 0;
        if (a.Count > 2 && a[2] == "wait")
        {
            rt.Printf("capdump: 'wait' given, sleeping forever\n");
            rt.Out.Flush();
            rt.P.SleepForever();
        }
        rt.Printf($"capdump: exiting with code {code}\n");
        return code;
    }

    /// <summary>atoi: optional blanks and sign, then digits; anything else ends the number (0 when none).</summary>
    public static int Atoi(string s)
    {
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        bool neg = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
        long v = 0;
        while (i < s.Length && s[i] >= '0' && s[i] <= '9') v = unchecked(v * 10 + (s[i++] - '0'));
        return unchecked((int)(neg ? -v : v));
    }
}
