/*
 * native_cpu: runs l4conf's machine-code cases on the host CPU (x86-64 Linux), for `l4conf cpu diff`.
 *
 * Compiled by l4conf with the host gcc at run time (gcc -O1 -fno-stack-protector). Reads cases on stdin and
 * writes one result per case on stdout, both in a line format of hex numbers without 0x (NativeRunner.cs):
 *
 *   in:  C rip rflags fsbase gsbase r0 .. r15 npages mxcsr x0lo x0hi .. x15lo x15hi cs
 *        then npages lines   P addr prot hexcontents|-
 *   out: R status trapno err cr2 rip rflags r0 .. r15 mxcsr x0lo x0hi .. x15lo x15hi es cs ss ds fs gs fsbase gsbase nruns
 *        then nruns lines   M page offset hexbytes
 *        status T = stopped by a signal (trapno/err/cr2 from the signal frame), A = the 2 s alarm expired,
 *        or   E message   when the case could not be set up (e.g. its page is taken in this process).
 *
 * Each case's pages are mapped at their own addresses (MAP_FIXED_NOREPLACE, so a case can never overwrite this
 * process), filled, and given their protection; then an assembly trampoline runs fninit (every case starts with the
 * x87 as a fresh model CpuState has it), loads XMM0-15 and MXCSR, all 16 GPRs and RFLAGS and jumps to the case's
 * RIP. The case ends with a signal: int3 (SIGTRAP, #BP) at its end, or a fault. The handler
 * runs on a sigaltstack (the case's RSP may be anything), copies trapno/err/cr2 and the registers out of the
 * ucontext (XMM and MXCSR from its fpregs: the kernel saved the case's FPU state in the signal frame), puts the
 * helper's MXCSR into that frame, and returns through sigreturn to the trampoline's exit with the host's RSP. The FS base (glibc's
 * TLS) is swapped with raw arch_prctl system calls only, and nothing here uses TLS in between (no stack
 * protector, no errno). Every case starts on Linux's selectors (CS 0x33, SS 0x2b, DS/ES/FS/GS 0), a compat case (its
 * last field a code selector: 0x23, Linux's __USER32_CS, or one of the two LDT code segments this helper installs at
 * start with modify_ldt) in compatibility mode: DS/ES 0x2b, and the trampoline's last jump goes to a far jmp to cs:rip
 * (rip is then the offset in the segment; the 64-bit signal frame records that CS, and the handler puts back 0x33).
 * The handler reads
 * the case's CS and SS from the signal frame and DS/ES/FS/GS with mov (signal delivery leaves them alone), the FS/GS
 * bases with arch_prctl, then puts back the helper's (a case may load FS or GS with a selector, which sets its base).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/ldt.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define PAGE 4096
#define MAX_PAGES 64

/* The register image the trampoline loads: r[0..15] in hardware order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
   R8..R15), then RFLAGS, RIP, MXCSR (offset 144) and XMM0..15 as low/high quadwords (offset 152). Offsets are used
   by the assembly below. */
struct image { uint64_t r[16]; uint64_t rflags; uint64_t rip; uint64_t mxcsr; uint64_t xmm[32]; };

struct image in_img;      /* read by the trampoline */
struct __attribute__((packed)) { uint32_t off; uint16_t sel; } in_far; /* a compat case's entry: m16:32 */
uint64_t host_rsp;        /* the trampoline's RSP, restored at its exit */
static volatile uint64_t host_fs, case_fs;
static struct { uint64_t trapno, err, cr2, rip, rflags, r[16], mxcsr, xmm[32], seg[6], fsbase, gsbase; int alarm; } out;
static uint32_t host_mxcsr;

void run_case(void);      /* assembly: load in_img, jump; returns when the handler sends it to case_exit */
void case_exit(void);
void compat_entry(void);  /* assembly: the far jump into compatibility mode */

