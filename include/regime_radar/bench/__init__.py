"""The benchmarks behind `regime-radar bench` (and `make bench`): see `harness` for what is measured."""
