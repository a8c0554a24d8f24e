#!/usr/bin/env bash
# scripts/compare.sh: compare two result directories (scripts/run_all.sh
# output) metric by metric and decide, noise-aware, whether NEW regressed.
#
# usage: scripts/compare.sh BASE NEW [--threshold PCT] [--loss-threshold PP]
#                           [--sigma K] [--round-sigma K] [--pair-sigma K]
#                           [--no-pairs] [--judge-across-machines]
#                           [--json] [--junit FILE]
#
# A wrapper: the comparison is `python3 -m analysis compare` (analysis/
# compare.py, where the rules are documented; the configuration key and the
# statistics are in analysis/results.py and analysis/stats.py, tested by
# `make test-analysis`).
#
# Exit: 1 when any metric regressed, 0 otherwise, 2 on bad input (one line on
# stderr): unknown option, missing directory, unreadable or invalid file,
# schema mismatch (different meta.json schema_version, or a file that does
# not follow results/schema/), nothing in common.  Two sides from different
# machines (their metadata say so) get their wall-time figures reported,
# not judged, unless --judge-across-machines.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v python3 >/dev/null || { echo "compare: python3 not found (scripts/deps.sh installs it)" >&2; exit 2; }
# -P: the analysis package of this tree, never one in the current directory
PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH} exec python3 -P -m analysis compare "$@"
