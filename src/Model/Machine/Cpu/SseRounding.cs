using System.Numerics;

namespace L4Conf.Model.Machine;

/// <summary>
/// The MXCSR state one SSE instruction computes under, and the exception flags it raises: pre-computation (IE, DE,
/// ZE) and post-computation (OE, UE, PE) kept apart, because an unmasked pre-computation exception stops the
/// instruction before any result is computed (SDM Vol. 1 §11.5.2), so no post-computation flag is set then.
/// </summary>
internal struct SseEnv
{
    public RoundingMode Rc;
    public bool Daz, Ftz, UnderflowMasked, OverflowMasked;
    public uint Pre, Post;

    public static SseEnv From(uint mxcsr) => new()
    {
        Rc = (RoundingMode)((mxcsr >> Mxcsr.RcShift) & 3),
        Daz = (mxcsr & Mxcsr.Daz) != 0,
        Ftz = (mxcsr & Mxcsr.Ftz) != 0,
        UnderflowMasked = (mxcsr & (Mxcsr.UE << Mxcsr.MaskShift)) != 0,
        OverflowMasked = (mxcsr & (Mxcsr.OE << Mxcsr.MaskShift)) != 0,
    };
}

/// <summary>
/// IEEE 754 binary32/binary64 arithmetic as SSE/SSE2 performs it, computed exactly: every finite result is first
/// formed without error (an integer significand times a power of two, <see cref="BigInteger"/>; quotients and square
/// roots with a sticky bit for a non-zero remainder) and then rounded once by <see cref="Round"/> in the MXCSR rounding
/// mode, so all four modes, inexactness and tininess are exact (no host double rounding is involved).
/// </summary>
/// <remarks>
/// The x86 rules (SDM Vol. 1 §4.8.3.5, §4.9, §10.2.3, §11.5; Table 4-7): tininess is detected after rounding (with an
/// unbounded exponent); a masked underflow sets UE only when the result is also inexact, an unmasked one whenever the
/// result is tiny; FTZ (with underflow masked) turns a tiny result into a zero of its sign and sets UE and PE; DAZ turns
/// denormal inputs into zeros of their sign without DE; an SNaN input raises IE and is returned quieted; with two NaN
/// inputs the first source's wins; an invalid operation without NaN input returns the default NaN (the negative QNaN
/// "real indefinite"); masked overflow gives infinity or the largest finite number as the rounding direction says.
/// </remarks>
internal static class SoftFloat
{
    private static int Frac(bool d) => d ? 52 : 23;
    private static int Precision(bool d) => d ? 53 : 24;
    private static int Bias(bool d) => d ? 1023 : 127;
    private static int Emin(bool d) => 1 - Bias(d);
    private static int Emax(bool d) => Bias(d);
    private static ulong SignBit(bool d) => d ? 1UL << 63 : 1UL << 31;
    private static ulong ExpMask(bool d) => d ? 0x7FF0_0000_0000_0000UL : 0x7F80_0000UL;
    private static ulong FracMask(bool d) => (1UL << Frac(d)) - 1;
    private static ulong QuietBit(bool d) => 1UL << (Frac(d) - 1);

    /// <summary>The QNaN floating-point indefinite: sign set, quiet bit set, payload 0.</summary>
    public static ulong DefaultNaN(bool d) => d ? 0xFFF8_0000_0000_0000UL : 0xFFC0_0000UL;
    private static ulong Inf(bool d, bool neg) => ExpMask(d) | (neg ? SignBit(d) : 0);
    private static ulong Zero(bool d, bool neg) => neg ? SignBit(d) : 0;
    private static ulong MaxNormal(bool d, bool neg) => (ExpMask(d) - (1UL << Frac(d))) | FracMask(d) | (neg ? SignBit(d) : 0);

