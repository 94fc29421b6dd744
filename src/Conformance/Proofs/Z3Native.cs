using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace L4Conf.Conformance.Proofs;

/// <summary>
/// The slice of libz3's C API (z3_api.h, 4.8.x) that <see cref="Z3Solver"/> needs. All handles are opaque
/// pointers; strings Z3 returns stay owned by Z3, so they come back as <c>nint</c> and are copied, never freed.
/// </summary>
internal static unsafe partial class Z3Native
{
    // A fresh Debian machine has only libz3-4 (the versioned soname); libz3-dev adds the unversioned link.
    internal const string Lib = "libz3.so.4";
    internal static readonly string[] Fallbacks = ["libz3.so.4", "libz3.so", "z3"];

    internal const int LFalse = -1, LUndef = 0, LTrue = 1;   // Z3_lbool
    internal const int Ok = 0;                               // Z3_OK

    static Z3Native()
    {
        // An event, not SetDllImportResolver: the latter may be set only once per assembly and another
        // part of this assembly may want it. The event only fires after the default probe has failed.
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += ResolveZ3;
    }

    /// <summary>Forces the static constructor (and so the fallback loader) to run before the first call.</summary>
    internal static void EnsureLoaderHooked() { }

    private static nint ResolveZ3(Assembly assembly, string name)
    {
        if (assembly != typeof(Z3Native).Assembly || name != Lib) return 0;
        foreach (var candidate in Fallbacks)
            if (NativeLibrary.TryLoad(candidate, assembly, null, out var handle)) return handle;
        return 0;
    }

    // --- configuration and context ---
    [LibraryImport(Lib)] internal static partial nint Z3_mk_config();
    [LibraryImport(Lib)] internal static partial void Z3_del_config(nint cfg);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void Z3_set_param_value(nint cfg, string id, string value);
    /// <summary>Reference-counted context: every handle we keep gets an explicit inc_ref/dec_ref pair.</summary>
    [LibraryImport(Lib)] internal static partial nint Z3_mk_context_rc(nint cfg);
    [LibraryImport(Lib)] internal static partial void Z3_del_context(nint ctx);
    [LibraryImport(Lib)] internal static partial nint Z3_get_full_version();

    // --- errors: the default handler may print or abort, so a no-op one is installed and codes are polled ---
    [LibraryImport(Lib)] internal static partial void Z3_set_error_handler(nint ctx, delegate* unmanaged[Cdecl]<nint, int, void> handler);
    [LibraryImport(Lib)] internal static partial int Z3_get_error_code(nint ctx);
    [LibraryImport(Lib)] internal static partial nint Z3_get_error_msg(nint ctx, int code);
    /// <summary>Used with <see cref="Ok"/> to clear a reported error: some calls (the parser) never reset it themselves.</summary>
    [LibraryImport(Lib)] internal static partial void Z3_set_error(nint ctx, int code);

    // --- parameters (per-solver timeout) ---
    [LibraryImport(Lib)] internal static partial nint Z3_mk_params(nint ctx);
    [LibraryImport(Lib)] internal static partial void Z3_params_inc_ref(nint ctx, nint p);
    [LibraryImport(Lib)] internal static partial void Z3_params_dec_ref(nint ctx, nint p);
    [LibraryImport(Lib)] internal static partial void Z3_params_set_uint(nint ctx, nint p, nint key, uint value);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint Z3_mk_string_symbol(nint ctx, string name);

    // --- parser and the vector of assertions it returns ---
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint Z3_parse_smtlib2_string(nint ctx, string text,
        uint numSorts, nint sortNames, nint sorts, uint numDecls, nint declNames, nint decls);
    [LibraryImport(Lib)] internal static partial uint Z3_ast_vector_size(nint ctx, nint v);
    [LibraryImport(Lib)] internal static partial nint Z3_ast_vector_get(nint ctx, nint v, uint i);
    [LibraryImport(Lib)] internal static partial void Z3_ast_vector_inc_ref(nint ctx, nint v);
    [LibraryImport(Lib)] internal static partial void Z3_ast_vector_dec_ref(nint ctx, nint v);

    // --- solver and model ---
    [LibraryImport(Lib)] internal static partial nint Z3_mk_solver(nint ctx);
    [LibraryImport(Lib)] internal static partial void Z3_solver_inc_ref(nint ctx, nint s);
    [LibraryImport(Lib)] internal static partial void Z3_solver_dec_ref(nint ctx, nint s);
    [LibraryImport(Lib)] internal static partial void Z3_solver_set_params(nint ctx, nint s, nint p);
    [LibraryImport(Lib)] internal static partial void Z3_solver_assert(nint ctx, nint s, nint a);
    [LibraryImport(Lib)] internal static partial int Z3_solver_check(nint ctx, nint s);
    [LibraryImport(Lib)] internal static partial nint Z3_solver_get_reason_unknown(nint ctx, nint s);
    [LibraryImport(Lib)] internal static partial nint Z3_solver_get_model(nint ctx, nint s);
    [LibraryImport(Lib)] internal static partial void Z3_model_inc_ref(nint ctx, nint m);
    [LibraryImport(Lib)] internal static partial void Z3_model_dec_ref(nint ctx, nint m);
    [LibraryImport(Lib)] internal static partial nint Z3_model_to_string(nint ctx, nint m);

    /// <summary>Installed on every context so that an API error returns to us instead of exiting the process.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    internal static void IgnoreError(nint ctx, int code) { }

    internal static string Str(nint p) => p == 0 ? "" : Marshal.PtrToStringUTF8(p) ?? "";
}
