# pyscope — one Makefile in the libbpf-tools style.
#   make          build build/pyscope (and the build/dtrace and build/stap symlinks)
#   make check    build everything and run every test; last line "N passed, N failed, N skipped"
#   make check-fast  the tests that need no kernel (unit, golden, replay, CLI errors), in seconds
#   make check-san   check-fast on a sanitizer build (ASan + UBSan, in build-san/)
#   make fuzz     libFuzzer runs of the parsers (tests/fuzz/; FUZZTIME=seconds each, default 20)
#   make demo     the README's main job: trace the bundled example program
#   make bench    the overhead benchmark (bench/run; BENCH_QUICK=1 for a smoke test)
#   make bench-readme  the same, and README.md's benchmark table rewritten
#   V=1           show the full commands
#   SANITIZE=1    build with -fsanitize=address,undefined into build-san/ (build/ is left alone)
# CFLAGS, LDFLAGS and LDLIBS are the user's (default CFLAGS: -O2 -g); the flags the build needs are
# kept apart (PS_CFLAGS, PS_LDFLAGS, PS_LDLIBS) and added after them, so `make CFLAGS='-O0 -g'` works.
SANITIZE ?=
FUZZ    ?=
FUZZTIME ?= 20
OUTPUT  ?= $(if $(FUZZ),build-fuzz,$(if $(SANITIZE),build-san,build))
CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ifeq ($(filter x86 arm64,$(ARCH)),)
$(error pyscope builds for x86_64 and aarch64 only, not $(ARCH))
endif
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

CFLAGS  ?= -O2 -g
PS_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wmissing-prototypes \
           -Wstrict-prototypes -Werror -I$(OUTPUT) -Isrc -MMD -MP
PS_LDFLAGS :=
PS_LDLIBS := -lbpf -ldw -lelf -lz -lm
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ifneq ($(SANITIZE),)
PS_CFLAGS += $(SAN_FLAGS)
PS_LDFLAGS += $(SAN_FLAGS)
endif
# FUZZ=1 (set by `make fuzz`, with CC=clang): the library objects instrumented for libFuzzer
ifneq ($(FUZZ),)
PS_CFLAGS += $(SAN_FLAGS) -fsanitize=fuzzer-no-link
PS_LDFLAGS += $(SAN_FLAGS)
endif
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I/usr/include/$(MULTIARCH) \
           -Wall -Werror -MMD -MP

BPF_SRCS := $(wildcard src/*.bpf.c)
BPF_SKELS := $(patsubst src/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
SRCS    := $(filter-out %.bpf.c,$(wildcard src/*.c))
OBJS    := $(patsubst src/%.c,$(OUTPUT)/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
TARGET_SRCS := $(wildcard tests/target/*.c)
TARGET_BINS := $(patsubst tests/target/%.c,$(OUTPUT)/tests/%,$(TARGET_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(filter-out %/fuzz_util.c,$(FUZZ_SRCS)))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all check check-fast check-san fuzz fuzz-run demo bench bench-readme clean
.DELETE_ON_ERROR:
.SECONDARY: $(BPF_SKELS) $(patsubst %.skel.h,%.bpf.o,$(BPF_SKELS))

all: $(OUTPUT)/pyscope $(OUTPUT)/dtrace $(OUTPUT)/stap provider

# Header dependencies: each compile writes a .d file next to its object (-MMD -MP). The skeletons
# are order-only for the objects: the .d files say which object really includes one.
# An object without its .d file (a build tree from before) is rebuilt once, to get one.
-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/tests/*.d $(OUTPUT)/fuzz/*.d)
.SECONDEXPANSION:
.PHONY: no-deps-yet

# Every dependency is a Debian package; a missing one is installed (as root) or named.
$(OUTPUT)/.deps: scripts/install-deps
	$(Q)scripts/install-deps --check >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then scripts/install-deps; else \
	  echo "pyscope: build dependencies are missing; run: sudo scripts/install-deps" >&2; exit 1; fi; }
	$(Q)mkdir -p $(OUTPUT) $(OUTPUT)/tests && touch $@

$(OUTPUT)/%.bpf.o: src/%.bpf.c | $(OUTPUT)/.deps
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The syscall provider's number -> name table, from the C library's <asm/unistd.h>.
$(OUTPUT)/syscalls.h: scripts/gen-syscalls | $(OUTPUT)/.deps
	$(call msg,GEN,$@)
	$(Q)scripts/gen-syscalls "$(CC)" $@

$(OUTPUT)/%.o: src/%.c $$(if $$(wildcard $$(basename $$@).d),,no-deps-yet) | $(OUTPUT)/.deps $(BPF_SKELS) $(OUTPUT)/syscalls.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(PS_CFLAGS) -c $< -o $@

$(OUTPUT)/pyscope: $(OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(PS_LDFLAGS) $^ $(LDLIBS) $(PS_LDLIBS) -o $@

# Started under the name "dtrace", pyscope behaves as "pyscope dtrace".
$(OUTPUT)/dtrace: $(OUTPUT)/pyscope
	$(Q)ln -sf pyscope $@

# Started under the name "stap", pyscope behaves as "pyscope stap".
$(OUTPUT)/stap: $(OUTPUT)/pyscope
	$(Q)ln -sf pyscope $@

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS)
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(PS_CFLAGS) -Itests/unit $(LDFLAGS) $(PS_LDFLAGS) $< $(LIB_OBJS) \
		$(LDLIBS) $(PS_LDLIBS) -o $@

# libFuzzer targets (tests/fuzz/): one entry point each, linked with the library objects.
$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.c $(LIB_OBJS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(OUTPUT)/fuzz
	$(Q)$(CC) $(CFLAGS) $(PS_CFLAGS) -fsanitize=fuzzer -Itests/fuzz $(LDFLAGS) $(PS_LDFLAGS) \
		$< tests/fuzz/fuzz_util.c $(LIB_OBJS) $(LDLIBS) $(PS_LDLIBS) -o $@

# ---- The provider: markers for Pythons built without them (provider/, src/provider.c) ------------
# provider/build compiles provider/pyscope_provider.c for every CPython 3.8-3.14 found
# (/usr/bin/python3.N, pyenv's $(HOME)/.pyenv/versions/*/bin/python3.N), each against its own
# headers (sysconfig INCLUDEPY, EXT_SUFFIX), into $(OUTPUT)/provider/X.Y/; a Python without headers,
# with built-in markers or of another version is skipped with one line. PROVIDER_PYTHONS=... to
# choose. (The module is built with its own flags, the same in every tree.)
PROVIDER_PYTHONS ?=
.PHONY: provider
provider: | $(OUTPUT)/.deps
	$(Q)CC=cc provider/build $(OUTPUT) $(PROVIDER_PYTHONS)

