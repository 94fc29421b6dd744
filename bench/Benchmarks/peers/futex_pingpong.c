/* The Linux peer of the machine-code IPC ping-pong: two threads of one process, both pinned to CPU 0, hand a
 * 2-word message back and forth N times through a pair of futex words (FUTEX_WAIT/FUTEX_WAKE, no spinning), the
 * futex/same-cpu variant of traces/real/programs/linux_pingpong.c reduced to one timed run for BenchmarkDotNet.
 * Build: gcc -O2 -pthread -o futex_pingpong futex_pingpong.c; run: ./futex_pingpong N (exit 0 if every reply was right) */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned long n;
static _Atomic uint32_t turn;          /* 0: the client's turn, 1: the server's */
static volatile uint64_t words[2];

static void wait_for(uint32_t want)
{
  uint32_t v;
  while ((v = atomic_load(&turn)) != want)
    syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void hand_to(uint32_t who)
{
  atomic_store(&turn, who);
  syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void pin(void)
{
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(0, &s);
  pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

static void *server(void *arg)
{
  (void)arg;
  pin();
  for (unsigned long i = 0; i < n; i++)
    {
      wait_for(1);
      words[0] += 1;
      words[1] = ~words[1];
      hand_to(0);
    }
  return NULL;
}

int main(int argc, char **argv)
{
  n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
  pin();
  pthread_t t;
  if (pthread_create(&t, NULL, server, NULL))
    return 2;
  unsigned long bad = 0;
  for (unsigned long i = 0; i < n; i++)
    {
      words[0] = i;
      words[1] = i ^ 0x5a5a5a5a;
      hand_to(1);
      wait_for(0);
      bad += words[0] != i + 1 || words[1] != ~(i ^ 0x5a5a5a5a);
    }
  pthread_join(t, NULL);
  return bad != 0;
}
