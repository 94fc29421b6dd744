using System.Text;
using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The kernel log (Vlog), a Vcon: write, read (needs W), attributes (fiasco src/kern/vlog.cpp; abi-facts §7.8).
/// </summary>
public sealed class Vlog(Kernel k) : KObject(k, 0x80)
{
    public Queue<byte> Input { get; } = new();
    public VconFlags IFlags { get; private set; } = VconFlags.Icrnl;
    public VconFlags OFlags { get; private set; } = VconFlags.Onlcr;
    public VconFlags LFlags { get; private set; } = VconFlags.Echo;

    public override string JdbType => "Vlog";

    public override InvokeResult Invoke(Invocation inv)
    {
        if (inv.Tag.Label == (long)Protocol.Irq) return OnePinIcu.Invoke(inv);
        if (inv.Tag.Label != (long)Protocol.Log) return InvokeResult.Err(L4Err.BadProto);
        if (inv.Tag.Words < 1) return InvokeResult.Err(L4Err.MsgTooShort);
        return (VconOp)(inv.Mr(0) & 0xFFFF) switch
        {
            VconOp.Write => Write(inv),
            VconOp.Read => Read(inv),
            VconOp.SetAttr => SetAttr(inv),
            VconOp.GetAttr => GetAttr(inv),
            _ => InvokeResult.Err(L4Err.NoSys),
        };
    }

    /// <summary>
    /// MR1 = count (its low 32 bits), bytes from MR2; a count beyond what 61 words hold is silently ignored. OCRNL
    /// prints CR as NL, ONLRET drops CR (VLOG-1, vlog.cpp:83-106).
    /// </summary>
    private InvokeResult Write(Invocation inv)
    {
        uint n = (uint)inv.Mr(1);
        if (n > (ulong)KernelLimits.VconWriteSize) return InvokeResult.NoReply;
        var bytes = new List<byte>((int)n);
        for (int i = 0; i < (int)n; i++)
        {
            byte b = (byte)(inv.Mr(2 + i / 8) >> (8 * (i % 8)));
            if ((OFlags & VconFlags.Ocrnl) != 0 && b == '\r') b = (byte)'\n';
            if ((OFlags & VconFlags.Onlret) != 0 && b == '\r') continue;
            bytes.Add(b);
        }
        Kernel.Print(this, Encoding.Latin1.GetString(bytes.ToArray()));
        return InvokeResult.NoReply;                                  // vlog.cpp:211-213
    }

    /// <summary>
    /// MR0 = (max &lt;&lt; 16) | 1; needs W and a receive phase (without one nothing is read). The bytes go through
    /// the input flags; MR0 gets the count with bit 31 when no input is left, the answer has no words (VLOG-2).
    /// </summary>
    private InvokeResult Read(Invocation inv)
    {
        if (!inv.HasRecv) return InvokeResult.Ok();
        if (!inv.Has(CapRights.W)) return InvokeResult.Err(L4Err.Perm);
        int max = (int)Math.Min(inv.Mr(0) >> 16, (ulong)KernelLimits.VconReadSize);
        int n = 0;
        var words = new ulong[(max + 7) / 8];
        while (Input.Count > 0 && n < max)
        {
            byte b = Input.Dequeue();
            if ((IFlags & VconFlags.Inlcr) != 0 && b == '\n') b = (byte)'\r';
            if ((IFlags & VconFlags.Igncr) != 0 && b == '\r') continue;
            if ((IFlags & VconFlags.Icrnl) != 0 && b == '\r') b = (byte)'\n';
            words[n / 8] |= (ulong)b << (8 * (n % 8));
            n++;
        }
        ulong stat = (uint)n | (Input.Count == 0 ? (ulong)KernelLimits.VconReadStatDone : 0UL);
        inv.Utcb.SetMr(0, stat);
        for (int i = 0; i < (n + 7) / 8; i++) inv.Utcb.SetMr(1 + i, words[i]);
        return InvokeResult.Ok();
    }

    /// <summary>Takes MR1..3 whatever the word count; the kernel always forces ONLCR into o_flags (VLOG-2).</summary>
    private InvokeResult SetAttr(Invocation inv)
    {
        IFlags = (VconFlags)inv.Mr(1);
        OFlags = (VconFlags)inv.Mr(2) | VconFlags.Onlcr;
        LFlags = (VconFlags)inv.Mr(3);
        return InvokeResult.Ok();
    }

    /// <summary>MR1..3 = i/o/l flags in 4 words; without a receive phase nothing is written (vlog.cpp:181-182).</summary>
    private InvokeResult GetAttr(Invocation inv)
    {
        if (!inv.HasRecv) return InvokeResult.Ok();
        inv.Utcb.SetMr(1, (ulong)IFlags);
        inv.Utcb.SetMr(2, (ulong)OFlags);
        inv.Utcb.SetMr(3, (ulong)LFlags);
        return InvokeResult.Ok(4);
    }
}
