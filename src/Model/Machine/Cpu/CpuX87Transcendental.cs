using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>
/// The x87 transcendentals on the register stack (the arithmetic: <see cref="X87Math"/>, X87Transcendental.cs and
/// X87ExpLog.cs). Each sets C1 as the other arithmetic does: 1 when the result was rounded up, 0 after a stack
/// underflow, 1 after a stack overflow. The trigonometric ones clear C2 (set it when out of range); C0 and C3, and C2
/// after f2xm1, fpatan, fyl2x and fyl2xp1, are undefined by the SDM and left as they were, as the host leaves them.
/// </summary>
public sealed partial class Cpu
{
    private void ClearC2() => x87.Fsw &= unchecked((ushort)~FswC2);

    /// <summary>
    /// fsin, fcos, f2xm1: ST(0) = f(ST(0)). An empty ST(0) is the stack underflow (masked: the real indefinite). fsin
    /// and fcos of |x| &gt;= 2^63 leave it, set C2 and raise nothing.
    /// </summary>
    private void X87Unary(Code c)
    {
        if (c != Code.F2xm1) ClearC2();
        if (StEmpty(0)) { Unary(StackFaultExc, Float80.Indefinite); return; }
        X87Exc e = 0;
        bool outOfRange = false;
        Float80 v = c switch
        {
            Code.Fsin => X87Math.Sin(St(0), x87.Fcw, ref e, out outOfRange),
            Code.Fcos => X87Math.Cos(St(0), x87.Fcw, ref e, out outOfRange),
            _ => X87Math.F2xm1(St(0), x87.Fcw, ref e),
        };
        Unary(e, v);
        if (outOfRange) x87.Fsw |= FswC2;
    }

    /// <summary>
    /// fptan (ST(0) = tan x, then 1.0 pushed) and fsincos (ST(0) = sin x, then cos x pushed, so sin is ST(1) and cos
    /// ST(0)). An empty ST(0) is the stack underflow (C1 = 0), checked before a full ST(7), the overflow (C1 = 1);
    /// masked, both registers get the real indefinite (host). |x| &gt;= 2^63: C2, nothing pushed. An unmasked IE, DE or ZE
    /// changes neither register nor TOP; an unmasked UE or OE writes the wrapped result and pushes (host).
    /// </summary>
    private void X87Push2(Code c)
    {
        ClearC2();
        X87Exc e = 0;
        Float80 first, pushed;
        if (StEmpty(0) || !StEmpty(7))
        {
            e = StEmpty(0) ? StackFaultExc : StackFaultExc | X87Exc.C1;
            first = pushed = Float80.Indefinite;
        }
        else
        {
            bool outOfRange;
            first = c == Code.Fptan
                ? X87Math.Tan(St(0), x87.Fcw, ref e, out outOfRange, out pushed)
                : X87Math.SinCos(St(0), x87.Fcw, ref e, out outOfRange, out pushed);
            if (outOfRange)
            {
                Signal(0);
                x87.Fsw |= FswC2;
                return;
            }
        }
        Signal(e);
        if (X87Math.Suppresses(e, x87.Fcw)) return;
        StWrite(0, first);
        SetTop(x87.Top - 1);
        StWrite(0, pushed);
    }

    /// <summary>
    /// fpatan, fyl2x, fyl2xp1: ST(1) = f(ST(1), ST(0)), then pop. An empty ST(0) or ST(1) is the stack underflow
    /// (masked: ST(1) = the real indefinite, popped). An unmasked IE, DE or ZE writes nothing and does not pop.
    /// </summary>
    private void X87Binary(Code c)
    {
        if (StEmpty(0) || StEmpty(1)) { Arith(FpOp.Add, 1, default, default, StackFaultExc, true, true); return; }
        X87Exc e = 0;
        Float80 y = St(1), x = St(0);
        Float80 v = c switch
        {
            Code.Fpatan => X87Math.Atan2(y, x, x87.Fcw, ref e),
            Code.Fyl2x => X87Math.YLog2X(y, x, x87.Fcw, ref e),
            _ => X87Math.YLog2XP1(y, x, x87.Fcw, ref e),
        };
        Signal(e);
        if (X87Math.Suppresses(e, x87.Fcw)) return;
        StWrite(1, v);
        Pop();
    }
}
