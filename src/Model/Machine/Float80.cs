using System.Numerics;

namespace L4Conf.Model.Machine;

/// <summary>x87 status-word exception bits (FSW 0..6) and the condition-code bit C1 (rounded up / stack overflow).</summary>
[Flags]
public enum X87Exc : ushort
{
    None = 0,
    IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, SF = 0x40,
    /// <summary>Not an exception: the result's magnitude was rounded up (C1 in FSW after an inexact result).</summary>
    C1 = 0x200,
}

/// <summary>The operand classes of the 80-bit format (SDM Vol. 1 §8.2.2, Table 8-3).</summary>
public enum Float80Class { Zero, Denormal, PseudoDenormal, Normal, Infinity, QNaN, SNaN, Unsupported }

/// <summary>
/// An x87 double extended-precision value: sign and 15-bit biased exponent (<see cref="Se"/>) and the 64-bit
/// significand with its explicit integer bit 63 (<see cref="Sig"/>), as the FPU registers and m80 hold it.
/// </summary>
public readonly record struct Float80(ushort Se, ulong Sig)
{
    public const int Bias = 16383;
    public const ulong IntBit = 1UL << 63, QuietBit = 1UL << 62;

    /// <summary>The default NaN ("real indefinite"): negative, quiet, fraction 0.</summary>
    public static readonly Float80 Indefinite = new(0xFFFF, 0xC000_0000_0000_0000);
    public static readonly Float80 Zero = new(0, 0), One = new(0x3FFF, IntBit);

    public bool Sign => (Se & 0x8000) != 0;
    public int Exp => Se & 0x7FFF;

    public Float80Class Class
    {
        get
        {
            int e = Exp;
            bool j = (Sig & IntBit) != 0;
            if (e == 0) return Sig == 0 ? Float80Class.Zero : j ? Float80Class.PseudoDenormal : Float80Class.Denormal;
            if (e == 0x7FFF)
            {
                if (!j) return Float80Class.Unsupported;                 // pseudo-infinity, pseudo-NaN
                if ((Sig << 1) == 0) return Float80Class.Infinity;
                return (Sig & QuietBit) != 0 ? Float80Class.QNaN : Float80Class.SNaN;
            }
            return j ? Float80Class.Normal : Float80Class.Unsupported;   // unnormal
        }
    }

    public bool IsNaN => Class is Float80Class.QNaN or Float80Class.SNaN;
    public bool IsDenormal => Class is Float80Class.Denormal or Float80Class.PseudoDenormal;
    public Float80 Negate() => new((ushort)(Se ^ 0x8000), Sig);
    public Float80 Abs() => new((ushort)(Se & 0x7FFF), Sig);
    public static Float80 Infinity(bool neg) => new((ushort)(neg ? 0xFFFF : 0x7FFF), IntBit);
    public static Float80 SignedZero(bool neg) => new((ushort)(neg ? 0x8000 : 0), 0);

    public override string ToString() => $"{Se:x4}:{Sig:x16}";

    /// <summary>m80 little-endian: 8 bytes significand, 2 bytes sign/exponent.</summary>
    public static Float80 Read(ReadOnlySpan<byte> b) =>
        new(System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(b[8..]), System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b));

    public void Write(Span<byte> b)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b, Sig);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(b[8..], Se);
    }
}

/// <summary>
/// The x87 arithmetic on <see cref="Float80"/> (Intel SDM Vol. 1 ch. 4 and 8): exact results computed with big integers
/// and rounded once to the precision control's 24, 53 or 64 bits (the exponent keeps its 15-bit range) in the rounding
/// control's mode; exception flags and the masked and unmasked responses of FCW; the x87 NaN rules.
/// </summary>
/// <remarks>
/// <para>Every operation returns its result and ORs the exceptions it raised into <c>exc</c> (with
/// <see cref="X87Exc.C1"/> when an inexact result was rounded up in magnitude). An unmasked IE, DE or ZE means the
/// destination must not be written: the caller checks <see cref="Suppresses"/>. An unmasked OE or UE gives the result
/// with its exponent wrapped by 24576 (SDM §8.5.4.2, §8.5.5.2).</para>
/// <para>Rules taken from the host CPU (AMD EPYC, probes written in C with inline asm): tininess is detected after
/// rounding (to the precision, with an unbounded exponent); a masked underflow sets UE only with an inexact result, an unmasked one always; with two NaN operands the
/// QNaN beats an SNaN, else the larger significand wins and equal significands give the positive one; a pseudo-denormal
/// operand is valued with exponent 1 and raises DE; unnormals, pseudo-NaNs and pseudo-infinities are invalid (IE,
/// real indefinite); with precision control below 64 a tiny result keeps its bits from the same position as the
/// smallest normal's last bit (so PC 24 keeps 23 bits of a denormal whose top bit is the fraction's first).</para>
/// </remarks>
public static partial class X87Math
{
    /// <summary>FCW fields.</summary>
    public const int PcShift = 8, RcShift = 10;
    public const int RoundNearest = 0, RoundDown = 1, RoundUp = 2, RoundZero = 3;
    private const int WrapBias = 24576;

