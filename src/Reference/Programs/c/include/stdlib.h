#ifndef L4CONF_STDLIB_H
#define L4CONF_STDLIB_H
void exit(int code) __attribute__((noreturn));
int atoi(const char *s);
#endif
