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

PKGS       := libevent libcurl json-c sqlite3 expat libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

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
.PHONY: all deps check unit integration fuzz bench demo install uninstall clean help
all: $(BIN) stingy-vpn

help:
	@echo "make                 build $(BIN) (and ./stingy-vpn, a link to it)"
	@echo "make check           install missing packages, build, run every test"
	@echo "make SANITIZE=address,undefined check   the same under ASan and UBSan"
	@echo "make fuzz            run each libFuzzer target for FUZZ_SECONDS ($(FUZZ_SECONDS)) s"
	@echo "make bench           run the benchmarks, which print figures"
	@echo "make demo            the whole loop against a local AWS emulator"
	@echo "make install         install into DESTDIR/PREFIX ($(PREFIX))"
	@echo "make clean           remove build/"

deps:
	$(Q)bash scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

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

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/stingy-vpn
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/stingy-vpn
	install -m 0644 config/desired.conf.example $(DESTDIR)$(SYSCONFDIR)/stingy-vpn/desired.conf.example

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/stingy-vpn $(DESTDIR)$(SYSCONFDIR)/stingy-vpn/desired.conf.example

clean:
	rm -rf build stingy-vpn

-include $(shell find build -name '*.d' 2>/dev/null)