    public static bool IsNaN(ulong x, bool d) => (x & (SignBit(d) - 1)) > ExpMask(d);
    public static bool IsSNaN(ulong x, bool d) => IsNaN(x, d) && (x & QuietBit(d)) == 0;
    private static bool IsInf(ulong x, bool d) => (x & (SignBit(d) - 1)) == ExpMask(d);
    private static bool IsZero(ulong x, bool d) => (x & (SignBit(d) - 1)) == 0;
    private static bool IsDenormal(ulong x, bool d) => (x & ExpMask(d)) == 0 && (x & FracMask(d)) != 0;
    private static bool Neg(ulong x, bool d) => (x & SignBit(d)) != 0;
    private static ulong Quiet(ulong x, bool d) => x | QuietBit(d);

    /// <summary>DAZ: a denormal input is a zero of its sign (and raises no DE).</summary>
    private static ulong Daz(ulong x, bool d, in SseEnv env) => env.Daz && IsDenormal(x, d) ? x & SignBit(d) : x;

    /// <summary>A finite non-zero value as significand * 2^exp.</summary>
    private static (BigInteger M, int Exp) Decompose(ulong x, bool d)
    {
        int be = (int)((x & ExpMask(d)) >> Frac(d));
        ulong f = x & FracMask(d);
        return be == 0 ? (f, Emin(d) - Frac(d)) : (f | (1UL << Frac(d)), be - Bias(d) - Frac(d));
    }

    /// <summary>Drop the low <paramref name="shift"/> bits of <paramref name="m"/> (a magnitude), rounding in <paramref name="rc"/>.</summary>
    private static (BigInteger R, bool Inexact) RoundAt(BigInteger m, int shift, bool neg, RoundingMode rc)
    {
        if (shift <= 0) return (m << -shift, false);
        BigInteger kept = m >> shift, rem = m - (kept << shift);
        if (rem.IsZero) return (kept, false);
        BigInteger half = BigInteger.One << (shift - 1);
        bool up = rc switch
        {
            RoundingMode.Nearest => rem > half || (rem == half && !kept.IsEven),
            RoundingMode.Down => neg,
            RoundingMode.Up => !neg,
            _ => false,
        };
        return (up ? kept + 1 : kept, true);
    }

    /// <summary>
    /// Round (-1)^neg * m * 2^exp (exact; m &gt;= 0) to the format, with the x86 overflow, underflow and precision rules;
    /// flags go to <paramref name="env"/>.
    /// </summary>
    public static ulong Round(bool neg, BigInteger m, int exp, bool d, ref SseEnv env)
    {
        if (m.IsZero) return Zero(d, neg);
        int p = Precision(d);
        int len = (int)m.GetBitLength();
        int e = exp + len - 1;
        var (ru, inexactUnbounded) = RoundAt(m, len - p, neg, env.Rc); // unbounded exponent: tininess after rounding
        int eu = e + (ru.GetBitLength() > p ? 1 : 0);
        bool tiny = eu < Emin(d);
        // An unmasked overflow or underflow raises #XM with no result: its flag, and PE only if the result rounded
        // with an unbounded exponent (what the handler would get) is inexact. (Seen on the host by `l4conf cpu diff`.)
        if ((eu > Emax(d) && !env.OverflowMasked) || (tiny && !env.UnderflowMasked))
        {
            env.Post |= (tiny ? Mxcsr.UE : Mxcsr.OE) | (inexactUnbounded ? Mxcsr.PE : 0);
            return Zero(d, neg);
        }
        int q = Math.Max(e - (p - 1), Emin(d) - (p - 1));
        var (r, inexact) = RoundAt(m, q - exp, neg, env.Rc);
        if (r.GetBitLength() > p) { r >>= 1; q++; }
        if (!r.IsZero && q + (int)r.GetBitLength() - 1 > Emax(d))
        {
            env.Post |= Mxcsr.OE | Mxcsr.PE;
            bool toInf = env.Rc == RoundingMode.Nearest || (env.Rc == RoundingMode.Up && !neg) || (env.Rc == RoundingMode.Down && neg);
            return toInf ? Inf(d, neg) : MaxNormal(d, neg);
        }
        if (tiny && env.UnderflowMasked && env.Ftz) { env.Post |= Mxcsr.UE | Mxcsr.PE; return Zero(d, neg); }
        if (tiny && inexact) env.Post |= Mxcsr.UE;
        if (inexact) env.Post |= Mxcsr.PE;
        ulong sign = neg ? SignBit(d) : 0;
        if (r.IsZero) return sign;
        if (r.GetBitLength() < p) return sign | (ulong)r;                // denormal: q is the minimum exponent
        int E = q + p - 1;
        return sign | ((ulong)(E + Bias(d)) << Frac(d)) | ((ulong)r & FracMask(d));
    }