    /// <summary>The significand bits FCW's precision control gives: 24 (00), 53 (10), 64 (11; 01 is reserved and acts as 64).</summary>
    public static int Precision(ushort fcw) => ((fcw >> PcShift) & 3) switch { 0 => 24, 2 => 53, _ => 64 };
    public static int Rounding(ushort fcw) => (fcw >> RcShift) & 3;

    /// <summary>Whether the exceptions raised leave the destination unwritten: an unmasked IE, DE or ZE.</summary>
    public static bool Suppresses(X87Exc exc, ushort fcw) => ((ushort)exc & ~fcw & 0x7) != 0;

    /// <summary>A format to round to: significand bits, smallest and largest unbiased normal exponent.</summary>
    public readonly record struct Format(int P, int Emin, int Emax)
    {
        public static Format Extended(int p) => new(p, 1 - Float80.Bias, Float80.Bias);
        public static readonly Format Single = new(24, -126, 127), Double = new(53, -1022, 1023);
    }

    /// <summary>A finite value as sign, integer magnitude and power of two: (-1)^s * M * 2^E.</summary>
    private readonly record struct Exact(bool Sign, BigInteger M, int E);

    private static Exact Unpack(Float80 a) => new(a.Sign, a.Sig, Math.Max(a.Exp, 1) - Float80.Bias - 63);

    // ------------------------------------------------------------------ rounding

    /// <summary>The result of rounding: Q * 2^Lsb, its flags.</summary>
    private readonly record struct Rounded(BigInteger Q, int Lsb, bool Inexact, bool Up);

    private static Rounded RoundAt(bool sign, BigInteger m, int e, int lsb, int rc)
    {
        int shift = lsb - e;
        if (shift <= 0) return new(m << -shift, lsb, false, false);
        BigInteger q = m >> shift, rem = m - (q << shift), half = BigInteger.One << (shift - 1);
        bool inexact = !rem.IsZero;
        bool up = rc switch
        {
            RoundNearest => rem > half || (rem == half && !q.IsEven),
            RoundDown => sign && inexact,
            RoundUp => !sign && inexact,
            _ => false,
        };
        return new(up ? q + 1 : q, lsb, inexact, up);
    }

    private static int TopExp(BigInteger q, int lsb) => lsb + (int)q.GetBitLength() - 1;

    /// <summary>
    /// Rounds the exact nonzero value to <paramref name="f"/>; gives the unbiased exponent of the result (or of the
    /// wrapped result), its significand as an integer with the explicit top bit, and whether it is a normal.
    /// </summary>
    private static (int Exp, BigInteger Q, int Lsb, bool Overflowed) RoundToFormat(Exact x, Format f, int rc, ushort fcw, ref X87Exc exc, out bool special, bool inexact = false)
    {
        special = false;
        int top = TopExp(x.M, x.E);
        bool um = (fcw & (ushort)X87Exc.UE) != 0, om = (fcw & (ushort)X87Exc.OE) != 0;
        // Tininess after rounding (host): rounded to P bits with an unbounded exponent, the value is still below 2^Emin.
        bool tiny = false;
        if (top < f.Emin)
        {
            var u = RoundAt(x.Sign, x.M, x.E, top - f.P + 1, rc);
            tiny = TopExp(u.Q, u.Lsb) < f.Emin;
        }
        int lsb = Math.Max(top - f.P + 1, f.Emin - f.P + 1);
        if (tiny && !um) lsb = top - f.P + 1;                     // unmasked underflow: rounded as a normal, wrapped later
        var r = RoundAt(x.Sign, x.M, x.E, lsb, rc);
        if (r.Inexact || inexact) exc |= X87Exc.PE;
        if (r.Up) exc |= X87Exc.C1;
        if (tiny && (r.Inexact || inexact || !um)) exc |= X87Exc.UE;
        BigInteger q = r.Q;
        int l = r.Lsb;
        if (q.GetBitLength() > f.P) { q >>= 1; l++; }               // a carry out of the top bit (exact: the low bit is 0)
        int rtop = q.IsZero ? int.MinValue : TopExp(q, l);
        if (rtop > f.Emax)
        {
            exc |= X87Exc.OE;
            if (!om) return (rtop, q, l, true);
            exc |= X87Exc.PE;
            special = true;
            // masked overflow: infinity or the largest finite number, by the rounding direction
            bool toInf = rc == RoundNearest || (rc == RoundUp && !x.Sign) || (rc == RoundDown && x.Sign);
            if (toInf) exc |= X87Exc.C1; else exc &= ~X87Exc.C1;
            return (toInf ? int.MaxValue : f.Emax, toInf ? BigInteger.Zero : (BigInteger.One << f.P) - 1, f.Emax - f.P + 1, false);
        }
        return (rtop, q, l, false);
    }

    /// <summary>
    /// Rounds an exact value to the register format under FCW (precision and rounding control); <paramref name="inexact"/>
    /// reports it inexact (PE, and UE when tiny) even when it is exact.
    /// </summary>
    private static Float80 Round(Exact x, ushort fcw, ref X87Exc exc, bool inexact = false)
    {
        if (x.M.IsZero) return Float80.SignedZero(x.Sign);
        var f = Format.Extended(Precision(fcw));
        var (exp, q, lsb, _) = RoundToFormat(x, f, Rounding(fcw), fcw, ref exc, out bool special, inexact);
        if (special && exp == int.MaxValue) return Float80.Infinity(x.Sign);
        if (q.IsZero) return Float80.SignedZero(x.Sign);
        int biased = exp + Float80.Bias;
        ulong sig;
        if (biased >= 1 && biased <= 0x7FFE) sig = (ulong)(q << (63 - (exp - lsb)));
        else if (biased > 0x7FFE) { biased -= WrapBias; sig = (ulong)(q << (63 - (exp - lsb))); }   // unmasked overflow
        else if ((fcw & (ushort)X87Exc.UE) == 0) { biased += WrapBias; sig = (ulong)(q << (63 - (exp - lsb))); } // unmasked underflow
        else { biased = 0; sig = (ulong)(q << (lsb - (1 - Float80.Bias - 63))); }                  // denormal
        return new Float80((ushort)((x.Sign ? 0x8000 : 0) | biased), sig);
    }

    // ------------------------------------------------------------------ NaNs and operand checks

    public static Float80 Quiet(Float80 a) => new(a.Se, a.Sig | Float80.QuietBit);

    /// <summary>The x87 NaN result of two operands at least one of which is a NaN (SDM Table 4-7; equal significands: the positive).</summary>
    private static Float80 PropagateNaN(Float80 a, Float80 b, ref X87Exc exc)
    {
        if (a.Class == Float80Class.SNaN || b.Class == Float80Class.SNaN) exc |= X87Exc.IE;
        if (!a.IsNaN) return Quiet(b);
        if (!b.IsNaN) return Quiet(a);
        bool sa = a.Class == Float80Class.SNaN, sb = b.Class == Float80Class.SNaN;
        if (sa != sb) return sa ? b : a;                                        // the QNaN wins over an SNaN
        Float80 qa = Quiet(a), qb = Quiet(b);
        if (qa.Sig != qb.Sig) return qa.Sig > qb.Sig ? qa : qb;
        return qa.Se <= qb.Se ? qa : qb;
    }

    /// <summary>Checks two arithmetic operands; a non-null result is final (NaN or invalid).</summary>
    private static Float80? Special2(Float80 a, Float80 b, ref X87Exc exc)
    {
        if (a.Class == Float80Class.Unsupported || b.Class == Float80Class.Unsupported) { exc |= X87Exc.IE; return Float80.Indefinite; }
        if (a.IsNaN || b.IsNaN) return PropagateNaN(a, b, ref exc);
        return null;
    }

    private static void Denormals(Float80 a, Float80 b, ref X87Exc exc)
    {
        if (a.IsDenormal || b.IsDenormal) exc |= X87Exc.DE;
    }

    private static Float80 Invalid(ref X87Exc exc) { exc |= X87Exc.IE; return Float80.Indefinite; }

    // ------------------------------------------------------------------ arithmetic

    public static Float80 Add(Float80 a, Float80 b, ushort fcw, ref X87Exc exc) => AddSigned(a, b, false, fcw, ref exc);

    public static Float80 Sub(Float80 a, Float80 b, ushort fcw, ref X87Exc exc) => AddSigned(a, b, true, fcw, ref exc);

