"""The performance benchmark ("Instant at any size") and its data generator.

``python -m bench.run`` measures; ``python -m bench.generate`` only builds the databases.
Not part of the test suite (``tests/test_bench_smoke.py`` runs it once, small).
"""