# Test targets keep their markers exactly as written: no optimisation.
$(OUTPUT)/tests/%: tests/target/%.c | $(OUTPUT)/.deps
	$(call msg,TARGET,$@)
	$(Q)$(CC) -std=gnu11 -O0 -g -Wall -Werror -pthread $< -o $@

check: all $(UNIT_BINS) $(TARGET_BINS)
	$(Q)PYSCOPE_BUILD=$(OUTPUT) tests/run

check-fast: all $(UNIT_BINS) $(TARGET_BINS)
	$(Q)PYSCOPE_BUILD=$(OUTPUT) tests/run --fast

# The no-kernel tests on the sanitizer build; any sanitizer report fails the test that caused it.
check-san:
	$(Q)ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=1} \
	  UBSAN_OPTIONS=$${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
	  $(MAKE) --no-print-directory SANITIZE=1 check-fast

# Fuzzing (clang's libFuzzer, ASan + UBSan) into build-fuzz/: FUZZTIME seconds per target.
fuzz:
	$(Q)$(MAKE) --no-print-directory FUZZ=1 CC=$(CLANG) fuzz-run

fuzz-run: $(FUZZ_BINS) $(TARGET_BINS)
	$(Q)tests/fuzz/run $(OUTPUT) $(FUZZTIME)

demo: all
	$(Q)examples/demo

# ---- Shipping: version stamp, install, uninstall, the Debian package, manual pages ----------------
#   make install [PREFIX=/usr/local] [DESTDIR=]   the binary, manual pages, bash completion, data
#   make install-compat                           also the names "dtrace" and "stap" (never over real ones)
#   make uninstall [PREFIX=...] [DESTDIR=]        removes exactly what install (and -compat) put
#   make deb                                      build/deb/pyscope_VERSION_ARCH.deb (dpkg-buildpackage)
PREFIX  ?= /usr/local
BINDIR  := $(PREFIX)/bin
MAN1DIR := $(PREFIX)/share/man/man1
DATADIR := $(PREFIX)/share/pyscope
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
INSTALL ?= install
MANPAGES := $(wildcard man/*.1)
# What lands in DATADIR (found by the binary as ../share/pyscope; the SystemTap tapset goes here too).
DATA_FILES := share/pyscope/README
TAPSET_FILES := $(wildcard share/pyscope/tapset/*.stp)
EXAMPLE_FILES := examples/call_hierarchy.d examples/orders.py examples/call_hierarchy.stp examples/top.stp
# The provider's source, for `pyscope provider build` (which builds into PREFIX/lib/pyscope/provider).
PROVIDER_FILES := provider/build provider/pyscope_provider.c provider/sitecustomize.py
# The version is defined once, in src/version.h.
VERSION := $(shell sed -n 's/^\#define PYSCOPE_VERSION "\(.*\)"$$/\1/p' src/version.h)
GIT_REV := $(shell [ -e .git ] && git describe --always --dirty 2>/dev/null || echo unknown)

.PHONY: install install-compat uninstall deb FORCE

# Rewritten only when the revision changes, so an unchanged tree does not relink.
$(OUTPUT)/gitrev.h: FORCE | $(OUTPUT)/.deps
	$(Q)printf '#define PYSCOPE_GIT_REV "%s"\n' '$(GIT_REV)' > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(OUTPUT)/version.o: $(OUTPUT)/gitrev.h

install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(DATADIR)/examples $(DESTDIR)$(DATADIR)/tapset
	$(Q)$(INSTALL) -m 755 $(OUTPUT)/pyscope $(DESTDIR)$(BINDIR)/pyscope
	$(Q)$(INSTALL) -m 644 $(MANPAGES) $(DESTDIR)$(MAN1DIR)/
	$(Q)$(INSTALL) -m 644 completion/pyscope.bash $(DESTDIR)$(BASHCOMPDIR)/pyscope
	$(Q)$(INSTALL) -m 644 $(DATA_FILES) $(DESTDIR)$(DATADIR)/
	$(Q)$(INSTALL) -m 644 $(EXAMPLE_FILES) $(DESTDIR)$(DATADIR)/examples/
	$(Q)$(INSTALL) -d $(DESTDIR)$(DATADIR)/provider
	$(Q)$(INSTALL) -m 644 $(PROVIDER_FILES) $(DESTDIR)$(DATADIR)/provider/
	$(Q)chmod 755 $(DESTDIR)$(DATADIR)/provider/build
	$(Q)$(INSTALL) -m 644 $(TAPSET_FILES) $(DESTDIR)$(DATADIR)/tapset/

# "dtrace" and "stap" as names of pyscope; never over a real one.
install-compat: install
	$(Q)for n in dtrace stap; do t=$(DESTDIR)$(BINDIR)/$$n; \
	if [ -e "$$t" ] && [ "$$(readlink "$$t")" != pyscope ]; then \
	  echo "pyscope: $$t exists and is not pyscope; remove it first" >&2; exit 1; fi; \
	ln -sf pyscope "$$t"; done

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(BINDIR)/pyscope $(DESTDIR)$(BASHCOMPDIR)/pyscope \
	    $(addprefix $(DESTDIR)$(MAN1DIR)/,$(notdir $(MANPAGES)))
	$(Q)for n in dtrace stap; do if [ "$$(readlink $(DESTDIR)$(BINDIR)/$$n)" = pyscope ]; then \
	  rm -f $(DESTDIR)$(BINDIR)/$$n; fi; done
	$(Q)rm -f $(addprefix $(DESTDIR)$(DATADIR)/,$(notdir $(DATA_FILES))) \
	    $(addprefix $(DESTDIR)$(DATADIR)/examples/,$(notdir $(EXAMPLE_FILES))) \
	    $(addprefix $(DESTDIR)$(DATADIR)/tapset/,$(notdir $(TAPSET_FILES)))
	$(Q)rm -f $(addprefix $(DESTDIR)$(DATADIR)/provider/,$(notdir $(PROVIDER_FILES)))
	$(Q)rm -rf $(DESTDIR)$(PREFIX)/lib/pyscope/provider
	$(Q)rmdir $(DESTDIR)$(PREFIX)/lib/pyscope 2>/dev/null || true
	$(Q)rmdir $(DESTDIR)$(DATADIR)/examples $(DESTDIR)$(DATADIR)/tapset $(DESTDIR)$(DATADIR)/provider $(DESTDIR)$(DATADIR) 2>/dev/null || true

# dpkg-buildpackage writes to the parent directory; the results are moved to $(OUTPUT)/deb/, its
# log kept in $(OUTPUT)/deb/build.log. The package builds in debian/build, not in $(OUTPUT).
deb:
	$(call msg,DEB,$(OUTPUT)/deb/pyscope_$(VERSION)_*.deb)
	$(Q)mkdir -p $(OUTPUT)/deb
	$(Q)dpkg-buildpackage -us -uc -b >$(OUTPUT)/deb/build.log 2>&1 || \
	    { tail -30 $(OUTPUT)/deb/build.log >&2; exit 1; }
	$(Q)for f in ../pyscope_$(VERSION)_* ../pyscope-dbgsym_$(VERSION)_*; do \
	    [ ! -e "$$f" ] || mv "$$f" $(OUTPUT)/deb/; done

# bench: the table on stdout and build/bench.json (BENCH_QUICK=1: a smoke test in under a minute);
# bench-readme: the same, then README.md's benchmark table rewritten between its markers.
bench: all $(TARGET_BINS)
	$(Q)bench/run

bench-readme: all $(TARGET_BINS)
	$(Q)bench/run --readme

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT) $(if $(SANITIZE)$(FUZZ),,build-san build-fuzz)
