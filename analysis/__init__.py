"""relaybench's analysis module: one tested place for reading result
directories, the configuration key and the statistics (pooling, medians,
bootstrap intervals, ratios).

  python3 -m analysis compare BASE NEW [options]   (scripts/compare.sh)

Modules: results (reading, checking, the configuration key), stats (the
statistics), compare (the regression verdict).  Python 3 standard library
only.  Tests: tests/analysis/, `make test-analysis`.
"""
