"""Parts of the transport benchmark (benchmarks/transport_bench.py): traffic, server, clients."""
