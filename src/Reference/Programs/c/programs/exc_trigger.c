/* Test program of the project (no capture): the main thread asks for an exception on itself with
 * l4_thread_ex_regs(self, ~0, ~0, L4_THREAD_EX_REGS_TRIGGER_EXCEPTION) and says whether it goes on afterwards. */
#include <stdio.h>
#include <l4sys.h>

enum
{
  L4C_PROTO_THREAD = -12,                         /* L4_PROTO_THREAD */
  L4C_THREAD_EX_REGS_OP = 1,                      /* L4_THREAD_EX_REGS_OP */
  L4C_THREAD_EX_REGS_TRIGGER_EXCEPTION = 0x20000, /* L4_THREAD_EX_REGS_TRIGGER_EXCEPTION */
};

int main(void)
{
  l4_umword_t *mr = l4c_mr();
  printf("exc_trigger: before ex_regs\n");
  mr[0] = L4C_THREAD_EX_REGS_OP | L4C_THREAD_EX_REGS_TRIGGER_EXCEPTION;
  mr[1] = ~0UL;
  mr[2] = ~0UL;
  l4_mword_t t = l4c_ipc(l4c_env->main_thread | L4C_SYSF_CALL, l4c_tag(L4C_PROTO_THREAD, 3, 0, 0), 0, 0, 0);
  printf("exc_trigger: after ex_regs, error flag %d\n", l4c_tag_has_error(t));
  return 0;
}
