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
# The encoder tests run a second time with every product in fp32 sgemm (VLNSIM_AMX=0), so that on CPUs with AMX
# both paths are checked against the references.
test: setup
	swift test -c release
	VLNSIM_AMX=0 swift test -c release --skip-build --filter VLNEncodersTests
clean:
	rm -rf .build out
