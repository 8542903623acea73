/* cpu_probe.c - which of the features behind the kernel levels this CPU
 * has (Intel SDM vol. 2, CPUID leaves 1, 7 and 0x80000001; XGETBV for the
 * register state the OS saves; Linux's arch_prctl for AMX tile data).
 *
 * The Makefile compiles this file for plain x86-64, whatever the build's
 * baseline, so that a binary built for x86-64-v3 started on an older CPU
 * stops at start-up with a message naming what is missing, instead of
 * dying of SIGILL somewhere later. That check is the one place the library
 * writes to stderr and exits: nothing else could run. */
#include "util/cpu.h"

#if TC_CPU_X86
#include <cpuid.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

#define ARCH_GET_XCOMP_PERM 0x1022
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

static unsigned long long xgetbv0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/* 1 when every bit of want is set in have */
static int all(unsigned have, unsigned want) { return (have & want) == want; }

static int amx_permit(void) {
#if defined(__linux__) && defined(SYS_arch_prctl)
    unsigned long perm = 0;
    if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0) return 0;
    if (syscall(SYS_arch_prctl, ARCH_GET_XCOMP_PERM, &perm) != 0) return 0;
    return (perm >> XFEATURE_XTILEDATA) & 1;
#else
    return 0;
#endif
}

unsigned tc_cpu_probe(int request_amx) {
    unsigned a, b, c, d, max, f = 0;
    if (!__get_cpuid(0, &max, &b, &c, &d) || max < 1) return 0;
    __cpuid(1, a, b, c, d);
    unsigned c1 = c;
    unsigned b7 = 0, c7 = 0, d7 = 0, a71 = 0, cx = 0;
    if (max >= 7) {
        __cpuid_count(7, 0, a, b7, c7, d7);
        unsigned sub = a;
        if (sub >= 1) __cpuid_count(7, 1, a71, b, c, d);
    }
    if (__get_cpuid(0x80000001, &a, &b, &cx, &d) == 0) cx = 0;
    /* SSE3 0, SSSE3 9, CX16 13, SSE4.1 19, SSE4.2 20, POPCNT 23; LAHF 0 */
    if (all(c1, 1u << 0 | 1u << 9 | 1u << 13 | 1u << 19 | 1u << 20 | 1u << 23) && (cx & 1))
        f |= TC_CPU_F_SSE42;
    unsigned long long xcr0 = (c1 >> 27) & 1 ? xgetbv0() : 0; /* OSXSAVE */
    int os_avx = (xcr0 & 0x6) == 0x6, os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
    int os_amx = (xcr0 & 0x60000) == 0x60000;
    /* AVX 28, F16C 29, MOVBE 22; BMI1 3, AVX2 5, BMI2 8; LZCNT 5 */
    if (os_avx && all(c1, 1u << 28 | 1u << 29 | 1u << 22) && all(b7, 1u << 3 | 1u << 5 | 1u << 8) &&
        (cx >> 5 & 1))
        f |= TC_CPU_F_AVX2;
    if (os_avx && (c1 >> 12 & 1)) f |= TC_CPU_F_FMA;
    /* F 16, DQ 17, CD 28, BW 30, VL 31 */
    if (os_avx512 && all(b7, 1u << 16 | 1u << 17 | 1u << 28 | 1u << 30 | 1u << 31))
        f |= TC_CPU_F_AVX512;
    if (os_avx512 && (a71 >> 5 & 1)) f |= TC_CPU_F_AVX512BF16;
    if (os_avx512 && (c7 >> 11 & 1)) f |= TC_CPU_F_AVX512VNNI;
    if (os_amx && (d7 >> 24 & 1)) f |= TC_CPU_F_AMX_TILE;
    if (os_amx && (d7 >> 22 & 1)) f |= TC_CPU_F_AMX_BF16;
    if (os_amx && (d7 >> 25 & 1)) f |= TC_CPU_F_AMX_INT8;
    if (request_amx && (f & TC_CPU_F_AMX_TILE) && amx_permit()) f |= TC_CPU_F_AMX_OK;
    return f;
}

/* ---------------------------------------------------------------- start-up check */

static void say(const char *s) {
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

__attribute__((constructor)) static void check_build_target(void) {
    unsigned need = tc_cpu_build_needs, have = tc_cpu_probe(0), miss = need & ~have;
    if (!miss) return;
    say("textclust: this build needs x86-64 features this CPU (or its OS) lacks:");
    if (miss & TC_CPU_F_SSE42) say(" SSE4.2/POPCNT (x86-64-v2)");
    if (miss & TC_CPU_F_AVX2) say(" AVX2/BMI2 (x86-64-v3)");
    if (miss & TC_CPU_F_FMA) say(" FMA (x86-64-v3)");
    if (miss & TC_CPU_F_AVX512) say(" AVX-512 (x86-64-v4)");
    say(". Rebuild with make ARCH=-march=x86-64-v2 (or ARCH=-march=native on this machine).\n");
    _exit(1);
}

#else

unsigned tc_cpu_probe(int request_amx) {
    (void)request_amx;
    return 0;
}

#endif
