using L4Conf.Model.Abi;
using L4Conf.Model.Machine;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Check;

/// <summary>
/// Checks the page faults of a capture: a user fault always has the U bit, and when the kernel sends the fault to a
/// pager (the classic path, not the L4Re trampoline) the pager receives tag [Kpf, w=2] with
/// MR0 = (pfa &amp; ~7) | (err &amp; 3) | (4 if an instruction fetch) and MR1 = the faulting IP (fiasco
/// src/kern/ia32/paging-ia32.cpp PF::addr_to_msgword0, src/kern/thread-ipc.cpp; abi-facts §9.1).
/// </summary>
public static class PageFaultConsistency
{
    /// <summary>How far ahead the pager's receive of a fault is looked for (the kernel sends it at once).</summary>
    public const int Window = 8;

    public static (int Faults, int PagerIpcs, List<IpcViolation> Violations) Check(IReadOnlyList<TraceEvent> events, Dictionary<string, int> checkedBy)
    {
        var violations = new List<IpcViolation>();
        int faults = 0, pager = 0;
        void Count(string c) => checkedBy[c] = checkedBy.GetValueOrDefault(c) + 1;
        for (int n = 0; n < events.Count; n++)
        {
            if (events[n] is not PageFault pf) continue;
            faults++;
            Count("PF-ERR-U");
            if ((pf.ErrorCode & (ulong)PfErr.User) == 0)
                violations.Add(new IpcViolation("PF-ERR-U", pf, $"user page fault at 0x{pf.Pfa:x} without the U bit (err 0x{pf.ErrorCode:x})", Before(events, n)));
            // The pager's receive of this fault: a [Kpf] answer whose MR1 is this IP and whose MR0 names this page.
            for (int k = n + 1; k < events.Count && k <= n + Window; k++)
            {
                if (events[k] is not InvokeResultEvent { Error: 0 } r || new MsgTag(r.Tag).Label != (long)Protocol.PageFault || r.Mrs.Length < 2) continue;
                if (r.Mrs[1] != pf.Ip || (r.Mrs[0] & ~0xFFFUL) != (pf.Pfa & ~0xFFFUL)) continue;
                pager++;
                Count("PF-IPC-1");
                ulong want = Model.Kernel.PageFaultMessage.Word0(pf.Pfa, pf.ErrorCode);
                if (r.Mrs[0] != want)
                    violations.Add(new IpcViolation("PF-IPC-1", r, $"page-fault IPC for pfa 0x{pf.Pfa:x} err 0x{pf.ErrorCode:x}: MR0 0x{r.Mrs[0]:x}, the rule gives 0x{want:x}", Before(events, k)));
                if (new MsgTag(r.Tag).Words != 2)
                    violations.Add(new IpcViolation("PF-IPC-1", r, $"page-fault IPC with {new MsgTag(r.Tag).Words} words, not 2", Before(events, k)));
                // The pager's answer: a map (no words, one item), nothing (label >= 0, no item), or a refusal (label < 0, nothing).
                var reply = events.Skip(k + 1).Take(Window * 4).OfType<Invoke>().FirstOrDefault(i => i.Thread == r.Thread && i.ThreadRef == r.ThreadRef);
                if (reply != null && IpcConsistency.IsReply(reply))
                {
                    Count("PF-IPC-5");
                    var rt = new MsgTag(reply.Tag);
                    if (rt.Label >= 0 ? rt.Words != 0 || rt.Items > 1 : rt.Items != 0)
                        violations.Add(new IpcViolation("PF-IPC-5", reply, $"the pager answered a page fault with {rt}: expected no words and at most one map item, or a negative label alone", Before(events, k)));
                }
                break;
            }
        }
        return (faults, pager, violations);
    }

    private static List<TraceEvent> Before(IReadOnlyList<TraceEvent> e, int i) => e.Skip(Math.Max(0, i - IpcConsistency.Context)).Take(Math.Min(i, IpcConsistency.Context)).ToList();
}