    private static Float80 AddSigned(Float80 a, Float80 b, bool negB, ushort fcw, ref X87Exc exc)
    {
        if (Special2(a, b, ref exc) is Float80 s) return s;
        if (negB) b = b.Negate();
        var ca = a.Class; var cb = b.Class;
        if (ca == Float80Class.Infinity && cb == Float80Class.Infinity && a.Sign != b.Sign) return Invalid(ref exc);
        Denormals(a, b, ref exc);                                  // also next to an infinity (host)
        if (Suppresses(exc, fcw)) return a;
        if (ca == Float80Class.Infinity || cb == Float80Class.Infinity) return ca == Float80Class.Infinity ? a : b;
        Exact x = Unpack(a), y = Unpack(b);
        int e = Math.Min(x.E, y.E);
        BigInteger sum = (x.Sign ? -1 : 1) * (x.M << (x.E - e)) + (y.Sign ? -1 : 1) * (y.M << (y.E - e));
        if (sum.IsZero)
        {
            bool neg = ca == Float80Class.Zero && cb == Float80Class.Zero && a.Sign == b.Sign ? a.Sign : Rounding(fcw) == RoundDown;
            return Float80.SignedZero(neg);
        }
        return Round(new Exact(sum.Sign < 0, BigInteger.Abs(sum), e), fcw, ref exc);
    }

    public static Float80 Mul(Float80 a, Float80 b, ushort fcw, ref X87Exc exc)
    {
        if (Special2(a, b, ref exc) is Float80 s) return s;
        bool neg = a.Sign != b.Sign;
        var ca = a.Class; var cb = b.Class;
        if ((ca == Float80Class.Infinity || cb == Float80Class.Infinity) && (ca == Float80Class.Zero || cb == Float80Class.Zero)) return Invalid(ref exc);
        Denormals(a, b, ref exc);
        if (Suppresses(exc, fcw)) return a;
        if (ca == Float80Class.Infinity || cb == Float80Class.Infinity) return Float80.Infinity(neg);
        if (ca == Float80Class.Zero || cb == Float80Class.Zero) return Float80.SignedZero(neg);
        Exact x = Unpack(a), y = Unpack(b);
        return Round(new Exact(neg, x.M * y.M, x.E + y.E), fcw, ref exc);
    }

    /// <summary>a / b.</summary>
    public static Float80 Div(Float80 a, Float80 b, ushort fcw, ref X87Exc exc)
    {
        if (Special2(a, b, ref exc) is Float80 s) return s;
        bool neg = a.Sign != b.Sign;
        var ca = a.Class; var cb = b.Class;
        if (ca == Float80Class.Infinity && cb == Float80Class.Infinity) return Invalid(ref exc);
        if (ca == Float80Class.Infinity || cb == Float80Class.Infinity)
        {
            Denormals(a, b, ref exc);
            if (Suppresses(exc, fcw)) return a;
            return ca == Float80Class.Infinity ? Float80.Infinity(neg) : Float80.SignedZero(neg);
        }
        if (cb == Float80Class.Zero)
        {
            if (ca == Float80Class.Zero) return Invalid(ref exc);
            exc |= X87Exc.ZE;
            return Float80.Infinity(neg);
        }
        Denormals(a, b, ref exc);
        if (Suppresses(exc, fcw)) return a;
        if (ca == Float80Class.Zero) return Float80.SignedZero(neg);
        Exact x = Unpack(a), y = Unpack(b);
        int k = 130 + (int)y.M.GetBitLength() - (int)x.M.GetBitLength();
        BigInteger q = BigInteger.DivRem(x.M << k, y.M, out BigInteger rem);
        q = (q << 1) | (rem.IsZero ? 0 : 1);                       // a sticky bit below all the others
        return Round(new Exact(neg, q, x.E - y.E - k - 1), fcw, ref exc);
    }

    public static Float80 Sqrt(Float80 a, ushort fcw, ref X87Exc exc)
    {
        var c = a.Class;
        if (c == Float80Class.Unsupported) return Invalid(ref exc);
        if (a.IsNaN) { if (c == Float80Class.SNaN) exc |= X87Exc.IE; return Quiet(a); }
        if (c == Float80Class.Zero) return a;
        if (a.Sign) return Invalid(ref exc);
        if (c == Float80Class.Infinity) return a;
        Denormals(a, a, ref exc);
        if (Suppresses(exc, fcw)) return a;
        Exact x = Unpack(a);
        int s = Math.Max(0, 140 - (int)x.M.GetBitLength());
        if (((x.E - s) & 1) != 0) s++;
        BigInteger m = x.M << s;
        BigInteger r = ISqrt(m);
        r = (r << 1) | (r * r == m ? 0 : 1);
        return Round(new Exact(false, r, (x.E - s) / 2 - 1), fcw, ref exc);
    }

