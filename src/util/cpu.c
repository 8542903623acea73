/* cpu.c - the kernel level: detected once (cpu_probe.c), lowered by
 * TEXTCLUST_CPU for tests and bug reports, read by every dispatcher. */
#include "util/cpu.h"
#include "util/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const unsigned tc_cpu_build_needs = 0
#if defined(__SSE4_2__) && defined(__POPCNT__)
    | TC_CPU_F_SSE42
#endif
#if defined(__AVX2__) && defined(__BMI2__)
    | TC_CPU_F_AVX2
#endif
#if defined(__FMA__)
    | TC_CPU_F_FMA
#endif
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__)
    | TC_CPU_F_AVX512
#endif
    ;

static const char *const names[TC_CPU_N_LEVELS] = {"baseline", "avx512", "avx512bf16", "amx"};

/* What each level needs beyond the one below it. */
static const unsigned level_needs[TC_CPU_N_LEVELS] = {
    0,
    TC_CPU_F_AVX2 | TC_CPU_F_FMA | TC_CPU_F_AVX512,
    TC_CPU_F_AVX512BF16 | TC_CPU_F_AVX512VNNI,
    TC_CPU_F_AMX_TILE | TC_CPU_F_AMX_BF16 | TC_CPU_F_AMX_INT8 | TC_CPU_F_AMX_OK,
};

static pthread_once_t once_detect = PTHREAD_ONCE_INIT, once_choose = PTHREAD_ONCE_INIT;
static unsigned features;
static int detected, chosen; /* chosen: read by tc_cpu_level, written by set_level */

static void detect(void) {
    features = tc_cpu_probe(1);
    detected = TC_CPU_BASELINE;
    while (detected + 1 < TC_CPU_N_LEVELS && TC_CPU_X86 &&
           (features & level_needs[detected + 1]) == level_needs[detected + 1])
        detected++;
}

static void choose(void) {
    pthread_once(&once_detect, detect);
    int lv;
    if (tc_cpu_parse_env(getenv("TEXTCLUST_CPU"), detected, &lv) != 0)
        tc_warn("%s; using %s", tc_last_error(), tc_cpu_name(lv));
    __atomic_store_n(&chosen, lv, __ATOMIC_RELAXED);
}

int tc_cpu_level(void) {
    pthread_once(&once_choose, choose);
    return __atomic_load_n(&chosen, __ATOMIC_RELAXED);
}

int tc_cpu_detected(void) {
    pthread_once(&once_detect, detect);
    return detected;
}

const char *tc_cpu_name(int level) {
    return level >= 0 && level < TC_CPU_N_LEVELS ? names[level] : "?";
}

int tc_cpu_level_by_name(const char *name) {
    for (int l = 0; name && l < TC_CPU_N_LEVELS; l++)
        if (strcasecmp(name, names[l]) == 0) return l;
    return -1;
}

int tc_cpu_parse_env(const char *value, int detected_level, int *level) {
    *level = detected_level;
    if (!value || !*value) return 0;
    int want = tc_cpu_level_by_name(value);
    if (want < 0)
        return tc_error(TC_EINVAL, "TEXTCLUST_CPU=%s: not a level (baseline, avx512, avx512bf16, "
                        "amx)", value);
    if (want > detected_level)
        return tc_error(TC_EINVAL, "TEXTCLUST_CPU=%s: this CPU supports levels up to %s", value,
                        tc_cpu_name(detected_level));
    *level = want;
    return 0;
}

int tc_cpu_check_env(void) {
    int lv;
    return tc_cpu_parse_env(getenv("TEXTCLUST_CPU"), tc_cpu_detected(), &lv);
}

int tc_cpu_set_level(int level) {
    tc_cpu_level(); /* so that a later first call does not undo this */
    if (level < 0 || level > tc_cpu_detected())
        return tc_error(TC_EINVAL, "cpu level %d: this CPU supports 0 to %d (%s)", level, detected,
                        tc_cpu_name(detected));
    __atomic_store_n(&chosen, level, __ATOMIC_RELAXED);
    return 0;
}

void tc_cpu_features(char *buf, size_t cap) {
    static const struct { unsigned bit; const char *name; } fs[] = {
        {TC_CPU_F_SSE42, "sse4.2"},           {TC_CPU_F_AVX2, "avx2"},
        {TC_CPU_F_FMA, "fma"},                {TC_CPU_F_AVX512, "avx512f/cd/bw/dq/vl"},
        {TC_CPU_F_AVX512BF16, "avx512-bf16"}, {TC_CPU_F_AVX512VNNI, "avx512-vnni"},
        {TC_CPU_F_AMX_TILE, "amx-tile"},      {TC_CPU_F_AMX_BF16, "amx-bf16"},
        {TC_CPU_F_AMX_INT8, "amx-int8"},      {TC_CPU_F_AMX_OK, "amx-permitted"},
    };
    pthread_once(&once_detect, detect);
    size_t len = 0;
    if (cap) buf[0] = 0;
    for (size_t i = 0; i < sizeof fs / sizeof *fs; i++) {
        if (!(features & fs[i].bit)) continue;
        int w = snprintf(buf + len, cap > len ? cap - len : 0, "%s%s", len ? " " : "", fs[i].name);
        if (w > 0) len += (size_t)w < cap - len ? (size_t)w : cap - len - 1;
        if (len + 1 >= cap) break;
    }
}

const char *tc_cpu_build_target(void) {
    if (!TC_CPU_X86) return "not x86-64";
    if (tc_cpu_build_needs & TC_CPU_F_AVX512) return "x86-64-v4";
    if (tc_cpu_build_needs & TC_CPU_F_AVX2) return "x86-64-v3";
    if (tc_cpu_build_needs & TC_CPU_F_SSE42) return "x86-64-v2";
    return "x86-64";
}
