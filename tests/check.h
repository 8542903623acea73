/* check.h - the assertions of the C tests. A test program runs its checks,
 * prints one line per failure with file and line, and ends with
 * "<name>: N passed, M failed"; its exit status is non-zero on any failure. */
#ifndef TC_CHECK_H
#define TC_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) check_passed++;                                                \
        else { check_failed++; fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); } \
    } while (0)

#define CHECK_MSG(cond, ...)                                                     \
    do {                                                                         \
        if (cond) check_passed++;                                                \
        else { check_failed++; fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
               fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); }              \
    } while (0)

#define CHECK_OK(expr)                                                           \
    do {                                                                         \
        int rc_ = (expr);                                                        \
        CHECK_MSG(rc_ == 0, "returned %d: %s", rc_, tc_last_error());            \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                    \
    do {                                                                         \
        double a_ = (a), b_ = (b);                                               \
        CHECK_MSG(fabs(a_ - b_) <= (tol), "%g vs %g (tol %g)", a_, b_, (double)(tol)); \
    } while (0)

#define CHECK_STR(a, b)                                                          \
    do {                                                                         \
        const char *a_ = (a), *b_ = (b);                                         \
        CHECK_MSG(a_ && b_ && strcmp(a_, b_) == 0, "\"%s\" vs \"%s\"", a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
    } while (0)

static inline int check_report(const char *name) {
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
