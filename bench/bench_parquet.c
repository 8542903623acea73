/* bench_parquet.c - reads the text column of a Parquet file and prints the
 * text bytes per second, two ways per round:
 *   decode  the Parquet decoder alone (tc_parquet_next: strings in place),
 *           what DuckDB's count/sum over the column does too;
 *   reader  tc_reader (what run and infer get): each text also checked as
 *           UTF-8, copied into its own string and measured (strlen).
 *   bench_parquet FILE.parquet [ROUNDS] [THREADS] [COLUMN]
 * THREADS (default 1): 1 decodes in the caller's thread only, as DuckDB
 * with threads=1 does; 2 adds a thread that decodes the next row group
 * ahead. One line each, named decode-THREADS and reader-THREADS: rows,
 * text bytes (the peer prints both too, as a check that the two read the
 * same), wall s, CPU s (the process's, all threads), MB/s. */
#include "io/io.h"
#include "io/parquet.h"
#include "util/util.h"
#include "bench_util.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_parquet FILE.parquet [ROUNDS] [THREADS] [COLUMN]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    const char *column = argc > 4 ? argv[4] : "text";
    if (threads < 1) threads = 1;
    tc_parquet_default_workers(threads - 1);
    for (int round = 0; round < rounds; round++) {
        double t0 = tc_now(), c0 = cpu_seconds();
        tc_parquet *p;
        if (tc_parquet_open(argv[1], NULL, 0, column, NULL, &p)) {
            fprintf(stderr, "%s\n", tc_last_error());
            return 1;
        }
        const char *t, *id;
        size_t tl, il, rows = 0, bytes = 0;
        int rc;
        while ((rc = tc_parquet_next(p, &t, &tl, &id, &il)) == 1) rows++, bytes += tl;
        tc_parquet_close(p);
        if (rc < 0) {
            fprintf(stderr, "%s\n", tc_last_error());
            return 1;
        }
        double wall = tc_now() - t0, cpu = cpu_seconds() - c0;
        printf("decode-%d rows %zu bytes %zu wall_s %.3f cpu_s %.3f MB/s %.1f\n", threads, rows, bytes, wall, cpu,
               bytes / 1e6 / wall);

        t0 = tc_now(), c0 = cpu_seconds();
        tc_reader *r;
        if (tc_reader_open(argv[1], TC_FMT_PARQUET, column, NULL, &r)) {
            fprintf(stderr, "%s\n", tc_last_error());
            return 1;
        }
        tc_textset b = {0};
        rows = 0, bytes = 0;
        long got;
        while ((got = tc_reader_next(r, 65536, &b)) > 0) {
            for (size_t i = 0; i < b.n; i++) bytes += strlen(b.texts[i]);
            rows += b.n;
            tc_textset_free(&b);
        }
        if (got < 0) {
            fprintf(stderr, "%s\n", tc_last_error());
            return 1;
        }
        tc_reader_close(r);
        wall = tc_now() - t0, cpu = cpu_seconds() - c0;
        printf("reader-%d rows %zu bytes %zu wall_s %.3f cpu_s %.3f MB/s %.1f\n", threads, rows, bytes, wall, cpu,
               bytes / 1e6 / wall);
    }
    return 0;
}
