# pyscope — one Makefile in the libbpf-tools style.
#   make          build build/pyscope (and the build/dtrace symlink)
#   make check    build everything and run every test; last line "N passed, N failed, N skipped"
#   make check-fast  the tests that need no kernel (unit, golden, replay, CLI errors), in seconds
#   make demo     the README's main job: trace the bundled example program
#   make bench    the overhead benchmark (bench/run)
#   V=1           show the full commands
OUTPUT  ?= build
CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wmissing-prototypes \
           -Wstrict-prototypes -Werror -I$(OUTPUT) -Isrc
LDLIBS  += -lbpf -lelf -lz -lm
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I/usr/include/$(MULTIARCH) \
           -Wall -Werror

BPF_SRCS := $(wildcard src/*.bpf.c)
BPF_SKELS := $(patsubst src/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
SRCS    := $(filter-out %.bpf.c,$(wildcard src/*.c))
OBJS    := $(patsubst src/%.c,$(OUTPUT)/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
TARGET_SRCS := $(wildcard tests/target/*.c)
TARGET_BINS := $(patsubst tests/target/%.c,$(OUTPUT)/tests/%,$(TARGET_SRCS))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all check check-fast demo bench clean
.DELETE_ON_ERROR:
.SECONDARY: $(BPF_SKELS) $(patsubst %.skel.h,%.bpf.o,$(BPF_SKELS))

all: $(OUTPUT)/pyscope $(OUTPUT)/dtrace

# Every dependency is a Debian package; a missing one is installed (as root) or named.
$(OUTPUT)/.deps: scripts/install-deps
	$(Q)scripts/install-deps --check >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then scripts/install-deps; else \
	  echo "pyscope: build dependencies are missing; run: sudo scripts/install-deps" >&2; exit 1; fi; }
	$(Q)mkdir -p $(OUTPUT) $(OUTPUT)/tests && touch $@

$(OUTPUT)/%.bpf.o: src/%.bpf.c $(wildcard src/*.h) | $(OUTPUT)/.deps
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/%.o: src/%.c $(wildcard src/*.h) $(BPF_SKELS) | $(OUTPUT)/.deps
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/pyscope: $(OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Started under the name "dtrace", pyscope behaves as "pyscope dtrace".
$(OUTPUT)/dtrace: $(OUTPUT)/pyscope
	$(Q)ln -sf pyscope $@

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS) tests/unit/unit.h
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(LIB_OBJS) $(LDLIBS) -o $@

# Test targets keep their markers exactly as written: no optimisation.
$(OUTPUT)/tests/%: tests/target/%.c | $(OUTPUT)/.deps
	$(call msg,TARGET,$@)
	$(Q)$(CC) -std=gnu11 -O0 -g -Wall -Werror -pthread $< -o $@

check: all $(UNIT_BINS) $(TARGET_BINS)
	$(Q)tests/run

check-fast: all $(UNIT_BINS) $(TARGET_BINS)
	$(Q)tests/run --fast

demo: all
	$(Q)examples/demo

bench: all $(TARGET_BINS)
	$(Q)bench/run

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)
