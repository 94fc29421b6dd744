using System.Globalization;
using DiffPlex;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Replay;

/// <summary>
/// Pairs a real trace-buffer dump (oldest first) with the model's events of the same logging window and lists where
/// they part. Both sides are reduced to a shape key (operation, protocol, words, items; error for answers) that
/// does not mention threads, addresses or words, and aligned with a Myers diff on those keys, so an extra or missing
/// entry costs one divergence and the sides resynchronise at the next IPC boundary. Threads and invoked objects are
/// matched by votes over the aligned pairs (a real thread is the model thread it most often lines up with); then
/// each aligned pair is compared field by field: thread, selector, label, tag flags, the words JDB printed, the
/// error, the fault address and error code.
/// </summary>
public static class TbufAlignment
{
    public sealed record Side(IReadOnlyList<TraceEvent> Events, IReadOnlyList<long> Numbers);

    /// <param name="modelName">A model debug id's object name for reports (e.g. `file_server`), null if unnamed.</param>
    /// <param name="ringWrapped">The real buffer lost its oldest entries: model events before the first pair are not divergences.</param>
    public static List<Divergence> Compare(Side real, Side model, Func<ulong, string?> modelName, Func<string, string?> realName, bool ringWrapped, out int pairs)
    {
        // first pass on shapes alone, to learn which real thread is which model thread; second pass with threads in the keys
        var (first, _, _) = Align(real.Events.Select(Key).ToArray(), model.Events.Select(Key).ToArray(), real, model);
        // then twice more with the threads learnt so far in the keys, so that equal shapes of different threads do not pair
        var (aligned, onlyReal, onlyModel) = (first, new List<int>(), new List<int>());
        for (int pass = 0; pass < 2; pass++)
        {
            // keys in the capture's names: a model thread is the real debug id it lines up with; threads JDB shows as
            // `p:0x...` (TCB memory, which the kernel reuses for later threads) and model threads without a live
            // partner are all "p"
            var votes = Vote(aligned.Select(p => (RealThread(real.Events[p.R]), ModelThread(model.Events[p.M]))));
            var back = votes.Where(v => !v.Key.StartsWith("p:", StringComparison.Ordinal)).GroupBy(v => v.Value).ToDictionary(g => g.Key, g => g.Min(v => v.Key)!);
            (aligned, onlyReal, onlyModel) = Align(
                real.Events.Select(e => (RealThread(e).StartsWith("p:", StringComparison.Ordinal) ? "p" : RealThread(e)) + " " + Key(e)).ToArray(),
                model.Events.Select(e => (back.TryGetValue(ModelThread(e), out var t) ? t : "p") + " " + Key(e)).ToArray(), real, model);
        }
        Reordered(real, model, aligned, onlyReal, onlyModel);
        aligned.Sort();
        pairs = aligned.Count;

        var threads = Vote(aligned.Select(p => (RealThread(real.Events[p.R]), ModelThread(model.Events[p.M]))));
        var dests = Vote(aligned.Where(p => real.Events[p.R] is Invoke { Dest: not null } && model.Events[p.M] is Invoke { Dest: not null })
            .Select(p => (((Invoke)real.Events[p.R]).Dest!.Value.ToString("x", CultureInfo.InvariantCulture), ((Invoke)model.Events[p.M]).Dest!.Value)));

        var list = new List<Divergence>();
        string Name(ulong id) => modelName(id) is { } n ? $"D:{id:x} ({n})" : $"D:{id:x}";
        string RName(string t) => realName(t) is { } n ? $"{t} ({n})" : t;
        string RealCtx(int i) => i < 0 || i >= real.Events.Count ? "" : $"real  #{real.Numbers[i]} (line {real.Events[i].Line}): {Text(real.Events[i], null)}";
        string ModelCtx(int i) => i < 0 || i >= model.Events.Count ? "" : $"model #{model.Events[i].Seq}: {Text(model.Events[i], Name)}";
        // the entries around r and m; a side whose own entry is missing (only-real, only-model) is shown around the
        // entry its neighbour pairs with, unmarked
        IReadOnlyList<string> Context(int r, int m, bool markReal = true, bool markModel = true)
        {
            var c = new List<string>();
            for (int d = -2; d <= 2; d++) if (RealCtx(r + d) is { Length: > 0 } s) c.Add((d == 0 && markReal ? "> " : "  ") + s);
            for (int d = -2; d <= 2; d++) if (ModelCtx(m + d) is { Length: > 0 } s) c.Add((d == 0 && markModel ? "> " : "  ") + s);
            return c;
        }
        int firstPairM = aligned.Count > 0 ? aligned.Min(p => p.M) : int.MaxValue;

        foreach (var (r, m) in aligned)
        {
            var re = real.Events[r];
            var me = model.Events[m];
            string who = $"entry {real.Numbers[r]} `{Kind(re)}` {Key(re)[(Kind(re).Length + 1)..]}";
            string thr = $"thread {RName(RealThread(re))} real, {Name(ModelThread(me))} model";
            void Add(string kind, string what) =>
                list.Add(new Divergence(ReplayLayer.TraceBuffer, kind, $"{who}: {what}; {thr}", re.Line, $"event {me.Seq}") { Context = Context(r, m), Order = real.Numbers[r], ModelEvent = me.Seq });
            if (!RealThread(re).StartsWith("p:", StringComparison.Ordinal) && threads.TryGetValue(RealThread(re), out var t) && t != ModelThread(me))
                Add("thread", $"thread {RealThread(re)} lines up elsewhere with {Name(t)}, here with {Name(ModelThread(me))}");
            if (Key(re) != Key(me)) Add("shape", $"{Key(re)} real, {Key(me)} model");
            switch (re, me)
            {
                case (Invoke a, Invoke b):
                    if (a.Label != b.Label) Add("label", $"label 0x{a.Label:x} real, 0x{b.Label:x} model{Bits(a.Label, b.Label)}");
                    if (a.Selector != b.Selector) Add("selector", $"selector C:{a.Selector:x} real, C:{b.Selector:x} model");
                    if (a.Dest is { } ad && b.Dest is { } bd && dests.TryGetValue(ad.ToString("x", CultureInfo.InvariantCulture), out var d) && d != bd)
                        Add("dest", $"invoked object DID={ad:x} real (lines up with {Name(d)}), {Name(bd)} model");
                    if (HasSend(a.Op) && TagFlags(a.Tag) != TagFlags(b.Tag)) Add("tag-flags", $"tag flags 0x{TagFlags(a.Tag):x} real, 0x{TagFlags(b.Tag):x} model");
                    if (HasSend(a.Op)) Words(a.Mrs, b.Mrs, a.MrsComplete, Add);
                    break;
                case (InvokeResultEvent a, InvokeResultEvent b):
                    if (a.Label != b.Label) Add("label", $"label 0x{a.Label:x} real, 0x{b.Label:x} model{Bits(a.Label, b.Label)}");
                    if (a.Error != b.Error) Add("error", $"error 0x{a.Error:x} real, 0x{b.Error:x} model");
                    // Behind JDB's `E` the other flags are not shown; the key already compared the error flag.
                    if ((a.Tag & ErrorFlag) == 0 && TagFlags(a.Tag) != TagFlags(b.Tag)) Add("tag-flags", $"tag flags 0x{TagFlags(a.Tag):x} real, 0x{TagFlags(b.Tag):x} model");
                    Words(a.Mrs, b.Mrs, a.MrsComplete, Add);
                    break;
                case (PageFault a, PageFault b):
                    if (a.Pfa != b.Pfa) Add("pfa", $"fault address 0x{a.Pfa:x} real, 0x{b.Pfa:x} model");
                    if (a.Ip != b.Ip) Add("ip", $"ip 0x{a.Ip:x} real, 0x{b.Ip:x} model");
                    if ((a.ErrorCode & 0x1f) != (b.ErrorCode & 0x1f)) Add("pf-error", $"error code 0x{a.ErrorCode:x} real, 0x{b.ErrorCode:x} model");
                    break;
            }
        }
        foreach (var (rb, mb, ra, ma, why) in OrderBroken(real, model, aligned))
            list.Add(new Divergence(ReplayLayer.TraceBuffer, "order",
                $"entry {real.Numbers[rb]} `answ`: {why}: entry {real.Numbers[ra]} `ipc` {RName(RealThread(real.Events[ra]))} sends it later " +
                $"(the model logs the send, event {model.Events[ma].Seq}, before the receipt, event {model.Events[mb].Seq}); thread {RName(RealThread(real.Events[rb]))} real, {Name(ModelThread(model.Events[mb]))} model",
                real.Events[rb].Line, $"event {model.Events[mb].Seq}") { Context = Context(rb, mb), Order = real.Numbers[rb], ModelEvent = model.Events[mb].Seq });
        // running maxima over the pairs: the model event paired before real entry r, the real entry paired before model event m
        var maxMBefore = new int[real.Events.Count + 1];
        var maxRBefore = new int[model.Events.Count + 1];
        Array.Fill(maxMBefore, -1);
        Array.Fill(maxRBefore, -10);
        foreach (var (r, m) in aligned) { maxMBefore[r + 1] = Math.Max(maxMBefore[r + 1], m); maxRBefore[m + 1] = Math.Max(maxRBefore[m + 1], r); }
        for (int i = 1; i < maxMBefore.Length; i++) maxMBefore[i] = Math.Max(maxMBefore[i], maxMBefore[i - 1]);
        for (int i = 1; i < maxRBefore.Length; i++) maxRBefore[i] = Math.Max(maxRBefore[i], maxRBefore[i - 1]);
        foreach (var r in onlyReal)
        {
            var re = real.Events[r];
            int near = maxMBefore[r];
            string mapped = threads.TryGetValue(RealThread(re), out var t) ? $" (lines up with {Name(t)})" : "";
            list.Add(new Divergence(ReplayLayer.TraceBuffer, "only-real",
                $"entry {real.Numbers[r]} `{Kind(re)}`: only in the capture: {Text(re, null)}; thread {RName(RealThread(re))}{mapped}", re.Line,
                near >= 0 ? $"after event {model.Events[near].Seq}" : null) { Context = Context(r, near, markModel: false), Order = real.Numbers[r], ModelEvent = near >= 0 ? model.Events[near].Seq : null });
        }
        foreach (var m in onlyModel)
        {
            if (ringWrapped && m < firstPairM) continue;            // older than what the ring kept
            var me = model.Events[m];
            // placed after the real entry its predecessor lines up with
            int rNear = maxRBefore[m];
            long after = rNear >= 0 ? real.Numbers[rNear] : 0;
            // JDB numbers every entry: a number missing where the model has one more event is an entry lost from the capture
            var gap = rNear >= 0 && rNear + 1 < real.Numbers.Count && real.Numbers[rNear + 1] - real.Numbers[rNear] > 1
                ? $" (the capture's entry numbers skip from {real.Numbers[rNear]} to {real.Numbers[rNear + 1]} here)" : "";
            list.Add(new Divergence(ReplayLayer.TraceBuffer, "only-model",
                $"model event {me.Seq} `{Kind(me)}`: only in the model: {Text(me, Name)}{gap}", null, $"event {me.Seq}") { Context = Context(rNear, m, markReal: false), Order = after, ModelEvent = me.Seq });
        }
        return list;
    }

