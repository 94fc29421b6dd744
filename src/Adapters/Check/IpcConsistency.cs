using L4Conf.Model.Abi;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Check;

/// <summary>
/// Checks a captured IPC event stream (chronological) against the model's rules, event by event: the things a real
/// trace buffer shows without the kernel's state. Each check names the clause it enforces.
/// </summary>
public static class IpcConsistency
{
    /// <summary>Every IPC error code the kernel can set: the L4_IPC_* codes of the model's ABI, without the masks.</summary>
    private static readonly HashSet<ulong> KnownErrors = Enum.GetValues<IpcErr>()
        .Where(e => e is not (IpcErr.None or IpcErr.ErrorMask or IpcErr.SndErrMask)).Select(e => (ulong)e).ToHashSet();
    public const int Context = 6;

    private static string Who(TraceEvent e) => e switch
    {
        Invoke i => i.ThreadRef ?? i.Thread.ToString("x4"),
        InvokeResultEvent r => r.ThreadRef ?? r.Thread.ToString("x4"),
        PageFault p => p.ThreadRef ?? p.Thread.ToString("x4"),
        _ => "?",
    };

    /// <summary>The call's operation: the selector's op bits (the reader checks they agree with the name JDB printed); null for `unk ipc`.</summary>
    private static SysFlags? Flags(Invoke i) => i.Op == OpNames.Unknown ? null : (SysFlags)(i.Selector & 0xF);

