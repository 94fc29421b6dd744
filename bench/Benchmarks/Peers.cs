using System.Diagnostics;

namespace L4Conf.Benchmarks;

/// <summary>
/// The real peers measured beside the model in the same run: small programs in peers/ built with the host's gcc and
/// run natively or under qemu-x86_64 (Debian qemu-user). A peer that cannot be built or run stops the benchmark with
/// the reason, so a figure is never silently missing.
/// </summary>
public static class Peers
{
    private static readonly string Dir = Path.Combine(Path.GetTempPath(), "l4conf-peers");

    /// <summary>Builds peers/<paramref name="source"/> with gcc and returns the executable's path.</summary>
    public static string Build(string source, params string[] flags)
    {
        var src = Path.Combine(AppContext.BaseDirectory, "peers", source);
        if (!File.Exists(src)) throw new InvalidOperationException($"peer source {src} is missing from the build output");
        Directory.CreateDirectory(Dir);
        var exe = Path.Combine(Dir, Path.GetFileNameWithoutExtension(source));
        var (code, output) = Exec("gcc", [.. flags, "-o", exe, src]);
        if (code != 0) throw new InvalidOperationException($"gcc could not build {source} (exit {code}): {output}");
        return exe;
    }

    /// <summary>Where qemu-x86_64 is, or an exception naming the Debian package that brings it.</summary>
    public static string Qemu() =>
        new[] { "/usr/bin/qemu-x86_64", "/usr/local/bin/qemu-x86_64" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("qemu-x86_64 is not installed (Debian package qemu-user; .ci/run installs it)");

    /// <summary>Runs a program to its end; a non-zero exit is an error (the peers check their own results).</summary>
    public static void Run(string exe, params string[] args) => Output(exe, args);

    /// <summary>Runs a program to its end and returns what it printed; a non-zero exit is an error.</summary>
    public static string Output(string exe, params string[] args)
    {
        var (code, output) = Exec(exe, args);
        if (code != 0) throw new InvalidOperationException($"{Path.GetFileName(exe)} {string.Join(' ', args)} exited with {code}: {output}");
        return output;
    }

    private static (int, string) Exec(string exe, string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{exe} could not be started");
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, (output + err.Result).Trim());
    }
}
