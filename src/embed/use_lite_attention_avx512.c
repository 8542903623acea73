/* use_lite_attention.c compiled for AVX-512 (the Makefile builds *_avx512.c for x86-64-v4). */
#if defined(__x86_64__)
#define TC_CPU_VARIANT avx512
#include "use_lite_attention.c"
#endif
