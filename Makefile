# Benchmarks (see BENCHMARKS.md). bench/ is a Go module of its own.
#   make bench                  the full run: about 5 minutes on 2 cores
#   make bench ARGS="-only P1"  some figures; ARGS="-h" lists the flags
#   make bench-smoke            tiny N, one run of each: under a minute

.PHONY: bench bench-smoke

bench:
	cd bench && go run . $(ARGS)

bench-smoke:
	cd bench && go run . -smoke $(ARGS)