    public static IpcCheckReport Check(IReadOnlyList<TraceEvent> events)
    {
        var checkedBy = new Dictionary<string, int>();
        var violations = new List<IpcViolation>();
        var last = new Dictionary<string, Invoke>();                  // each thread's system call in progress
        var pendingSends = new List<Invoke>();                         // send phases not yet matched to a receiver
        var gateLabels = new Dictionary<ulong, ulong>();               // gate DID -> label & ~3 seen so far
        var callerOf = new Dictionary<string, string>();               // receiver -> the caller whose call it got last
        int paired = 0, unpaired = 0, replies = 0, invokes = 0, answers = 0;

        void Count(string clause) => checkedBy[clause] = checkedBy.GetValueOrDefault(clause) + 1;
        void Fail(string clause, TraceEvent e, int index, string msg) =>
            violations.Add(new IpcViolation(clause, e, msg, events.Skip(Math.Max(0, index - Context)).Take(Math.Min(index, Context)).ToList()));

        for (int n = 0; n < events.Count; n++)
        {
            var e = events[n];
            if (e is Invoke inv)
            {
                invokes++;
                last[Who(inv)] = inv;
                var f = Flags(inv);
                // A send to no object (JDB: DID=ffffffffffffffff) delivers nothing and is never paired.
                if (f is { } fl && (fl & SysFlags.Send) != 0 && inv.Dest != null) pendingSends.Add(inv);
                if (pendingSends.Count > 64) pendingSends.RemoveAt(0);
                continue;
            }
            if (e is not InvokeResultEvent r) continue;
            answers++;
            string who = Who(r);
            last.Remove(who, out var call);
            var tag = new MsgTag(r.Tag);
            // A failed send phase (even error code) delivered nothing: forget that thread's pending send.
            if (r.Error != 0 && (r.Error & 1) == 0) pendingSends.RemoveAll(s => Who(s) == who);

            Count("IPC-ERR-1");
            if (r.Error != 0 && !KnownErrors.Contains(r.Error))
                Fail("IPC-ERR-1", r, n, $"{who}: error 0x{r.Error:x} is not an L4_IPC_* code");
            Count("IPC-ERR-2");
            // The error flag comes exactly with an error; a failed send phase (even code) answers the clean tag. A failed
            // receive phase keeps the caller's or the sender's tag (odd code), which JDB shows as `E` as well.
            if (tag.HasError != (r.Error != 0))
                Fail("IPC-ERR-2", r, n, $"{who}: tag {tag} with error 0x{r.Error:x}: the tag has the error flag exactly when there is an error");
            else if (r.Error != 0 && (r.Error & 1) == 0 && r.Tag != MsgTag.IpcError.Raw)
                Fail("IPC-ERR-2", r, n, $"{who}: tag {tag} with send-phase error 0x{r.Error:x}: a failed send phase is the tag [0,w=0,i=0,E]");
            if (call == null) continue;                                // the call was before the buffer's start
            var flags = Flags(call) ?? SysFlags.None;
            bool hasSend = (flags & SysFlags.Send) != 0, hasRecv = (flags & SysFlags.Recv) != 0;

            Count("IPC-ERR-3");
            if (r.Error != 0 && !hasRecv && (r.Error & 1) == 1)
                Fail("IPC-ERR-3", r, n, $"{who}: {call.Op} has no receive phase but failed with receive-phase error 0x{r.Error:x}");
            if (r.Error != 0 && !hasSend && (r.Error & 1) == 0 && r.Error != (ulong)IpcErr.NotExistent)
                Fail("IPC-ERR-3", r, n, $"{who}: {call.Op} has no send phase but failed with send-phase error 0x{r.Error:x}");

            if (hasSend && !hasRecv && r.Error == 0)
            {
                Count("INV-3");
                if (r.Tag != call.Tag)
                    Fail("INV-3", r, n, $"{who}: a successful {call.Op} must return its own tag {new MsgTag(call.Tag)}, got {tag}");
            }
            if (!hasRecv || r.Error != 0) continue;
            // A completed receive phase: find the send it took, newest first among those addressed plausibly.
            // A call's receive phase takes the callee's reply; a wait takes a call or send.
            bool wantsReply = flags == SysFlags.Call;
            var src = pendingSends.LastOrDefault(s => Who(s) != who && s.Tag == r.Tag && SameWords(s, r) && IsReply(s) == wantsReply);
            if (src == null) { unpaired++; continue; }
            pendingSends.Remove(src);
            paired++;
            Count("IPC-MSG-1");                                        // matched on the tag: the receiver sees the sender's tag
            string sender = Who(src);
            if (IsReply(src))
            {
                replies++;
                Count("IPC-REPLY-1");
                if (callerOf.TryGetValue(sender, out var expected) && expected != who)
                    Fail("IPC-REPLY-1", r, n, $"{who} received the reply of {sender}, but {sender}'s reply capability names {expected}");
                callerOf.Remove(sender);
                Count("IPC-LABEL-2");
                if (r.Label != src.Label)
                    Fail("IPC-LABEL-2", r, n, $"{who}: a reply delivers the replier's label 0x{src.Label:x}, got 0x{r.Label:x}");
                continue;
            }
            if (src.Dest is { } d && d.ToString("x4") == who)
            {
                Count("IPC-LABEL-2");
                if (r.Label != src.Label)
                    Fail("IPC-LABEL-2", r, n, $"{who}: IPC to a thread cap delivers the sender's label 0x{src.Label:x}, got 0x{r.Label:x}");
            }
            else if (src.Dest is { } gate)
            {
                Count("IPC-LABEL-1");
                ulong upper = r.Label & ~3UL;
                // The first label seen through a gate is the reference; a deviating one does not replace it.
                if (gateLabels.TryGetValue(gate, out var known) && known != upper)
                    Fail("IPC-LABEL-1", r, n, $"{who}: through gate D:{gate:x} the label was 0x{known:x}|W|S before, now 0x{r.Label:x}");
                else gateLabels[gate] = upper;
            }
            if ((Flags(src) ?? 0) == SysFlags.Call) callerOf[who] = sender;
        }
        var (faults, pagerIpcs, pfViolations) = PageFaultConsistency.Check(events, checkedBy);
        violations.AddRange(pfViolations);
        violations.Sort((a, b) => a.Event.Seq.CompareTo(b.Event.Seq));
        return new IpcCheckReport(events.Count, invokes, answers, checkedBy, paired, unpaired, replies, violations)
            { PageFaults = faults, PagerIpcs = pagerIpcs };
    }

    /// <summary>A reply (repl, send rcap): the op has the reply bit.</summary>
    internal static bool IsReply(Invoke s) => ((Flags(s) ?? SysFlags.None) & SysFlags.Reply) != 0;

    /// <summary>The words both entries show agree (JDB shows the first two of each).</summary>
    private static bool SameWords(Invoke s, InvokeResultEvent r)
    {
        int n = Math.Min(s.Mrs.Length, r.Mrs.Length);
        for (int i = 0; i < n; i++) if (s.Mrs[i] != r.Mrs[i]) return false;
        return true;
    }
}
