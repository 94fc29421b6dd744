using FsCheck;
using FsCheck.Fluent;
using L4Conf.Conformance.Suite;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Properties;

/// <summary>
/// The FsCheck properties as conformance cases: each runs random programs from the run's seed, and a failure
/// reports the seed and the shrunk program so `l4conf run --filter ID --seed N` replays it.
/// </summary>
public static class PropertyCases
{
    public const int Tests = 150, MaxSteps = 40;
    /// <summary>FsCheck's generator needs an odd gamma; fixed so that a seed alone reproduces a run.</summary>
    private const ulong Gamma = 0x9E37_79B9_7F4A_7C15;

    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Property("prop/rights-monotonicity", "no slot ever holds rights beyond the slot it was derived from, back to its creation",
            ["SAFE-1", "CAP-MAP-1", "CAP-MAP-3", "CAP-UNMAP-4"], Invariant.RightsMonotonic);
        yield return Property("prop/authority-confinement", "a task reaches an object only through a chain of transfers from its creator",
            ["SAFE-2", "CAP-GRANT-1"], Invariant.Confinement);
        yield return Property("prop/no-dangling-slots", "no slot names a destroyed object; ref_cnt equals the counted slots",
            ["SAFE-3", "CAP-LIFE-1", "CAP-LIFE-2", "CAP-UNMAP-5", "CAP-UNMAP-7", "CAP-OVR-1"], Invariant.NoDangling);
        yield return IpcProperty("prop/ipc-no-loss-no-dup", "every successfully sent message is received exactly once, by its target",
            ["SAFE-5", "IPC-CALL-1", "IPC-QUEUE-1", "IPC-TO-1"], IpcInvariant.NoLossNoDup);
        yield return IpcProperty("prop/ipc-label-integrity", "every label received equals gate label | W | S of the invoked cap, or the sender's RSI for a thread cap",
            ["SAFE-6", "IPC-LABEL-1", "IPC-LABEL-2"], IpcInvariant.LabelIntegrity);
        yield return IpcProperty("prop/ipc-reply-once", "reply capabilities are single use: no call is answered twice, no reply without a call",
            ["SAFE-7", "IPC-REPLY-1", "IPC-REPLY-2"], IpcInvariant.ReplyOnce);
        yield return IpcProperty("prop/ipc-deletion-wakes", "deleting a thread wakes its queued senders with SECANCELED and the clean error tag; receivers waiting for it are not woken",
            ["SAFE-8", "IPC-ABORT-1"], IpcInvariant.DeletionWakes);
        yield return Case("prop/never-throws", "random register values on three threads always get a real answer, never an exception or a hang",
            ["SAFE-9"], c => Run(c, "prop/never-throws",
                Prop.ForAll(RawSyscallProperty.Arbitrary, (RawSyscallProperty.RawCall[] calls) => { RawSyscallProperty.Run(calls, c.Seed); return true; }),
                IpcTests, $"{IpcTests} random programs of up to 30 raw system calls"));
        yield return Case("prop/pagetables-match-mapdb", "page tables and the mapping database always agree; after unmap no former descendant reaches the page",
            ["SAFE-10", "SAFE-11", "MEM-UNMAP-1", "MEM-UNMAP-2", "MEM-MAP-3", "MEM-MAP-4", "MEM-GRANT-1"], c => Run(c, "prop/pagetables-match-mapdb",
                Prop.ForAll(MemSystem.Arbitrary(30), (MemOp[] ops) => { MemSystem.Run(ops); return true; }), 60, "60 random memory programs of up to 30 steps"));
        yield return Case("prop/random-code-only-real-traps", "random instruction streams end only in real traps, syscalls or the budget; the model never throws",
            ["SAFE-12", "MACH-TRAP-1"], c => Run(c, "prop/random-code-only-real-traps",
                Prop.ForAll(InstructionStreamProperty.Arbitrary, (byte[] code) => { InstructionStreamProperty.Run(code); return true; }), 150, "150 random code streams of up to 64 bytes"));
        yield return Case("prop/ned-rights-monotonic", "rights given from Ned scripts (letters, numbers) never grow on the way to a started program",
            ["RT-NED-4", "RT-EXEC-1", "SAFE-1"], c => Run(c, "prop/ned-rights-monotonic",
                Prop.ForAll(NedScriptProperty.RightsScripts, (NedScriptProperty.Derive[] s) => { NedScriptProperty.CheckRights(s); return true; }),
                NedTests, $"{NedTests} random Ned scripts of up to 8 derived caps, each booted"));
        yield return Case("prop/ned-scripts-answer", "random calls of Ned's L4 package all get a result or a Lua error, never a failure of the model",
            ["RT-NED-3", "RT-NED-6", "RT-EXEC-1"], c => Run(c, "prop/ned-scripts-answer",
                Prop.ForAll(NedScriptProperty.CallScripts, (string[] s) => { NedScriptProperty.CheckAnswers(s); return true; }),
                NedTests, $"{NedTests} random Ned scripts of up to 12 calls, each booted"));
        yield return Property("prop/quota-returned", "quota never exceeds its limit and is fully returned after deleting everything",
            ["SAFE-4", "QUOTA-1", "QUOTA-3", "CAP-LIFE-3"], Invariant.Quota);
    }

    public const int IpcTests = 300, IpcMaxOps = 40, NedTests = 12;

    private static ConformanceCase IpcProperty(string id, string title, string[] clauses, IpcInvariant inv) =>
        Case(id, title, clauses, c =>
        {
            var body = Prop.ForAll(IpcGen.Arbitrary(IpcMaxOps), (IpcProgram p) =>
            {
                new IpcSystem(p, inv).Run();
                return true;
            });
            Run(c, id, body, IpcTests, $"{IpcTests} random programs of up to {IpcMaxOps} IPC steps on {IpcSystem.Threads} threads, seeded schedules");
        });

    private static void Run(CaseContext c, string id, Property body, int tests, string note)
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(tests).WithReplay((ulong)(uint)c.Seed, Gamma).WithQuietOnSuccess(true);
        try
        {
            body.Check(config);
            c.Note(note + $", seed {c.Seed}");
        }
        catch (Exception e) when (e is not CaseFailure)
        {
            throw new CaseFailure($"property failed with seed {c.Seed} (replay: l4conf run --filter '^{id}$' --seed {c.Seed}{(Mutants.AppliedName is { } m ? $" --mutant {m}" : "")})\n{Summarise(e.Message)}");
        }
    }

    private static ConformanceCase Property(string id, string title, string[] clauses, Invariant inv) =>
        Case(id, title, clauses, c => Check(c, id, inv));

    /// <summary>FsCheck's report cut to what a reader acts on: the header, the shrunk program, and the violation.</summary>
    public static string Summarise(string fsCheckMessage)
    {
        var lines = fsCheckMessage.Replace("\r", "").Split('\n');
        var head = lines.FirstOrDefault(l => l.StartsWith("Falsifiable", StringComparison.Ordinal))?.Trim() ?? lines[0];
        int s = Array.FindIndex(lines, l => l.Trim() == "Shrunk:");
        int x = Array.FindIndex(lines, l => l.Trim() == "with exception:");
        if (s < 0) return fsCheckMessage.Trim();
        var shrunk = lines.Skip(s + 1).TakeWhile((l, i) => s + 1 + i != x && !l.StartsWith("with exception", StringComparison.Ordinal)).Select(l => l.Trim());
        var why = x >= 0 && x + 1 < lines.Length ? lines[x + 1].Trim() : "the property returned false";
        var steps = string.Join(" ", shrunk).Trim().TrimStart('[').TrimEnd(']').Trim('|').Split("; ").Select(t => "  " + t.Trim());
        return $"{head}\nshortest failing program:\n{string.Join("\n", steps)}\nviolation: {why}";
    }

    public static void Check(CaseContext c, string id, Invariant inv, int tests = Tests)
    {
        var body = Prop.ForAll(CapGen.Arbitrary(MaxSteps), (CapOp[] ops) =>
        {
            CapSystem.Run(ops, inv);
            return true;
        });
        Run(c, id, body, tests, $"{tests} random programs of up to {MaxSteps} steps");
    }
}
