/* The small C library of the freestanding programs run on the model: formatted output to the L4Re log
 * (a Vcon write per line or flush, as L4Re's stdout does), strings, sleeping through an IPC timeout, and exit
 * through the parent protocol (L4Re::Parent::signal(0, code), then sleeping for ever, as libc's _exit does). */
#include <l4sys.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct l4c_file
{
  char buf[L4C_VCON_WRITE_SIZE];
  unsigned len;
};

static struct l4c_file out_file, err_file;
FILE *stdout = &out_file, *stderr = &err_file;

size_t strlen(const char *s)
{
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

int strcmp(const char *a, const char *b)
{
  while (*a && *a == *b)
    {
      a++;
      b++;
    }
  return (unsigned char)*a - (unsigned char)*b;
}

int memcmp(const void *a, const void *b, size_t n)
{
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i])
      return x[i] - y[i];
  return 0;
}

void *memcpy(void *d, const void *s, size_t n)
{
  unsigned char *dd = d;
  const unsigned char *ss = s;
  while (n--)
    *dd++ = *ss++;
  return d;
}

void *memset(void *d, int c, size_t n)
{
  unsigned char *dd = d;
  while (n--)
    *dd++ = (unsigned char)c;
  return d;
}

int atoi(const char *s)
{
  int sign = 1, v = 0;
  while (*s == ' ' || *s == '\t' || *s == '\n')
    s++;
  if (*s == '-' || *s == '+')
    sign = *s++ == '-' ? -1 : 1;
  while (*s >= '0' && *s <= '9')
    v = v * 10 + (*s++ - '0');
  return sign * v;
}

/* One Vcon write of the buffered bytes: send-only, MR0 = write op, MR1 = length, MR2.. = bytes. */
static void log_write(const char *p, unsigned n)
{
  if (!l4c_env || n == 0)
    return;
  l4_umword_t *mr = l4c_mr();
  mr[0] = L4C_VCON_WRITE_OP;
  mr[1] = n;
  char *dst = (char *)&mr[2];
  for (unsigned i = 0; i < n; i++)
    dst[i] = p[i];
  unsigned words = 2 + (n + 7) / 8;
  l4c_ipc(l4c_env->log | L4C_SYSF_SEND, l4c_tag(L4C_PROTO_LOG, words, 0, L4C_MSGTAG_SCHEDULE), 0, 0, 0);
}

int fflush(FILE *f)
{
  if (!f)
    f = stdout;
  log_write(f->buf, f->len);
  f->len = 0;
  return 0;
}

/* Line buffered: a newline or a full buffer writes. */
static void put(FILE *f, char c)
{
  f->buf[f->len++] = c;
  if (c == '\n' || f->len == sizeof f->buf)
    fflush(f);
}

struct sink
{
  FILE *f;
  char *buf;
  size_t cap, n;
};

static void emit(struct sink *s, char c)
{
  if (s->f)
    put(s->f, c);
  else if (s->n + 1 < s->cap)
    s->buf[s->n] = c;
  s->n++;
}

static void emit_num(struct sink *s, unsigned long long v, unsigned base, int upper, int width, char pad,
                     int left, int neg, const char *prefix)
{
  char digits[24];
  int nd = 0;
  const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do
    {
      digits[nd++] = set[v % base];
      v /= base;
    }
  while (v);
  int plen = (int)strlen(prefix) + neg;
  int total = nd + plen;
  if (!left && pad == ' ')
    for (; total < width; total++)
      emit(s, ' ');
  if (neg)
    emit(s, '-');
  for (const char *p = prefix; *p; p++)
    emit(s, *p);
  if (!left && pad == '0')
    for (; total < width; total++)
      emit(s, '0');
  while (nd)
    emit(s, digits[--nd]);
  if (left)
    for (; total < width; total++)
      emit(s, ' ');
}

