/* bind.c - what a foreign-function interface needs beside the header's
 * structs: a tc_params on the heap, since ctypes and its kind cannot take
 * a struct returned by value without copying its layout. */
#include "core/core.h"

#include <stdlib.h>

tc_params *tc_params_new(void) {
    tc_params *p = malloc(sizeof *p);
    if (p) *p = tc_default_params();
    return p;
}

void tc_params_delete(tc_params *p) { free(p); }

void tc_params_set_progress(tc_params *p, tc_progress_fn fn, void *ctx) {
    p->progress = fn;
    p->progress_ctx = ctx;
}
