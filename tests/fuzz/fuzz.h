/* fuzz.h - shared helpers of the libFuzzer targets in tests/fuzz/. Most
 * parsers take a path, not a buffer, so an input is put in an in-memory
 * file (memfd) and the parser is given /proc/self/fd/N: no disk traffic,
 * and the parser's own open/stat/read code runs as it does on real files. */
#ifndef TC_FUZZ_H
#define TC_FUZZ_H

#include "textclust.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Library warnings would flood the fuzzer's output. */
static inline void fuzz_quiet_log(void *ctx, int level, const char *msg) { (void)ctx, (void)level, (void)msg; }

static inline void fuzz_init(void) {
    static int done;
    if (!done) tc_set_logger(fuzz_quiet_log, NULL), done = 1;
}

/* One memfd per slot, reused by every input: its content is replaced by
 * data and its /proc path returned (valid until the next call on slot). */
static inline const char *fuzz_memfile(int slot, const void *data, size_t size) {
    static int fd[4] = {-1, -1, -1, -1};
    static char path[4][64];
    if (fd[slot] < 0) {
        fd[slot] = memfd_create("fuzz", 0);
        if (fd[slot] < 0) { perror("memfd_create"); abort(); }
        snprintf(path[slot], sizeof path[slot], "/proc/self/fd/%d", fd[slot]);
    }
    if (ftruncate(fd[slot], 0) != 0) { perror("ftruncate"); abort(); }
    for (size_t off = 0; off < size;) {
        ssize_t w = pwrite(fd[slot], (const char *)data + off, size - off, (off_t)off);
        if (w <= 0) { perror("pwrite"); abort(); }
        off += (size_t)w;
    }
    return path[slot];
}

/* data as a NUL-terminated malloc'd string (a NUL inside ends it early,
 * as it would for the C string the parser is given). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

#endif
