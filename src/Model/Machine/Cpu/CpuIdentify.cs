namespace L4Conf.Model.Machine;

/// <summary>
/// cpuid and rdtsc: what user code learns about the machine it runs on.
/// </summary>
/// <remarks>
/// <para>cpuid answers from <see cref="CapturedCpuid"/> for EAX (leaf) and ECX (subleaf), writing EAX, EBX, ECX,
/// EDX as 32-bit registers (the upper halves of RAX/RBX/RCX/RDX become 0). It is never privileged or faulting
/// (no CPUID faulting on this machine). It changes no flags.</para>
/// <para>rdtsc reads a logical time stamp counter, deterministic so that runs replay exactly:
/// <see cref="TimeStampCounter"/> counts the instructions this Cpu has retired (a rep string instruction counts
/// once), so rdtsc returns the number of instructions retired before it, in EDX:EAX (upper halves zeroed).
/// With <see cref="TimeStampDisable"/> (CR4.TSD) it is #GP(0) at CPL 3. Fiasco never sets CR4.TSD
/// (regdefs.h defines CR4_TSD, nothing sets it; cpu-ia32.cpp sets OSFXSR, OSXMMEXCPT, SMEP, PSE, PGE and, for
/// performance counters, PCE), so the default is off and user code may read the counter. rdtscp is #UD: the
/// captured CPUID has no RDTSCP (0x80000001 EDX[27] = 0).</para>
/// </remarks>
public sealed partial class Cpu
{
    /// <summary>The logical TSC: instructions retired by this Cpu over all runs (settable, e.g. to resume a machine).</summary>
    public ulong TimeStampCounter { get; set; }

    /// <summary>CR4.TSD: rdtsc faults at CPL 3 when set. Fiasco leaves it clear.</summary>
    public bool TimeStampDisable { get; set; }

    private void Cpuid()
    {
        var (a, b, c, d) = CapturedCpuid.Query((uint)Gpr((int)Reg.Rax), (uint)Gpr((int)Reg.Rcx));
        Gpr((int)Reg.Rax) = a;
        Gpr((int)Reg.Rbx) = b;
        Gpr((int)Reg.Rcx) = c;
        Gpr((int)Reg.Rdx) = d;
    }

    /// <summary>rdtsc with <paramref name="retiredThisRun"/> instructions already retired in the current run.</summary>
    private bool Rdtsc(long retiredThisRun)
    {
        if (TimeStampDisable)
        {
            trap = new Trap(Vector.GeneralProtection, 0);
            detail = "rdtsc with CR4.TSD set at CPL 3";
            return false;
        }
        ulong t = TimeStampCounter + (ulong)retiredThisRun;
        Gpr((int)Reg.Rax) = (uint)t;
        Gpr((int)Reg.Rdx) = t >> 32;
        return true;
    }
}
