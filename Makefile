# SPDX-License-Identifier: ISC
#
# berth: one non-recursive Makefile.
#
#   make                 build build/bin/berth, build/bin/berth-netd and
#                        build/lib/libberth-shim.so (.dylib on macOS)
#   make check           install missing dependencies, build, run every test
#   make check-macos     compile and link the macOS build against the SDK
#                        (../shared/macos-check; MACOS_CHECK=path/check.sh)
#   make lint            cppcheck, clang-tidy, mandoc -Tlint
#   make fuzz            build and run the fuzzers (clang, libFuzzer):
#                        stack file, control protocol, packets, state
#                        file, its reader (snapshot and journal), DNS;
#                        FUZZ_SECONDS each (30)
#   make bench           run every benchmark (root); one table in build/bench
#   make demo            install dependencies, build, start examples/demo.json
#   make demo-down       remove the demo
#   make install         PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined check
#
# Layout: a folder is a component. Sources are picked up by wildcard:
# foo_linux.c builds only on Linux, foo_darwin.c only on macOS. Each
# component's main() lives in its main.c so the rest links into tests.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
LIBDIR	?= $(PREFIX)/lib
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=

CC	?= cc
PKG_CONFIG ?= pkg-config
B	:= build
VERSION	:= 0.1.0

UNAME	:= $(shell uname -s)
ifeq ($(UNAME),Darwin)
OS	:= darwin
NOTOS	:= linux
SHLIB_EXT := dylib
SHLIB_FLAGS := -dynamiclib
else
OS	:= linux
NOTOS	:= darwin
SHLIB_EXT := so
SHLIB_FLAGS := -shared -Wl,-z,now
endif

WARN	:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter
CFLAGS	?= -O2 -g
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -DBERTH_VERSION='"$(VERSION)"' \
	   -Icommon -Ipfrules -Inetd -Iruntime -Icli -Ibpf $(WARN)
ifneq ($(SANITIZE),)
BASE_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

# One pkg-config call per library: asked together, pkg-config prints
# nothing when either is missing, and Homebrew's libpcap is keg-only (no
# .pc on its default path), which would drop jansson's include path too.
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null) \
	   $(shell $(PKG_CONFIG) --cflags libpcap 2>/dev/null) \
	   $(shell $(PKG_CONFIG) --cflags yaml-0.1 2>/dev/null) \
	   $(shell libnet-config --cflags 2>/dev/null)
JANSSON_LIBS := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson)
YAML_LIBS := $(shell $(PKG_CONFIG) --libs yaml-0.1 2>/dev/null || echo -lyaml)
PCAP_LIBS := $(shell $(PKG_CONFIG) --libs libpcap 2>/dev/null || echo -lpcap)
LIBNET_LIBS := $(shell libnet-config --libs 2>/dev/null || echo -lnet)
# Linux: netd loads its BPF programs (bpf/) with libbpf; macOS has none.
ifeq ($(OS),linux)
BPF_LIBS := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf)
endif
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

ALL_CFLAGS = $(BASE_CFLAGS) $(DEP_CFLAGS) $(CFLAGS)