    /// <summary>The NaN result of a two-operand operation (one of them is a NaN): IE for an SNaN, the first NaN quieted.</summary>
    private static ulong NaNResult(ulong a, ulong b, bool d, ref SseEnv env)
    {
        if (IsSNaN(a, d) || IsSNaN(b, d)) env.Pre |= Mxcsr.IE;
        return IsNaN(a, d) ? Quiet(a, d) : Quiet(b, d);
    }

    private static void Denormals(ulong a, ulong b, bool d, ref SseEnv env)
    {
        if (IsDenormal(a, d) || IsDenormal(b, d)) env.Pre |= Mxcsr.DE;
    }

    private static ulong Invalid(bool d, ref SseEnv env)
    {
        env.Pre |= Mxcsr.IE;
        return DefaultNaN(d);
    }

    public static ulong Add(ulong a, ulong b, bool d, bool subtract, ref SseEnv env)
    {
        a = Daz(a, d, env); b = Daz(b, d, env);
        if (IsNaN(a, d) || IsNaN(b, d)) return NaNResult(a, b, d, ref env);
        bool na = Neg(a, d), nb = Neg(b, d) ^ subtract;
        if (IsInf(a, d) || IsInf(b, d))
        {
            if (IsInf(a, d) && IsInf(b, d) && na != nb) return Invalid(d, ref env);
            Denormals(a, b, d, ref env);
            return IsInf(a, d) ? a : Inf(d, nb);
        }
        Denormals(a, b, d, ref env);
        if (IsZero(a, d) && IsZero(b, d)) return Zero(d, na == nb ? na : env.Rc == RoundingMode.Down);
        var (ma, ea) = IsZero(a, d) ? (BigInteger.Zero, int.MaxValue) : Decompose(a, d);
        var (mb, eb) = IsZero(b, d) ? (BigInteger.Zero, int.MaxValue) : Decompose(b, d);
        int e = Math.Min(ea, eb);
        BigInteger sa = ma.IsZero ? 0 : ma << (ea - e), sb = mb.IsZero ? 0 : mb << (eb - e);
        BigInteger sum = (na ? -sa : sa) + (nb ? -sb : sb);
        if (sum.IsZero) return Zero(d, env.Rc == RoundingMode.Down); // exact cancellation: +0, or -0 rounding down
        return Round(sum.Sign < 0, BigInteger.Abs(sum), e, d, ref env);
    }

    public static ulong Mul(ulong a, ulong b, bool d, ref SseEnv env)
    {
        a = Daz(a, d, env); b = Daz(b, d, env);
        if (IsNaN(a, d) || IsNaN(b, d)) return NaNResult(a, b, d, ref env);
        bool n = Neg(a, d) ^ Neg(b, d);
        if (IsInf(a, d) || IsInf(b, d))
        {
            if (IsZero(a, d) || IsZero(b, d)) return Invalid(d, ref env);
            Denormals(a, b, d, ref env);
            return Inf(d, n);
        }
        Denormals(a, b, d, ref env);
        if (IsZero(a, d) || IsZero(b, d)) return Zero(d, n);
        var (ma, ea) = Decompose(a, d);
        var (mb, eb) = Decompose(b, d);
        return Round(n, ma * mb, ea + eb, d, ref env);
    }

