using L4Conf.Model.Abi;
using L4Conf.Reference.L4Re;

namespace L4Conf.Reference.Programs.Modelled;

/// <summary>
/// traces/real/programs/pingpong.c: two-word call/reply round trips, 1000 warm-up and three timed repetitions of N.
/// "server" binds the main thread to the gate "pp" (label 0x10) and answers for ever; "client [N]" calls it;
/// "intra [N]" starts a second thread (pthread) and calls it through its thread cap, then through a gate of its own.
/// Times come from the KIP clock, which in the model is logical time (one µs per system call), so the rates are
/// the model's, not a machine's.
/// </summary>
public static class Pingpong
{
    public const string Name = "pingpong", ServerEntry = "pingpong:server";
    public const ulong Warmup = 1000;
    public const int Reps = 3;
    private const ulong Pattern = 0x5a5a5a5a;

    /// <summary>server_loop: an open wait, then reply-and-wait with MR0 + 1 and ~MR1.</summary>
    public static void ServerLoop(CRuntime? rt, Process p, string who)
    {
        var s = p.Sys;
        var u = s.Self.Utcb;
        var tag = s.Wait();
        while (true)
        {
            if (tag.HasError)
            {
                rt?.Printf($"pingpong {who}: IPC error {(long)u.Error & 0x1F}, waiting again\n");
                tag = s.Wait();
                continue;
            }
            u.SetMr(0, u.Mr(0) + 1);
            u.SetMr(1, ~u.Mr(1));
            tag = s.ReplyAndWait(new MsgTag(0, 2, 0), timeouts: 0);
        }
    }

    private static ulong DoCalls(CRuntime rt, ulong dst, ulong n, ulong seq0)
    {
        var s = rt.P.Sys;
        var u = s.Self.Utcb;
        ulong bad = 0;
        for (ulong i = 0; i < n; i++)
        {
            ulong q = seq0 + i;
            u.SetMr(0, q);
            u.SetMr(1, q ^ Pattern);
            var tag = s.Call(dst, new MsgTag(0, 2, 0));
            long err = tag.HasError ? (long)u.Error & 0x1F : 0;
            if (err != 0 || tag.Words != 2 || u.Mr(0) != q + 1 || u.Mr(1) != ~(q ^ Pattern))
            {
                if (bad < 5) rt.Printf($"pingpong: bad reply at call {q}: err={err} words={tag.Words} mr0={u.Mr(0):x}\n");
                bad++;
            }
        }
        return bad;
    }

    private static void Measure(CRuntime rt, string variant, ulong dst, ulong n)
    {
        ulong seq = 0;
        ulong bad = DoCalls(rt, dst, Warmup, seq);
        seq += Warmup;
        rt.Printf($"pingpong [{variant}]: warm-up {Warmup} calls done, bad replies {bad}\n");
        for (int r = 1; r <= Reps; r++)
        {
            ulong t0 = rt.P.Now, c0 = Tsc(rt);
            bad = DoCalls(rt, dst, n, seq);
            ulong c1 = Tsc(rt), t1 = rt.P.Now;
            seq += n;
            ulong us = t1 - t0, ns = us * 1000, tsc = c1 - c0;
            ulong rate = us != 0 ? n * 1000000UL / us : 0;
            rt.Printf($"pingpong [{variant}] rep {r}: {n} round trips, {us} us elapsed, {rate} round trips/s" +
                $" ({ns / n} ns/round trip; kip_clock_ns delta {ns} ns; {tsc} TSC ticks = {tsc / n}/round trip; bad {bad})\n");
        }
    }

    /// <summary>l4_rdtsc in the model: logical time at the KIP's CPU frequency.</summary>
    private static ulong Tsc(CRuntime rt) => rt.P.Now * Model.Kernel.Kip.FrequencyCpuKhz / 1000;

    public static int Main(CRuntime rt, Func<string, ulong> entryAddress)
    {
        var a = rt.Argv;
        string mode = a.Count > 1 ? a[1] : "intra";
        ulong n = a.Count > 2 ? StrToUl(a[2]) : 100000;
        if (n == 0) n = 100000;
        var s = rt.P.Sys;
        if (mode == "server")
        {
            ulong gate = rt.Env.GetCap("pp") ?? L4ReEnv.InvalidCap;
            if ((gate & (1UL << 11)) != 0) { rt.Printf("pingpong server: no cap 'pp'\n"); return 1; }
            var t = s.GateBind(gate, rt.Env.MainThread, 0x10);
            rt.Printf($"pingpong server: gate 0x{gate:x} bound to main thread: {s.Error(t)}\n");
            ServerLoop(rt, rt.P, "server");
            return 0;
        }
        rt.Printf($"pingpong {mode}: KIP frequency_cpu {Model.Kernel.Kip.FrequencyCpuKhz} kHz, N={n}, warm-up {Warmup}, {Reps} repetitions\n");
        if (mode == "client")
        {
            ulong gate = rt.Env.GetCap("pp") ?? L4ReEnv.InvalidCap;
            if ((gate & (1UL << 11)) != 0) { rt.Printf("pingpong client: no cap 'pp'\n"); return 1; }
            rt.Sleep(300);
            Measure(rt, "inter-task via IPC gate", gate, n);
            rt.Printf("pingpong client: done\n");
            return 0;
        }
        var th = new Pthread(rt, entryAddress).Create(ServerEntry);
        if ((th & (1UL << 11)) != 0) { rt.Printf("pingpong: pthread_create failed\n"); return 1; }
        rt.Sleep(100);
        Measure(rt, "intra-task thread->thread (thread cap)", th, n);
        ulong g = rt.AllocCap();
        var ct = s.CreateGate(rt.Env.Factory, g, th, 0x20);
        long err = s.Error(ct);
        rt.Printf($"pingpong intra: created IPC gate 0x{g:x} bound to server thread: {err}\n");
        if (err == 0) Measure(rt, "intra-task thread->thread (IPC gate)", g, n);
        rt.Printf("pingpong intra: done\n");
        return 0;
    }

    /// <summary>strtoul(s, NULL, 0): decimal, 0x hex or 0 octal prefix; stops at the first bad digit.</summary>
    public static ulong StrToUl(string t)
    {
        t = t.Trim();
        int b = 10, i = 0;
        if (t.StartsWith("0x") || t.StartsWith("0X")) { b = 16; i = 2; }
        else if (t.StartsWith('0') && t.Length > 1) { b = 8; i = 1; }
        ulong v = 0;
        for (; i < t.Length; i++)
        {
            int d = char.IsAsciiDigit(t[i]) ? t[i] - '0' : char.IsAsciiHexDigit(t[i]) ? char.ToLowerInvariant(t[i]) - 'a' + 10 : 99;
            if (d >= b) break;
            v = unchecked(v * (ulong)b + (ulong)d);
        }
        return v;
    }
}
