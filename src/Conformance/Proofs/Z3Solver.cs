using static L4Conf.Conformance.Proofs.Z3Native;

namespace L4Conf.Conformance.Proofs;

public enum SmtStatus { Sat, Unsat, Unknown }

/// <summary>Outcome of one query. <paramref name="Model"/> is the counterexample text when Sat;
/// <paramref name="Reason"/> is Z3's explanation when Unknown (e.g. "timeout", "canceled").</summary>
public sealed record SmtResult(SmtStatus Status, string? Model, string? Reason);

/// <summary>Z3 rejected the input or an API call failed; the message is Z3's own.</summary>
public sealed class SmtException : Exception
{
    public SmtException(string message) : base(message) { }
    public SmtException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// One Z3 context. Each <see cref="Check"/> uses a fresh solver, so queries never see each other's assertions.
/// Calls on one instance are serialised (a Z3 context is not thread-safe); use one instance per thread for parallelism.
/// </summary>
public sealed unsafe class Z3Solver : IDisposable
{
    private static readonly Lazy<(bool Ok, string Reason)> Probe = new(ProbeLibrary);
    private readonly object _gate = new();
    private nint _ctx;

    public Z3Solver()
    {
        if (!IsAvailable(out var reason)) throw new SmtException(reason);
        var cfg = Z3_mk_config();
        try
        {
            Z3_set_param_value(cfg, "model", "true");   // Sat answers must come with a counterexample
            _ctx = Z3_mk_context_rc(cfg);
        }
        finally { Z3_del_config(cfg); }
        if (_ctx == 0) throw new SmtException("Z3_mk_context_rc returned null");
        Z3_set_error_handler(_ctx, &IgnoreError);
    }

    /// <summary>True when libz3 can be loaded and called; otherwise false with a human-readable reason. Never throws.</summary>
    public static bool IsAvailable(out string reason)
    {
        var (ok, why) = Probe.Value;
        reason = why;
        return ok;
    }

    /// <summary>Z3's full version string, e.g. "4.8.12.0".</summary>
    public string Version => Str(Z3_get_full_version());

    /// <summary>
    /// Parses SMT-LIB2 text (declarations, definitions, assertions; check-sat in the text is ignored by the parser),
    /// asserts all of it and checks satisfiability within <paramref name="timeout"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/> for none).
    /// Each call parses and solves afresh, but libz3 4.8.12 may show define-funs parsed by earlier calls on the same
    /// instance in a later model's text (the verdict is unaffected); use a fresh instance when the model must be clean.
    /// </summary>
    public SmtResult Check(string smtlib2, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(smtlib2);
        var ms = ToMilliseconds(timeout);
        lock (_gate)
        {
            var ctx = Context;
            var assertions = Z3_parse_smtlib2_string(ctx, smtlib2, 0, 0, 0, 0, 0, 0);
            ThrowOnError("parse");
            Z3_ast_vector_inc_ref(ctx, assertions);
            nint solver = 0;
            try
            {
                solver = Z3_mk_solver(ctx);
                ThrowOnError("mk_solver");
                Z3_solver_inc_ref(ctx, solver);
                SetTimeout(ctx, solver, ms);
                var n = Z3_ast_vector_size(ctx, assertions);
                for (uint i = 0; i < n; i++)
                    Z3_solver_assert(ctx, solver, Z3_ast_vector_get(ctx, assertions, i));
                ThrowOnError("assert");
                var answer = Z3_solver_check(ctx, solver);
                ThrowOnError("check");
                return answer switch
                {
                    LTrue => new SmtResult(SmtStatus.Sat, ModelText(ctx, solver), null),
                    LFalse => new SmtResult(SmtStatus.Unsat, null, null),
                    _ => new SmtResult(SmtStatus.Unknown, null, Str(Z3_solver_get_reason_unknown(ctx, solver))),
                };
            }
            finally
            {
                if (solver != 0) Z3_solver_dec_ref(ctx, solver);
                Z3_ast_vector_dec_ref(ctx, assertions);
            }
        }
    }

    public void Dispose()
    {
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    ~Z3Solver() => DisposeCore();

    private void DisposeCore()
    {
        // The lock keeps Dispose from freeing the context under a running Check; zeroing makes a second call a no-op.
        lock (_gate)
        {
            var ctx = _ctx;
            _ctx = 0;
            if (ctx != 0) Z3_del_context(ctx);
        }
    }

    private nint Context => _ctx != 0 ? _ctx : throw new ObjectDisposedException(nameof(Z3Solver));

    private static void SetTimeout(nint ctx, nint solver, uint ms)
    {
        var p = Z3_mk_params(ctx);
        Z3_params_inc_ref(ctx, p);
        try
        {
            Z3_params_set_uint(ctx, p, Z3_mk_string_symbol(ctx, "timeout"), ms);
            Z3_solver_set_params(ctx, solver, p);
        }
        finally { Z3_params_dec_ref(ctx, p); }
    }

    private string ModelText(nint ctx, nint solver)
    {
        var model = Z3_solver_get_model(ctx, solver);
        ThrowOnError("get_model");
        Z3_model_inc_ref(ctx, model);
        try
        {
            var text = Str(Z3_model_to_string(ctx, model));   // copied before the model is released
            ThrowOnError("model_to_string");
            return text;
        }
        finally { Z3_model_dec_ref(ctx, model); }
    }

    private void ThrowOnError(string what)
    {
        var code = Z3_get_error_code(_ctx);
        if (code == Ok) return;
        var msg = Str(Z3_get_error_msg(_ctx, code)).Trim();
        Z3_set_error(_ctx, Ok);   // the error code is sticky; clear it so the context stays usable
        throw new SmtException($"Z3 {what} failed (error {code}): {msg}");
    }

    private static uint ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return uint.MaxValue;   // Z3's "no timeout"
        if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "must be positive or infinite");
        return (uint)Math.Min(Math.Ceiling(timeout.TotalMilliseconds), uint.MaxValue - 1);
    }

    private static (bool, string) ProbeLibrary()
    {
        try
        {
            EnsureLoaderHooked();
            var version = Str(Z3_get_full_version());
            return (true, $"libz3 {version}");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
                                       or TypeInitializationException)
        {
            // The runtime's message goes on with advice and every probed path; its first sentence says enough.
            var first = e.Message.Split([". ", "\n"], 2, StringSplitOptions.None)[0].Trim();
            return (false, $"libz3 cannot be loaded (tried {string.Join(", ", Fallbacks)}; on Debian install libz3-4): {first}");
        }
    }
}
