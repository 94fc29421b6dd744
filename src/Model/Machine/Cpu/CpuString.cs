using System.Runtime.InteropServices;

namespace L4Conf.Model.Machine;

/// <summary>
/// movs{b,w,d,q} and stos{b,w,d,q}, with or without rep (F2 acts as F3 on these). Respects DF. A rep instruction
/// is interruptible as on hardware: a fault in iteration k leaves RCX/RSI/RDI as after k-1 completed iterations
/// and RIP at the instruction, so re-executing it resumes. A rep instruction counts as one retired instruction.
/// </summary>
/// <remarks>
/// Forward copies and fills go in chunks that stay inside one source and one destination page, so a chunk's
/// bus access either wholly succeeds or faults at its first byte — exactly the element where hardware would
/// fault — and registers are committed per chunk. A forward copy whose destination starts inside the chunk's own
/// source is shortened so it reads nothing it has already written (byte-by-byte semantics of overlapping
/// rep movsb); aliasing of two different virtual pages onto one frame is not detected. DF=1 goes element by element.
/// </remarks>
public sealed partial class Cpu
{
    private readonly byte[] chunk = new byte[4096];

    private bool StringOp(ref Insn i, bool movs)
    {
        int e = i.Size;
        ulong m = MaskOf(e);
        ref ulong rcx = ref Gpr((int)Reg.Rcx);
        ref ulong rsi = ref Gpr((int)Reg.Rsi);
        ref ulong rdi = ref Gpr((int)Reg.Rdi);
        ulong seg = Gpr(i.Seg);
        bool down = (rflags & DF) != 0;
        ulong step = down ? (ulong)-(long)e : (ulong)e;
        bool rep = i.Aux != 0;
        ssRef = false; // RSI/RDI are never SS references (an ss: override is ignored in 64-bit mode): #GP(0)
        if (!rep) return Element(movs, e, seg, m, ref rsi, ref rdi, step);
        while (rcx != 0)
        {
            ulong n = 0;
            if (!down)
            {
                ulong src = seg + rsi, dst = rdi;
                n = Math.Min(rcx, (4096 - (dst & 0xFFF)) / (ulong)e);
                if (movs)
                {
                    n = Math.Min(n, (4096 - (src & 0xFFF)) / (ulong)e);
                    ulong gap = dst - src;
                    if (gap != 0 && gap < n * (ulong)e) n = gap / (ulong)e;
                }
            }
            if (n <= 1)
            {
                if (!Element(movs, e, seg, m, ref rsi, ref rdi, step)) return false;
                rcx--;
                continue;
            }
            int bytes = (int)n * e;
            Span<byte> buf = chunk.AsSpan(0, bytes);
            if (movs)
            {
                if (!mem.Read(seg + rsi, buf, AccessKind.Read, out trap)) return false;
            }
            else Fill(buf, e, Gpr((int)Reg.Rax));
            wrote = true;
            if (!mem.Write(rdi, buf, out trap)) return false;
            rcx -= n;
            rdi += (ulong)bytes;
            if (movs) rsi += (ulong)bytes;
        }
        return true;
    }

    /// <summary>One iteration; registers move only if it completes.</summary>
    private bool Element(bool movs, int e, ulong seg, ulong m, ref ulong rsi, ref ulong rdi, ulong step)
    {
        ulong v;
        if (movs) { if (!Load(seg + rsi, e, out v)) return false; }
        else v = Gpr((int)Reg.Rax);
        if (!Store(rdi, e, v & m)) return false;
        rdi += step;
        if (movs) rsi += step;
        return true;
    }

    private static void Fill(Span<byte> buf, int e, ulong v)
    {
        switch (e)
        {
            case 1: buf.Fill((byte)v); break;
            case 2: MemoryMarshal.Cast<byte, ushort>(buf).Fill((ushort)v); break;
            case 4: MemoryMarshal.Cast<byte, uint>(buf).Fill((uint)v); break;
            default: MemoryMarshal.Cast<byte, ulong>(buf).Fill(v); break;
        }
    }
}
