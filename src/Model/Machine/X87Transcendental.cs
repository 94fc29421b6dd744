using System.Globalization;
using System.Numerics;

namespace L4Conf.Model.Machine;

/// <summary>
/// The x87 transcendentals (SDM Vol. 1 §8.3.10 and the instruction pages): fsin, fcos, fsincos, fptan, f2xm1, fpatan,
/// fyl2x, fyl2xp1, with their special operands, exceptions and C1.
/// </summary>
/// <remarks>
/// <para>Precision: the SDM promises results within 1 ulp (1.5 in the directed rounding modes) and monotonic. The model
/// gives the value of the function at the exact operand,
/// rounded once, in FCW's rounding mode, to 64 bits whatever the precision control (§8.1.5.2: PC covers only add,
/// subtract, multiply, divide and square root); C1 says whether the magnitude was rounded up. The trigonometric
/// functions first take off multiples of pi/2 with the x87's 66-bit pi (§8.3.8: 0xC90FDAA22168C234C * 2^-66), exactly,
/// as the hardware does: fsin(fldpi) is -2^-64 where the true sine is -0.925 * 2^-64, and at a multiple k of the 66-bit
/// pi the hardware's sine is about 0 where the true one is about k * 4.0e-21 (0.0093 for k = 2^61). Taken from the host CPU (AMD EPYC, family 26; tests/Model.Tests/x87/x87_transcendental.c): it reduces with
/// that 66-bit pi too, ignores PC, honours RC, and agrees with this correctly rounded value except within about 0.05 ulp
/// of a rounding boundary (its microcode's own approximation; cpu diff counts those as
/// <c>CpuComparer.X87TranscendentalQuirk</c>), and fptan of |x| &lt; 2^-34, whose last-place error is larger.</para>
/// <para>What the SDM leaves open, as the host does it: fsincos sets C1 from the sine; f2xm1 of |x| &gt; 1 (undefined)
/// returns x with PE, f2xm1(+1) is 1 - δ (1 with C1 to nearest or up, 1 - 2^-64 down or to zero) and f2xm1(-1) is -0.5
/// with PE; fyl2x and fyl2xp1 report every finite nonzero result inexact (PE, with C1 clear when it is exact: log2 of a
/// power of two); fyl2xp1 of x &lt;= -1 (undefined) returns x with PE (a zero or infinite ST(1) gives the signed zero or
/// infinity of y times a negative number).</para>
/// <para>QEMU 7.2's TCG (the CPU of the captures; target/i386/tcg/fpu_helper.c, read in qemu/qemu at 06bb749) differs:
/// helper_fsin, helper_fcos, helper_fsincos and helper_fptan convert ST(0) to a double, call the host's libm (its exact
/// pi: a large multiple of pi gives a tiny result there) and convert back, so they have 53 bits, raise no exception,
/// leave C1 alone, treat |x| = 2^63 as in range and never check the stack; helper_f2xm1, helper_fpatan, helper_fyl2x and
/// helper_fyl2xp1 compute to about 64 bits in softfloat but raise IE for f2xm1 of |x| &gt; 1 and fyl2xp1 outside
/// [sqrt(2)/2 - 1, sqrt(2) - 1], give exact results (no PE) for f2xm1(±1) and fyl2x of a power of two, and never set C1.</para>
/// </remarks>
public static partial class X87Math
{
    /// <summary>The working precision of the first try, and the error bound every kernel stays under, in units of its W places (a power of two).</summary>
    private const int FirstBits = 160, SlackBits = 40;

    /// <summary>pi/2 of the x87 as an integer: P66 * 2^-67 (the 66 significant bits of §8.3.8's pi).</summary>
    private static readonly BigInteger HalfPi66 = BigInteger.Parse("0C90FDAA22168C234C", NumberStyles.HexNumber);

