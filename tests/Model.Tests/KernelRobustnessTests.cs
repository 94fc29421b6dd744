using FsCheck;
using FsCheck.Fluent;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Model.Trace;
using Xunit;
using Xunit.Abstractions;

namespace L4Conf.Tests;

/// <summary>The kernel model answers any register values with a real result, never an exception.</summary>
public class KernelRobustnessTests(ITestOutputHelper output)
{
    private const ulong Seed = 20261121, Gamma = 0x9E37_79B9_7F4A_7C15;

    [Fact]
    public void Random_system_calls_never_throw()
    {
        output.WriteLine($"FsCheck seed {Seed}, gamma {Gamma:x}");
        var word = Gen.Frequency(
            (3, Gen.Choose(0, 0x30).Select(i => (ulong)i << 12)),           // plausible selectors
            (2, Gen.Choose(-25, 5).Select(i => unchecked((ulong)(long)i))), // protocol-ish numbers
            (2, Gen.Choose(0, 0x1000).Select(i => (ulong)i)),
            (1, Gen.Constant(ulong.MaxValue)));
        var call = from rdx in word from sel in Gen.Choose(0, 15) from label in Gen.Choose(-25, 3)
                   from w in Gen.Choose(0, 63) from it in Gen.Choose(0, 63) from mrs in Gen.ArrayOf(word, 8) from brs in Gen.ArrayOf(word, 2)
                   select (Rdx: (rdx & ~0xFUL) | (uint)sel, Tag: new MsgTag(label, w, it), Mrs: mrs, Brs: brs);
        var prop = Prop.ForAll(Arb.From(Gen.ListOf(call, 20).Select(l => l.ToArray())), calls =>
        {
            var boot = BootState.Create();
            var u = boot.RootThread.Utcb;
            foreach (var c in calls)
            {
                for (int i = 0; i < c.Mrs.Length; i++) u.SetMr(i, c.Mrs[i]);
                u.SetBr(0, c.Brs[0]);
                u.SetBr(1, c.Brs[1]);
                if (!boot.Kernel.Syscall(boot.RootThread, c.Rdx, c.Tag))
                {
                    // Blocked (a wait, a call to nobody): let time pass, then cancel as ex_regs would.
                    boot.Kernel.Run(maxSteps: 1000);
                    boot.Kernel.CancelIpc(boot.RootThread);
                    if (boot.RootThread.Ipc != null) return false;
                }
                var tag = boot.RootThread.ResultTag;
                if (tag.HasError && u.Error == IpcErr.None) return false;
            }
            return true;
        });
        prop.Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithReplay(Seed, Gamma));
    }

    [Fact]
    public void Trace_writes_versioned_json_lines()
    {
        var boot = BootState.Create();
        var sw = new StringWriter();
        boot.Kernel.Trace.WriteJsonLines(sw);
        var lines = sw.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(TraceFormat.Version, lines[0]);
        Assert.StartsWith("{\"ev\":\"obj-create\"", lines[1]);
        Assert.Contains("\"id\":", lines[1]);                                   // camelCase, as spec/trace-format.md names the fields
        Assert.Matches("\"task\":\"0x[0-9a-f]+\"", string.Join("\n", lines)); // 64-bit values as hex strings
        Assert.Equal(boot.Kernel.Trace.Events.Count + 1, lines.Length);
    }
}