    public static ulong Div(ulong a, ulong b, bool d, ref SseEnv env)
    {
        a = Daz(a, d, env); b = Daz(b, d, env);
        if (IsNaN(a, d) || IsNaN(b, d)) return NaNResult(a, b, d, ref env);
        bool n = Neg(a, d) ^ Neg(b, d);
        if (IsInf(a, d))
        {
            if (IsInf(b, d)) return Invalid(d, ref env);
            Denormals(a, b, d, ref env);
            return Inf(d, n);
        }
        if (IsInf(b, d)) { Denormals(a, b, d, ref env); return Zero(d, n); }
        if (IsZero(b, d))
        {
            if (IsZero(a, d)) return Invalid(d, ref env);
            env.Pre |= Mxcsr.ZE; // a denormal dividend adds no DE (seen on the host by `l4conf cpu diff`)
            return Inf(d, n);
        }
        Denormals(a, b, d, ref env);
        if (IsZero(a, d)) return Zero(d, n);
        var (ma, ea) = Decompose(a, d);
        var (mb, eb) = Decompose(b, d);
        int k = Math.Max(0, Precision(d) + 3 + (int)mb.GetBitLength() - (int)ma.GetBitLength());
        BigInteger q = BigInteger.DivRem(ma << k, mb, out BigInteger rem);
        return Round(n, (q << 1) | (rem.IsZero ? 0 : 1), ea - eb - k - 1, d, ref env);
    }

    public static ulong Sqrt(ulong b, bool d, ref SseEnv env)
    {
        b = Daz(b, d, env);
        if (IsNaN(b, d)) { if (IsSNaN(b, d)) env.Pre |= Mxcsr.IE; return Quiet(b, d); }
        if (IsZero(b, d)) return b;
        if (Neg(b, d)) return Invalid(d, ref env);
        if (IsInf(b, d)) return b;
        Denormals(b, 0, d, ref env);
        var (m, exp) = Decompose(b, d);
        int k = Math.Max(0, 2 * Precision(d) + 6 - (int)m.GetBitLength());
        if (((exp - k) & 1) != 0) k++;
        m <<= k;
        BigInteger r = ISqrt(m);
        return Round(false, (r << 1) | (r * r == m ? 0 : 1), (exp - k) / 2 - 1, d, ref env);
    }

    private static BigInteger ISqrt(BigInteger n)
    {
        BigInteger x = BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        while (true)
        {
            BigInteger y = (x + n / x) >> 1;
            if (y >= x) return x;
            x = y;
        }
    }

    /// <summary>The value of a non-NaN operand as a double (exact for both formats).</summary>
    private static double Value(ulong x, bool d) => d ? BitConverter.UInt64BitsToDouble(x) : BitConverter.UInt32BitsToSingle((uint)x);

    /// <summary>
    /// minss/maxss and the packed forms: the second operand when either is a NaN (IE for any NaN, QNaN too) or both
    /// are zeros of either sign; else the smaller (larger) one. DE for a denormal operand.
    /// </summary>
    public static ulong MinMax(ulong a, ulong b, bool d, bool max, ref SseEnv env)
    {
        a = Daz(a, d, env); b = Daz(b, d, env);
        if (IsNaN(a, d) || IsNaN(b, d)) { env.Pre |= Mxcsr.IE; return b; }
        Denormals(a, b, d, ref env);
        double x = Value(a, d), y = Value(b, d);
        return (max ? x > y : x < y) ? a : b;
    }

    /// <summary>cmpps/cmpss/cmppd/cmpsd predicate imm8[2:0]: EQ LT LE UNORD NEQ NLT NLE ORD. LT LE NLT NLE signal on QNaNs too.</summary>
    public static bool Compare(ulong a, ulong b, bool d, int predicate, ref SseEnv env)
    {
        a = Daz(a, d, env); b = Daz(b, d, env);
        bool un = IsNaN(a, d) || IsNaN(b, d);
        bool signaling = (predicate & 3) is 1 or 2;
        if (IsSNaN(a, d) || IsSNaN(b, d) || (un && signaling)) env.Pre |= Mxcsr.IE;
        else if (!un) Denormals(a, b, d, ref env);
        if (un) return (predicate & 7) is 3 or 4 or 5 or 6;
        double x = Value(a, d), y = Value(b, d);
        return (predicate & 7) switch
        {
            0 => x == y, 1 => x < y, 2 => x <= y, 3 => false,
            4 => x != y, 5 => !(x < y), 6 => !(x <= y), _ => true,
        };
    }

