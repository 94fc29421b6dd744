/* Minimal stdio for freestanding programs on the model: stdout goes to the L4Re log capability. */
#ifndef L4CONF_STDIO_H
#define L4CONF_STDIO_H
#include <stdarg.h>
#include <stddef.h>
typedef struct l4c_file FILE;
extern FILE *stdout, *stderr;
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int puts(const char *s);
int putchar(int c);
int fflush(FILE *f);
#endif
