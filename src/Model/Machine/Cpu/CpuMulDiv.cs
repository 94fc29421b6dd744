namespace L4Conf.Model.Machine;

/// <summary>
/// mul, imul (1-, 2-, 3-operand), div, idiv. mul/imul set CF = OF = "the high half is significant" (SDM); SF, ZF,
/// AF, PF are undefined: the model (UNCONFIRMED, a model choice) sets SF/ZF/PF from the low half of the result (the destination of 2/3-operand
/// imul) and clears AF. div/idiv leave all flags unchanged (all six are undefined). #DE for a zero divisor and for
/// a quotient that does not fit, with nothing changed.
/// </summary>
public sealed partial class Cpu
{
    private void MulFlags(ulong low, ulong m, bool overflow) => SetArith(PZS(low & m, m) | (overflow ? CF | OF : 0));

    /// <summary>One-operand mul (signed = imul): AX = AL*src, DX:AX, EDX:EAX or RDX:RAX = rAX*src.</summary>
    private void MulAcc(int size, ulong src, bool signed)
    {
        ulong m = MaskOf(size);
        ref ulong rax = ref Gpr((int)Reg.Rax);
        ulong a = rax & m, b = src & m, lo, hi;
        bool ovf;
        if (size == 8)
        {
            if (signed)
            {
                long h = Math.BigMul((long)a, (long)b, out long l);
                lo = (ulong)l; hi = (ulong)h; ovf = h != (l >> 63);
            }
            else { hi = Math.BigMul(a, b, out lo); ovf = hi != 0; }
        }
        else
        {
            int bits = size * 8;
            ulong p;
            if (signed)
            {
                int sx = 64 - bits;
                long sp = ((long)(a << sx) >> sx) * ((long)(b << sx) >> sx);
                p = (ulong)sp;
                ovf = ((long)(p << sx) >> sx) != sp;
            }
            else { p = a * b; ovf = (p >> bits) != 0; }
            lo = p & m; hi = (p >> bits) & m;
        }
        if (size == 1) rax = (rax & ~0xFFFFUL) | ((hi & 0xFF) << 8) | (lo & 0xFF); // AX = AH:AL
        else
        {
            WriteReg((int)Reg.Rax, 0, m, lo);
            WriteReg((int)Reg.Rdx, 0, m, hi);
        }
        MulFlags(lo, m, ovf);
    }

    /// <summary>Two/three-operand imul: truncated signed product, CF = OF = truncation lost significant bits.</summary>
    private ulong Imul(ulong a, ulong b, ulong m)
    {
        ulong lo;
        bool ovf;
        if (m == ulong.MaxValue)
        {
            long h = Math.BigMul((long)a, (long)b, out long l);
            lo = (ulong)l; ovf = h != (l >> 63);
        }
        else
        {
            int sx = System.Numerics.BitOperations.LeadingZeroCount(m);
            long p = ((long)(a << sx) >> sx) * ((long)(b << sx) >> sx);
            lo = (ulong)p & m;
            ovf = ((long)(lo << sx) >> sx) != p;
        }
        MulFlags(lo, m, ovf);
        return lo;
    }

    /// <summary>div/idiv of rDX:rAX (AX for bytes) by <paramref name="src"/>; false with #DE on /0 or overflow.</summary>
    private bool Divide(int size, ulong src, bool signed)
    {
        ulong m = MaskOf(size);
        ulong d = src & m;
        if (d == 0) return DivideError();
        ulong rax = Gpr((int)Reg.Rax), rdx = Gpr((int)Reg.Rdx);
        ulong q, r;
        if (size == 8)
        {
            if (signed)
            {
                Int128 n = (Int128)(((UInt128)rdx << 64) | rax);
                long dv = (long)d;
                if (dv == -1 && n == Int128.MinValue) return DivideError();
                Int128 qq = n / dv, rr = n % dv;
                if (qq > long.MaxValue || qq < long.MinValue) return DivideError();
                q = (ulong)(long)qq; r = (ulong)(long)rr;
            }
            else
            {
                if (rdx >= d) return DivideError(); // quotient would not fit in 64 bits
                UInt128 n = ((UInt128)rdx << 64) | rax;
                q = (ulong)(n / d); r = (ulong)(n % d);
            }
        }
        else
        {
            int bits = size * 8;
            // Dividend: AX for bytes, DX:AX, EDX:EAX — at most 64 bits, so plain 64-bit arithmetic is exact.
            ulong n = size == 1 ? rax & 0xFFFF : ((rdx & m) << bits) | (rax & m);
            if (signed)
            {
                int nsx = 64 - 2 * bits, sx = 64 - bits;
                long sn = (long)(n << nsx) >> nsx, sd = (long)(d << sx) >> sx;
                if (sd == -1 && sn == long.MinValue) return DivideError(); // EDX:EAX = -2^63 by -1
                long sq = sn / sd, sr = sn % sd;
                if (((long)((ulong)sq << sx) >> sx) != sq) return DivideError();
                q = (ulong)sq & m; r = (ulong)sr & m;
            }
            else
            {
                q = n / d; r = n % d;
                if (q > m) return DivideError();
            }
        }
        if (size == 1) Gpr((int)Reg.Rax) = (rax & ~0xFFFFUL) | ((r & 0xFF) << 8) | (q & 0xFF); // AL = q, AH = r
        else
        {
            WriteReg((int)Reg.Rax, 0, m, q);
            WriteReg((int)Reg.Rdx, 0, m, r);
        }
        return true;
    }

    private bool DivideError()
    {
        trap = new Trap(Vector.DivideError, 0);
        return false;
    }
}