    internal static BigInteger ISqrt(BigInteger n)
    {
        if (n.IsZero) return 0;
        BigInteger x = BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        while (true)
        {
            BigInteger y = (x + n / x) >> 1;
            if (y >= x) return x;
            x = y;
        }
    }

    /// <summary>frndint: to an integer by the rounding control (precision control does not apply).</summary>
    public static Float80 RoundToInt(Float80 a, ushort fcw, ref X87Exc exc)
    {
        var c = a.Class;
        if (c == Float80Class.Unsupported) return Invalid(ref exc);
        if (a.IsNaN) { if (c == Float80Class.SNaN) exc |= X87Exc.IE; return Quiet(a); }
        if (c is Float80Class.Zero or Float80Class.Infinity) return a;
        Denormals(a, a, ref exc);
        if (Suppresses(exc, fcw)) return a;
        Exact x = Unpack(a);
        if (x.E >= 0) return a;
        var r = RoundAt(x.Sign, x.M, x.E, 0, Rounding(fcw));
        if (r.Inexact) exc |= X87Exc.PE;
        if (r.Up) exc |= X87Exc.C1;
        return FromInteger(x.Sign, r.Q);
    }

    /// <summary>fscale: a * 2^trunc(b), rounded to 64 bits whatever the precision control (host).</summary>
    public static Float80 Scale(Float80 a, Float80 b, ushort fcw, ref X87Exc exc)
    {
        if (Special2(a, b, ref exc) is Float80 s) return s;
        var ca = a.Class; var cb = b.Class;
        // A denormal operand is flagged before an infinite scale decides the result (host: a pseudo-denormal scaled by
        // -infinity gives -0 with DE; cpu diff seed 1).
        Denormals(a, b, ref exc);
        if (Suppresses(exc, fcw)) return a;
        if (cb == Float80Class.Infinity)
        {
            if (b.Sign) return ca == Float80Class.Infinity ? Invalid(ref exc) : ca == Float80Class.Zero ? a : Float80.SignedZero(a.Sign);
            return ca == Float80Class.Zero ? Invalid(ref exc) : Float80.Infinity(a.Sign);
        }
        if (ca is Float80Class.Zero or Float80Class.Infinity) return a;
        Exact y = Unpack(b);
        BigInteger n = y.E >= 0 ? y.M << y.E : y.M >> -y.E;
        int k = (int)BigInteger.Clamp(y.Sign ? -n : n, -100000, 100000);
        Exact x = Unpack(a);
        return Round(new Exact(x.Sign, x.M, x.E + k), (ushort)(fcw | 0x300), ref exc);  // exact scaling: PC does not apply (host)
    }

    /// <summary>
    /// fprem (<paramref name="nearest"/> false: quotient truncated) and fprem1 (quotient rounded to nearest even): the exact
    /// remainder a - q*b. With exponents D = exp(a) - exp(b) apart, D &lt; 64 completes (<paramref name="partial"/> false,
    /// <paramref name="q"/> the quotient's low bits); otherwise one step reduces a by b*QQ*2^(D-N) with N = 32 + D mod 32
    /// and QQ truncated, and <paramref name="partial"/> is true (the host CPU: D = 64..70 and 200 agree with that N).
    /// </summary>
    public static Float80 Remainder(Float80 a, Float80 b, bool nearest, ushort fcw, ref X87Exc exc, out ulong q, out bool partial)
    {
        q = 0; partial = false;
        if (Special2(a, b, ref exc) is Float80 s) return s;
        var ca = a.Class; var cb = b.Class;
        if (ca == Float80Class.Infinity || cb == Float80Class.Zero) return Invalid(ref exc);
        Denormals(a, b, ref exc);
        if (Suppresses(exc, fcw)) return a;
        if (cb == Float80Class.Infinity || ca == Float80Class.Zero)   // a itself; a pseudo-denormal comes back with exponent 1 (host)
            return ca == Float80Class.PseudoDenormal ? new Float80((ushort)(a.Se | 1), a.Sig) : a;
        Exact x = Unpack(a), y = Unpack(b);
        int d = TopExp(x.M, x.E) - TopExp(y.M, y.E);
        int e = Math.Min(x.E, y.E);
        BigInteger mx = x.M << (x.E - e), my = y.M << (y.E - e);
        BigInteger quotient, rem;
        if (d >= 64)
        {
            int shift = d - (32 + d % 32);
            BigInteger step = my << shift;
            quotient = BigInteger.DivRem(mx, step, out rem);
            partial = true;
        }
        else
        {
            quotient = BigInteger.DivRem(mx, my, out rem);
            if (nearest && (rem * 2 > my || (rem * 2 == my && !quotient.IsEven))) { quotient += 1; rem -= my; }
            q = (ulong)(quotient & 7);
        }
        if (rem.IsZero) return Float80.SignedZero(a.Sign);
        bool neg = a.Sign ^ (rem.Sign < 0);
        return Round(new Exact(neg, BigInteger.Abs(rem), e), (ushort)(fcw | 0x300), ref exc);
    }

