using System.Numerics;

namespace L4Conf.Model.Machine;

/// <summary>
/// A real number M * 2^E carried at a working precision of W bits (|M| truncated toward zero to its top W bits), for
/// the x87 transcendentals (<see cref="X87Math"/>): every operation is within one unit in the last of those W places,
/// so a chain of a few hundred of them stays far inside the error bound the rounding step assumes.
/// </summary>
internal readonly record struct BigReal(BigInteger M, int E)
{
    public bool IsZero => M.IsZero;
    public bool Negative => M.Sign < 0;

    /// <summary>The exponent of the top bit (floor of log2 |value|); meaningless for zero.</summary>
    public int Top => E + (int)BigInteger.Abs(M).GetBitLength() - 1;

    public static BigReal Of(long v) => new(v, 0);

    public BigReal Neg() => new(-M, E);

    /// <summary>Exact: the value times 2^k.</summary>
    public BigReal Scale(int k) => new(M, E + k);

    public BigReal Trunc(int w)
    {
        int excess = (int)BigInteger.Abs(M).GetBitLength() - w;
        if (excess <= 0) return this;
        return new(M.Sign < 0 ? -(-M >> excess) : M >> excess, E + excess);
    }

    public static BigReal Mul(BigReal a, BigReal b, int w) => new BigReal(a.M * b.M, a.E + b.E).Trunc(w);

    public static BigReal Div(BigReal a, BigReal b, int w)
    {
        if (a.IsZero) return a;
        int s = Math.Max(0, w + 2 + (int)BigInteger.Abs(b.M).GetBitLength() - (int)BigInteger.Abs(a.M).GetBitLength());
        return new BigReal(BigInteger.Divide(a.M << s, b.M), a.E - s - b.E).Trunc(w);
    }

    public static BigReal Div(BigReal a, long n, int w) => Div(a, Of(n), w);

    /// <summary>
    /// a + b. An operand entirely below the result's W places stands in as one unit just below them with its sign, so
    /// no alignment is ever wider than W + 10 bits (the error stays under a unit of the W places).
    /// </summary>
    public static BigReal Add(BigReal a, BigReal b, int w)
    {
        if (a.IsZero) return b.Trunc(w);
        if (b.IsZero) return a.Trunc(w);
        int floor = Math.Max(a.Top, b.Top) - w - 8;
        a = AtLeast(a, floor); b = AtLeast(b, floor);
        int e = Math.Min(a.E, b.E);
        return new BigReal((a.M << (a.E - e)) + (b.M << (b.E - e)), e).Trunc(w);
    }

    public static BigReal Sub(BigReal a, BigReal b, int w) => Add(a, b.Neg(), w);

    private static BigReal AtLeast(BigReal x, int floor)
    {
        if (x.E >= floor) return x;
        if (x.Top < floor) return new(x.M.Sign, floor);
        int s = floor - x.E;
        return new(x.M.Sign < 0 ? -(-x.M >> s) : x.M >> s, floor);
    }

    /// <summary>The square root of a positive value.</summary>
    public static BigReal Sqrt(BigReal a, int w)
    {
        int s = Math.Max(0, 2 * w + 4 - (int)a.M.GetBitLength());
        if (((a.E - s) & 1) != 0) s++;
        return new BigReal(X87Math.ISqrt(a.M << s), (a.E - s) / 2).Trunc(w);
    }

    /// <summary>
    /// Just beside an exact value: <paramref name="lead"/> moved by one unit 130 places below its last bit, toward zero
    /// (<paramref name="away"/> false) or away from it. Stands for lead ∓ δ with 0 &lt; δ far below any rounding step
    /// (never truncated: the rounding takes it as it is).
    /// </summary>
    public static BigReal Nudge(BigReal lead, bool away)
    {
        const int Below = 130;
        int sign = lead.M.Sign;
        return new BigReal((lead.M << Below) + (away ? sign : -sign), lead.E - Below);
    }
}
