/* fuzz_reader_parts.c - the reader's parts and positions (src/io/reader.c,
 * source.c, parquet.c), which infer's shards and resume rest on. The first
 * byte picks the format (JSONL, CSV, TSV, text, Parquet), the part count
 * N (1-4), --on_error skip or stop, and the batch where a position is
 * taken; the rest is the file (gzip when it starts with 1f 8b). Checks,
 * aborting when one fails:
 *   - a reader moved by tc_reader_seek to the position tc_reader_tell gave
 *     reads the same texts, ids, skip count and end (or error) as the reader
 *     that gave it;
 *   - when no part and no whole read fails, parts 0..N-1 read one after the
 *     other are the whole input read at once. */
#include "fuzz.h"
#include "io/io.h"

typedef struct {
    tc_textset t;  /* every text read (appended batch after batch) */
    long rc;       /* the last tc_reader_next result: 0 at the end, < 0 an error */
    size_t skipped;
} run_t;

/* Reads the rest of r in batches of 3 into out; stops at a position when
 * at_batch >= 0 (that many batches read), tells it, and returns 1. */
static int drain(tc_reader *r, run_t *out, int at_batch, tc_reader_pos *pos) {
    for (int b = 0;; b++) {
        if (b == at_batch) {
            tc_reader_tell(r, pos);
            return 1;
        }
        long got = tc_reader_next(r, 3, &out->t);
        out->skipped = tc_reader_skipped(r);
        if (got <= 0) {
            out->rc = got;
            return 0;
        }
    }
}

static int same_str(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* 1 when b's texts equal a's from index from on. */
static int same_tail(const tc_textset *a, size_t from, const tc_textset *b) {
    if (a->n - from != b->n) return 0;
    for (size_t i = 0; i < b->n; i++) {
        if (strcmp(a->texts[from + i], b->texts[i])) return 0;
        const char *ia = a->ids ? a->ids[from + i] : NULL, *ib = b->ids ? b->ids[i] : NULL;
        if (!same_str(ia, ib)) return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    fuzz_init();
    static const int formats[] = {TC_FMT_JSONL, TC_FMT_CSV, TC_FMT_TSV, TC_FMT_TEXT, TC_FMT_PARQUET};
    int format = formats[(data[0] & 7) % 5], n = 1 + (data[0] >> 3 & 3), at = data[0] >> 5 & 3;
    tc_reader_opts o = {.max_text_bytes = 100, .skip_bad = data[0] >> 7};
    const char *path = fuzz_memfile(0, data + 1, size - 1);

    /* seek(tell()) continues as the reader did */
    tc_reader *a, *b;
    if (tc_reader_open_opts(path, format, "text", "id", &o, &a) != 0) return 0;
    run_t ra = {0}, rb = {0};
    tc_reader_pos pos;
    if (drain(a, &ra, at, &pos)) {
        size_t before = ra.t.n, skipped_before = ra.skipped;
        drain(a, &ra, -1, NULL);
        if (tc_reader_open_opts(path, format, "text", "id", &o, &b) != 0) abort();
        if (tc_reader_seek(b, &pos) != 0) abort();
        drain(b, &rb, -1, NULL);
        tc_reader_close(b);
        if (!same_tail(&ra.t, before, &rb.t) || (ra.rc < 0) != (rb.rc < 0) ||
            ra.skipped - skipped_before != rb.skipped)
            abort();
        tc_textset_free(&rb.t);
    }
    tc_reader_close(a);

    /* the parts, in order, are the whole */
    int whole_ok = ra.rc == 0;
    run_t parts = {0};
    int parts_ok = 1;
    for (int i = 0; i < n && whole_ok && parts_ok; i++) {
        tc_reader_opts po = o;
        po.num_shards = n, po.shard_index = i;
        tc_reader *p;
        if (tc_reader_open_opts(path, format, "text", "id", &po, &p) != 0) { parts_ok = 0; break; }
        run_t rp = {0};
        rp.t = parts.t;
        drain(p, &rp, -1, NULL);
        parts.t = rp.t;
        parts.skipped += rp.skipped;
        parts_ok = rp.rc == 0;
        tc_reader_close(p);
    }
    if (whole_ok && parts_ok && (!same_tail(&ra.t, 0, &parts.t) || parts.skipped != ra.skipped)) abort();
    tc_textset_free(&parts.t);
    tc_textset_free(&ra.t);
    return 0;
}