    /// <summary>
    /// fxtract (SDM "FXTRACT"): returns the unbiased exponent of <paramref name="a"/> as an exact extended value and gives
    /// the significand with the sign kept and exponent 0 (biased 0x3FFF), neither rounded (precision control does not
    /// apply: host). A denormal (DE) or pseudo-denormal is normalized: its true exponent (0000:0000000000000001 gives
    /// -16445, 0000:8000000000000001 -16382; host). Zero: ZE, exponent -infinity, significand the zero itself.
    /// Infinity: exponent +infinity, significand the infinity. A NaN: both the NaN, quieted (an SNaN raises IE).
    /// Unnormals, pseudo-NaNs and pseudo-infinities: IE, both the real indefinite.
    /// </summary>
    public static Float80 Extract(Float80 a, ref X87Exc exc, out Float80 significand)
    {
        switch (a.Class)
        {
            case Float80Class.Unsupported: significand = Float80.Indefinite; return Invalid(ref exc);
            case Float80Class.SNaN: exc |= X87Exc.IE; significand = Quiet(a); return significand;
            case Float80Class.QNaN: significand = a; return a;
            case Float80Class.Infinity: significand = a; return Float80.Infinity(false);
            case Float80Class.Zero: exc |= X87Exc.ZE; significand = a; return Float80.Infinity(true);
        }
        Denormals(a, a, ref exc);
        Exact x = Unpack(a);
        int bits = (int)x.M.GetBitLength();
        significand = new Float80((ushort)((a.Sign ? 0x8000 : 0) | Float80.Bias), (ulong)(x.M << (64 - bits)));
        return FromInt64(TopExp(x.M, x.E));
    }

    // ------------------------------------------------------------------ compare

    /// <summary>Comparison outcome: less, equal, greater or unordered.</summary>
    public enum Order { Less, Equal, Greater, Unordered }

    /// <summary>
    /// Compares a with b. <paramref name="quiet"/> (fucom*): only an SNaN (or an unsupported operand) raises IE;
    /// otherwise (fcom*, ftst, fcomi*) any NaN does.
    /// </summary>
    public static Order Compare(Float80 a, Float80 b, bool quiet, ref X87Exc exc)
    {
        var ca = a.Class; var cb = b.Class;
        if (ca == Float80Class.Unsupported || cb == Float80Class.Unsupported) { exc |= X87Exc.IE; return Order.Unordered; }
        if (a.IsNaN || b.IsNaN)
        {
            if (!quiet || ca == Float80Class.SNaN || cb == Float80Class.SNaN) exc |= X87Exc.IE;
            return Order.Unordered;
        }
        Denormals(a, b, ref exc);
        int c = CompareValues(a, b);
        return c < 0 ? Order.Less : c > 0 ? Order.Greater : Order.Equal;
    }

    private static int CompareValues(Float80 a, Float80 b)
    {
        var ca = a.Class; var cb = b.Class;
        if (ca == Float80Class.Zero && cb == Float80Class.Zero) return 0;
        int sa = ca == Float80Class.Zero ? 0 : a.Sign ? -1 : 1, sb = cb == Float80Class.Zero ? 0 : b.Sign ? -1 : 1;
        if (sa != sb) return sa.CompareTo(sb);
        int mag;
        if (ca == Float80Class.Infinity || cb == Float80Class.Infinity) mag = ca == cb ? 0 : ca == Float80Class.Infinity ? 1 : -1;
        else
        {
            Exact x = Unpack(a), y = Unpack(b);
            int e = Math.Min(x.E, y.E);
            mag = (x.M << (x.E - e)).CompareTo(y.M << (y.E - e));
        }
        return sa < 0 ? -mag : mag;
    }

    // ------------------------------------------------------------------ conversions

