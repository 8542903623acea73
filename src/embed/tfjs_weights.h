/* tfjs_weights.h - reads the weights of a TF.js graph model (model.json's
 * weightsManifest and its binary shards); see tfjs_weights.c. */
#ifndef TC_TFJS_WEIGHTS_H
#define TC_TFJS_WEIGHTS_H

#include <stddef.h>

enum { TC_TFJS_FLOAT32 = 1, TC_TFJS_INT32 = 2 };

typedef struct tc_tfjs_tensor {
    char *name;
    int dtype;             /* TC_TFJS_* */
    int ndim;
    int shape[8];
    size_t offset, nbytes; /* in tc_tfjs_weights.data */
    int shard;             /* which file holds its first byte */
} tc_tfjs_tensor;

typedef struct tc_tfjs_weights {
    char dir[4096];
    tc_tfjs_tensor *t;     /* (n) */
    int n;
    unsigned char *data;   /* (size) all shards of all groups, in manifest order */
    size_t size;
    char **shard_path;     /* (n_shards) */
    size_t *shard_start;   /* (n_shards) byte offset of each shard in data */
    int n_shards;
} tc_tfjs_weights;

/* Loads <dir>/model.json and every shard it names. Checks that the shards
 * hold exactly the bytes the manifest describes (message names the file).
 * Returns 0 or a negative TC_E* code; free with tc_tfjs_free. */
int tc_tfjs_load(const char *dir, tc_tfjs_weights *w);
void tc_tfjs_free(tc_tfjs_weights *w);

/* The tensor called name, checked to have dtype and the given shape (ndim
 * dims; a 0-dim tensor is a scalar). Returns a pointer into w->data, or
 * NULL with the error recorded (tc_last_error). */
const void *tc_tfjs_get(const tc_tfjs_weights *w, const char *name, int dtype, int ndim,
                        const int *shape);

/* Checks that every float32 value of the named tensor is finite; a NaN or
 * infinity means a corrupt shard, named in the error. Returns 0 or TC_EFORMAT. */
int tc_tfjs_check_finite(const tc_tfjs_weights *w, const char *name);

#endif
