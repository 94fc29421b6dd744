using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace L4Conf.Reference.Programs;

/// <summary>
/// Machine-code programs: freestanding C compiled by the host's gcc into static x86-64 ELF images, against the
/// project's own small C runtime (Programs/c: crt0, libc, l4sys.h with the real amd64 system-call convention). The
/// captures' own program sources (traces/real/programs/hello.c, faults.c) are compiled unchanged. Images are built
/// on first use and cached by a hash of sources, flags and compiler version, so a run is reproducible.
/// </summary>
public static class MachinePrograms
{
    /// <summary>Program name ⇒ its main source (embedded resource name).</summary>
    public static readonly IReadOnlyDictionary<string, string> Sources = new Dictionary<string, string>
    {
        ["hello"] = "c/programs/hello.c",
        ["faults"] = "c/programs/faults.c",
        ["exc_trigger"] = "c/programs/exc_trigger.c",
    };

    /// <summary>
    /// -mgeneral-regs-only keeps the code inside the CPU model's integer instruction set; two segments (text RX,
    /// data RW) as the real L4Re binaries have; no build id, no unwind tables, no CET marks, fixed link address.
    /// </summary>
    public static readonly string[] Flags =
    [
        "-ffreestanding", "-nostdlib", "-static", "-O2", "-mgeneral-regs-only", "-fno-stack-protector", "-fno-pic", "-no-pie",
        "-fcf-protection=none", "-fno-asynchronous-unwind-tables", "-fno-ident", "-Wl,-z,noseparate-code", "-Wl,--build-id=none",
    ];

    private static readonly string[] Runtime = ["c/crt0.c", "c/libc.c"];
    private static readonly object Lock = new();
    private static readonly Dictionary<string, byte[]> Built = new();

    /// <summary>Why machine-code programs cannot be built here, or null when gcc is available.</summary>
    public static string? Unavailable => _unavailable.Value;
    private static readonly Lazy<string?> _unavailable = new(() => GccVersion() == null
        ? "gcc was not found on PATH: machine-code programs (hello, faults) cannot be built on this machine" : null);

    /// <summary>The ELF image of <paramref name="name"/>, building it if needed; null when no such program.</summary>
    public static byte[]? Image(string name)
    {
        if (!Sources.TryGetValue(name, out var main)) return null;
        lock (Lock)
        {
            if (Built.TryGetValue(name, out var img)) return img;
            if (Unavailable is { } why) throw new ProgramBuildException(why);
            img = Build(name, main);
            Built[name] = img;
            return img;
        }
    }

    private static string ReadResource(string name)
    {
        using var s = typeof(MachinePrograms).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded program source '{name}' is missing from the build");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    private static byte[] Build(string name, string mainSource)
    {
        var asm = typeof(MachinePrograms).Assembly;
        var files = asm.GetManifestResourceNames().Where(n => n.StartsWith("c/", StringComparison.Ordinal) && (n.EndsWith(".h") || Runtime.Contains(n) || n == mainSource))
            .OrderBy(n => n, StringComparer.Ordinal).ToList();
        var hash = SHA256.Create();
        foreach (var f in files) { var b = Encoding.UTF8.GetBytes(f + "\n" + ReadResource(f)); hash.TransformBlock(b, 0, b.Length, null, 0); }
        var tail = Encoding.UTF8.GetBytes(string.Join(' ', Flags) + GccVersion());
        hash.TransformFinalBlock(tail, 0, tail.Length);
        var key = Convert.ToHexString(hash.Hash!)[..16].ToLowerInvariant();
        var dir = Path.Combine(Path.GetTempPath(), "l4conf-programs", key);
        var output = Path.Combine(dir, name);
        if (File.Exists(output)) return File.ReadAllBytes(output);

        var work = Path.Combine(dir, $"src-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            foreach (var f in files)
            {
                var path = Path.Combine(work, f["c/".Length..]);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, ReadResource(f));
            }
            var tmpOut = Path.Combine(work, name + ".elf");
            var args = new List<string>(Flags) { "-I", Path.Combine(work, "include"), "-o", tmpOut, Path.Combine(work, mainSource["c/".Length..]) };
            args.AddRange(Runtime.Select(r => Path.Combine(work, r["c/".Length..])));
            var (code, output2) = Run("gcc", args);
            if (code != 0) throw new ProgramBuildException($"gcc failed to build '{name}' (exit {code}): {FirstLine(output2)}");
            File.Move(tmpOut, output, overwrite: true);
            return File.ReadAllBytes(output);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static string FirstLine(string s) => s.Split('\n').FirstOrDefault(l => l.Contains("error", StringComparison.Ordinal)) ?? s.Split('\n')[0];

    private static string? GccVersion()
    {
        try
        {
            var (code, output) = Run("gcc", ["-dumpfullversion"]);
            return code == 0 ? output.Trim() : null;
        }
        catch (global::System.ComponentModel.Win32Exception) { return null; }
    }

    private static (int Code, string Output) Run(string exe, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new ProgramBuildException($"cannot start {exe}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new ProgramBuildException($"{exe} did not finish within 120 s"); }
        return (p.ExitCode, stdout.Result + stderr);
    }
}

/// <summary>A machine-code program could not be built (no gcc, or a compile error).</summary>
public sealed class ProgramBuildException(string message) : Exception(message);