static int format(struct sink *s, const char *fmt, va_list ap)
{
  for (; *fmt; fmt++)
    {
      if (*fmt != '%')
        {
          emit(s, *fmt);
          continue;
        }
      fmt++;
      int left = 0, alt = 0, width = 0, longs = 0;
      char pad = ' ';
      for (;; fmt++)
        {
          if (*fmt == '-')
            left = 1;
          else if (*fmt == '0')
            pad = '0';
          else if (*fmt == '#')
            alt = 1;
          else
            break;
        }
      while (*fmt >= '0' && *fmt <= '9')
        width = width * 10 + (*fmt++ - '0');
      while (*fmt == 'l' || *fmt == 'z')
        {
          longs++;
          fmt++;
        }
      char c = *fmt;
      if (c == 'd' || c == 'i')
        {
          long long v = longs ? va_arg(ap, long) : va_arg(ap, int);
          int neg = v < 0;
          emit_num(s, neg ? 0ULL - (unsigned long long)v : (unsigned long long)v, 10, 0, width, pad, left, neg, "");
        }
      else if (c == 'u' || c == 'x' || c == 'X')
        {
          unsigned long long v = longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
          unsigned base = c == 'u' ? 10 : 16;
          emit_num(s, v, base, c == 'X', width, pad, left, 0, alt && v ? (c == 'X' ? "0X" : "0x") : "");
        }
      else if (c == 'p')
        {
          void *p = va_arg(ap, void *);
          if (!p)
            for (const char *n = "(nil)"; *n; n++)
              emit(s, *n);
          else
            emit_num(s, (unsigned long long)(l4_umword_t)p, 16, 0, width, pad, left, 0, "0x");
        }
      else if (c == 's')
        {
          const char *str = va_arg(ap, const char *);
          if (!str)
            str = "(null)";
          int len = (int)strlen(str);
          if (!left)
            for (int i = len; i < width; i++)
              emit(s, ' ');
          for (int i = 0; i < len; i++)
            emit(s, str[i]);
          if (left)
            for (int i = len; i < width; i++)
              emit(s, ' ');
        }
      else if (c == 'c')
        emit(s, (char)va_arg(ap, int));
      else if (c == '%')
        emit(s, '%');
      else if (c == 0)
        break;
      else
        {
          emit(s, '%');
          emit(s, c);
        }
    }
  return (int)s->n;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
  struct sink s = { 0, buf, n, 0 };
  int r = format(&s, fmt, ap);
  if (n)
    buf[s.n < n ? s.n : n - 1] = 0;
  return r;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return r;
}

int vprintf(const char *fmt, va_list ap)
{
  struct sink s = { stdout, 0, 0, 0 };
  return format(&s, fmt, ap);
}

int printf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int r = vprintf(fmt, ap);
  va_end(ap);
  return r;
}

int fprintf(FILE *f, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  struct sink s = { f, 0, 0, 0 };
  int r = format(&s, fmt, ap);
  va_end(ap);
  return r;
}

int puts(const char *str)
{
  while (*str)
    put(stdout, *str++);
  put(stdout, '\n');
  return 0;
}

int putchar(int c)
{
  put(stdout, (char)c);
  return c;
}

int usleep(unsigned long us)
{
  l4c_sleep_us(us);
  return 0;
}

unsigned sleep(unsigned s)
{
  l4c_sleep_us((unsigned long long)s * 1000000ULL);
  return 0;
}

/* _exit: L4Re::Parent::signal(0, code) to the parent (protocol 0x4002, opcode 0): an RPC call, as the real one (the parent ends the task instead of answering), then sleep for ever. */
void _exit(int code)
{
  if (l4c_env)
    {
      l4_umword_t *mr = l4c_mr();
      mr[0] = 0;
      mr[1] = 0;
      mr[2] = (l4_umword_t)(l4_mword_t)code;
      l4c_ipc(l4c_env->parent | L4C_SYSF_CALL, l4c_tag(L4C_PROTO_PARENT, 3, 0, 0), 0, 0, 0);
    }
  for (;;)
    l4c_ipc(L4C_INVALID_CAP | L4C_SYSF_RECV, 0, 0, 0, 0);
}

void exit(int code)
{
  fflush(stdout);
  fflush(stderr);
  _exit(code);
}
