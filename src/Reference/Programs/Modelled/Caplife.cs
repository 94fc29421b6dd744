using L4Conf.Model.Abi;

namespace L4Conf.Reference.Programs.Modelled;

/// <summary>
/// traces/real/programs/caplife.cc: the capability lifecycle through kernel calls only. It collects the initial caps
/// named g* and i*, prints their validity, unmaps some without and with the D right (L4_FP_DELETE_OBJ,
/// L4_FP_OTHER_SPACES, L4_FP_ALL_SPACES), copies one into its own space, sleeps 15 s between the phases (when the
/// capture dumped the object graph) and exits 0. With "check" it prints the validity table only.
/// </summary>
public static class Caplife
{
    public const string Name = "caplife";
    private const ulong ThisTask = 0x1000;

    public static int Main(CRuntime rt)
    {
        var s = rt.P.Sys;
        var ents = rt.Env.Caps.Where(c => c.Name.Length > 0 && (c.Name[0] == 'g' || c.Name[0] == 'i')).Take(40)
            .Select(c => (c.Name, c.Cap)).ToList();
        ulong extra = L4Re.L4ReEnv.InvalidCap;
        bool Invalid(ulong c) => (c & (1UL << 11)) != 0;
        long Valid(ulong c) => s.CapValid(ThisTask, c).Label;
        ulong Find(string n) => ents.FirstOrDefault(e => e.Name == n) is { Name: not null } e ? e.Cap : L4Re.L4ReEnv.InvalidCap;
        long Equal(ulong a, ulong b) => s.CapEqual(ThisTask, a, b).Label;

        void Table(string title)
        {
            rt.Printf($"caplife: --- {title} ---\n");
            foreach (var (n, c) in ents)
                rt.Printf($"caplife:   {n,-9} cap=0x{c:x5} is_valid()={(Invalid(c) ? 0 : 1)} cap_valid={Valid(c)}\n");
            if (!Invalid(extra)) rt.Printf($"caplife:   {"selfcopy",-9} cap=0x{extra:x5} is_valid()=1 cap_valid={Valid(extra)}\n");
        }
        void Line(string title)
        {
            rt.Printf($"caplife: {title}:");
            foreach (var (n, c) in ents) rt.Printf($" {n}={Valid(c)}");
            if (!Invalid(extra)) rt.Printf($" selfcopy={Valid(extra)}");
            rt.Printf("\n");
        }
        void Unmap(string n, UnmapMask flags, string fl)
        {
            var t = s.TaskUnmap(ThisTask, Fpage.Obj(Find(n), 0, CapRights.RWSD), flags);
            rt.Printf($"caplife: unmap({n}, rights=RWSD, {fl}) -> err={s.Error(t)}\n");
        }

        bool check = rt.Argv.Count > 1 && rt.Argv[1] == "check";
        Table(check ? "check: initial caps" : "phase A: initial caps");
        if (check) return 0;
        rt.Printf($"caplife: cap_equal(g_r, g_rwsd)={Equal(Find("g_r"), Find("g_rwsd"))} cap_equal(g_r, i_r)={Equal(Find("g_r"), Find("i_r"))}\n");
        rt.Printf("CAPLIFE: phase A done, sleeping 15 s\n");
        rt.Sleep(15000);

        Unmap("g_rw", UnmapMask.DeleteObj, "L4_FP_DELETE_OBJ");
        Line("after B1");
        Unmap("i_rws", UnmapMask.DeleteObj, "L4_FP_DELETE_OBJ");
        Line("after B2");

        extra = rt.AllocCap();
        var m = s.TaskMap(ThisTask, ThisTask, Fpage.Obj(Find("i_r"), 0, CapRights.RWSD), extra | (ulong)ItemBits.Map);
        rt.Printf($"caplife: map(i_r -> selfcopy 0x{extra:x}) -> err={s.Error(m)}\n");
        Line("after B3 map");
        rt.Printf($"caplife: cap_equal(i_r, selfcopy)={Equal(Find("i_r"), extra)} cap_equal(i_rw, i_rwn)={Equal(Find("i_rw"), Find("i_rwn"))} cap_equal(g_rw, g_rws)={Equal(Find("g_rw"), Find("g_rws"))}\n");
        Unmap("i_r", UnmapMask.OtherSpaces, "L4_FP_OTHER_SPACES");
        Line("after B3");
        Unmap("i_rw", UnmapMask.AllSpaces, "L4_FP_ALL_SPACES");
        Line("after B4");
        rt.Printf("CAPLIFE: partial unmaps done (B1-B4), sleeping 15 s\n");
        rt.Sleep(15000);

        Unmap("g_rwsd", UnmapMask.DeleteObj, "L4_FP_DELETE_OBJ");
        Line("after B5");
        Unmap("i_rwsdn", UnmapMask.DeleteObj, "L4_FP_DELETE_OBJ");
        Line("after B6");
        Table("phase B: after deletions");
        rt.Printf("CAPLIFE: phase B done, sleeping 15 s\n");
        rt.Sleep(15000);
        rt.Printf("caplife: exiting\n");
        return 0;
    }
}
