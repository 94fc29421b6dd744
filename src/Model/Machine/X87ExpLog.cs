using System.Numerics;

namespace L4Conf.Model.Machine;

/// <summary>
/// f2xm1, fpatan, fyl2x and fyl2xp1 (SDM instruction pages and their tables of special operands; precision and the
/// host's choices where the SDM is silent: <see cref="X87Math"/>'s remarks in X87Transcendental.cs).
/// </summary>
public static partial class X87Math
{
    private static BigReal Real(Exact x) => new(x.Sign ? -x.M : x.M, x.E);

    private static bool IsOne(Float80 a) => a.Se == Float80.Bias && a.Sig == Float80.IntBit;

    /// <summary>|a| &lt; 1 for a finite operand (a denormal included).</summary>
    private static bool BelowOne(Float80 a) => a.Exp < Float80.Bias;

    /// <summary>
    /// f2xm1: 2^x - 1 for -1 &lt;= x &lt;= 1. ±0 stays, -infinity gives -1, +infinity itself (exact, no exception).
    /// Outside the range (undefined by the SDM) the host returns x with PE; 2^1 - 1 it computes as 1 - δ and 2^-1 - 1 as
    /// -0.5 with PE (see the remarks).
    /// </summary>
    public static Float80 F2xm1(Float80 a, ushort fcw, ref X87Exc exc)
    {
        switch (a.Class)
        {
            case Float80Class.Unsupported: return Invalid(ref exc);
            case Float80Class.SNaN: exc |= X87Exc.IE; return Quiet(a);
            case Float80Class.QNaN: case Float80Class.Zero: return a;
            case Float80Class.Infinity: return a.Sign ? One(true) : a;
        }
        Denormals(a, a, ref exc);
        if (Suppresses(exc, fcw)) return a;
        if (a.Exp > Float80.Bias || (a.Exp == Float80.Bias && a.Sig != Float80.IntBit)) { exc |= X87Exc.PE; return a; }
        if (a.Exp == Float80.Bias)
        {
            if (a.Sign) { exc |= X87Exc.PE; return new Float80(0xBFFE, Float80.IntBit); }
            return RoundTranscendental(_ => (BigReal.Nudge(BigReal.Of(1), away: false), true), fcw, ref exc);
        }
        var x = Real(Unpack(a));
        return RoundTranscendental(w => (X87Elementary.Expm1(BigReal.Mul(x, X87Elementary.Ln2(w), w), w), false), fcw, ref exc);
    }

    private static Float80 One(bool neg) => new((ushort)(neg ? 0xBFFF : 0x3FFF), Float80.IntBit);

    /// <summary>
    /// fpatan: atan(y / x) in the quadrant of (x, y), y = ST(1), x = ST(0): the SDM's table, which is IEEE atan2's
    /// (±0 from y = ±0 with x &gt;= +0 or x = +infinity, exact; ±pi, ±pi/2, ±pi/4, ±3pi/4 rounded, with PE and C1).
    /// A denormal operand raises DE whatever the result (host).
    /// </summary>
    public static Float80 Atan2(Float80 y, Float80 x, ushort fcw, ref X87Exc exc)
    {
        if (Special2(y, x, ref exc) is Float80 s) return s;
        Denormals(y, x, ref exc);
        if (Suppresses(exc, fcw)) return y;
        var cy = y.Class; var cx = x.Class;
        if (cy == Float80Class.Zero) return x.Sign ? PiTimes(y.Sign, 1, 1, fcw, ref exc) : y;
        if (cy == Float80Class.Infinity)
            return cx != Float80Class.Infinity ? PiTimes(y.Sign, 1, 2, fcw, ref exc) : PiTimes(y.Sign, x.Sign ? 3 : 1, 4, fcw, ref exc);
        if (cx == Float80Class.Zero) return PiTimes(y.Sign, 1, 2, fcw, ref exc);
        if (cx == Float80Class.Infinity) return x.Sign ? PiTimes(y.Sign, 1, 1, fcw, ref exc) : Float80.SignedZero(y.Sign);
        Exact ey = Unpack(y), ex = Unpack(x);
        BigReal ay = new(ey.M, ey.E), ax = new(ex.M, ex.E);
        bool steep = CompareValues(y.Abs(), x.Abs()) > 0;                    // |y| > |x|: work with |x| / |y|
        var (num, den) = steep ? (ax, ay) : (ay, ax);
        // atan q = q - δ: an exactly representable tiny quotient is the result's lead (only with x > 0, |y| <= |x|).
        BigInteger quotient = BigInteger.DivRem(num.M << 128, den.M, out BigInteger rem);
        BigReal exactQ = new(quotient, num.E - den.E - 128);
        bool tinyExact = !steep && !x.Sign && rem.IsZero && exactQ.Top < -100;
        return RoundTranscendental(w =>
        {
            if (tinyExact) return (BigReal.Nudge(y.Sign ? exactQ.Neg() : exactQ, away: false), true);
            BigReal at = X87Elementary.Atan(BigReal.Div(num, den, w), w), pi = X87Elementary.Pi(w);
            BigReal v = steep ? (x.Sign ? BigReal.Add(pi.Scale(-1), at, w) : BigReal.Sub(pi.Scale(-1), at, w))
                : x.Sign ? BigReal.Sub(pi, at, w) : at;
            return (y.Sign ? v.Neg() : v, false);
        }, fcw, ref exc);
    }