    /// <summary>
    /// Entries of the same thread and shape that the diff left apart because the two sides logged them in a different
    /// order (a sender's answer before or after its receiver's entries, a timer-driven interleaving): paired when the
    /// model's entry sits within <see cref="ReorderWindow"/> events of where the real one would be.
    /// </summary>
    private static void Reordered(Side real, Side model, List<(int R, int M)> aligned, List<int> onlyReal, List<int> onlyModel)
    {
        var byR = aligned.OrderBy(p => p.R).ToList();
        var freeM = new SortedSet<int>(onlyModel);
        var paired = new List<int>();
        var byRKeys = byR.Select(p => p.R).ToArray();
        foreach (var r in onlyReal)
        {
            int at = Array.BinarySearch(byRKeys, r);
            int before = (at >= 0 ? at : ~at) - 1;   // the last pair with R < r (r itself is unpaired)
            int expect = before >= 0 ? byR[before].M + (r - byR[before].R) : r;
            string key = Key(real.Events[r]);
            int best = -1;
            foreach (var m in freeM.GetViewBetween(Math.Max(0, expect - ReorderWindow), expect + ReorderWindow))
                if (Key(model.Events[m]) == key && (best < 0 || Math.Abs(m - expect) < Math.Abs(best - expect))) best = m;
            if (best < 0) continue;
            freeM.Remove(best);
            aligned.Add((r, best));
            paired.Add(r);
        }
        var pairedSet = paired.ToHashSet();
        onlyReal.RemoveAll(pairedSet.Contains);
        onlyModel.RemoveAll(m => !freeM.Contains(m));
    }

