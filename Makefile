# stingy-vpn: a plain Makefile. `make help` lists the targets.
VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= $(PREFIX)/etc
DATADIR    ?= $(PREFIX)/share
DESTDIR    ?=
CC         ?= cc
FUZZ_CC    ?= clang
PYTHON     ?= python3
FUZZ_SECONDS ?= 20

# Cross builds: CROSS=aarch64-linux-gnu- sets CC, AR and PKG_CONFIG to the
# prefixed tools (a CC or AR given on the command line still wins) and BUILD
# to build/aarch64-linux-gnu; or give CC=, AR=, PKG_CONFIG= and BUILD= yourself.
# make's built-in defaults (CC=cc, AR=ar) make `?=` a no-op for those two.
CROSS      ?=
AR         ?= ar
ifneq ($(CROSS),)
ifneq ($(origin CC),command line)
CC         := $(CROSS)gcc
endif
ifneq ($(origin AR),command line)
AR         := $(CROSS)ar
endif
endif
PKG_CONFIG ?= $(CROSS)pkg-config

PKGS       := libevent libcurl json-c sqlite3 expat libcrypto libqrencode
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wcast-qual -Wsign-compare
ifeq ($(CI),true)
WARN += -Werror
endif

CFLAGS   ?= -O2 -g
INCLUDES := -Icontroller -Icontroller/aws -Icontroller/dns -Iconfig -Istate
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DSTINGY_VERSION='"$(VERSION)"' \
             $(WARN) $(INCLUDES) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)
LIBS     := $(PKG_LIBS) -lm

