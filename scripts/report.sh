#!/usr/bin/env bash
# scripts/report.sh RESULT_DIR: write RESULT_DIR/report.md and
# RESULT_DIR/verdict.json from results.jsonl, meta.json, overhead.jsonl and
# the plots scripts/plot.sh drew (run it first).
#
# A wrapper: the report is `python3 -m analysis report` (analysis/report.py
# says what report.md holds, in order: the decision per use case with its
# rule, the RFC's claims, the caveats, the detail, the plots, the metadata;
# the statistics are analysis/pooled.py and analysis/stats.py, tested by
# `make test-analysis`).  Every input is checked against results/schema/.
# Both files are written to a temporary name and renamed.
# Exit: 0, 2 on bad input, 1 when a file cannot be written.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v python3 >/dev/null || { echo "report: python3 not found (scripts/deps.sh installs it)" >&2; exit 1; }
# -P: the analysis package of this tree, never one in the current directory
PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH} PYTHONDONTWRITEBYTECODE=1 exec python3 -P -m analysis report "$@"
