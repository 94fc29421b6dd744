#ifndef L4CONF_STRING_H
#define L4CONF_STRING_H
#include <stddef.h>
int strcmp(const char *a, const char *b);
size_t strlen(const char *s);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif
