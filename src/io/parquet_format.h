/* parquet_format.h - numbers of the Parquet format (parquet.thrift) and of
 * the Thrift compact protocol its metadata is written in, for the writer
 * (private to src/io/). */
#ifndef TC_IO_PARQUET_FORMAT_H
#define TC_IO_PARQUET_FORMAT_H

/* Thrift compact protocol: the type nibble of a field header or list header. */
enum {
    TH_TRUE = 1, TH_FALSE = 2, TH_BYTE = 3, TH_I16 = 4, TH_I32 = 5, TH_I64 = 6,
    TH_DOUBLE = 7, TH_BINARY = 8, TH_LIST = 9, TH_SET = 10, TH_MAP = 11, TH_STRUCT = 12
};

/* Type (physical) */
enum { PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_FLOAT = 4, PQ_DOUBLE = 5, PQ_BYTE_ARRAY = 6 };
/* FieldRepetitionType */
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
/* ConvertedType */
enum { PQ_CT_UTF8 = 0, PQ_CT_LIST = 3 };
/* LogicalType (a union: the field id picks the member, an empty struct) */
enum { PQ_LT_STRING = 1, PQ_LT_LIST = 3 };
/* Encoding */
enum { PQ_ENC_PLAIN = 0, PQ_ENC_RLE = 3 };
/* CompressionCodec */
enum { PQ_CODEC_UNCOMPRESSED = 0, PQ_CODEC_SNAPPY = 1, PQ_CODEC_ZSTD = 6 };
/* PageType */
enum { PQ_PAGE_DATA = 0 };

#endif
