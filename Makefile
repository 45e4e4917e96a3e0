# lostwax: the commands the README tells people to type.
#   make run     install what is missing, build, start lostwax on its demo
#   make test    install what is missing, build with -Werror and ASan+UBSan, run every test,
#                the banned-function check and a short fuzzing run of every parser
#   make bench   optimised build, then the benchmarks (with the peers they compare against)
#   make fuzz    longer fuzzing of every parser
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 20

.PHONY: run test bench fuzz build clean

run:
	scripts/deps run
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLW_TESTS=OFF -DLW_BENCH=OFF >/dev/null
	cmake --build build/release -j$(JOBS)
	./build/release/lostwax demo

build:
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLW_TESTS=OFF -DLW_BENCH=OFF >/dev/null
	cmake --build build/release -j$(JOBS)

test:
	scripts/deps test
	cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Debug -DLW_WERROR=ON -DLW_SANITIZE=ON \
	    -DLW_BENCH=OFF >/dev/null
	cmake --build build/test -j$(JOBS)
	cd build/test && ctest --output-on-failure -j$(JOBS)
	scripts/check-banned
	scripts/fuzz $(FUZZ_SECONDS)

bench:
	scripts/deps bench
	cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DLW_TESTS=OFF >/dev/null
	cmake --build build/bench -j$(JOBS)
	scripts/bench build/bench

fuzz:
	scripts/deps test
	scripts/fuzz 600

clean:
	rm -rf build