__asm__(
    ".text\n"
    ".globl run_case\n"
    "run_case:\n"
    "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "  mov %rsp, host_rsp(%rip)\n"
    "  fninit\n"                   /* x87 cases start from the fninit state, with every register zero (8 x fldz) */
    "  fldz; fldz; fldz; fldz; fldz; fldz; fldz; fldz\n"
    "  fninit\n"
    "  lea in_img(%rip), %rax\n"
    "  movdqu 152(%rax), %xmm0\n"
    "  movdqu 168(%rax), %xmm1\n"
    "  movdqu 184(%rax), %xmm2\n"
    "  movdqu 200(%rax), %xmm3\n"
    "  movdqu 216(%rax), %xmm4\n"
    "  movdqu 232(%rax), %xmm5\n"
    "  movdqu 248(%rax), %xmm6\n"
    "  movdqu 264(%rax), %xmm7\n"
    "  movdqu 280(%rax), %xmm8\n"
    "  movdqu 296(%rax), %xmm9\n"
    "  movdqu 312(%rax), %xmm10\n"
    "  movdqu 328(%rax), %xmm11\n"
    "  movdqu 344(%rax), %xmm12\n"
    "  movdqu 360(%rax), %xmm13\n"
    "  movdqu 376(%rax), %xmm14\n"
    "  movdqu 392(%rax), %xmm15\n"
    "  ldmxcsr 144(%rax)\n"
    "  pushq 128(%rax)\n"          /* rflags */
    "  popfq\n"                    /* before the loads: mov changes no flags */
    "  mov 8(%rax), %rcx\n  mov 16(%rax), %rdx\n  mov 24(%rax), %rbx\n  mov 32(%rax), %rsp\n"
    "  mov 40(%rax), %rbp\n  mov 48(%rax), %rsi\n  mov 56(%rax), %rdi\n  mov 64(%rax), %r8\n"
    "  mov 72(%rax), %r9\n  mov 80(%rax), %r10\n  mov 88(%rax), %r11\n  mov 96(%rax), %r12\n"
    "  mov 104(%rax), %r13\n  mov 112(%rax), %r14\n  mov 120(%rax), %r15\n"
    "  mov 0(%rax), %rax\n"
    "  jmp *in_img+136(%rip)\n"
    ".globl compat_entry\n"
    "compat_entry:\n"
    "  ljmpl *in_far(%rip)\n"      /* changes no register or flag: into compatibility mode at the case's RIP */
    ".globl case_exit\n"
    "case_exit:\n"
    "  mov host_rsp(%rip), %rsp\n"
    "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "  ret\n");

static long raw_arch_prctl(long code, uint64_t addr)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(158L), "D"(code), "S"(addr) : "rcx", "r11", "memory");
    return ret;
}

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)si;
    uint16_t es, ds, fs, gs;
    __asm__ volatile("mov %%es, %0; mov %%ds, %1; mov %%fs, %2; mov %%gs, %3" : "=r"(es), "=r"(ds), "=r"(fs), "=r"(gs));
    uint64_t fsbase = 0, gsbase = 0;
    raw_arch_prctl(ARCH_GET_FS, (uint64_t)(uintptr_t)&fsbase);
    raw_arch_prctl(ARCH_GET_GS, (uint64_t)(uintptr_t)&gsbase);
    if (fs != 0 || fsbase != host_fs) raw_arch_prctl(ARCH_SET_FS, host_fs); /* first: glibc's TLS is FS-relative */
    greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
    uint64_t csgsfs = (uint64_t)g[REG_CSGSFS];
    out.seg[0] = es; out.seg[1] = csgsfs & 0xffff; out.seg[2] = (csgsfs >> 48) & 0xffff; out.seg[3] = ds; out.seg[4] = fs; out.seg[5] = gs;
    out.fsbase = fsbase == host_fs ? 0 : fsbase; /* a case without an FS base runs on the helper's (never a case address) */
    out.gsbase = gsbase;
    g[REG_CSGSFS] = (greg_t)((csgsfs & 0x0000ffffffff0000ULL) | 0x33 | (0x2bULL << 48)); /* back on the helper's CS and SS */
    static const int map[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                 REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15 };
    for (int k = 0; k < 16; k++) out.r[k] = (uint64_t)g[map[k]];
    out.rip = (uint64_t)g[REG_RIP];
    out.rflags = (uint64_t)g[REG_EFL];
    out.trapno = (uint64_t)g[REG_TRAPNO];
    out.err = (uint64_t)g[REG_ERR];
    out.cr2 = (uint64_t)g[REG_CR2];
    out.alarm = sig == SIGALRM;
    struct _libc_fpstate *fp = ((ucontext_t *)ctx)->uc_mcontext.fpregs;
    if (fp) {
        out.mxcsr = fp->mxcsr;
        memcpy(out.xmm, fp->_xmm, sizeof out.xmm);
        fp->mxcsr = host_mxcsr;   /* MXCSR's control bits are callee-saved: the helper goes on with its own */
    }
    g[REG_RIP] = (greg_t)(uintptr_t)case_exit;
    g[REG_RSP] = (greg_t)host_rsp;
    g[REG_EFL] = 0x202;
}