    /// <summary>
    /// Rounds the value <paramref name="f"/> computes at a working precision W, to 64 bits (PC does not apply) in FCW's
    /// rounding mode. The true value lies within 2^SlackBits units of the W places of f's value, or, when f says exact,
    /// just beside it (<see cref="BigReal.Nudge"/>); both ends of that interval, made odd one place further down so they
    /// are never on a boundary themselves, must round alike in value and flags, else W doubles (Ziv's strategy: these
    /// results are irrational, so never on a boundary, and a wider W always decides). At <see cref="X87Elementary.MaxBits"/>
    /// the upper end is taken: only an operand wider than that gets there (fyl2xp1 of x &gt;= 2^4096, whose 1 + x is cut
    /// toward zero, so the true value lies on the upper side).
    /// </summary>
    private static Float80 RoundTranscendental(Func<int, (BigReal V, bool Exact)> f, ushort fcw, ref X87Exc exc, bool inexact = false)
    {
        ushort fcw64 = (ushort)(fcw | 0x300);
        for (int w = FirstBits; ; w *= 2)
        {
            var (v, exact) = f(w);
            bool neg = v.Negative;
            BigInteger mag = BigInteger.Abs(v.M);
            BigInteger err = exact ? BigInteger.Zero : BigInteger.One << Math.Max(0, (int)mag.GetBitLength() - w + SlackBits);
            BigInteger lo = mag - err, hi = mag + err;
            X87Exc eLo = 0, eHi = 0;
            Float80 rHi = Round(new Exact(neg, 2 * hi + 1, v.E - 1), fcw64, ref eHi, inexact);
            if (lo.Sign > 0)
            {
                Float80 rLo = Round(new Exact(neg, 2 * lo - 1, v.E - 1), fcw64, ref eLo, inexact);
                if (rLo == rHi && eLo == eHi) { exc |= eHi; return rHi; }
            }
            if (w >= X87Elementary.MaxBits) { exc |= eHi; return rHi; }
        }
    }

    // ------------------------------------------------------------------ fsin, fcos, fsincos, fptan

    private enum TrigFn { Sin, Cos, Tan }

    /// <summary>
    /// The operand checks of the four trigonometric instructions; a non-null result is final: an unsupported encoding
    /// or an infinity is IE with the real indefinite, an SNaN IE and quieted, a QNaN itself, and |x| &gt;= 2^63
    /// (<paramref name="outOfRange"/>: C2 = 1) the operand unchanged without any exception. A denormal raises DE.
    /// </summary>
    private static Float80? TrigOperand(Float80 a, ref X87Exc exc, out bool outOfRange)
    {
        outOfRange = false;
        switch (a.Class)
        {
            case Float80Class.Unsupported: case Float80Class.Infinity: return Invalid(ref exc);
            case Float80Class.SNaN: exc |= X87Exc.IE; return Quiet(a);
            case Float80Class.QNaN: return a;
            case Float80Class.Zero: return null;
        }
        if (a.Exp >= Float80.Bias + 63) { outOfRange = true; return a; }
        Denormals(a, a, ref exc);
        return null;
    }

    /// <summary>
    /// x = k pi66/2 + r: the quadrant k mod 4 and r exactly (|r| &lt;= pi66/4); k is the nearest integer, never a tie
    /// (P66 has 66 significant bits, x at most 64).
    /// </summary>
    private static (int Quadrant, BigReal R) Reduce(Float80 a)
    {
        Exact x = Unpack(a);
        BigInteger m = x.Sign ? -x.M : x.M;
        if (TopExp(x.M, x.E) < -1) return (0, new BigReal(m, x.E));            // |x| < 1/2: nothing to take off
        BigInteger scaled = m << (x.E + 67);                                   // x * 2^67, an integer: x.E >= -64 here
        BigInteger k = BigInteger.Divide(2 * scaled + (scaled.Sign < 0 ? -HalfPi66 : HalfPi66), 2 * HalfPi66);
        return ((int)(k & 3), new BigReal(scaled - k * HalfPi66, -67));
    }

