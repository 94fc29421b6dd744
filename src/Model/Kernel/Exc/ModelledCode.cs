using System.Text;
using L4Conf.Model.Machine;

namespace L4Conf.Model.Kernel;

/// <summary>
/// Code the model runs as host programs instead of decoding machine code: the L4Re runtime and the modelled programs
/// (the HLE idea of emulators). Such code is marked in memory itself, so loaders handle it as any other code: at its
/// entry point the bytes are <c>ud2</c> (a real CPU would stop there with #UD), the text "L4CONF-HLE", a NUL, and the
/// entry's name. A thread that reaches a marked address runs the program named there, which acts only through real
/// system calls, and then continues at whatever RIP the program left.
/// </summary>
public static class ModelledCodeMarker
{
    public static readonly byte[] Prefix = [0x0F, 0x0B, .. Encoding.ASCII.GetBytes("L4CONF-HLE"), 0];
    public const int MaxName = 48;

    /// <summary>The marker bytes for an entry named <paramref name="name"/>.</summary>
    public static byte[] For(string name)
    {
        if (name.Length == 0 || name.Length > MaxName) throw new ArgumentException($"modelled entry name '{name}' must have 1..{MaxName} characters");
        return [.. Prefix, .. Encoding.ASCII.GetBytes(name), 0];
    }

    /// <summary>The entry named at <paramref name="va"/>, or null when the bytes there are no marker (or not readable).</summary>
    public static string? Read(IMemoryBus mem, ulong va)
    {
        Span<byte> b = stackalloc byte[Prefix.Length + MaxName + 1];
        // Read up to the end of the page only: the marker never crosses a page, and the next page may be unmapped.
        int avail = (int)Math.Min((ulong)b.Length, 0x1000 - (va & 0xFFF));
        if (avail <= Prefix.Length || !mem.Read(va, b[..avail], AccessKind.Read, out _)) return null;
        if (!b[..Prefix.Length].SequenceEqual(Prefix)) return null;
        var rest = b[Prefix.Length..avail];
        int end = rest.IndexOf((byte)0);
        return end > 0 ? Encoding.ASCII.GetString(rest[..end]) : null;
    }
}

/// <summary>The programs behind marked code: the reference runtime provides them.</summary>
public interface IModelledCode
{
    /// <summary>The program thread <paramref name="t"/> runs at the entry <paramref name="name"/> (registers in <c>t.Machine.Regs</c>).</summary>
    IEnumerable<SyscallRequest> Enter(Thread t, string name);
}