    /// <summary>±pi * num / den (pi, pi/2, pi/4, 3pi/4), rounded: PE and C1 as any inexact result.</summary>
    private static Float80 PiTimes(bool neg, int num, int den, ushort fcw, ref X87Exc exc) => RoundTranscendental(w =>
    {
        BigReal v = BigReal.Div(BigReal.Mul(X87Elementary.Pi(w), BigReal.Of(num), w), den, w);
        return (neg ? v.Neg() : v, false);
    }, fcw, ref exc);

    /// <summary>
    /// fyl2x: y * log2 x, y = ST(1), x = ST(0), by the SDM's table: x &lt; 0 (not -0) is IE; x = ±0 is IE with y = ±0,
    /// ∓infinity with y = ±infinity, else ZE (no DE) and -sign(y) infinity; x = +infinity is IE with y = ±0; y = ±infinity
    /// is IE with x = 1; x = 1 gives a zero of y's sign, exactly. Any other finite nonzero result is reported inexact
    /// (host: log2 of a power of two too, then exact with C1 clear).
    /// </summary>
    public static Float80 YLog2X(Float80 y, Float80 x, ushort fcw, ref X87Exc exc)
    {
        if (Special2(y, x, ref exc) is Float80 s) return s;
        var cy = y.Class; var cx = x.Class;
        if (x.Sign && cx != Float80Class.Zero) return Invalid(ref exc);
        if (cx == Float80Class.Zero)
        {
            if (cy == Float80Class.Zero) return Invalid(ref exc);
            if (cy != Float80Class.Infinity) exc |= X87Exc.ZE;
            return Float80.Infinity(!y.Sign);
        }
        if (cx == Float80Class.Infinity && cy == Float80Class.Zero || cy == Float80Class.Infinity && IsOne(x)) return Invalid(ref exc);
        Denormals(y, x, ref exc);
        if (Suppresses(exc, fcw)) return y;
        bool negLog = BelowOne(x) && cx != Float80Class.Infinity;
        if (cx == Float80Class.Infinity || cy == Float80Class.Infinity) return Float80.Infinity(y.Sign ^ negLog);
        if (cy == Float80Class.Zero) return Float80.SignedZero(y.Sign ^ negLog);
        if (IsOne(x)) return Float80.SignedZero(y.Sign);
        Exact ex = Unpack(x), ey = Unpack(y);
        return TimesLog2(ey, new BigReal(ex.M, ex.E), fcw, ref exc);
    }

    /// <summary>
    /// y * log2 z for z &gt; 0, z != 1, reported inexact: exact (then only rounded) when z is a power of two, else the
    /// logarithm's series.
    /// </summary>
    private static Float80 TimesLog2(Exact y, BigReal z, ushort fcw, ref X87Exc exc)
    {
        if ((z.M & (z.M - 1)).IsZero)
        {
            int n = z.Top;
            return Round(new Exact(y.Sign ^ (n < 0), y.M * Math.Abs(n), y.E), (ushort)(fcw | 0x300), ref exc, inexact: true);
        }
        BigReal ry = Real(y);
        return RoundTranscendental(w => (BigReal.Mul(ry, X87Elementary.Log2(z, w), w), false), fcw, ref exc, inexact: true);
    }

    /// <summary>
    /// fyl2xp1: y * log2(x + 1), y = ST(1), x = ST(0). The SDM defines |x| &lt; 1 - sqrt(2)/2 and its table: ±0 times a
    /// finite y is a zero (sign of y xor x), 0 * infinity is IE, -infinity is IE, +infinity times a nonzero y is that
    /// infinity. Beyond, as the host: x &gt; -1 is computed (log2 of 1 + x), x &lt;= -1 returns x with PE. Finite nonzero
    /// results are reported inexact, as fyl2x's.
    /// </summary>
    public static Float80 YLog2XP1(Float80 y, Float80 x, ushort fcw, ref X87Exc exc)
    {
        if (Special2(y, x, ref exc) is Float80 s) return s;
        var cy = y.Class; var cx = x.Class;
        if (cx == Float80Class.Infinity && (x.Sign || cy == Float80Class.Zero) || cy == Float80Class.Infinity && cx == Float80Class.Zero)
            return Invalid(ref exc);
        Denormals(y, x, ref exc);
        if (Suppresses(exc, fcw)) return y;
        if (cx == Float80Class.Infinity || cy == Float80Class.Infinity) return Float80.Infinity(y.Sign ^ x.Sign);
        if (cy == Float80Class.Zero || cx == Float80Class.Zero) return Float80.SignedZero(y.Sign ^ x.Sign);
        if (x.Sign && !BelowOne(x)) { exc |= X87Exc.PE; return x; }
        Exact ex = Unpack(x), ey = Unpack(y);
        if (TopExp(ex.M, ex.E) < -2)                                           // |x| < 1/4: ln(1 + x) straight from x
        {
            BigReal rx = Real(ex), ry = Real(ey);
            return RoundTranscendental(w => (BigReal.Mul(ry, BigReal.Div(X87Elementary.Ln1p(rx, w), X87Elementary.Ln2(w), w), w), false),
                fcw, ref exc, inexact: true);
        }
        // 1 + x exactly: x >= 1/4 in magnitude has its last bit at 2^-66 or above.
        BigInteger m = ex.Sign ? -ex.M : ex.M;
        BigReal z = ex.E >= 0 ? new BigReal((m << ex.E) + 1, 0) : new BigReal(m + (BigInteger.One << -ex.E), ex.E);
        return TimesLog2(ey, z, fcw, ref exc);
    }
}
