# vlnsim — the two commands a new user needs:
#   make demo   set up, build (release) and run the demo episodes; writes out/demo-*/trajectory.png
#   make test   set up, build and run the test suite
VLNSIM_DATA ?= ../shared/data
export VLNSIM_DATA

.PHONY: setup build demo test clean
setup:
	@scripts/setup.sh
build: setup
	swift build -c release
demo: build
	@scripts/demo.sh
# The full suite runs on the CPU's widest kernel path; scripts/test-kernel-paths.sh then reruns the encoder tests on
# each narrower path the CPU can run (AMX → AVX-512 fp32 → AVX2 fp32) and says which paths ran.
# scripts/test-slurm.sh then runs deploy/slurm on a private single-node Slurm cluster (root, slurm-wlm and munge:
# .ci/run installs them; elsewhere it skips, saying why) with the vlnsim binary the test build made.
test: setup
	swift test -c release -Xswiftc -enable-testing
	@scripts/test-kernel-paths.sh
	@VLNSIM="$$(swift build -c release -Xswiftc -enable-testing --show-bin-path | tail -n1)/vlnsim" scripts/test-slurm.sh
clean:
	rm -rf .build out
