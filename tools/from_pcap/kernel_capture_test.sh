#!/usr/bin/env bash
# Fresh captures of the Linux kernel's TCP (capture_sessions.sh, in
# namespaces it makes and removes), converted as testdata/conversions.txt
# says and replayed against tcplab's engine with windows and timestamp
# values ignored (tcplab's own, by design). The refused connections and
# the client's close match Linux exactly; elsewhere the only differences
# allowed are about pure ACKs: when they go out (Linux's quick-ACK start
# and delayed FIN ACK, tcplab's delayed ACK) and, after losses, their SACK
# blocks (from_pcap_test lists them for the committed captures). The lossy
# session must show retransmissions. Skips, with a message, without root.
set -uo pipefail

root="${TEST_SRCDIR:-}/tcplab"
[[ -d "$root/tools/from_pcap" ]] || root="$(cd "$(dirname "$0")/../.." && pwd)"
tcplab="$root/tools/cli/tcplab"
work="${TEST_TMPDIR:-$(mktemp -d)}/kernel_capture"
mkdir -p "$work"

"$root/tools/from_pcap/capture_sessions.sh" "$work" > "$work/capture.log" 2>&1
rc=$?
if [[ $rc == 3 ]]; then
  grep SKIP "$work/capture.log"
  exit 0
fi
if [[ $rc != 0 ]]; then
  echo "FAIL capture_sessions.sh (exit $rc):"; cat "$work/capture.log"; exit 1
fi

fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# A mismatch about a pure ACK: one expected and not sent (or sent at
# another time, or acking another number), or one sent and not expected.
pure_ack='`> \. [0-9]+:[0-9]+\(0\) ack [0-9]+ '
is_ack_mismatch() {
  grep -Eq "expected $pure_ack.*(but the stack sent nothing|got $pure_ack)" <<<"$1" ||
    grep -Eq "the stack sent $pure_ack.*\(extra segment\)" <<<"$1"
}

while read -r script capture flags; do
  [[ -z "$script" || "$script" == \#* ]] && continue
  # shellcheck disable=SC2086 # FLAGS are words
  if ! (cd "$work" && "$tcplab" from-pcap "$capture" -o "$script" $flags 2>"$work/convert.err"); then
    fail "$script: from-pcap: $(cat "$work/convert.err")"
    continue
  fi
  records=$(tshark -r "$work/$capture" 2>/dev/null | wc -l)
  steps=$(grep -Ec '^\+?[0-9.]+ [<>] ' "$work/$script")
  [[ "$records" == "$steps" ]] || fail "$script: $steps segment lines for $records captured segments"

  (cd "$work" && "$tcplab" run "$script" --ignore_window --ignore_timestamp_values) > "$work/run.out"
  run_rc=$?
  case "$script" in
    refused.pkt | refused_server.pkt | close_client_first.pkt)
      [[ $run_rc == 0 ]] || fail "$script: expected to match Linux exactly: $(grep -v ': ok ' "$work/run.out")"
      ;;
  esac
  [[ $run_rc == 0 || $run_rc == 1 ]] || fail "$script: tcplab run exit $run_rc: $(cat "$work/run.out")"
  others=0 acks=0
  while IFS= read -r line; do
    if is_ack_mismatch "$line"; then acks=$((acks + 1)); else others=$((others + 1)); fail "$script: $line"; fi
  done < <(grep -E "^$script:[0-9]+:[0-9]+: " "$work/run.out" | grep -v ': ok `')
  marks=$(grep -c '^// retransmission: ' "$work/$script")
  if [[ $script == lossy_300k.pkt && $marks == 0 ]]; then
    fail "$script: the router's queue dropped nothing: no retransmission marked"
  fi
  echo "$script: $steps segments, $marks marked as retransmissions; $acks pure-ACK differences, $others others"
done < "$root/tools/from_pcap/testdata/conversions.txt"

if [[ $fails -gt 0 ]]; then echo "$fails failures"; exit 1; fi
echo "PASS"