    /// <summary>
    /// A receipt logged before its message: a capture `answ` whose model partner receives the model send that lines up
    /// with a later capture entry, while no earlier capture send carries its tag and words (within
    /// <see cref="ReorderWindow"/> entries). The kernel logs a send before the receiver returns with it, so the capture
    /// and the model disagree on the order of one message's two ends. (Repeated identical messages, such as log
    /// writes, leave the earlier send in place and are not reported.)
    /// </summary>
    private static IEnumerable<(int R, int M, int R2, int M2, string Why)> OrderBroken(Side real, Side model, List<(int R, int M)> aligned)
    {
        var byM = aligned.ToDictionary(p => p.M, p => p.R);
        foreach (var (rb, mb) in aligned)
        {
            if (real.Events[rb] is not InvokeResultEvent) continue;
            for (int ma = mb - 1; ma >= 0 && ma >= mb - ReorderWindow; ma--)
            {
                if (!Carries(model.Events[ma], model.Events[mb])) continue;
                if (byM.TryGetValue(ma, out var ra) && ra > rb && Carries(real.Events[ra], real.Events[rb]) &&
                    !Enumerable.Range(Math.Max(0, rb - ReorderWindow), rb - Math.Max(0, rb - ReorderWindow)).Any(x => Carries(real.Events[x], real.Events[rb])))
                    yield return (rb, mb, ra, ma, "the receipt of a message is logged before the message");
                break;
            }
        }
    }