static int hexval(int c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; }

static struct { uint64_t addr; int prot; unsigned char before[PAGE]; } pages[MAX_PAGES];

static char line[2 * PAGE + 256];

static int prot_of(const char *s)
{
    int p = 0;
    for (; *s; s++) p |= *s == 'r' ? PROT_READ : *s == 'w' ? PROT_WRITE : *s == 'x' ? PROT_EXEC : 0;
    return p;
}

int main(void)
{
    static char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    if (sigaltstack(&ss, NULL) != 0) { perror("sigaltstack"); return 2; }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGALRM };
    for (unsigned k = 0; k < sizeof sigs / sizeof sigs[0]; k++)
        if (sigaction(sigs[k], &sa, NULL) != 0) { perror("sigaction"); return 2; }
    /* The LDT of LinuxGdt.cs: 0x07 16-bit code, 0x0f 32-bit code with a 4 KiB limit, both based at 0x10000000; 0x17
       32-bit code based at 0x0ffff800, limit 4 GiB. */
    for (unsigned k = 0; k < 3; k++) {
        struct user_desc d = { .entry_number = k, .base_addr = k == 2 ? 0x0ffff800 : 0x10000000, .limit = k == 2 ? 0xfffff : k ? 0xfff : 0xffff,
                               .seg_32bit = k != 0, .contents = MODIFY_LDT_CONTENTS_CODE, .read_exec_only = 0,
                               .limit_in_pages = k == 2, .seg_not_present = 0, .useable = 0 };
        if (syscall(SYS_modify_ldt, 1, &d, sizeof d) != 0) { perror("modify_ldt (cpu diff needs an LDT: CONFIG_MODIFY_LDT_SYSCALL)"); return 2; }
    }
    cpu_set_t cpu0;                /* on CPU 0: the limit of Linux's CPUNODE segment (0x7b) is then 0, as LinuxGdt has it */
    CPU_ZERO(&cpu0);
    CPU_SET(0, &cpu0);
    sched_setaffinity(0, sizeof cpu0, &cpu0);
    __asm__ volatile("stmxcsr %0" : "=m"(host_mxcsr));
    host_fs = 0;
    uint64_t fs;
    if (raw_arch_prctl(ARCH_GET_FS, (uint64_t)(uintptr_t)&fs) != 0) { fprintf(stderr, "arch_prctl(ARCH_GET_FS) failed\n"); return 2; }
    host_fs = fs;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);

    while (fgets(line, sizeof line, stdin)) {
        if (line[0] != 'C') continue;
        unsigned long long v[20];
        int np;
        char *p = line + 1;
        for (int k = 0; k < 20; k++) v[k] = strtoull(p, &p, 16);
        np = (int)strtol(p, &p, 16);
        in_img.mxcsr = strtoull(p, &p, 16);
        for (int k = 0; k < 32; k++) in_img.xmm[k] = strtoull(p, &p, 16);
        unsigned compat_cs = (unsigned)strtoul(p, &p, 16);
        const char *error = NULL;
        int mapped = 0;
        for (int k = 0; k < np; k++) {
            if (!fgets(line, sizeof line, stdin) || line[0] != 'P') { fprintf(stderr, "page line expected\n"); return 2; }
            char *q = line + 1;
            uint64_t addr = strtoull(q, &q, 16);
            while (*q == ' ') q++;
            char prot[8] = { 0 };
            int n = 0;
            while (*q && *q != ' ' && n < 7) prot[n++] = *q++;
            while (*q == ' ') q++;
            if (error || k >= MAX_PAGES) { error = error ? error : "too many pages"; continue; }
            void *m = mmap((void *)(uintptr_t)addr, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            if (m == MAP_FAILED || (uint64_t)(uintptr_t)m != addr) {
                if (m != MAP_FAILED) munmap(m, PAGE);
                error = "page taken in the helper's address space (mmap MAP_FIXED_NOREPLACE failed)";
                continue;
            }
            pages[k].addr = addr;
            pages[k].prot = prot_of(prot);
            memset(pages[k].before, 0, PAGE);
            for (int b = 0; b < PAGE && hexval(q[0]) >= 0 && hexval(q[1]) >= 0; b++, q += 2)
                pages[k].before[b] = (unsigned char)(hexval(q[0]) * 16 + hexval(q[1]));
            memcpy(m, pages[k].before, PAGE);   /* also makes every page present: faults are then protection faults */
            mapped = k + 1;
        }
        for (int k = 0; k < mapped && !error; k++)
            if (mprotect((void *)(uintptr_t)pages[k].addr, PAGE, pages[k].prot) != 0) error = "mprotect failed";
        if (!error) {
            for (int k = 0; k < 16; k++) in_img.r[k] = v[4 + k];
            in_img.rip = v[0];
            if (compat_cs) {
                in_far.off = (uint32_t)v[0];
                in_far.sel = (uint16_t)compat_cs;
                in_img.rip = (uint64_t)(uintptr_t)compat_entry;
                __asm__ volatile("mov %0, %%ds; mov %0, %%es" : : "r"(0x2b)); /* usable data segments; reset to 0 below */
            }
            in_img.rflags = v[1];
            case_fs = v[2] ? v[2] : host_fs;
            raw_arch_prctl(ARCH_SET_GS, v[3]);
            struct itimerval t = { { 0, 0 }, { 2, 0 } };
            setitimer(ITIMER_REAL, &t, NULL);
            if (case_fs != host_fs) raw_arch_prctl(ARCH_SET_FS, case_fs);
            run_case();
            struct itimerval z = { { 0, 0 }, { 0, 0 } };
            setitimer(ITIMER_REAL, &z, NULL);
            raw_arch_prctl(ARCH_SET_GS, 0);
            __asm__ volatile("mov %0, %%ds; mov %0, %%es" : : "r"(0));
            int runs = 0;
            static char buf[MAX_PAGES * 40 * 64];
            size_t len = 0;
            for (int k = 0; k < mapped; k++) {
                mprotect((void *)(uintptr_t)pages[k].addr, PAGE, PROT_READ);
                const unsigned char *now = (const unsigned char *)(uintptr_t)pages[k].addr;
                for (int b = 0; b < PAGE;) {
                    if (now[b] == pages[k].before[b]) { b++; continue; }
                    int e = b;
                    while (e < PAGE && now[e] != pages[k].before[e]) e++;
                    if (len + 64 + 2 * (size_t)(e - b) < sizeof buf) {
                        len += (size_t)snprintf(buf + len, sizeof buf - len, "M %llx %x ", (unsigned long long)pages[k].addr, b);
                        for (int i = b; i < e; i++) len += (size_t)snprintf(buf + len, sizeof buf - len, "%02x", now[i]);
                        buf[len++] = '\n';
                        runs++;
                    }
                    b = e;
                }
            }
            printf("R %c %llx %llx %llx %llx %llx", out.alarm ? 'A' : 'T', (unsigned long long)out.trapno, (unsigned long long)out.err,
                   (unsigned long long)out.cr2, (unsigned long long)out.rip, (unsigned long long)out.rflags);
            for (int k = 0; k < 16; k++) printf(" %llx", (unsigned long long)out.r[k]);
            printf(" %llx", (unsigned long long)out.mxcsr);
            for (int k = 0; k < 32; k++) printf(" %llx", (unsigned long long)out.xmm[k]);
            for (int k = 0; k < 6; k++) printf(" %llx", (unsigned long long)out.seg[k]);
            printf(" %llx %llx", (unsigned long long)out.fsbase, (unsigned long long)out.gsbase);
            printf(" %x\n", runs);
            fwrite(buf, 1, len, stdout);
        } else {
            printf("E %s\n", error);
        }
        for (int k = 0; k < mapped; k++) munmap((void *)(uintptr_t)pages[k].addr, PAGE);
        fflush(stdout);
    }
    return 0;
}
