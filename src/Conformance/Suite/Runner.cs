using System.Diagnostics;

namespace L4Conf.Conformance.Suite;

/// <summary>Runs cases one by one in id order; a case that throws anything fails with the exception's message.</summary>
public static class Runner
{
    public static RunReport Run(IReadOnlyList<ConformanceCase> cases, int seed, string? filter, Action<CaseResult>? progress = null)
    {
        var results = new List<CaseResult>();
        foreach (var c in cases)
        {
            var ctx = new CaseContext(seed);
            var sw = Stopwatch.StartNew();
            CaseResult r;
            try
            {
                c.Run(ctx);
                r = new CaseResult(c, Outcome.Pass, null, sw.Elapsed, ctx.Notes);
            }
            catch (CaseSkipped k)
            {
                r = new CaseResult(c, Outcome.Skip, k.Message, sw.Elapsed, ctx.Notes);
            }
            catch (CaseFailure f)
            {
                r = new CaseResult(c, Outcome.Fail, f.Message, sw.Elapsed, ctx.Notes);
            }
            catch (Exception e)
            {
                r = new CaseResult(c, Outcome.Fail, $"model raised {e.GetType().Name}: {e.Message}\n{e.StackTrace}", sw.Elapsed, ctx.Notes);
            }
            results.Add(r);
            progress?.Invoke(r);
        }
        return new RunReport(seed, filter, results, cases.Count);
    }
}
