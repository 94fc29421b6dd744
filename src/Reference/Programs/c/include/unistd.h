#ifndef L4CONF_UNISTD_H
#define L4CONF_UNISTD_H
int usleep(unsigned long us);
unsigned sleep(unsigned s);
void _exit(int code) __attribute__((noreturn));
#endif