    /// <summary>
    /// sin, cos or tan of a finite nonzero x below 2^63. A reduced r is a multiple of 2^-67, so only an unreduced x can
    /// be below 2^-100: there sin x = x - δ, cos x = 1 - δ, tan x = x + δ with δ far below any rounding step.
    /// </summary>
    private static (BigReal, bool) Trig(Float80 a, TrigFn fn, int w)
    {
        var (q, r) = Reduce(a);
        if (r.Top < -100)
            return (fn switch { TrigFn.Sin => BigReal.Nudge(r, away: false), TrigFn.Cos => BigReal.Nudge(BigReal.Of(1), away: false), _ => BigReal.Nudge(r, away: true) }, true);
        var (sr, c) = X87Elementary.SinCos(r, w);
        BigReal s = BigReal.Mul(r, sr, w);
        bool odd = (q & 1) != 0;
        BigReal v = fn switch
        {
            TrigFn.Sin => odd ? c : s,                                         // sin(r + k pi/2)
            TrigFn.Cos => odd ? s : c,
            _ => odd ? BigReal.Div(c, s, w) : BigReal.Div(s, c, w),           // tan(r + pi/2) = -cot r
        };
        bool negate = fn switch { TrigFn.Sin => q >= 2, TrigFn.Cos => q is 1 or 2, _ => odd };
        return (negate ? v.Neg() : v, false);
    }

    /// <summary>fsin and fcos: ST(0) = sin or cos ST(0); <paramref name="outOfRange"/> (C2) when |x| &gt;= 2^63, x unchanged.</summary>
    public static Float80 Sin(Float80 a, ushort fcw, ref X87Exc exc, out bool outOfRange) => TrigOf(a, TrigFn.Sin, fcw, ref exc, out outOfRange);

    /// <inheritdoc cref="Sin"/>
    public static Float80 Cos(Float80 a, ushort fcw, ref X87Exc exc, out bool outOfRange) => TrigOf(a, TrigFn.Cos, fcw, ref exc, out outOfRange);

    private static Float80 TrigOf(Float80 a, TrigFn fn, ushort fcw, ref X87Exc exc, out bool outOfRange)
    {
        if (TrigOperand(a, ref exc, out outOfRange) is Float80 s) return s;
        if (a.Class == Float80Class.Zero) return fn == TrigFn.Cos ? Float80.One : a;
        if (Suppresses(exc, fcw)) return a;
        return RoundTranscendental(w => Trig(a, fn, w), fcw, ref exc);
    }

    /// <summary>
    /// fptan: tan ST(0), and the value pushed after it (<paramref name="pushed"/>): 1.0, or for a NaN or invalid
    /// operand the same NaN or indefinite (host: both registers get it).
    /// </summary>
    public static Float80 Tan(Float80 a, ushort fcw, ref X87Exc exc, out bool outOfRange, out Float80 pushed)
    {
        pushed = Float80.One;
        if (TrigOperand(a, ref exc, out outOfRange) is Float80 s) { pushed = s; return s; }
        if (a.Class == Float80Class.Zero || Suppresses(exc, fcw)) return a;
        return RoundTranscendental(w => Trig(a, TrigFn.Tan, w), fcw, ref exc);
    }

    /// <summary>
    /// fsincos: sin ST(0) (it stays in the register that becomes ST(1)) and cos ST(0) (<paramref name="cos"/>, pushed);
    /// the exceptions of both, C1 from the sine (host). A NaN or invalid operand gives both the same NaN or indefinite.
    /// </summary>
    public static Float80 SinCos(Float80 a, ushort fcw, ref X87Exc exc, out bool outOfRange, out Float80 cos)
    {
        if (TrigOperand(a, ref exc, out outOfRange) is Float80 s) { cos = s; return s; }
        cos = Float80.One;
        if (a.Class == Float80Class.Zero || Suppresses(exc, fcw)) return a;
        X87Exc es = 0, ec = 0;
        Float80 sin = RoundTranscendental(w => Trig(a, TrigFn.Sin, w), fcw, ref es);
        cos = RoundTranscendental(w => Trig(a, TrigFn.Cos, w), fcw, ref ec);
        exc |= es | (ec & ~X87Exc.C1);
        return sin;
    }
}