# Pick the sources of a folder: portable files plus this OS's.
srcs = $(filter-out %_$(NOTOS).c,$(wildcard $(1)/*.c))
objs = $(patsubst %.c,$(B)/obj/%.o,$(1))

COMMON_SRCS  := $(call srcs,common)
PFRULES_SRCS := $(call srcs,pfrules)
# The shim is its own world: libc (+libdl) only, no common/.
SHIM_SRCS    := $(filter runtime/shim%,$(call srcs,runtime))
RUNTIME_SRCS := $(filter-out runtime/shim%,$(call srcs,runtime))
NETD_SRCS    := $(filter-out netd/main.c,$(call srcs,netd))
CLI_SRCS     := $(filter-out cli/main.c,$(call srcs,cli))

LIBCOMMON  := $(B)/lib/libcommon.a
LIBPFRULES := $(B)/lib/libpfrules.a
LIBRUNTIME := $(B)/lib/libruntime.a
LIBNETD    := $(B)/lib/libnetd.a
LIBCLI     := $(B)/lib/libcli.a
SHIM       := $(B)/lib/libberth-shim.$(SHLIB_EXT)
BERTH      := $(B)/bin/berth
NETD       := $(B)/bin/berth-netd

# Order matters for static linking: users before what they use.
ALL_LIBS := $(LIBCLI) $(LIBNETD) $(LIBRUNTIME) $(LIBPFRULES) $(LIBCOMMON)
EXT_LIBS  = $(JANSSON_LIBS) $(YAML_LIBS) $(LIBNET_LIBS) $(PCAP_LIBS) $(BPF_LIBS) -pthread

PROGS := $(BERTH) $(SHIM)
ifneq ($(wildcard netd/main.c),)
PROGS += $(NETD)
endif

# Unit tests: tests/unit/test_*.c, plus tests/unit/$(OS)/test_*.c for
# checks that only one OS can build (raw syscalls, netlink, glibc's _r).
UNIT_SRCS := $(wildcard tests/unit/test_*.c tests/unit/$(OS)/test_*.c)
UNIT_BINS := $(addprefix $(B)/tests/,$(basename $(notdir $(UNIT_SRCS))))
# The interposer's tests share a harness (tests/unit/shimtest.h).
SHIMTEST_BINS := $(filter $(B)/tests/test_shim%,$(UNIT_BINS))
# Helpers the tests run (servers, clients), built from tests/helpers/*.c,
# and tests/helpers/$(OS)/NAME.c (one OS only: raw syscalls, seccomp) as
# NAME_$(OS).
HELPER_SRCS := $(call srcs,tests/helpers)
HELPER_BINS := $(patsubst tests/helpers/%.c,$(B)/tests/helpers/%,$(HELPER_SRCS)) \
	$(patsubst tests/helpers/$(OS)/%.c,$(B)/tests/helpers/%_$(OS),$(wildcard tests/helpers/$(OS)/*.c))

MAN1 := $(wildcard docs/*.1)
MAN5 := $(wildcard docs/*.5)
MAN8 := $(wildcard docs/*.8)

.PHONY: all check check-macos test unit lint fuzz fuzz-smoke bench demo \
	demo-down install uninstall clean deps
.SUFFIXES:

all: $(PROGS)

# ---------------------------------------------------------------- objects

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The shim: position independent, no dependency flags beyond libc, and
# never sanitized: it is preloaded into programs that are not (nor are
# the test helpers it is preloaded into with a cleaned environment).
NOSAN_CFLAGS = $(filter-out -fsanitize=%,$(BASE_CFLAGS))
NOSAN_LDFLAGS = $(filter-out -fsanitize=%,$(LDFLAGS))
$(B)/obj/shim/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(NOSAN_CFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c -o $@ $<

define mklib
$(1): $(call objs,$(2))
	@mkdir -p $$(dir $$@)
	rm -f $$@
	$$(AR) rcs $$@ $$^
endef

# The BPF programs (bpf/*.bpf.c, Linux): clang's BPF target, then
# linked into netd by kern_linux.c (.incbin), which depends on them.
BPF_CLANG ?= clang
BPF_OBJ := $(B)/bpf/berth.bpf.o
BPF_CFLAGS := -O2 -g -Wall -Werror -target bpf \
	-I/usr/include/$(shell $(CC) -print-multiarch 2>/dev/null) -Ibpf
$(BPF_OBJ): bpf/berth.bpf.c bpf/kern_maps.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -c -o $@ $<
$(B)/obj/netd/kern_linux.o: $(BPF_OBJ)
$(B)/obj/netd/kern_linux.o: ALL_CFLAGS += -DKERN_BPF_OBJ='"$(BPF_OBJ)"'

$(eval $(call mklib,$(LIBCOMMON),$(COMMON_SRCS)))
$(eval $(call mklib,$(LIBPFRULES),$(PFRULES_SRCS)))
$(eval $(call mklib,$(LIBRUNTIME),$(RUNTIME_SRCS)))
$(eval $(call mklib,$(LIBNETD),$(NETD_SRCS)))
$(eval $(call mklib,$(LIBCLI),$(CLI_SRCS)))

# ---------------------------------------------------------------- programs

CLI_LIBS  := $(LIBCLI) $(LIBRUNTIME) $(LIBPFRULES) $(LIBCOMMON)
NETD_LIBS := $(LIBNETD) $(LIBPFRULES) $(LIBCOMMON)

$(BERTH): $(B)/obj/cli/main.o $(CLI_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(CLI_LIBS) $(JANSSON_LIBS) $(YAML_LIBS)

$(NETD): $(B)/obj/netd/main.o $(NETD_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(NETD_LIBS) $(EXT_LIBS)

$(SHIM): $(patsubst %.c,$(B)/obj/shim/%.o,$(SHIM_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(SHLIB_FLAGS) $(NOSAN_LDFLAGS) -o $@ $^ -ldl

# ---------------------------------------------------------------- tests

UNIT_LINK = $(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit -o $@ $< \
	    $(TEST_EXTRA) $(ALL_LIBS) $(EXT_LIBS) $(CMOCKA_LIBS) $(LDFLAGS)

$(B)/tests/%: tests/unit/%.c $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(UNIT_LINK)

$(B)/tests/%: tests/unit/$(OS)/%.c $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(UNIT_LINK)

$(SHIMTEST_BINS): tests/unit/shimtest.c tests/unit/shimtest.h
$(SHIMTEST_BINS): TEST_EXTRA = tests/unit/shimtest.c

$(B)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(NOSAN_CFLAGS) $(CFLAGS) -o $@ $< $(NOSAN_LDFLAGS)

$(B)/tests/helpers/%_$(OS): tests/helpers/$(OS)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(NOSAN_CFLAGS) $(CFLAGS) -o $@ $< $(NOSAN_LDFLAGS)

# rawnet must never meet the interposer: static, raw system calls.
$(B)/tests/helpers/rawnet_linux: tests/helpers/linux/rawnet.c
	@mkdir -p $(dir $@)
	$(CC) $(NOSAN_CFLAGS) $(CFLAGS) -static -o $@ $< $(NOSAN_LDFLAGS)

# dnsserve runs netd's DNS server alone (tests/integ/dns_server.sh,
# bench/dns), linkcost its router (bench/links), kernhold its cgroup
# programs (bench/publish-parts), so they link netd's library.
$(B)/tests/helpers/dnsserve $(B)/tests/helpers/linkcost \
    $(B)/tests/helpers/kernhold: \
    $(B)/tests/helpers/%: tests/helpers/%.c $(NETD_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(NETD_LIBS) $(EXT_LIBS) $(LDFLAGS)

# netd_refuse is berth-netd whose Nth nf_tables batch, or netlink
# socket, the kernel refuses (tests/integ/netd_nl_fallback.sh):
# fw_nl_send wrapped at link time, a seccomp filter before main, so
# berth-netd itself carries no such hook.
$(B)/tests/helpers/netd_refuse_linux: tests/helpers/linux/netd_refuse.c \
    $(B)/obj/netd/main.o $(NETD_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wl,--wrap=fw_nl_send -o $@ $< \
	    $(B)/obj/netd/main.o $(NETD_LIBS) $(EXT_LIBS) $(LDFLAGS)

# policydecide times the policy evaluator (bench/policy).
$(B)/tests/helpers/policydecide: tests/helpers/policydecide.c $(NETD_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(NETD_LIBS) $(EXT_LIBS) $(LDFLAGS)

deps:
	@scripts/deps --check 2>/dev/null || scripts/deps

# Everything CI runs: unit, golden, integration (root), lint of man pages.
check: deps
	$(MAKE) all tests
	tests/run
	$(MAKE) fuzz-smoke

# The Darwin build, compiled and linked against real macOS SDK headers
# and link stubs without a Mac (docs/macos.md): every file, both
# architectures, the DYLD_INTERPOSE types; any diagnostic fails.
# In CI the checker sits beside the clone; MACOS_CHECK= points elsewhere.
# It is read-only and some of its SDK's link stubs are broken symlinks
# (files holding a sibling's name), so it runs from a copy in build/ with
# those made symlinks, redone when the checker changes
# (scripts/macos-check-prep).
MACOS_CHECK ?= ../shared/macos-check/check.sh
MACOS_CHECK_COPY ?= $(B)/macos-checker
MACOS_CHECK_LOG ?= $(CURDIR)/$(B)/macos-check
check-macos:
	@[ -x "$(MACOS_CHECK)" ] || { echo "check-macos: no $(MACOS_CHECK)" \
	    "(set MACOS_CHECK=path/to/macos-check/check.sh)" >&2; exit 1; }
	@mkdir -p $(B)
	scripts/macos-check-prep "$(dir $(MACOS_CHECK))" $(MACOS_CHECK_COPY)
	$(MACOS_CHECK_COPY)/check.sh . $(MACOS_CHECK_LOG)

tests: $(PROGS) $(UNIT_BINS) $(HELPER_BINS)
.PHONY: tests

unit: $(UNIT_BINS)
	tests/run unit

# ---------------------------------------------------------------- lint

LINT_SRCS := $(COMMON_SRCS) $(PFRULES_SRCS) $(RUNTIME_SRCS) $(SHIM_SRCS) \
	$(NETD_SRCS) $(CLI_SRCS) $(wildcard cli/main.c netd/main.c)

# Loop macros of jansson and sys/queue.h, which cppcheck cannot see.
CPPCHECK_MACROS := '-Djson_array_foreach(a,i,v)=for(i=0;(v=0);)' \
	'-Djson_object_foreach(o,k,v)=for(k=0;(v=0);)' \
	'-DLIST_FOREACH(v,h,f)=for(v=0;v;)' '-DTAILQ_FOREACH(v,h,f)=for(v=0;v;)'

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr --std=c11 -D__linux__ -Icommon -Ipfrules -Inetd \
	    -Iruntime -Icli -Ibpf $(CPPCHECK_MACROS) $(LINT_SRCS)
	clang-tidy --quiet $(LINT_SRCS) -- $(BASE_CFLAGS) $(DEP_CFLAGS)
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5) $(MAN8)

# ---------------------------------------------------------------- fuzz

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB_SRCS := $(COMMON_SRCS) $(PFRULES_SRCS) $(NETD_SRCS)

FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	$(BASE_CFLAGS) $(DEP_CFLAGS)
FUZZ_LIB := $(B)/fuzz/libfuzzed.a

# The code under test is compiled once, instrumented, for every fuzzer.
$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(patsubst %.c,$(B)/fuzz/obj/%.o,$(FUZZ_LIB_SRCS))
	rm -f $@
	$(AR) rcs $@ $^

$(B)/fuzz/%: tests/fuzz/%.c $(wildcard tests/fuzz/*.h) $(FUZZ_LIB) $(if $(BPF_LIBS),$(BPF_OBJ))
	@mkdir -p $(dir $@)
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(BASE_CFLAGS) \
	    $(DEP_CFLAGS) -o $@ $< $(FUZZ_LIB) $(EXT_LIBS)

# Each fuzzer starts from a copy of its seed corpus (libFuzzer adds to
# the directory it is given; the repository's stays as committed).
fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	    n=$$(basename $$f); echo "fuzz: $$n ($${FUZZ_SECONDS:-30} s)"; \
	    rm -rf $(B)/fuzz/corpus-$$n; mkdir -p $(B)/fuzz/corpus-$$n; \
	    cp tests/fuzz/corpus/$$n/* $(B)/fuzz/corpus-$$n/; \
	    $$f -max_total_time=$${FUZZ_SECONDS:-30} -print_final_stats=0 \
	        $(B)/fuzz/corpus-$$n 2>$(B)/fuzz/$$n.log || \
	        { tail -40 $(B)/fuzz/$$n.log; exit 1; }; \
	done

# The smoke run make check does: every fuzzer, a few seconds each.
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-5}

# ---------------------------------------------------------------- bench, demo

bench: all tests
	bench/all

demo: deps
	$(MAKE) all
	scripts/demo up

demo-down: all
	scripts/demo down

# ---------------------------------------------------------------- install

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR)
	install -m 755 $(BERTH) $(DESTDIR)$(BINDIR)/berth
	[ ! -f $(NETD) ] || install -m 755 $(NETD) $(DESTDIR)$(SBINDIR)/berth-netd
	install -m 644 $(SHIM) $(DESTDIR)$(LIBDIR)/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8
	for m in $(MAN1); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man1/; done
	for m in $(MAN5); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man5/; done
	for m in $(MAN8); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man8/; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/berth $(DESTDIR)$(SBINDIR)/berth-netd \
	    $(DESTDIR)$(LIBDIR)/libberth-shim.$(SHLIB_EXT)
	for m in $(notdir $(MAN1)); do rm -f $(DESTDIR)$(MANDIR)/man1/$$m; done
	for m in $(notdir $(MAN5)); do rm -f $(DESTDIR)$(MANDIR)/man5/$$m; done
	for m in $(notdir $(MAN8)); do rm -f $(DESTDIR)$(MANDIR)/man8/$$m; done

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj $(B)/fuzz/obj -name '*.d' 2>/dev/null)
