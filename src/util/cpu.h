/* cpu.h - the instruction-set level the hand-vectorised kernels run at.
 *
 * The library is built for a baseline target (x86-64-v3 unless the Makefile
 * is told otherwise). A kernel with faster variants is written once in its
 * own file and compiled once per level: foo.c is the baseline variant
 * (functions named by TC_CPU_FN(foo) -> foo_baseline), foo_avx512.c
 * defines TC_CPU_VARIANT avx512 and includes foo.c, and the Makefile builds
 * every *_avx512.c for x86-64-v4. The caller picks a variant by
 * tc_cpu_level() once per call, outside its loops.
 *
 * The level is detected once per process from CPUID and XGETBV (and, for
 * AMX, the kernel's permission), then lowered by TEXTCLUST_CPU if set. */
#ifndef TC_UTIL_CPU_H
#define TC_UTIL_CPU_H

#include <stddef.h>

#if defined(__x86_64__)
#define TC_CPU_X86 1
#else
#define TC_CPU_X86 0
#endif

/* Levels in order; each includes the ones below it. */
enum {
    TC_CPU_BASELINE = 0, /* the build's target, plain C kernels (the reference) */
    TC_CPU_AVX512 = 1,   /* AVX-512 F, CD, BW, DQ, VL (x86-64-v4), zmm state saved by the OS */
    TC_CPU_AVX512BF16 = 2, /* + AVX512_BF16 and AVX512_VNNI (src/embed/mm_lowp_avx512bf16.c) */
    TC_CPU_AMX = 3,      /* + AMX-TILE, AMX-BF16, AMX-INT8, tile data granted by the kernel
                            (src/embed/mm_lowp_amx.c) */
    TC_CPU_N_LEVELS = 4
};

/* The level kernels use: the detected one, or lower as TEXTCLUST_CPU says
 * (a level above the detected one, or an unknown name, is ignored with one
 * warning through tc_log: the detected level is used). Thread-safe;
 * the first call detects, later ones read one variable. */
int tc_cpu_level(void);

/* The highest level this CPU and OS support (TEXTCLUST_CPU not applied). */
int tc_cpu_detected(void);

/* tc_cpu_check_env is public: include/textclust.h (the machine). */

/* The level that TEXTCLUST_CPU=value asks for on a CPU detected at
 * `detected`: 0 and *level set, or TC_EINVAL (unknown name, or above
 * detected; *level is then `detected`) with the message in
 * tc_last_error(). value NULL or "" asks for the detected level. */
int tc_cpu_parse_env(const char *value, int detected, int *level);

/* Forces the level (tests): 0, or TC_EINVAL when level is outside
 * 0 .. tc_cpu_detected(). */
int tc_cpu_set_level(int level);

/* "baseline", "avx512", "avx512bf16", "amx"; "?" outside the range. */
const char *tc_cpu_name(int level);

/* The level called name (case-insensitive), or -1. */
int tc_cpu_level_by_name(const char *name);

/* The features the levels rest on that this CPU has, space separated
 * ("avx2 fma ... amx-int8"), with "amx-permitted" when the kernel granted
 * the tile state; into buf (cap bytes, always NUL-terminated). */
void tc_cpu_features(char *buf, size_t cap);

/* What the build's baseline code was compiled for, from the compiler's
 * macros: "x86-64-v4", "x86-64-v3", "x86-64-v2", "x86-64" or "not x86-64". */
const char *tc_cpu_build_target(void);

/* CPU features the levels rest on, as tc_cpu_probe reports them. The
 * AVX and AVX-512 bits are set only when the OS also saves that register
 * state (XGETBV); TC_CPU_F_AMX_OK when the kernel granted the tile data. */
enum {
    TC_CPU_F_SSE42 = 1u << 0,  /* with POPCNT, SSSE3, CX16: x86-64-v2 */
    TC_CPU_F_AVX2 = 1u << 1,   /* with AVX, BMI1, BMI2, F16C, LZCNT, MOVBE: with FMA, x86-64-v3 */
    TC_CPU_F_FMA = 1u << 2,
    TC_CPU_F_AVX512 = 1u << 3, /* F, CD, BW, DQ, VL: x86-64-v4 */
    TC_CPU_F_AVX512BF16 = 1u << 4,
    TC_CPU_F_AVX512VNNI = 1u << 5,
    TC_CPU_F_AMX_TILE = 1u << 6,
    TC_CPU_F_AMX_BF16 = 1u << 7,
    TC_CPU_F_AMX_INT8 = 1u << 8,
    TC_CPU_F_AMX_OK = 1u << 9,
};

/* The feature bits of this CPU (cpu_probe.c, compiled for plain x86-64 so
 * it runs anywhere); with request_amx, asks Linux for the AMX tile state
 * (arch_prctl ARCH_REQ_XCOMP_PERM) and sets TC_CPU_F_AMX_OK if granted. */
unsigned tc_cpu_probe(int request_amx);

/* The feature bits the baseline code was compiled to assume (cpu.c; data,
 * so the start-up check reads it without running baseline code). */
extern const unsigned tc_cpu_build_needs;

/* Function names of a kernel variant: TC_CPU_FN(tc_knn_dots) is
 * tc_knn_dots_baseline, or tc_knn_dots_avx512 in a file that defines
 * TC_CPU_VARIANT avx512 before including the kernel. */
#ifndef TC_CPU_VARIANT
#define TC_CPU_VARIANT baseline
#endif
#define TC_CPU_CAT_(a, b) a##_##b
#define TC_CPU_CAT(a, b) TC_CPU_CAT_(a, b)
#define TC_CPU_FN(name) TC_CPU_CAT(name, TC_CPU_VARIANT)

#endif
