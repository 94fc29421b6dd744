/*
 * x87_transcendental: expected values for X87TranscendentalTests, taken from the host CPU.
 * gcc -O1 -o x87_transcendental x87_transcendental.c && ./x87_transcendental > ../X87TranscendentalVectors.g.cs
 * Each vector: fninit; fldcw cw; the stack set up by its mode; C0-C3 set from cc (fnstenv, or, fldenv); OP; then
 * fnsave, which waits for nothing: FSW, the full tag word and ST(0)-ST(2) as the instruction left them.
 * Modes: 0 fld b; fld a (ST0 = a, ST1 = b). 1 fld a only (ST1 empty). 2 nothing (ST0 empty).
 *        3 six fld1, fld b, fld a (all eight full).
 * Operands: every pair of special values the SDM's tables treat apart, then random draws (fixed seed) over the
 * classes the x87 treats apart and over each instruction's own arguments, with random precision, rounding and masks.
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { uint64_t m; uint16_t se; } __attribute__((packed)) f80;
/* offsets: a 0, b 16, cw 32, cc 34, env 40, save 72 */
struct io { f80 a; uint8_t p1[6]; f80 b; uint8_t p2[6]; uint16_t cw; uint16_t cc; uint32_t p3; uint8_t env[28]; uint8_t p4[4]; uint8_t save[108]; };

