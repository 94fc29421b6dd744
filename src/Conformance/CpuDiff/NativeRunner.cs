using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// Runs cases on the host CPU through native_cpu.c (embedded in this assembly), compiled with the host's gcc on first
/// use into a cache directory keyed by the source's hash. One helper process serves all cases of a run; each case is
/// one request and one answer over pipes (format in native_cpu.c). x86-64 Linux only (<see cref="Unavailable"/>).
/// </summary>
/// <remarks>
/// How Linux reports what the CPU raised (arch/x86/kernel/traps.c, fault.c), and how it is read back: every case
/// ends with a signal whose sigcontext carries trapno, err and cr2 as the kernel recorded them: #DE → SIGFPE,
/// #BP → SIGTRAP (RIP after the int3), #UD → SIGILL, #SS → SIGBUS, #GP → SIGSEGV, #PF → SIGSEGV. cr2 is
/// meaningful only for #PF (otherwise it is the thread's last page-fault address); the #PF error code always has
/// U (user mode), and for an address in the kernel half Linux sets P whatever the hardware said (it hides the kernel's
/// page-table layout). RFLAGS in the frame has RF (bit 16) set for faults. <see cref="CpuComparer"/> masks these.
/// </remarks>
public sealed class NativeRunner : IDisposable
{
    /// <summary>Where case pages may lie natively: far from the helper's own image, heap, libraries and stack (PIE at 0x55..., mmap below 0x7f...).</summary>
    public const ulong WindowStart = 0x1000_0000, WindowEnd = 0x1000_0000_0000;

    private readonly Process proc;
    private readonly StreamWriter stdin;
    private readonly StreamReader stdout;

    private NativeRunner(Process p)
    {
        proc = p;
        stdin = p.StandardInput;
        stdout = p.StandardOutput;
    }

