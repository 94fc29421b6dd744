/* The project's own system-call header for freestanding programs run on the model: the real amd64 register
 * convention of Fiasco (RDX = capability selector | operation flags, RAX = message tag, RSI = label,
 * R8 = timeouts; the message in the UTCB, found through the GS base), and the few L4Re protocols a plain C
 * program needs (the log for stdout, the parent for exit). Values from l4sys/l4re headers, see abi-facts. */
#ifndef L4CONF_L4SYS_H
#define L4CONF_L4SYS_H

typedef unsigned long l4_umword_t;
typedef long l4_mword_t;

/* l4_msgtag_t: label << 16 | flags << 12 | items << 6 | words */
static inline l4_mword_t l4c_tag(l4_mword_t label, unsigned words, unsigned items, unsigned flags)
{
  return (label << 16) | (l4_mword_t)(flags << 12) | (l4_mword_t)(items << 6) | (l4_mword_t)words;
}
static inline int l4c_tag_has_error(l4_mword_t tag) { return (tag & 0x8000) != 0; }
static inline l4_mword_t l4c_tag_label(l4_mword_t tag) { return tag >> 16; }

enum
{
  L4C_SYSF_SEND = 1, L4C_SYSF_RECV = 2, L4C_SYSF_OPEN_WAIT = 4, L4C_SYSF_REPLY = 8,
  L4C_SYSF_CALL = L4C_SYSF_SEND | L4C_SYSF_RECV,
  L4C_PROTO_LOG = -13, L4C_PROTO_PARENT = 0x4002, L4C_PROTO_FACTORY = -15, L4C_PROTO_SEMAPHORE = -20,
  L4C_RCV_ITEM_SINGLE_CAP = 0xa,         /* L4_RCV_ITEM_SINGLE_CAP */
  L4C_UTCB_BDR = 64, L4C_UTCB_BR0 = 65,  /* buffer registers after the 63 message registers and one spare word */
  L4C_MSGTAG_SCHEDULE = 2,               /* L4_MSGTAG_SCHEDULE 0x2000: bit 1 of the flags field (bits 12..15) */
  L4C_VCON_WRITE_OP = 0, L4C_VCON_WRITE_SIZE = (63 - 2) * 8,
};

#define L4C_INVALID_CAP (~0UL << 11)     /* L4_INVALID_CAP: the invalid-cap bit and all index bits */

/* The L4Re environment (l4re_env_t, l4re/include/env.h), found through the auxiliary vector (AT_L4_ENV). */
typedef struct
{
  l4_umword_t parent, rm, mem_alloc, log, main_thread, factory, scheduler, itas, dbg_events;
  l4_umword_t first_free_cap, first_free_reply_cap, utcb_area, first_free_utcb;
  void *caps;
} l4c_env_t;
extern l4c_env_t *l4c_env;

/* The UTCB: word 63 holds its own address; the kernel points GS there (gs_base = UTCB + 0x1f8). */
static inline l4_umword_t *l4c_utcb(void)
{
  l4_umword_t *u;
  __asm__ ("mov %%gs:0, %0" : "=r"(u));
  return u;
}
static inline l4_umword_t *l4c_mr(void) { return l4c_utcb(); }

/* One system call; returns the result tag, *label (if not 0) the received label. */
static inline l4_mword_t l4c_ipc(l4_umword_t dest_flags, l4_mword_t tag, l4_umword_t slabel,
                                 l4_umword_t timeouts, l4_umword_t *rlabel)
{
  l4_umword_t d, di;
  register l4_umword_t to __asm__("r8") = timeouts;
  __asm__ __volatile__ ("syscall"
                        : "=d"(d), "=S"(slabel), "=D"(di), "=a"(tag)
                        : "S"(slabel), "r"(to), "a"(tag), "d"(dest_flags)
                        : "memory", "cc", "rcx", "r11", "r15");
  if (rlabel)
    *rlabel = slabel;
  return tag;
}

/* l4_factory_create(factory, proto, target): MR0 = protocol, the new object's slot in BR0 (l4sys factory.h). */
static inline l4_mword_t l4c_factory_create(l4_umword_t factory, l4_mword_t proto, l4_umword_t target)
{
  l4_umword_t *u = l4c_utcb();
  u[0] = (l4_umword_t)proto;
  u[L4C_UTCB_BDR] = 0;
  u[L4C_UTCB_BR0] = target | L4C_RCV_ITEM_SINGLE_CAP;
  return l4c_ipc(factory | L4C_SYSF_CALL, l4c_tag(L4C_PROTO_FACTORY, 1, 0, 0), 0, 0, 0);
}

/* l4_timeout_from_us: mantissa (10 bits) and exponent (5 bits), rounded up; 0 = zero timeout, ~0 = never. */
static inline unsigned l4c_timeout_from_us(unsigned long long us)
{
  if (us == 0)
    return 0x400;
  if (us > ((1ULL << 41) - 1))
    return 0;
  int msb = 0;
  for (unsigned long long v = us; v > 1; v >>= 1)
    msb++;
  int e = msb - 9;
  if (e < 0)
    e = 0;
  unsigned long long m = (us + ((1ULL << e) - 1)) >> e;
  if (m > 0x3ff)
    {
      if (e < 0x1f)
        {
          e++;
          m >>= 1;
        }
      else
        m = 0x3ff;
    }
  return (unsigned)((e << 10) | m);
}

/* l4_ipc_sleep_us: receive from nobody with a receive timeout, send timeout never. */
static inline void l4c_sleep_us(unsigned long long us)
{
  l4c_ipc(L4C_INVALID_CAP | L4C_SYSF_RECV, 0, 0, l4c_timeout_from_us(us), 0);
}

#endif