    /// <summary>An integer magnitude (at most 64 bits) as an exact extended value.</summary>
    private static Float80 FromInteger(bool neg, BigInteger m)
    {
        if (m.IsZero) return Float80.SignedZero(neg);
        int top = (int)m.GetBitLength() - 1;
        return new Float80((ushort)((neg ? 0x8000 : 0) | (top + Float80.Bias)), (ulong)(m << (63 - top)));
    }

    /// <summary>fild: exact.</summary>
    public static Float80 FromInt64(long v) => FromInteger(v < 0, v < 0 ? -(BigInteger)v : v);

    /// <summary>
    /// fld m32/m64: exact widening; an SNaN raises IE and is quieted, a denormal raises DE. With
    /// <paramref name="quiet"/> false (an arithmetic operand) an SNaN stays signalling and raises nothing yet: the
    /// operation's NaN rules see it as the SNaN it is.
    /// </summary>
    public static Float80 FromBinary(ulong bits, Format f, ref X87Exc exc, bool quiet = true)
    {
        int fracBits = f.P - 1, expBits = f.P == 24 ? 8 : 11, bias = f.Emax;
        bool neg = (bits >> (fracBits + expBits)) != 0;
        int e = (int)((bits >> fracBits) & ((1UL << expBits) - 1));
        ulong frac = bits & ((1UL << fracBits) - 1);
        ushort sign = (ushort)(neg ? 0x8000 : 0);
        if (e == (1 << expBits) - 1)
        {
            if (frac == 0) return Float80.Infinity(neg);
            bool snan = (frac >> (fracBits - 1)) == 0;
            if (snan && !quiet) return new Float80((ushort)(sign | 0x7FFF), Float80.IntBit | (frac << (63 - fracBits)));
            if (snan) exc |= X87Exc.IE;
            return new Float80((ushort)(sign | 0x7FFF), Float80.IntBit | Float80.QuietBit | (frac << (63 - fracBits)));
        }
        if (e == 0)
        {
            if (frac == 0) return Float80.SignedZero(neg);
            exc |= X87Exc.DE;
            var v = FromInteger(neg, frac);
            int exp = v.Exp - Float80.Bias + (1 - bias - fracBits);
            return new Float80((ushort)(sign | (exp + Float80.Bias)), v.Sig);
        }
        return new Float80((ushort)(sign | (e - bias + Float80.Bias)), Float80.IntBit | (frac << (63 - fracBits)));
    }

    /// <summary>
    /// fst m32/m64: rounds by the rounding control (precision control does not apply). <paramref name="store"/> is false
    /// when an unmasked exception forbids the store (IE, OE, UE: SDM "FST" Operation and §8.5.4-5).
    /// </summary>
    public static ulong ToBinary(Float80 a, Format f, ushort fcw, ref X87Exc exc, out bool store)
    {
        int fracBits = f.P - 1, expBits = f.P == 24 ? 8 : 11, bias = f.Emax;
        ulong expAll = (1UL << expBits) - 1;
        ulong sign = a.Sign ? 1UL << (fracBits + expBits) : 0;
        store = true;
        switch (a.Class)
        {
            case Float80Class.Unsupported:
                exc |= X87Exc.IE; store = (fcw & 1) != 0;
                return (expAll << fracBits) | (1UL << (fracBits - 1)) | (1UL << (fracBits + expBits)); // indefinite
            case Float80Class.SNaN:
            case Float80Class.QNaN:
                if (a.Class == Float80Class.SNaN) { exc |= X87Exc.IE; store = (fcw & 1) != 0; }
                return sign | (expAll << fracBits) | (((a.Sig | Float80.QuietBit) << 1) >> (64 - fracBits));
            case Float80Class.Infinity: return sign | (expAll << fracBits);
            case Float80Class.Zero: return sign;
        }
        var (exp, q, lsb, overflowed) = RoundToFormat(Unpack(a), f, Rounding(fcw), fcw, ref exc, out bool special);
        if (overflowed || ((exc & X87Exc.UE) != 0 && (fcw & (ushort)X87Exc.UE) == 0))
        {
            exc &= ~(X87Exc.PE | X87Exc.C1);                           // nothing stored, so nothing inexact (host)
            store = false;
            return 0;
        }
        if (special && exp == int.MaxValue) return sign | (expAll << fracBits);
        if (q.IsZero) return sign;
        if (exp >= f.Emin) return sign | ((ulong)(exp + bias) << fracBits) | ((ulong)(q << (fracBits - (exp - lsb))) & ((1UL << fracBits) - 1));
        return sign | (ulong)(q << (lsb - (f.Emin - fracBits)));
    }