    /// <summary>Why native runs are impossible here (one line), or null when they are possible.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return $"native runs need x86-64 Linux; this is {RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture}";
        if (FindGcc() == null) return "native runs need gcc on PATH to compile the helper (native_cpu.c); none found";
        return null;
    }

    private static string? FindGcc() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "gcc")).FirstOrDefault(File.Exists);

    private static string Source()
    {
        using var s = typeof(NativeRunner).Assembly.GetManifestResourceStream("native_cpu.c")
            ?? throw new InvalidOperationException("native_cpu.c is not embedded in l4conf");
        return new StreamReader(s).ReadToEnd();
    }

    /// <summary>Compile (once per source version) and start the helper. Throws <see cref="IOException"/> with gcc's message if it does not build.</summary>
    public static NativeRunner Start()
    {
        string src = Source();
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(src)))[..16].ToLowerInvariant();
        string dir = Path.Combine(Path.GetTempPath(), $"l4conf-native-{Environment.UserName}");
        Directory.CreateDirectory(dir);
        string exe = Path.Combine(dir, $"native_cpu-{hash}");
        if (!File.Exists(exe))
        {
            string c = Path.Combine(dir, $"native_cpu-{hash}.{Environment.ProcessId}.c"), tmp = exe + $".{Environment.ProcessId}";
            File.WriteAllText(c, src);
            var psi = new ProcessStartInfo(FindGcc()!) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "-O1", "-fno-stack-protector", "-Wall", "-o", tmp, c }) psi.ArgumentList.Add(a);
            using var gcc = Process.Start(psi)!;
            string err = gcc.StandardError.ReadToEnd();
            gcc.WaitForExit();
            File.Delete(c);
            if (gcc.ExitCode != 0) throw new IOException($"gcc could not build the native helper: {err.Split('\n').FirstOrDefault(l => l.Contains("error"), err.Trim())}");
            File.Move(tmp, exe, overwrite: true);   // atomic: concurrent runs never see half a binary
        }
        var run = new ProcessStartInfo(exe) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var p = Process.Start(run)!;
        p.StandardInput.AutoFlush = false;
        p.ErrorDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        return new NativeRunner(p);
    }

    /// <summary>Run one case on the host CPU. The outcome's status is "trap" or "budget" (the helper's 2 s alarm); an error is an <see cref="IOException"/>.</summary>
    public CpuOutcome Run(CpuCase c)
    {
        var pages = c.Materialize();
        if (pages.FirstOrDefault(p => p.Address < WindowStart || p.Address >= WindowEnd) is { } outside)
            throw new IOException($"page 0x{outside.Address:x} lies outside the native window [0x{WindowStart:x}, 0x{WindowEnd:x})");
        var sb = new StringBuilder("C");
        foreach (var v in new[] { c.StartIp, c.Rflags, c.FsBase, c.GsBase }.Concat(c.Regs)) sb.Append(' ').Append(v.ToString("x", CultureInfo.InvariantCulture));
        sb.Append(' ').Append(pages.Count.ToString("x", CultureInfo.InvariantCulture));
        sb.Append(' ').Append(c.MxcsrOrReset.ToString("x", CultureInfo.InvariantCulture));
        foreach (var x in c.XmmOrZero)
            sb.Append(' ').Append(((ulong)x).ToString("x", CultureInfo.InvariantCulture)).Append(' ').Append(((ulong)(x >> 64)).ToString("x", CultureInfo.InvariantCulture));
        sb.Append(' ').Append((c.Compat ? c.Cs!.Value : 0).ToString("x", CultureInfo.InvariantCulture)).Append('\n');
        foreach (var p in pages)
        {
            int len = p.Contents.Length;
            while (len > 0 && p.Contents[len - 1] == 0) len--;
            sb.Append("P ").Append(p.Address.ToString("x", CultureInfo.InvariantCulture)).Append(' ').Append(p.Prot).Append(' ')
              .Append(len == 0 ? "-" : Convert.ToHexString(p.Contents, 0, len)).Append('\n');
        }
        stdin.Write(sb.ToString());
        stdin.Flush();
        string line = stdout.ReadLine() ?? throw new IOException($"the native helper ended (exit {(proc.HasExited ? proc.ExitCode : -1)})");
        if (line.StartsWith("E ", StringComparison.Ordinal)) throw new IOException($"native: {line[2..]}");
        var f = line.Split(' ');
        if (c.Gdt != SegmentTable.Linux) throw new IOException("a case run natively runs on Linux's GDT: give it \"gdt\": \"linux\"");
        if (f.Length != 65 || f[0] != "R") throw new IOException($"the native helper answered '{line}'");
        ulong X(int k) => ulong.Parse(f[k], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        var regs = new ulong[16];
        for (int k = 0; k < 16; k++) regs[k] = X(7 + k);
        uint mxcsr = (uint)X(23);
        var xmm = new UInt128[16];
        for (int k = 0; k < 16; k++) xmm[k] = new UInt128(X(25 + 2 * k), X(24 + 2 * k));
        var sel = new ushort[6];
        for (int k = 0; k < 6; k++) sel[k] = (ushort)X(56 + k);
        var seg = new SegmentState(sel, X(62), X(63));
        int runs = (int)X(64);
        var mem = new List<ByteRun>();
        for (int k = 0; k < runs; k++)
        {
            var m = (stdout.ReadLine() ?? "").Split(' ');
            mem.Add(new ByteRun(ulong.Parse(m[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
                int.Parse(m[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture), Convert.FromHexString(m[3])));
        }
        bool alarm = f[1] == "A";
        return new CpuOutcome
        {
            Status = alarm ? "budget" : "trap",
            Vector = alarm ? null : (int)X(2),
            ErrorCode = X(3),
            Cr2 = X(4),
            Rip = X(5),
            Rflags = X(6),
            Regs = regs,
            Memory = mem,
            Xmm = xmm,
            Mxcsr = mxcsr,
            VectorState = CpuOutcome.ShowsVectorState(c, xmm, mxcsr),
            Segments = seg,
            SegmentsChanged = !seg.SameAs(SegmentState.Initial(c)),
        };
    }

    public void Dispose()
    {
        try { stdin.Close(); if (!proc.WaitForExit(2000)) proc.Kill(); }
        catch (IOException) { }
        catch (InvalidOperationException) { }
        proc.Dispose();
    }
}
