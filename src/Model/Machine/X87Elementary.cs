using System.Numerics;

namespace L4Conf.Model.Machine;

/// <summary>
/// The elementary functions the x87 transcendentals are made of, on <see cref="BigReal"/> at a working precision of W
/// bits: series after argument halving, each to a relative error of a few hundred units of the W places (far inside the
/// bound <see cref="X87Math"/> rounds with). Real numbers only: the constants are computed from their series, not copied.
/// </summary>
internal static class X87Elementary
{
    /// <summary>The widest working precision; the constants are held to it and 64 bits more.</summary>
    public const int MaxBits = 4096;
    private const int ConstBits = MaxBits + 64;

    // Computed once per process, deterministically; a few milliseconds.
    private static readonly Lazy<BigInteger> PiFixed = new(() => 16 * AtanInverse(5, true) - 4 * AtanInverse(239, true));
    private static readonly Lazy<BigInteger> Ln2Fixed = new(() => 2 * AtanInverse(3, false));

    /// <summary>pi (Machin: 16 atan(1/5) - 4 atan(1/239)), to W bits.</summary>
    public static BigReal Pi(int w) => new BigReal(PiFixed.Value, -ConstBits).Trunc(w);

    /// <summary>ln 2 = 2 atanh(1/3), to W bits.</summary>
    public static BigReal Ln2(int w) => new BigReal(Ln2Fixed.Value, -ConstBits).Trunc(w);

    /// <summary>atan(1/n) (<paramref name="alternate"/>) or atanh(1/n), times 2^ConstBits: the series term by term.</summary>
    private static BigInteger AtanInverse(int n, bool alternate)
    {
        BigInteger power = (BigInteger.One << ConstBits) / n, sum = 0;
        for (int k = 0; !power.IsZero; k++)
        {
            BigInteger term = power / (2 * k + 1);
            sum += alternate && (k & 1) != 0 ? -term : term;
            power /= n * n;
        }
        return sum;
    }

    private static bool Negligible(BigReal term, int w) => term.IsZero || term.Top < -w - 4;

    /// <summary>sin r = r * S and cos r = C for |r| &lt;= pi/4 (the Taylor series in r², both at least 0.7).</summary>
    public static (BigReal S, BigReal C) SinCos(BigReal r, int w)
    {
        BigReal t = BigReal.Mul(r, r, w).Neg();
        BigReal termS = BigReal.Of(1), termC = termS, s = termS, c = termC;
        for (long k = 1; ; k++)
        {
            termC = BigReal.Div(BigReal.Mul(termC, t, w), (2 * k - 1) * (2 * k), w);
            termS = BigReal.Div(BigReal.Mul(termS, t, w), 2 * k * (2 * k + 1), w);
            if (Negligible(termC, w)) return (s, c);
            c = BigReal.Add(c, termC, w);
            s = BigReal.Add(s, termS, w);
        }
    }

    /// <summary>
    /// atan q for 0 &lt; q &lt;= 1: halved with atan q = 2 atan(q / (1 + sqrt(1 + q²))) until q &lt; 2^-8, then
    /// q (1 - q²/3 + q⁴/5 - ...).
    /// </summary>
    public static BigReal Atan(BigReal q, int w)
    {
        var one = BigReal.Of(1);
        int doublings = 0;
        for (; q.Top >= -8; doublings++)
            q = BigReal.Div(q, BigReal.Add(one, BigReal.Sqrt(BigReal.Add(one, BigReal.Mul(q, q, w), w), w), w), w);
        BigReal t = BigReal.Mul(q, q, w).Neg(), power = one, sum = one;
        for (long k = 1; ; k++)
        {
            power = BigReal.Mul(power, t, w);
            if (Negligible(power, w)) break;
            sum = BigReal.Add(sum, BigReal.Div(power, 2 * k + 1, w), w);
        }
        return BigReal.Mul(q, sum, w).Scale(doublings);
    }

    /// <summary>ln(1 + x) for -0.3 &lt; x &lt; 0.5: 2 atanh(u) with u = x / (2 + x), |u| &lt; 0.18.</summary>
    public static BigReal Ln1p(BigReal x, int w)
    {
        BigReal u = BigReal.Div(x, BigReal.Add(BigReal.Of(2), x, w), w);
        BigReal t = BigReal.Mul(u, u, w), power = BigReal.Of(1), sum = power;
        for (long k = 1; ; k++)
        {
            power = BigReal.Mul(power, t, w);
            if (Negligible(power, w)) break;
            sum = BigReal.Add(sum, BigReal.Div(power, 2 * k + 1, w), w);
        }
        return BigReal.Mul(u, sum, w).Scale(1);
    }

    /// <summary>log2 z for z &gt; 0: n + ln(m) / ln 2 with z = m 2^n, m in [sqrt(1/2), sqrt(2)).</summary>
    public static BigReal Log2(BigReal z, int w)
    {
        z = z.Trunc(w);
        int n = z.Top;
        BigReal m = z.Scale(-n);                                   // [1, 2): M has its top bit at -E
        if (BigInteger.Multiply(m.M, m.M) > BigInteger.One << (1 - 2 * m.E)) { n++; m = m.Scale(-1); }
        BigReal l = BigReal.Div(Ln1p(BigReal.Sub(m, BigReal.Of(1), w), w), Ln2(w), w);
        return n == 0 ? l : BigReal.Add(BigReal.Of(n), l, w);
    }

    /// <summary>
    /// e^z - 1 for |z| &lt; 1: halved below 2^-10, there z (1 + z/2 + z²/6 + ...), then doubled back with
    /// e^(2z) - 1 = (e^z - 1)(e^z - 1 + 2), which keeps the relative error of a tiny result.
    /// </summary>
    public static BigReal Expm1(BigReal z, int w)
    {
        int halvings = 0;
        for (; z.Top >= -10; halvings++) z = z.Scale(-1);
        BigReal term = BigReal.Of(1), sum = term;
        for (long k = 2; ; k++)
        {
            term = BigReal.Div(BigReal.Mul(term, z, w), k, w);
            if (Negligible(term, w)) break;
            sum = BigReal.Add(sum, term, w);
        }
        BigReal e = BigReal.Mul(z, sum, w);
        for (; halvings > 0; halvings--) e = BigReal.Mul(e, BigReal.Add(e, BigReal.Of(2), w), w);
        return e;
    }
}
