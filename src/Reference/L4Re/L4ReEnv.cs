namespace L4Conf.Reference.L4Re;

/// <summary>One named initial capability (l4re_env_cap_entry_t): selector, flags, name.</summary>
public sealed record CapEntry(ulong Cap, ulong Flags, string Name);

/// <summary>
/// A program's start-up view (libloader/include/loader, l4re/include/env.h, l4aux.h): argc/argv/envp from its
/// stack, the auxiliary vector, the l4re_env_t it points to, the initial-caps array, and the l4re_aux_t of the
/// L4Re runtime. Read from the task's memory, as crt0 and the runtime read them.
/// </summary>
public sealed class L4ReEnv
{
    public const ulong AtNull = 0, AtPagesz = 6, AtL4Aux = 0xF0, AtL4Env = 0xF1, AtL4Kip = 0xF2;
    public static readonly ulong InvalidCap = ~0UL << 11;

    public List<string> Argv { get; } = new();
    public List<string> Envp { get; } = new();
    /// <summary>Where the argv and envp strings are (a runtime passes its own on to the program it loads).</summary>
    public List<ulong> ArgvAddrs { get; } = new();
    public List<ulong> EnvpAddrs { get; } = new();
    public Dictionary<ulong, ulong> Auxv { get; } = new();
    public ulong EnvAddr { get; private set; }
    public ulong Parent, Rm, MemAlloc, Log, MainThread, Factory, Scheduler, Itas, DbgEvents, FirstFreeCap, FirstFreeReplyCap, UtcbArea, FirstFreeUtcb, CapsAddr;
    public List<CapEntry> Caps { get; } = new();
    /// <summary>l4re_aux_t {binary, kip_ds, dbg_lvl, ldr_flags, ldr_base}.</summary>
    public string Binary { get; private set; } = "";
    public ulong KipDs, DbgLevel, LdrFlags, LdrBase;
    public ulong AuxAddr => Auxv.GetValueOrDefault(AtL4Aux);
    public ulong KipAddr => Auxv.GetValueOrDefault(AtL4Kip);

    /// <summary>Reads everything from the initial stack pointer <paramref name="sp"/>.</summary>
    public static L4ReEnv Read(Process p, ulong sp)
    {
        var e = new L4ReEnv();
        ulong argc = p.ReadU64(sp);
        ulong at = sp + 8;
        for (ulong i = 0; i < argc; i++, at += 8) { ulong a = p.ReadU64(at); e.ArgvAddrs.Add(a); e.Argv.Add(p.ReadCString(a)); }
        at += 8;                                                    // argv terminator
        for (ulong v; (v = p.ReadU64(at)) != 0; at += 8) { e.EnvpAddrs.Add(v); e.Envp.Add(p.ReadCString(v)); }
        at += 8;
        for (int n = 0; n < 64; n++, at += 16)
        {
            ulong type = p.ReadU64(at), value = p.ReadU64(at + 8);
            if (type == AtNull) break;
            e.Auxv[type] = value;
        }
        if (e.Auxv.TryGetValue(AtL4Env, out var env)) e.ReadEnv(p, env);
        if (e.Auxv.TryGetValue(AtL4Aux, out var aux))
        {
            e.Binary = p.ReadCString(p.ReadU64(aux));
            e.KipDs = p.ReadU64(aux + 8);
            e.DbgLevel = p.ReadU64(aux + 16);
            e.LdrFlags = p.ReadU64(aux + 24);
            e.LdrBase = p.ReadU64(aux + 32);
        }
        return e;
    }

    private void ReadEnv(Process p, ulong env)
    {
        EnvAddr = env;
        ulong W(int i) => p.ReadU64(env + (ulong)(8 * i));
        Parent = W(0); Rm = W(1); MemAlloc = W(2); Log = W(3); MainThread = W(4); Factory = W(5); Scheduler = W(6);
        Itas = W(7); DbgEvents = W(8); FirstFreeCap = W(9); FirstFreeReplyCap = W(10); UtcbArea = W(11); FirstFreeUtcb = W(12);
        CapsAddr = W(13);
        if (CapsAddr == 0) return;
        for (ulong at = CapsAddr; Caps.Count < 256; at += 32)
        {
            ulong cap = p.ReadU64(at), flags = p.ReadU64(at + 8);
            if (flags == ~0UL) break;
            var nb = p.Read(at + 16, 16);
            int len = Array.IndexOf(nb, (byte)0);
            Caps.Add(new CapEntry(cap, flags, System.Text.Encoding.Latin1.GetString(nb, 0, len < 0 ? 16 : len)));
        }
    }

    /// <summary>The 14 words of l4re_env_t in order.</summary>
    public ulong[] EnvWords() =>
        [Parent, Rm, MemAlloc, Log, MainThread, Factory, Scheduler, Itas, DbgEvents, FirstFreeCap, FirstFreeReplyCap, UtcbArea, FirstFreeUtcb, CapsAddr];

    public ulong? GetCap(string name) => Caps.FirstOrDefault(c => c.Name == name)?.Cap;
}
