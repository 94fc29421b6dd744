/* Program entry for freestanding programs on the model: the loader leaves RSP at argc, then the argv and envp
 * pointer arrays (each ending in 0) and the auxiliary vector of (type, value) pairs ending in type 0
 * (libloader/include/loader). AT_L4_ENV (0xf1) points to the L4Re environment. */
#include <l4sys.h>
#include <stdlib.h>

int main(int argc, char **argv);
char **environ;
l4c_env_t *l4c_env;

enum { AT_NULL = 0, AT_L4_ENV = 0xf1 };

/* What L4Re's C library does before main (as CRuntime.cs in the model, itas notes §1.6): libpthread's main-thread
 * semaphore at env.first_free_cap, L4Re::Util::cap_alloc's 0x1000 slots and the reply caps after it, the rest of
 * the UTCB area to libpthread (first_free_utcb = ~0), and the standard stream's semaphore in the first Util slot. */
static void l4c_libc_start(void)
{
  l4c_env_t *e = l4c_env;
  if (!e)
    return;
  l4_umword_t sem = e->first_free_cap;
  l4c_factory_create(e->factory, L4C_PROTO_SEMAPHORE, sem << 12);
  e->first_free_cap = sem + 1;
  l4_umword_t util = e->first_free_cap;
  e->first_free_cap += 0x1000;
  e->first_free_reply_cap += 0x1000;
  e->first_free_utcb = ~0UL;
  l4c_factory_create(e->factory, L4C_PROTO_SEMAPHORE, util << 12);
}

__attribute__((used)) void l4c_start(l4_umword_t *sp)
{
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  l4_umword_t *aux = (l4_umword_t *)envp;
  while (*aux)
    aux++;
  for (aux++; aux[0] != AT_NULL; aux += 2)
    if (aux[0] == AT_L4_ENV)
      l4c_env = (l4c_env_t *)aux[1];
  environ = envp;
  l4c_libc_start();
  exit(main(argc, argv));
}

/* The ABI entry: RSP points at argc and must be 16-byte aligned before the call. */
__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call l4c_start\n"
        "  ud2\n");
