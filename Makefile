# dateline - a plain GNU Makefile. `make` builds, `make run` serves the demo,
# `make test` runs every test, `make bench` the benchmarks.
BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
SANITIZE ?=
PKGS     = libmicrohttpd sqlite3 jansson libcmark-gfm gumbo libxml-2.0 libsodium \
           icu-uc icu-i18n libcurl libdeflate libbrotlienc inih libpq
WARN     = -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions -lstemmer -lpthread -lm
ALL_CFLAGS = $(CFLAGS) $(SANITIZE) $(WARN) -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANITIZE)

SRC      := $(shell find src -name '*.c' | sort)
LIB_SRC  := $(filter-out src/main.c,$(SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/embedded.o
EMBEDDED := $(sort $(wildcard themes/default/* locales/*.ini))
TESTS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

.PHONY: all run test test-unit bench eval deps clean
all: $(BUILD)/dateline $(TESTS)

deps:
	@scripts/deps.sh

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -O2 -o $@ $<

$(BUILD)/gen/embedded.c: $(BUILD)/tools/embed $(EMBEDDED)
	@mkdir -p $(@D)
	$(BUILD)/tools/embed $@ $(EMBEDDED)

$(BUILD)/obj/gen/embedded.o: $(BUILD)/gen/embedded.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANITIZE) -Isrc -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libdateline.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/dateline: $(BUILD)/obj/src/main.o $(BUILD)/libdateline.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdateline.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libdateline.a $(PKG_LIBS) $(shell pkg-config --libs cmocka) $(ALL_LDFLAGS)

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/dateline
	@scripts/run-demo.sh $(BUILD)/dateline

test: deps
	@scripts/test.sh

test-unit: $(TESTS)
	@scripts/unit.sh $(BUILD)

bench: deps
	@bench/run.sh

eval: deps
	@$(MAKE) --no-print-directory $(BUILD)/dateline
	@scripts/eval.sh $(BUILD)/dateline

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