    /// <summary>comis/ucomis: ZF PF CF = 111 unordered, 000 greater, 001 less, 100 equal. comis signals IE on any NaN, ucomis on SNaN.</summary>
    public static (bool Zf, bool Pf, bool Cf) OrderedCompare(ulong a, ulong b, bool d, bool signaling, ref SseEnv env)
    {
        a = Daz(a, d, env); b = Daz(b, d, env);
        bool un = IsNaN(a, d) || IsNaN(b, d);
        if (IsSNaN(a, d) || IsSNaN(b, d) || (un && signaling)) env.Pre |= Mxcsr.IE;
        else if (!un) Denormals(a, b, d, ref env);
        if (un) return (true, true, true);
        double x = Value(a, d), y = Value(b, d);
        return x == y ? (true, false, false) : x < y ? (false, false, true) : (false, false, false);
    }

    /// <summary>cvtsi2ss/sd, cvtdq2ps/pd: a signed integer rounded to the format (PE when inexact).</summary>
    public static ulong FromInt(long v, bool d, ref SseEnv env) =>
        v == 0 ? 0 : Round(v < 0, BigInteger.Abs(new BigInteger(v)), 0, d, ref env);

    /// <summary>
    /// cvt(t)ss2si, cvt(t)sd2si, cvt(t)ps2dq, cvt(t)pd2dq: round (or truncate) to a 32- or 64-bit signed integer; a NaN,
    /// an infinity or a value out of range raises IE and gives the integer indefinite (only the sign bit set). PE when inexact.
    /// </summary>
    public static ulong ToInt(ulong x, bool d, bool is64, bool truncate, ref SseEnv env)
    {
        x = Daz(x, d, env);
        ulong indefinite = is64 ? 0x8000_0000_0000_0000UL : 0x8000_0000UL;
        if (IsNaN(x, d) || IsInf(x, d)) { env.Pre |= Mxcsr.IE; return indefinite; }
        if (IsZero(x, d)) return 0;
        var (m, e) = Decompose(x, d);
        bool neg = Neg(x, d);
        if (e > 64) { env.Pre |= Mxcsr.IE; return indefinite; }
        var (r, inexact) = RoundAt(m, -e, neg, truncate ? RoundingMode.TowardZero : env.Rc);
        BigInteger limit = BigInteger.One << (is64 ? 63 : 31);
        if (neg ? r > limit : r >= limit) { env.Pre |= Mxcsr.IE; return indefinite; }
        if (inexact) env.Post |= Mxcsr.PE;
        return (ulong)(long)(neg ? -r : r) & (is64 ? ulong.MaxValue : 0xFFFF_FFFF);
    }

    /// <summary>
    /// cvtss2sd/cvtsd2ss/cvtps2pd/cvtpd2ps: from format <paramref name="from"/> (true: double) to the other. A NaN keeps its
    /// sign and the top of its payload and is quieted (IE for an SNaN); DE for a denormal input; narrowing rounds.
    /// </summary>
    public static ulong Convert(ulong x, bool from, ref SseEnv env)
    {
        bool to = !from;
        x = Daz(x, from, env);
        bool neg = Neg(x, from);
        if (IsNaN(x, from))
        {
            if (IsSNaN(x, from)) env.Pre |= Mxcsr.IE;
            ulong payload = from ? (x & FracMask(true)) >> 29 : (x & FracMask(false)) << 29;
            return (neg ? SignBit(to) : 0) | ExpMask(to) | QuietBit(to) | payload;
        }
        if (IsInf(x, from)) return Inf(to, neg);
        if (IsZero(x, from)) return Zero(to, neg);
        Denormals(x, 0, from, ref env);
        var (m, e) = Decompose(x, from);
        return Round(neg, m, e, to, ref env);
    }
}