    /// <summary>Whether <paramref name="rcv"/> is the receipt of <paramref name="snd"/>: another thread's answer with the same tag and words.</summary>
    private static bool Carries(TraceEvent snd, TraceEvent rcv) =>
        snd is Invoke { } i && HasSend(i.Op) && rcv is InvokeResultEvent { } a && a.Thread != i.Thread && a.Tag == i.Tag && a.Mrs.Length > 0 && a.Mrs.SequenceEqual(i.Mrs);

    private const int ReorderWindow = 16;

    /// <summary>The thread part of a second-pass key ("" in the first pass, whose keys name no thread).</summary>
    private static string Who(string key) => key.StartsWith("ipc ", StringComparison.Ordinal) || key.StartsWith("answ ", StringComparison.Ordinal) || key.StartsWith("pf ", StringComparison.Ordinal)
        ? "" : key[..key.IndexOf(' ')];

    private static (List<(int R, int M)>, List<int>, List<int>) Align(string[] rk, string[] mk, Side real, Side model)
    {
        var diff = Differ.Instance.CreateDiffs(string.Join("\n", rk), string.Join("\n", mk), false, false, DiffPlex.Chunkers.LineChunker.Instance);
        // aligned pairs: equal runs between the diff blocks; replaced runs pair element-wise within a kind
        var aligned = new List<(int R, int M)>();
        var onlyReal = new List<int>();
        var onlyModel = new List<int>();
        int ri = 0, mi = 0;
        void Equal(int rEnd) { while (ri < rEnd) aligned.Add((ri++, mi++)); }
        foreach (var b in diff.DiffBlocks)
        {
            Equal(b.DeleteStartA);
            int n = Math.Min(b.DeleteCountA, b.InsertCountB);
            for (int k = 0; k < b.DeleteCountA || k < b.InsertCountB; k++)
            {
                int r = b.DeleteStartA + k, m = b.InsertStartB + k;
                if (k < n && Kind(real.Events[r]) == Kind(model.Events[m]) && Who(rk[r]) == Who(mk[m])) aligned.Add((r, m));
                else
                {
                    if (k < b.DeleteCountA) onlyReal.Add(r);
                    if (k < b.InsertCountB) onlyModel.Add(m);
                }
            }
            ri = b.DeleteStartA + b.DeleteCountA;
            mi = b.InsertStartB + b.InsertCountB;
        }
        Equal(rk.Length);
        return (aligned, onlyReal, onlyModel);
    }

    private static void Words(ulong[] real, ulong[] model, bool complete, Action<string, string> add)
    {
        int n = real.Length;                                          // JDB prints the words it has (none for a send-only answer)
        for (int i = 0; i < n; i++)
        {
            ulong? a = i < real.Length ? real[i] : null, b = i < model.Length ? model[i] : null;
            if (a == b) continue;
            // how many low bits agree: a value stored narrower than the word leaves the rest to what the UTCB held
            string agree = a is { } x1 && b is { } y1 && x1 != y1 ? $" (they agree in the low {System.Numerics.BitOperations.TrailingZeroCount(x1 ^ y1) / 8 * 8} bits)" : "";
            add("word", $"word {i} {(a is { } x ? $"0x{x:x}" : "none")} real, {(b is { } y ? $"0x{y:x}" : "none")} model{agree}");
            return;                                                   // the first differing word; the rest follows from it
        }
    }