#define PRE(n) "fninit\n fldcw 32(%0)\n" n "fnstenv 40(%0)\n movw 34(%0), %%ax\n orw %%ax, 44(%0)\n fldenv 40(%0)\n"
#define POST "\n fnsave 72(%0)\n fninit\n"
#define RUN(name, insn) \
  static void name##0(struct io *x) { __asm__ volatile(PRE("fldt 16(%0)\n fldt 0(%0)\n") insn POST :: "r"(x) : "memory", "rax", "cc"); } \
  static void name##1(struct io *x) { __asm__ volatile(PRE("fldt 0(%0)\n") insn POST :: "r"(x) : "memory", "rax", "cc"); } \
  static void name##2(struct io *x) { __asm__ volatile(PRE("") insn POST :: "r"(x) : "memory", "rax", "cc"); } \
  static void name##3(struct io *x) { __asm__ volatile(PRE("fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fldt 16(%0)\n fldt 0(%0)\n") insn POST :: "r"(x) : "memory", "rax", "cc"); } \
  static void (*const name[4])(struct io *) = { name##0, name##1, name##2, name##3 };
RUN(op_fsin, "fsin") RUN(op_fcos, "fcos") RUN(op_fsincos, "fsincos") RUN(op_fptan, "fptan")
RUN(op_f2xm1, "f2xm1") RUN(op_fpatan, "fpatan") RUN(op_fyl2x, "fyl2x") RUN(op_fyl2xp1, "fyl2xp1")

static const struct { const char *name; void (*const *fn)(struct io *); int binary; } ops[] = {
    { "fsin", op_fsin, 0 }, { "fcos", op_fcos, 0 }, { "fsincos", op_fsincos, 0 }, { "fptan", op_fptan, 0 },
    { "f2xm1", op_f2xm1, 0 }, { "fpatan", op_fpatan, 1 }, { "fyl2x", op_fyl2x, 1 }, { "fyl2xp1", op_fyl2xp1, 1 },
};

static f80 F(uint16_t se, uint64_t m) { f80 v; v.se = se; v.m = m; return v; }

/* The special operands: zeros, denormals, a pseudo-denormal, infinities, NaNs, unsupported encodings, the range ends
   (2^63, +-1, 1 - sqrt(2)/2), pi as fldpi loads it, and small, tiny and huge normals. */
static f80 special(int k)
{
    switch (k) {
    case 0: return F(0x0000, 0); case 1: return F(0x8000, 0);
    case 2: return F(0x0000, 0x1234); case 3: return F(0x8000, 0x4000000000000000ull); case 4: return F(0x0000, 0x8000000000000001ull);
    case 5: return F(0x7fff, 1ull << 63); case 6: return F(0xffff, 1ull << 63);
    case 7: return F(0x7fff, 0xc000000000001234ull); case 8: return F(0x7fff, 0x8000000000001234ull); case 9: return F(0xffff, 0xc000000000005678ull);
    case 10: return F(0x3fff, 0x4000000000000000ull); case 11: return F(0x7fff, 0);
    case 12: return F(0x3fff, 1ull << 63); case 13: return F(0xbfff, 1ull << 63); case 14: return F(0x3ffe, 1ull << 63); case 15: return F(0xbffe, 1ull << 63);
    case 16: return F(0x4000, 1ull << 63); case 17: return F(0xc000, 1ull << 63); case 18: return F(0x3fff, 0xc000000000000000ull);
    case 19: return F(0x7ffe, ~0ull); case 20: return F(0x0001, 1ull << 63);
    case 21: return F(0x403e, 1ull << 63); case 22: return F(0x403d, ~0ull); case 23: return F(0xc03e, 1ull << 63);
    case 24: return F(0x4000, 0xc90fdaa22168c235ull); case 25: return F(0x3faf, 0xb504f333f9de6484ull); case 26: return F(0x3fff, 0x8000000000000001ull);
    case 27: return F(0x3ffd, 0x95f619980c4336f7ull); case 28: return F(0xbffd, 0x95f619980c4336f7ull); case 29: return F(0x0100, 1ull << 63);
    default: return F(0x4000, 0xc000000000000000ull);
    }
}
#define SPECIALS 31

static uint64_t rnd(void) { return ((uint64_t)rand() << 62) ^ ((uint64_t)rand() << 31) ^ (uint64_t)rand(); }

/* The classes the x87 treats apart (as x87_vectors.c draws them). */
static f80 draw(f80 other)
{
    f80 v; int s = rand() & 1, e;
    v.m = rnd();
    switch (rand() % 14) {
    case 0: v.m = 0; e = 0; break;
    case 1: v.m >>= 1 + rand() % 63; e = 0; break;
    case 2: v.m |= 1ull << 63; e = 0; break;
    case 3: v.m = 1ull << 63; e = 0x7fff; break;
    case 4: v.m |= 3ull << 62; e = 0x7fff; break;
    case 5: v.m = (v.m | 1ull << 63 | 1) & ~(1ull << 62); e = 0x7fff; break;
    case 6: v.m &= ~(1ull << 63); e = 1 + rand() % 0x7ffe; break;
    case 7: v.m |= 1ull << 63; e = 1 + rand() % 64; break;
    case 8: v.m |= 1ull << 63; e = 0x7ffe - rand() % 64; break;
    case 9: v = other; v.m ^= 1ull << (rand() % 8); e = other.se & 0x7fff; break;
    default: v.m |= 1ull << 63; e = 16383 + rand() % 140 - 70; break;
    }
    v.se = (uint16_t)(s << 15 | e);
    return v;
}

/* An argument in the instruction's own range: trig up to 2^63, f2xm1 [-1, 1], fyl2x positive, fyl2xp1 |x| < 0.3. */
static f80 ranged(const char *op)
{
    f80 v; int s = rand() & 1, e;
    v.m = rnd() | 1ull << 63;
    if (!strcmp(op, "f2xm1")) e = 16383 - 1 - rand() % 70;
    else if (!strcmp(op, "fyl2xp1")) e = 16383 - 2 - rand() % 70;
    else if (!strcmp(op, "fyl2x")) { e = 16383 + rand() % 200 - 100; s = 0; }
    else if (!strcmp(op, "fpatan")) e = 16383 + rand() % 160 - 80;
    else e = rand() % 2 ? 16383 + rand() % 134 - 70 : 16383 + rand() % 10 - 5;
    v.se = (uint16_t)(s << 15 | e);
    return v;
}

static void emit(const char *name, int mode, struct io *x)
{
    uint16_t fsw, ftw;
    memcpy(&fsw, x->save + 4, 2);
    memcpy(&ftw, x->save + 8, 2);
    printf("        (\"%s\", %d, 0x%04x, 0x%04x, 0x%04x, 0x%016llx, 0x%04x, 0x%016llx, 0x%04x, 0x%04x", name, mode, x->cw, x->cc,
           x->a.se, (unsigned long long)x->a.m, x->b.se, (unsigned long long)x->b.m, fsw, ftw);
    for (int k = 0; k < 3; k++) {
        f80 r; memcpy(&r, x->save + 28 + 10 * k, 10);
        int phys = ((fsw >> 11) + k) & 7;
        if (((ftw >> (2 * phys)) & 3) == 3) r = F(0, 0);   /* empty: its old contents are not the instruction's */
        printf(", 0x%04x, 0x%016llx", r.se, (unsigned long long)r.m);
    }
    printf("),\n");
}

static void one(int op, int mode, uint16_t cw, uint16_t cc, f80 a, f80 b)
{
    struct io x; memset(&x, 0, sizeof x);
    x.a = a; x.b = b; x.cw = cw; x.cc = cc;
    ops[op].fn[mode](&x);
    emit(ops[op].name, mode, &x);
}

int main(void)
{
    /* ST(1) of the two-operand ones: zeros, denormals, infinities, NaNs, an unnormal, +-1, the largest and smallest normal */
    static const int ys[] = { 0, 1, 2, 4, 5, 6, 7, 8, 10, 12, 13, 19, 20 };
    srand(20261201);
    printf("// <auto-generated> by tests/Model.Tests/x87/x87_transcendental.c on the host CPU (see its header); do not edit.\n");
    printf("namespace L4Conf.Tests;\n\ninternal static class X87TranscendentalVectors\n{\n");
    printf("    /// <summary>op, mode, fcw, preset C0-C3, a = ST0 (se, sig), b = ST1 -> fsw, full tag word, ST0, ST1, ST2 after it.</summary>\n");
    printf("    public static readonly (string Op, int Mode, ushort Fcw, ushort Cc, ushort ASe, ulong ASig, ushort BSe, ulong BSig, ushort Fsw, ushort Ftw,"
           " ushort R0Se, ulong R0Sig, ushort R1Se, ulong R1Sig, ushort R2Se, ulong R2Sig)[] All =\n    [\n");
    for (int op = 0; op < 8; op++) {
        /* the special operands: one-operand instructions in every rounding mode and with every exception unmasked */
        if (!ops[op].binary)
            for (int k = 0; k < SPECIALS; k++)
                for (int rc = 0; rc < 5; rc++)
                    one(op, 0, rc < 4 ? (uint16_t)(0x037f | rc << 10) : 0x0340, 0, special(k), F(0x3fff, 1ull << 63));
        else
            for (int k = 0; k < SPECIALS; k++)
                for (int j = 0; j < (int)(sizeof ys / sizeof ys[0]); j++)
                    one(op, 0, (k + j) % 7 == 0 ? 0x0340 : 0x037f, 0, special(k), special(ys[j]));
        /* random operands, precision, rounding, masks and C0-C3 before */
        for (int n = 0; n < 100; n++) {
            f80 a = n % 2 ? ranged(ops[op].name) : draw(F(0, 0)), b = draw(a);
            int pc = (int[]){ 0, 2, 3, 3 }[rand() % 4];
            uint16_t cw = (uint16_t)(0x40 | pc << 8 | (rand() % 4) << 10 | (rand() % 5 == 0 ? rand() & 0x3f : 0x3f));
            uint16_t cc = (uint16_t)((rand() & 1 ? 0x100 : 0) | (rand() & 1 ? 0x200 : 0) | (rand() & 1 ? 0x400 : 0) | (rand() & 1 ? 0x4000 : 0));
            one(op, 0, cw, cc, a, b);
        }
        /* the stack: underflow (empty ST0, or ST1 for the two-operand ones) and, all eight full, overflow for the pushes */
        for (int masked = 0; masked < 2; masked++) {
            uint16_t cw = masked ? 0x037f : 0x037e;
            one(op, 2, cw, 0x4700, F(0x3ffe, 1ull << 63), F(0x3fff, 1ull << 63));
            if (ops[op].binary) one(op, 1, cw, 0x4700, F(0x3ffe, 1ull << 63), F(0x3fff, 1ull << 63));
            one(op, 3, cw, 0x4700, F(0x3ffe, 1ull << 63), F(0x3fff, 1ull << 63));
            one(op, 3, cw, 0x4700, F(0x403e, 1ull << 63), F(0x3fff, 1ull << 63));
            one(op, 3, cw, 0x4700, F(0x7fff, 0x8000000000001234ull), F(0x3fff, 1ull << 63));
        }
    }
    printf("    ];\n}\n");
    return 0;
}
_Static_assert(__builtin_offsetof(struct io, cw) == 32 && __builtin_offsetof(struct io, env) == 40 && __builtin_offsetof(struct io, save) == 72, "layout used by the asm");
