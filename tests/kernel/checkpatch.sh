#!/usr/bin/env bash
# tests/kernel/checkpatch.sh: scripts/checkpatch.pl --strict, from the same
# patched tree, must report nothing on any patch of the series.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$ROOT/kernel/build.sh" tools >/dev/null
src=$("$ROOT/kernel/build.sh" path src)

# checkpatch's SPDX check runs python3 with ply and GitPython, which only
# the system python has (a pyenv python may come first in PATH).
export PATH=/usr/bin:$PATH

passed=0
failed=0
for patch in "$ROOT"/kernel/patches/*.patch; do
	name=$(basename "$patch")
	if out=$(cd "$src" && ./scripts/checkpatch.pl --strict --color=never "$patch" 2>&1) &&
		grep -q "has no obvious style problems" <<<"$out" &&
		! grep -q "Traceback" <<<"$out"; then
		echo "ok - checkpatch $name"
		passed=$((passed + 1))
	else
		echo "not ok - checkpatch $name"
		sed 's/^/    /' <<<"$out"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
