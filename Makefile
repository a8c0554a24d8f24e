# relaybench: top-level build.  `make` builds the bench, `make test` runs
# every test (unit, native, and the relay selftests in the patched-kernel VM).
SHELL := /bin/bash
BUILD ?= $(CURDIR)/build
export BUILD

.PHONY: all deps tools kernel kernel-debug bench check test test-unit test-analysis test-fuzz test-native test-kernel \
	test-vm test-vm-debug test-scripts soak clean

all: bench

deps:
	scripts/deps.sh

tools: deps
	kernel/build.sh tools

kernel: deps
	kernel/build.sh kernel

kernel-debug: deps
	kernel/build.sh kernel --debug

bench: tools
	$(MAKE) -C benchs BUILD=$(BUILD) TOOLS_DIR="$$(kernel/build.sh path tools)"

# The fast lane: no root, no kernel or tools build, under a minute.
check:
	tests/check.sh

# Every stage below in order, each timed; a table of the times at the end.
test:
	tests/run.sh

test-unit: bench
	$(MAKE) -C benchs BUILD=$(BUILD) TOOLS_DIR="$$(kernel/build.sh path tools)" test-unit

# The analysis module (analysis/: compare's statistics and configuration
# key) on synthetic data and the reference run: seconds, no root, no build.
test-analysis:
	cd tests/analysis && PYTHONPATH=$(CURDIR) PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -t . -s . -p 'test_*.py'

# libFuzzer on the bench's relay reader, 60 s by default.
test-fuzz: tools
	tests/fuzz/run.sh

test-native: bench
	tests/native/run.sh

# compare.sh on synthetic inputs; plot.sh and report.sh on a short native
# run; ab.sh and --rounds end to end on the host; tune_subbuf.sh on a 2 x 2
# sweep in the VM
test-scripts: bench kernel
	@fail=0; for t in tests/scripts/test_*.sh; do echo "== $$t"; $$t || fail=1; done; exit $$fail

test-kernel: tools
	tests/kernel/checkpatch.sh

test-vm: bench kernel
	tests/vm/run.sh

# The same tests on the KASAN + lockdep + kmemleak kernel: any report fails.
test-vm-debug: bench kernel-debug
	tests/vm/run.sh --debug

# Not part of test: 10 minutes of the relay soak on the debug kernel.
soak: bench kernel-debug
	tests/vm/soak.sh

clean:
	rm -rf $(BUILD)
