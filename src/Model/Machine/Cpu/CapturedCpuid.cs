namespace L4Conf.Model.Machine;

/// <summary>
/// The CPUID of the captured machine (QEMU 7.2 TCG, CPU model qemu64: "QEMU Virtual CPU version 2.5+",
/// AuthenticAMD), leaf for leaf as JDB printed it in <c>traces/real/jdb_session.log</c> ("Raw CPUID features:").
/// The model's feature decisions are read from here (no POPCNT, MOVBE, BMI1, ABM, UMIP, RDTSCP; CX8, CX16,
/// LAHF/SAHF, SSE, SSE2, SSE3 present).
/// </summary>
public static class CapturedCpuid
{
    /// <summary>Highest basic and extended leaf (leaf 0 EAX, leaf 0x80000000 EAX).</summary>
    public const uint MaxBasic = 0xD, MaxExtended = 0x8000_000A;

    private static readonly uint[,] Basic =
    {
        { 0x0000000d, 0x68747541, 0x444d4163, 0x69746e65 }, // "AuthenticAMD" in EBX, EDX, ECX
        { 0x00060fb1, 0x00000800, 0x80002001, 0x078bfbfd },
        { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, { 0, 0, 0, 0 },
        { 0x00000000, 0x00000000, 0x00000003, 0x00000000 },
        { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, { 0, 0, 0, 0 },
        { 0x00000000, 0x00000001, 0x00000100, 0x00000000 }, // 0xB, ECX = 0 (SMT level)
        { 0, 0, 0, 0 }, { 0, 0, 0, 0 },
    };

    private static readonly uint[,] Extended =
    {
        { 0x8000000a, 0x68747541, 0x444d4163, 0x69746e65 },
        { 0x00060fb1, 0x00000000, 0x00000005, 0x2193fbfd },
        { 0x554d4551, 0x72695620, 0x6c617574, 0x55504320 }, // "QEMU Virtual CPU version 2.5+"
        { 0x72657620, 0x6e6f6973, 0x352e3220, 0x0000002b },
        { 0, 0, 0, 0 },
        { 0x01ff01ff, 0x01ff01ff, 0x40020140, 0x40020140 },
        { 0x00000000, 0x42004200, 0x02008140, 0x00808140 },
        { 0, 0, 0, 0 },
        { 0x00003028, 0x00000000, 0x00000000, 0x00000000 },
        { 0, 0, 0, 0 },
        { 0x00000001, 0x00000010, 0x00000000, 0x00000000 },
    };

    /// <summary>
    /// CPUID(<paramref name="leaf"/>, <paramref name="subleaf"/>). Only leaf 0xB depends on the subleaf among the
    /// captured leaves (0: as captured; 1: the captured "ecx=1" row; n &gt;= 2: the invalid level, EAX = EBX = 0,
    /// ECX = n &amp; 0xFF, EDX = the x2APIC ID 0, as QEMU computes it); leaves 4, 7 and 0xD are zero for every
    /// subleaf (no cache leaf on this AMD model, no leaf-7 features, no XSAVE). A leaf above the maximum of its
    /// range answers like the highest basic leaf (0xD: zeros), which is what QEMU 7.2 does and also what AMD silicon
    /// answers (zeros). The hypervisor range follows QEMU's TCG code: 0x40000000 gives EAX = 0x40000001 and
    /// "TCGTCGTCGTCG", 0x40000001 zeros (UNCONFIRMED: JDB does not print these leaves, so the capture has no
    /// record of them).
    /// </summary>
    public static (uint Eax, uint Ebx, uint Ecx, uint Edx) Query(uint leaf, uint subleaf)
    {
        if (leaf == 0x4000_0000) return (0x4000_0001, 0x54474354, 0x43544743, 0x47435447); // "TCGT" "CGTC" "GTCG"
        if (leaf == 0x4000_0001) return (0, 0, 0, 0);
        if (leaf >= 0x8000_0000 && leaf <= MaxExtended) return Row(Extended, (int)(leaf - 0x8000_0000));
        if (leaf > MaxBasic) leaf = MaxBasic; // out of range in any range (incl. 0x40000002.., 0xC0000000..)
        if (leaf == 0xB)
        {
            if (subleaf == 1) return (0x00000000, 0x00000001, 0x00000201, 0x00000000);
            if (subleaf >= 2) return (0, 0, subleaf & 0xFF, 0);
        }
        return Row(Basic, (int)leaf);
    }

    private static (uint, uint, uint, uint) Row(uint[,] t, int k) => (t[k, 0], t[k, 1], t[k, 2], t[k, 3]);
}
