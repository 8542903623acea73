# textclust - plain Makefile. Every src/<stage>/*.c goes into the library,
# every tests/test_*.c is a test program, every bench/bench_*.c a benchmark.
#   make            build/textclust, build/libtextclust.a, build/libtextclust.so
#   make test       build, then run tests/run.sh (C tests and script tests)
#   make asan       the same tests under AddressSanitizer/UBSan in build-asan/
#   make bench      benchmark programs in build/bench/ (bench/README.md says how to run them)
#   make fuzz       libFuzzer targets (clang, ASan, UBSan) in build-fuzz/fuzz/;
#                   run them with tests/fuzz/run.sh [seconds-per-target]
#   make MPI=1      build/textclust with MPI (mpicc, Debian's OpenMPI): under
#                   mpirun, infer runs one shard per rank and rank 0 merges.
#                   Only the CLI is compiled with mpicc (into $(BUILD)/obj-mpi/);
#                   TC_LIB=other/libtextclust.a links a library built before.

BUILD   ?= build
# The portable default: x86-64-v3 (AVX2, FMA, BMI2), which every x86 server
# CPU since Intel Haswell (2013) and AMD Zen (2017) has; it leaves out older
# CPUs, Atom/Pentium/Celeron parts without AVX (until about 2021) and VMs on
# QEMU's default CPU model; for those, ARCH=-march=x86-64-v2. AVX-512 and
# above come from kernel variants chosen at run time (src/util/cpu.h).
# ARCH=-march=native builds for this machine only.
UNAME_M := $(shell uname -m)
ifeq ($(UNAME_M),x86_64)
ARCH    ?= -march=x86-64-v3
CPU_AVX512 := -march=x86-64-v4 -mprefer-vector-width=512
PROBE_ARCH := -march=x86-64 -mtune=generic
endif
OPT     ?= -O2
CC      ?= cc
PKGS    := cairo libcjson libcurl zlib libutf8proc libzstd snappy
# -fvisibility=hidden: only what include/textclust.h marks TC_API leaves
# libtextclust.so (tests/exports_test.sh compares the two).
CFLAGS  += -std=c11 $(OPT) $(ARCH) -g -fPIC -fvisibility=hidden -fopenmp -Wall -Wextra -D_GNU_SOURCE \
           -Iinclude -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcairo -lcjson -lcurl -lz -lutf8proc -lzstd -lsnappy) \
           -lopenblas -lm -lpthread -fopenmp

