#!/usr/bin/env bash
# deps.sh: install (idempotently) every Debian package relaybench needs.
# Fast path: when everything is already installed, print nothing and exit 0.
set -euo pipefail

if [ "$#" -ne 0 ]; then
	echo "usage: scripts/deps.sh (takes no arguments)" >&2
	exit 2
fi

PKGS=(
	linux-source-6.12 clang-19 llvm-19 lld-19 libelf-dev zlib1g-dev dwarves
	qemu-system-x86 gnuplot-nox hyperfine libcmocka-dev bc flex bison
	libssl-dev cpio libcap-dev pkg-config jq socat libzstd-dev binutils-dev
	libclang-rt-19-dev clang-format-19 shellcheck
	python3 python3-ply python3-git rsync kmod gcc make
)

# List the packages that are not fully installed.  dpkg-query prints one line
# per known package; unknown packages make it exit non-zero and print nothing
# for them, so compare names explicitly.
missing_pkgs() {
	local status
	status=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PKGS[@]}" 2>/dev/null || true)
	local p
	for p in "${PKGS[@]}"; do
		if ! grep -qE "^${p//+/\\+}(:[a-z0-9]+)? ii" <<<"$status"; then
			printf '%s\n' "$p"
		fi
	done
}

mapfile -t missing < <(missing_pkgs)
if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages (${missing[*]}); run scripts/deps.sh as root" >&2
	exit 1
fi

echo "[deps] installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update </dev/null >&2
apt-get install -y --no-install-recommends "${missing[@]}" </dev/null >&2

mapfile -t still < <(missing_pkgs)
if [ "${#still[@]}" -ne 0 ]; then
	echo "deps: still missing after install: ${still[*]}" >&2
	exit 1
fi