    /// <summary>The largest magnitude fbstp stores: 18 decimal digits.</summary>
    private static readonly BigInteger BcdLimit = BigInteger.Pow(10, 18);

    /// <summary>
    /// fbld (SDM "FBLD"): the 80-bit packed BCD in <paramref name="b"/> (bytes 0-8 two digits each, the low digit in
    /// the low nibble; bit 79 the sign, bits 72-78 ignored) as an exact extended value (a zero keeps its sign).
    /// MODEL CHOICE: the SDM leaves a nibble A-F undefined; here it counts as its value 10-15, as the AMD host does
    /// (0x0A loads 10, 0xA0 100, eighteen F nibbles 1666666666666666665) and as QEMU's helper_fbld_ST0 computes it.
    /// </summary>
    public static Float80 FromBcd(ReadOnlySpan<byte> b)
    {
        ulong v = 0;
        for (int k = 8; k >= 0; k--) v = v * 100 + (ulong)(b[k] >> 4) * 10 + (ulong)(b[k] & 0xF);
        return FromInteger((b[9] & 0x80) != 0, v);
    }

    /// <summary>
    /// fbstp (SDM "FBSTP"): <paramref name="a"/> rounded to an integer by the rounding control, as 18 packed BCD digits
    /// and the sign byte (0x80 for a negative source, also when it rounds to zero: host) into <paramref name="dst"/>.
    /// A NaN, infinity, unsupported encoding or a rounded magnitude of 10^18 or more is IE (no PE, no C1) with the packed
    /// BCD indefinite (bytes 7-9 C0 FF FF, the rest 0); <paramref name="store"/> is false when IE is unmasked. A denormal
    /// raises no DE (the SDM lists none; host). PE when rounded, C1 when rounded up in magnitude.
    /// </summary>
    public static void ToBcd(Float80 a, ushort fcw, ref X87Exc exc, Span<byte> dst, out bool store)
    {
        store = true;
        dst[..10].Clear();
        BigInteger q = BigInteger.Zero;
        bool invalid = a.Class is Float80Class.Unsupported or Float80Class.QNaN or Float80Class.SNaN or Float80Class.Infinity;
        if (!invalid && a.Class != Float80Class.Zero)
        {
            Exact x = Unpack(a);
            var r = RoundAt(x.Sign, x.M, x.E, 0, Rounding(fcw));
            invalid = r.Q >= BcdLimit;
            if (!invalid)
            {
                q = r.Q;
                if (r.Inexact) exc |= X87Exc.PE;
                if (r.Up) exc |= X87Exc.C1;
            }
        }
        if (invalid)
        {
            exc |= X87Exc.IE; store = (fcw & 1) != 0;
            dst[7] = 0xC0; dst[8] = 0xFF; dst[9] = 0xFF;
            return;
        }
        ulong v = (ulong)q;
        for (int k = 0; k < 9; k++, v /= 100) dst[k] = (byte)((v % 10) | ((v / 10 % 10) << 4));
        dst[9] = (byte)(a.Sign ? 0x80 : 0);
    }

    /// <summary>
    /// fist/fistp (by the rounding control) and fisttp (<paramref name="truncate"/>): NaN, infinity, unsupported or out of
    /// range is IE with the integer indefinite (the most negative value); <paramref name="store"/> false when IE is unmasked.
    /// </summary>
    public static long ToInteger(Float80 a, int bits, bool truncate, ushort fcw, ref X87Exc exc, out bool store)
    {
        long indefinite = bits == 64 ? long.MinValue : -(1L << (bits - 1));
        store = true;
        var c = a.Class;
        if (c is Float80Class.Unsupported or Float80Class.QNaN or Float80Class.SNaN or Float80Class.Infinity)
        {
            exc |= X87Exc.IE; store = (fcw & 1) != 0; return indefinite;
        }
        if (c == Float80Class.Zero) return 0;
        Exact x = Unpack(a);
        var r = RoundAt(x.Sign, x.M, x.E, 0, truncate ? RoundZero : Rounding(fcw));
        BigInteger v = x.Sign ? -r.Q : r.Q;
        if (v < -(BigInteger.One << (bits - 1)) || v >= (BigInteger.One << (bits - 1)))
        {
            exc |= X87Exc.IE; store = (fcw & 1) != 0; return indefinite;
        }
        if (r.Inexact) exc |= X87Exc.PE;
        if (r.Up) exc |= X87Exc.C1;
        return (long)v;
    }
}