ifneq ($(SANITIZE),)
ALL_CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
BUILD    ?= build/san-$(subst $(comma),-,$(SANITIZE))
else ifneq ($(CROSS),)
BUILD    ?= build/$(patsubst %-,%,$(CROSS))
else
BUILD    ?= build/plain
endif
comma := ,

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Every .c under controller/ config/ state/ is part of the library except main.c.
LIB_SRC  := $(sort $(wildcard controller/*.c controller/aws/*.c controller/dns/*.c \
                              config/*.c state/*.c))
LIB_SRC  := $(filter-out controller/main.c,$(LIB_SRC))
# LIB_ONLY="a.c b.c" builds the library from just those files (for working on
# one module while others are mid-edit).
ifneq ($(LIB_ONLY),)
LIB_SRC  := $(LIB_ONLY)
endif
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libstingy.a
BIN      := $(BUILD)/stingy-vpn

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HELPER_SRC := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
UNIT_HELPER_OBJ := $(UNIT_HELPER_SRC:%.c=$(BUILD)/%.o)

BENCH_SRC := $(sort $(wildcard tests/bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BUILD := build/fuzz
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -DSTINGY_VERSION='"$(VERSION)"' -g -O1 $(INCLUDES) $(PKG_CFLAGS) \
              -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)

.SECONDARY:
.PHONY: all deps check unit integration fuzz bench demo install uninstall clean help \
        deb check-arm64
all: $(BIN) stingy-vpn

help:
	@echo "make                 build $(BIN) (and ./stingy-vpn, a link to it)"
	@echo "make check           install missing packages, build, run every test"
	@echo "make SANITIZE=address,undefined check   the same under ASan and UBSan"
	@echo "make fuzz            run each libFuzzer target for FUZZ_SECONDS ($(FUZZ_SECONDS)) s"
	@echo "make bench           run the benchmarks, which print figures"
	@echo "make demo            the whole loop against a local AWS emulator"
	@echo "make install         install into DESTDIR/PREFIX ($(PREFIX))"
	@echo "make deb             build the Debian package for this machine ($(DEB_ARCH)) into build/deb/, unit tests included"
	@echo "make deb DEB_ARCH=arm64   cross-build the arm64 package (Raspberry Pi) into build/deb/"
	@echo "make check-arm64     cross-build for arm64 in build/arm64, run the unit tests under qemu-aarch64-static"
	@echo "make clean           remove build/"

deps:
	$(Q)bash scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BIN): $(BUILD)/controller/main.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

stingy-vpn: $(BIN)
	$(Q)ln -sf $(BIN) $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(UNIT_HELPER_OBJ) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# The unit tests, then the integration tests against moto; tests/run.sh ends
# with the line "N passed, N failed".
check: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(UNIT_BIN)
	$(Q)BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/run.sh $(UNIT_BIN)

unit: $(UNIT_BIN)
	$(Q)BUILD=$(BUILD) PYTHON=$(PYTHON) SKIP_INTEGRATION=1 bash tests/run.sh $(UNIT_BIN)

integration: $(BIN)
	$(Q)BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/run.sh

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BIN)
	$(Q)for f in $(FUZZ_BIN); do \
		n=$$(basename $$f); corpus=build/fuzz-corpus/$$n; mkdir -p $$corpus; \
		seeds=tests/fuzz/seeds/$${n#fuzz_}; [ -d $$seeds ] || seeds=; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
			$$corpus $$seeds 2>build/fuzz-$$n.log || { tail -40 build/fuzz-$$n.log; exit 1; }; \
		grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' build/fuzz-$$n.log; \
	done

bench: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(BENCH_BIN)
	$(Q)for b in $(BENCH_BIN); do $$b || exit 1; done
	$(Q)for b in $(sort $(wildcard tests/bench/bench_*.py)); do \
		BUILD=$(BUILD) $(PYTHON) $$b || exit 1; done

demo: deps
	$(Q)$(MAKE) --no-print-directory $(BIN)
	$(Q)BUILD=$(BUILD) $(PYTHON) tests/demo.py

# `make install` lays out the binary, the client helper, the systemd units,
# the man pages, the example desired.conf (in the doc directory: the live one
# is the user's, written by `stingy-vpn init`) and the CloudFormation
# template; `make uninstall` removes exactly those. The committed units name
# /usr/bin, /etc/stingy-vpn/ and /usr/share/doc/stingy-vpn/ (the Debian
# layout; the client's /usr/local/bin): UNIT_SED rewrites them. Debian:
# make install PREFIX=/usr SYSCONFDIR=/etc DESTDIR=...
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR     ?= $(DATADIR)/man
DOCDIR     ?= $(DATADIR)/doc/stingy-vpn
PKGDATADIR ?= $(DATADIR)/stingy-vpn
CFN_TEMPLATE := $(wildcard deploy/stingy-vpn.yaml)
CLIENT_UNITS := stingy-vpn-reresolve@.service stingy-vpn-reresolve@.timer
UNIT_SED    = -e 's|/usr/bin/stingy-vpn|$(BINDIR)/stingy-vpn|g' \
              -e 's|/usr/local/bin/stingy-vpn-reresolve|$(BINDIR)/stingy-vpn-reresolve|g' \
              -e 's|/etc/stingy-vpn/|$(SYSCONFDIR)/stingy-vpn/|g' \
              -e 's|/usr/share/doc/stingy-vpn/|$(DOCDIR)/|g'
INSTALLED   = $(BINDIR)/stingy-vpn $(BINDIR)/stingy-vpn-reresolve \
              $(SYSTEMDUNITDIR)/stingy-vpn.service $(CLIENT_UNITS:%=$(SYSTEMDUNITDIR)/%) \
              $(MANDIR)/man8/stingy-vpn.8.gz $(MANDIR)/man8/stingy-vpn-reresolve.8.gz \
              $(MANDIR)/man5/desired.conf.5.gz \
              $(DOCDIR)/desired.conf.example $(if $(CFN_TEMPLATE),$(PKGDATADIR)/stingy-vpn.yaml)

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/stingy-vpn
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/stingy-vpn
	install -m 0755 deploy/client/stingy-vpn-reresolve $(DESTDIR)$(BINDIR)/stingy-vpn-reresolve
	for u in systemd/stingy-vpn.service $(CLIENT_UNITS:%=client/%); do \
		f=$(DESTDIR)$(SYSTEMDUNITDIR)/$${u#*/}; \
		sed $(UNIT_SED) deploy/$$u >$$f && chmod 0644 $$f || exit 1; \
	done
	for m in man8/stingy-vpn.8 man8/stingy-vpn-reresolve.8 man5/desired.conf.5; do \
		f=$(DESTDIR)$(MANDIR)/$$m.gz; \
		gzip -9n -c deploy/man/$${m#*/} >$$f && chmod 0644 $$f || exit 1; \
	done
	install -m 0644 config/desired.conf.example $(DESTDIR)$(DOCDIR)/desired.conf.example
	$(if $(CFN_TEMPLATE),install -d $(DESTDIR)$(PKGDATADIR) && \
		install -m 0644 $(CFN_TEMPLATE) $(DESTDIR)$(PKGDATADIR)/stingy-vpn.yaml)

uninstall:
	rm -f $(INSTALLED:%=$(DESTDIR)%)
	rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(PKGDATADIR) $(DESTDIR)$(SYSCONFDIR)/stingy-vpn 2>/dev/null || true

# The arm64 cross build and its unit tests under qemu (no binfmt_misc needed:
# tests/run.sh prefixes each test program with TEST_EXEC).
ARM64_BUILD := build/arm64
ARM64_UNIT  := $(UNIT_SRC:tests/unit/%.c=$(ARM64_BUILD)/tests/%)
# libevent-dev is not Multi-Arch: same in bookworm, so scripts/deps-deb.sh
# swaps in libevent-dev:arm64 for the build and the build machine's one
# back afterwards (1-2 s each), pass or fail.
check-arm64:
	$(Q)bash scripts/deps-deb.sh arm64
	$(Q)rc=0; $(MAKE) --no-print-directory CROSS=aarch64-linux-gnu- BUILD=$(ARM64_BUILD) \
		$(ARM64_BUILD)/stingy-vpn $(ARM64_UNIT) || rc=$$?; \
	bash scripts/deps-deb.sh || rc=1; [ $$rc -eq 0 ]
	$(Q)file -L $(ARM64_BUILD)/stingy-vpn | grep -q 'ARM aarch64' \
		|| { file -L $(ARM64_BUILD)/stingy-vpn; echo "check-arm64: not an arm64 binary" >&2; exit 1; }
	$(Q)BUILD=$(ARM64_BUILD) PYTHON=$(PYTHON) SKIP_INTEGRATION=1 TEST_EXEC=qemu-aarch64-static \
		bash tests/run.sh $(ARM64_UNIT)

# The Debian package (deploy/debian), built by dpkg-buildpackage in a clean
# copy of the sources: build/deb/ARCH/stingy-vpn-VERSION/; the .debs land in
# build/deb/. DEB_ARCH other than the build machine's is a cross build
# (tests skipped: they run under qemu in check-arm64).
DEB_BUILD_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_ARCH   ?= $(DEB_BUILD_ARCH)
DEB_SRC    := controller config state tests deploy scripts Makefile README.md
DEB_TREE   := build/deb/$(DEB_ARCH)/stingy-vpn-$(VERSION)
# What .gitignore ignores is not source: never copy it.
DEB_EXCLUDE := --exclude=__pycache__ --exclude='*.pyc' --exclude='*.o' --exclude='*.d' \
               --exclude='*.a' --exclude='*.db' --exclude='*.db-wal' --exclude='*.db-shm' \
               --exclude='*.sqlite' --exclude='crash-*' --exclude='leak-*' \
               --exclude='timeout-*' --exclude='oom-*'
DEB_CROSS   = $(filter-out $(DEB_BUILD_ARCH),$(DEB_ARCH))
deb:
	$(Q)bash scripts/deps-deb.sh $(DEB_ARCH)
	$(Q)rm -rf build/deb/$(DEB_ARCH) && mkdir -p $(DEB_TREE)
	$(Q)tar -c $(DEB_EXCLUDE) $(DEB_SRC) | tar -x -C $(DEB_TREE)
	$(Q)cp -a deploy/debian $(DEB_TREE)/debian
	$(Q)rc=0; (cd $(DEB_TREE) && $(if $(DEB_CROSS),DEB_BUILD_OPTIONS="nocheck $$DEB_BUILD_OPTIONS") \
		dpkg-buildpackage -us -uc -b -J$$(nproc) $(if $(DEB_CROSS),-a$(DEB_ARCH)) \
		>../build.log 2>&1) || rc=$$?; \
	$(if $(DEB_CROSS),bash scripts/deps-deb.sh || rc=1;) \
	[ $$rc -eq 0 ] || { tail -n 60 build/deb/$(DEB_ARCH)/build.log; \
		echo "deb: failed, the whole log is build/deb/$(DEB_ARCH)/build.log" >&2; exit 1; }
	$(Q)grep -E '^(unit|[0-9]+ passed)' build/deb/$(DEB_ARCH)/build.log || true
	$(Q)mv build/deb/$(DEB_ARCH)/*.deb build/deb/$(DEB_ARCH)/*.changes build/deb/$(DEB_ARCH)/*.buildinfo build/deb/
	$(Q)rm -rf $(DEB_TREE)/build
	$(Q)ls -1 build/deb/*_$(DEB_ARCH).deb

clean:
	rm -rf build stingy-vpn

-include $(shell find build -name '*.d' 2>/dev/null)
