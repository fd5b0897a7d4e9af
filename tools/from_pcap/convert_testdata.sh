#!/usr/bin/env bash
# convert_testdata.sh [DIR]: converts the captures in DIR (default this
# directory's testdata/) to the scripts listed in DIR/conversions.txt with
# `tcplab from-pcap`. TCPLAB names the binary (default: built here with
# `bazel build //tools/cli:tcplab`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(cd "${1:-$here/testdata}" && pwd)"
if [[ -z "${TCPLAB:-}" ]]; then
  (cd "$here/../.." && bazel build //tools/cli:tcplab >/dev/null 2>&1)
  TCPLAB="$here/../../bazel-out/k8-fastbuild/bin/tools/cli/tcplab"
fi
while read -r script capture flags; do
  [[ -z "$script" || "$script" == \#* ]] && continue
  # shellcheck disable=SC2086 # FLAGS are words
  (cd "$dir" && "$TCPLAB" from-pcap "$capture" -o "$script" $flags)
done < "$here/testdata/conversions.txt"
