/* The benchmark loop, natively and under qemu-x86_64: the very bytes the model runs (CpuPeerBenchmarks loads this
 * ELF's segments into the model's page tables). 4 instructions per iteration, one a load-modify-store.
 * Build: gcc -nostdlib -static -no-pie -o loop loop.S; run: ./loop ITERATIONS */
        .text
        .globl _start
_start:                         /* argv[1] in decimal -> rdi */
        mov     16(%rsp), %rsi
        xor     %edi, %edi
1:      movzbl  (%rsi), %ecx
        sub     $'0', %ecx
        cmp     $9, %ecx
        ja      spin
        imul    $10, %rdi, %rdi
        add     %rcx, %rdi
        inc     %rsi
        jmp     1b

        .globl spin
spin:                           /* rdi = iterations; the model starts here */
        xor     %eax, %eax
2:      add     $1, %rax
        add     %rax, counter(%rip)
        cmp     %rdi, %rax
        jne     2b
        mov     $60, %eax       /* exit(0): the model stops at this syscall */
        xor     %edi, %edi
        syscall

        .data
        .balign 8
counter: .quad 0