    private static string Bits(ulong a, ulong b) => (a ^ b) switch
    {
        1 => " (the W bit of the cap used differs)",
        2 => " (the S bit of the cap used differs)",
        _ => "",
    };

    /// <summary>Majority pairing: each real key goes to the model value it was aligned with most often.</summary>
    private static Dictionary<string, ulong> Vote(IEnumerable<(string Real, ulong Model)> pairs) =>
        pairs.GroupBy(p => p).Select(g => (g.Key.Real, g.Key.Model, N: g.Count()))
            .GroupBy(x => x.Real).ToDictionary(g => g.Key, g => g.OrderByDescending(x => x.N).ThenBy(x => x.Model).First().Model);

    public static string Kind(TraceEvent e) => e switch { Invoke => "ipc", InvokeResultEvent => "answ", PageFault => "pf", _ => "?" };

    private static string RealThread(TraceEvent e) => e switch
    {
        Invoke { ThreadRef: { } r } => r,
        InvokeResultEvent { ThreadRef: { } r } => r,
        PageFault { ThreadRef: { } r } => r,
        Invoke i => i.Thread.ToString("x4", CultureInfo.InvariantCulture),
        InvokeResultEvent a => a.Thread.ToString("x4", CultureInfo.InvariantCulture),
        PageFault p => p.Thread.ToString("x4", CultureInfo.InvariantCulture),
        _ => "?",
    };

    private static ulong ModelThread(TraceEvent e) => e switch { Invoke i => i.Thread, InvokeResultEvent a => a.Thread, PageFault p => p.Thread, _ => 0 };

    private static bool HasSend(string? op) => op is "call ipc" or "send" or "snd wait" or "repl" or "send rcap";

    private static long Label(long tag) => tag >> 16;
    private static long TagFlags(long tag) => tag & 0xf000;
    private const long ErrorFlag = 0x8000;   // L4_MSGTAG_ERROR

    private static string TagText(long tag) =>
        $"[{(Label(tag) < 0 ? "-" + (-Label(tag)).ToString("x", CultureInfo.InvariantCulture) : Label(tag).ToString("x", CultureInfo.InvariantCulture))},w={tag & 0x3f},i={(tag >> 6) & 0x3f}]";

    /// <summary>What the alignment compares: everything but threads, objects, addresses and words.</summary>
    public static string Key(TraceEvent e) => e switch
    {
        Invoke i => HasSend(i.Op) ? $"ipc {i.Op} {TagText(i.Tag)}" : $"ipc {i.Op}",
        // JDB prints only `E` for a tag with the error flag (tb_entry_output.cc formatter_ipc_res), whatever its label,
        // words and items (a failed receive phase keeps the caller's tag, IPC-ERR-2), so an error answer is compared as `[E]`.
        InvokeResultEvent a => (a.Tag & ErrorFlag) != 0 ? $"answ [E]{(a.Error != 0 ? " err" : "")}" : $"answ {TagText(a.Tag)}{(a.Error != 0 ? " err" : "")}",
        PageFault p => $"pf {((p.ErrorCode & 2) != 0 ? "w" : (p.ErrorCode & 0x10) != 0 ? "x" : "r")}",
        _ => "?",
    };

    private static string Text(TraceEvent e, Func<ulong, string>? name)
    {
        string W(ulong[] mrs, bool complete) => mrs.Length == 0 ? "()" : "(" + string.Join(",", mrs.Take(2).Select(x => x.ToString("x", CultureInfo.InvariantCulture))) + (mrs.Length > 2 || !complete ? ",...)" : ")");
        string T(ulong id, string? r) => r ?? (name != null ? name(id) : id.ToString("x4", CultureInfo.InvariantCulture));
        return e switch
        {
            Invoke i => $"{T(i.Thread, i.ThreadRef)} {i.Op}->[C:{i.Selector:x}]{(i.Dest is { } d ? $" DID={d:x}" : "")} L={i.Label:x}" + (HasSend(i.Op) ? $" {TagText(i.Tag)} {W(i.Mrs, i.MrsComplete)}" : ""),
            InvokeResultEvent a => $"{T(a.Thread, a.ThreadRef)} answ {TagText(a.Tag)} L={a.Label:x} err={a.Error:x} {W(a.Mrs, a.MrsComplete)}",
            PageFault p => $"{T(p.Thread, p.ThreadRef)} pf: pfa={p.Pfa:x} ip={p.Ip:x} err={p.ErrorCode:x}",
            _ => e.ToString(),
        };
    }
}
