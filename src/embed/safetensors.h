/* safetensors.h - reads a .safetensors file (Hugging Face's weight format)
 * by mmap; see safetensors.c. */
#ifndef TC_SAFETENSORS_H
#define TC_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

/* The format's element types; TC_ST_F32, F16 and BF16 are the ones the
 * encoders convert to float. */
enum {
    TC_ST_BOOL, TC_ST_U8, TC_ST_I8, TC_ST_F8_E5M2, TC_ST_F8_E4M3, TC_ST_I16, TC_ST_U16, TC_ST_F16,
    TC_ST_BF16, TC_ST_I32, TC_ST_U32, TC_ST_F32, TC_ST_F64, TC_ST_I64, TC_ST_U64, TC_ST_N_DTYPES
};

#define TC_ST_MAX_DIMS 8

typedef struct tc_st_tensor {
    char *name;
    int dtype;                       /* TC_ST_* */
    int ndim;
    int64_t shape[TC_ST_MAX_DIMS];
    size_t offset, nbytes;           /* in tc_st_file.data; checked to lie inside it */
} tc_st_tensor;

typedef struct tc_st_file {
    char path[4096];
    unsigned char *map;              /* (map_size) the whole file, read-only */
    size_t map_size;
    const unsigned char *data;       /* (data_size) the bytes after the header */
    size_t data_size;
    tc_st_tensor *t;                 /* (n) sorted by name */
    int n;
} tc_st_file;

/* Maps path and parses its header: every tensor's dtype, shape and byte
 * range is checked (the range matches the shape and lies in the file), so a
 * truncated or lying file fails here, with a message naming the file and
 * tensor. Returns 0 or a negative TC_E* code; close with tc_st_close (also
 * after a failure, where it is a no-op). */
int tc_st_open(const char *path, tc_st_file *f);
void tc_st_close(tc_st_file *f);

/* The tensor called name, or NULL. */
const tc_st_tensor *tc_st_find(const tc_st_file *f, const char *name);

/* The dtype's name as the format spells it ("F32"), and its size in bytes. */
const char *tc_st_dtype_name(int dtype);
int tc_st_dtype_size(int dtype);

/* Element count of a tensor (fits: checked at open). */
size_t tc_st_count(const tc_st_tensor *t);

/* Bit-exact widening of 16-bit floats. */
float tc_st_f16_to_f32(uint16_t h);
float tc_st_bf16_to_f32(uint16_t h);

#endif
