/* Program entry for freestanding programs on the model: the loader leaves RSP at argc, then the argv and envp
 * pointer arrays (each ending in 0) and the auxiliary vector of (type, value) pairs ending in type 0
 * (libloader/include/loader). AT_L4_ENV (0xf1) points to the L4Re environment. */
#include <l4sys.h>
#include <stdlib.h>

int main(int argc, char **argv);
char **environ;
l4c_env_t *l4c_env;

enum { AT_NULL = 0, AT_L4_ENV = 0xf1 };

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
