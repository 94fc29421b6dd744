using System.Diagnostics;

namespace L4Conf.Conformance.Proofs;

/// <summary>What the solver said about one obligation. Discharged means the answer matched the file's "expect".</summary>
public sealed record ObligationResult(Obligation Obligation, SmtStatus Status, bool Discharged, string? Counterexample,
    TimeSpan Elapsed, string? Error);

public static class ProofRunner
{
    /// <summary>
    /// Checks each obligation with libz3. Never throws for a bad obligation or a missing libz3: that shows up
    /// as an undischarged result with <see cref="ObligationResult.Error"/> set.
    /// </summary>
    public static IReadOnlyList<ObligationResult> Run(IEnumerable<Obligation> obligations, TimeSpan perQueryTimeout)
    {
        ArgumentNullException.ThrowIfNull(obligations);
        var list = obligations.ToList();
        if (!Z3Solver.IsAvailable(out var reason))
            return [.. list.Select(o => new ObligationResult(o, SmtStatus.Unknown, false, null, TimeSpan.Zero, reason))];

        var results = new List<ObligationResult>(list.Count);
        foreach (var o in list)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                // A context per obligation: libz3 4.8.12 can list definitions parsed earlier in the same context
                // in later model text, and a counterexample must mention only its own obligation.
                using var z3 = new Z3Solver();
                var r = z3.Check(o.Text, perQueryTimeout);
                var ok = string.Equals(r.Status.ToString(), o.Expect, StringComparison.OrdinalIgnoreCase);
                results.Add(new ObligationResult(o, r.Status, ok, r.Model, clock.Elapsed,
                    r.Status == SmtStatus.Unknown ? $"unknown: {r.Reason}" : null));
            }
            catch (SmtException e)
            {
                results.Add(new ObligationResult(o, SmtStatus.Unknown, false, null, clock.Elapsed, e.Message));
            }
        }
        return results;
    }

    /// <summary>
    /// Returns <paramref name="obligationText"/> with the <c>(define-fun NAME ...)</c> s-expression replaced by
    /// <paramref name="replacementDefineFun"/>. Used to feed a deliberately wrong rule and watch the proof fail.
    /// </summary>
    public static string WithRule(string obligationText, string defineFunName, string replacementDefineFun)
    {
        ArgumentNullException.ThrowIfNull(replacementDefineFun);
        var (start, end) = FindDefineFun(obligationText, defineFunName);
        if (FindAll(replacementDefineFun, defineFunName).Count != 1)
            throw new ArgumentException($"replacement must be one (define-fun {defineFunName} ...)", nameof(replacementDefineFun));
        return string.Concat(obligationText.AsSpan(0, start), replacementDefineFun.Trim(), obligationText.AsSpan(end));
    }

    /// <summary>The text of the <c>(define-fun NAME ...)</c> s-expression in <paramref name="smtlib2"/>.</summary>
    public static string ExtractDefineFun(string smtlib2, string defineFunName)
    {
        var (start, end) = FindDefineFun(smtlib2, defineFunName);
        return smtlib2[start..end];
    }

    private static (int Start, int End) FindDefineFun(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var hits = FindAll(text, name);
        return hits.Count switch
        {
            1 => hits[0],
            0 => throw new ArgumentException($"no (define-fun {name} ...) in the text", nameof(name)),
            _ => throw new ArgumentException($"(define-fun {name} ...) occurs {hits.Count} times", nameof(name)),
        };
    }

    /// <summary>Spans [open paren, after close paren) of every <c>(define-fun NAME</c> form, skipping comments,
    /// string literals and |quoted| symbols so that parens inside them do not count.</summary>
    private static List<(int, int)> FindAll(string text, string name)
    {
        var hits = new List<(int, int)>();
        var stack = new Stack<(int Open, bool Wanted)>();
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case ';': i = SkipTo(text, i, '\n') - 1; break;
                case '"': i = SkipString(text, i); break;
                case '|': i = SkipTo(text, i + 1, '|'); break;
                case '(':
                    stack.Push((i, HeadIs(text, i + 1, name)));
                    break;
                case ')':
                    if (stack.Count == 0) throw new ArgumentException($"unbalanced ')' at offset {i}");
                    var (open, wanted) = stack.Pop();
                    if (wanted) hits.Add((open, i + 1));
                    break;
            }
        }
        if (stack.Count != 0) throw new ArgumentException($"unbalanced '(' at offset {stack.Peek().Open}");
        return hits;
    }

    /// <summary>True when the list opened just before <paramref name="i"/> starts with the atoms define-fun NAME.</summary>
    private static bool HeadIs(string text, int i, string name)
    {
        var (first, next) = Atom(text, i);
        if (first != "define-fun") return false;
        var (second, _) = Atom(text, next);
        return second == name || second == $"|{name}|";
    }

    private static (string Atom, int Next) Atom(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        var start = i;
        if (i < text.Length && text[i] == '|')
        {
            var close = Math.Min(SkipTo(text, i + 1, '|') + 1, text.Length);
            return (text[start..close], close);
        }
        while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or ';' or '"')) i++;
        return (text[start..i], i);
    }

    /// <summary>Index of the next <paramref name="c"/> at or after <paramref name="from"/> (or the end of the text).</summary>
    private static int SkipTo(string text, int from, char c)
    {
        var j = text.IndexOf(c, Math.Min(from, text.Length));
        return j < 0 ? text.Length : j;
    }

    /// <summary>Index of the closing quote of the string literal opening at <paramref name="i"/>; "" is an escaped quote.</summary>
    private static int SkipString(string text, int i)
    {
        for (var j = i + 1; j < text.Length; j++)
            if (text[j] == '"')
            {
                if (j + 1 < text.Length && text[j + 1] == '"') j++;
                else return j;
            }
        return text.Length;
    }
}