LIB_SRC   := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRC   := $(sort $(filter-out src/cli/mpi.c,$(wildcard src/cli/*.c)))
TEST_SRC  := $(sort $(wildcard tests/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TC_LIB    ?= $(BUILD)/libtextclust.a
MPI       ?= 0
MPICC     ?= mpicc
LINK      := $(CC)
ifeq ($(MPI),1)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/obj-mpi/%.o) $(BUILD)/obj-mpi/src/cli/mpi.o
LINK      := $(MPICC)
endif
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCHES   := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_HDR  := $(wildcard tests/fuzz/*.h)
REPLAYS   := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)
FUZZERS   := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/fuzz_%)
HEADERS   := include/textclust.h $(wildcard src/*/*.h)

all: $(BUILD)/textclust $(BUILD)/libtextclust.a $(BUILD)/libtextclust.so

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# A kernel's AVX-512 variant: foo_avx512.c includes foo.c and is compiled
# for x86-64-v4 with 512-bit vectors preferred (gcc picks 256 by default);
# it only runs where tc_cpu_level() says the CPU has AVX-512.
$(BUILD)/obj/%_avx512.o: %_avx512.c %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPU_AVX512) -c $< -o $@

# The CPUID probe runs before anything else and must run on any x86-64 CPU,
# to refuse with a message where the baseline would die of SIGILL.
$(BUILD)/obj/src/util/cpu_probe.o: CFLAGS += $(PROBE_ARCH)

# -std=c11 turns off fused multiply-add; the layout's polynomials are one
# dependent chain, and fusing them makes the layout about 1.1x faster. Its
# 16-lane vectors pass only between static functions of the file, so gcc's
# notes that their ABI differs below AVX-512 concern no caller.
$(BUILD)/obj/src/reduce/layout_epoch.o $(BUILD)/obj/src/reduce/layout_epoch_avx512.o: \
	CFLAGS += -ffp-contract=fast -Wno-psabi

$(BUILD)/libtextclust.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The shared library is libtextclust.so.MAJOR.MINOR.PATCH with the soname
# libtextclust.so.MAJOR (the version from include/textclust.h), and the two
# shorter names as symlinks to it.
version_part = $(shell sed -n 's/^\#define TC_VERSION_$(1) \([0-9]*\)$$/\1/p' include/textclust.h)
SO_MAJOR   := $(call version_part,MAJOR)
SO_VERSION := $(SO_MAJOR).$(call version_part,MINOR).$(call version_part,PATCH)
SONAME     := libtextclust.so.$(SO_MAJOR)

$(BUILD)/libtextclust.so.$(SO_VERSION): $(LIB_OBJ)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(LDLIBS)

$(BUILD)/libtextclust.so: $(BUILD)/libtextclust.so.$(SO_VERSION)
	ln -sf libtextclust.so.$(SO_VERSION) $(BUILD)/$(SONAME)
	ln -sf libtextclust.so.$(SO_VERSION) $@

# The CLI with MPI: its own objects, so a plain make after make MPI=1 (or the
# reverse) never mixes them; mpi.flag relinks the binary when MPI changes.
$(BUILD)/obj-mpi/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(MPICC) $(CFLAGS) -DTC_MPI -c $< -o $@

$(BUILD)/mpi.flag: FORCE
	@mkdir -p $(dir $@)
	@echo $(MPI) | cmp -s - $@ || echo $(MPI) > $@

$(BUILD)/textclust: $(CLI_OBJ) $(TC_LIB) $(BUILD)/mpi.flag
	$(LINK) $(LDFLAGS) -o $@ $(CLI_OBJ) $(TC_LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/%.c tests/check.h $(BUILD)/libtextclust.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Itests -o $@ $< $(BUILD)/libtextclust.a $(LDLIBS)

$(BUILD)/bench/%: bench/%.c bench/bench_util.h $(BUILD)/libtextclust.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libtextclust.a $(LDLIBS)

# Each fuzz target also builds with the normal compiler and flags as a plain
# program that replays tests/fuzz/seeds/ and tests/fuzz/regress/ (make test).
$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_HDR) $(BUILD)/libtextclust.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Itests/fuzz -o $@ $< tests/fuzz/replay.c $(BUILD)/libtextclust.a $(LDLIBS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDR) $(BUILD)/libtextclust.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< $(BUILD)/libtextclust.a $(LDLIBS)

tests: $(TEST_BIN) $(BUILD)/tests/header_cxx $(REPLAYS)

# The public header must compile as C++ too.
$(BUILD)/tests/header_cxx: tests/header.cc include/textclust.h
	@mkdir -p $(dir $@)
	c++ -std=c++11 -Wall -Wextra -Iinclude -fsyntax-only tests/header.cc && touch $@

test: all tests
	BUILD=$(BUILD) tests/run.sh

# Any sanitizer report fails the test that caused it (UBSan would only print).
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(MAKE) BUILD=build-asan OPT="-O1 -fno-omit-frame-pointer $(SAN)" \
	        LDFLAGS="$(SAN)" test

bench: all $(BENCHES)

# The library rebuilt with clang, coverage instrumentation and the
# sanitizers in its own folder; UBSan findings abort so libFuzzer sees them.
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang ARCH= LDFLAGS="$(FUZZ_SAN)" \
	        OPT="-O1 -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzzers

fuzzers: $(FUZZERS)

clean:
	rm -rf build build-asan build-fuzz build-mpi build-asan-mpi

.PHONY: all tests test asan bench fuzz fuzzers clean FORCE
