#!/usr/bin/env bash
# The live commands against real programs, in two network namespaces this
# test creates and that die with it: `tcplab get` fetching from Python's
# http.server, curl fetching from `tcplab serve --mode http`, `tcplab
# connect` through a kernel echo server, and the errors a user meets.
#
#   this script, re-run in a fresh namespace      the peer's namespace
#   tl0 (no address; tcplab is 10.77.0.2)  <-veth->  k0 10.77.0.1/24 (kernel)
set -uo pipefail

tcplab="$(cd "$(dirname "$0")/../.." && pwd)/tools/cli/tcplab"
[[ -x "$tcplab" ]] || tcplab="$TEST_SRCDIR/tcplab/tools/cli/tcplab"

if [[ -z "${TCPLAB_IN_NETNS:-}" ]]; then
  if ! TCPLAB_IN_NETNS=1 unshare --net true 2>/dev/null; then
    echo "SKIP: cannot create a network namespace (needs root, and Bazel's tags = [\"local\"])"
    exit 0
  fi
  TCPLAB_IN_NETNS=1 exec unshare --net "$0" "$@"
fi

fails=0
check() {  # check NAME COMMAND...: runs it, reports PASS/FAIL
  local name="$1"; shift
  if "$@"; then echo "PASS $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

work="$(mktemp -d)"
holder_pid=""
cleanup() {
  [[ -n "$holder_pid" ]] && kill -9 "$holder_pid" 2>/dev/null
  jobs -p | xargs -r kill -9 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The peer's namespace lives as long as this process holds it.
unshare --net sleep 100000 &
holder_pid=$!
sleep 0.2
peer() { nsenter --net="/proc/$holder_pid/ns/net" "$@"; }

ip link set lo up
ip link add tl0 type veth peer name k0 netns "$holder_pid"
ip link set tl0 up
echo 1 > /proc/sys/net/ipv6/conf/tl0/disable_ipv6 || true
peer ip link set lo up
peer ip addr add 10.77.0.1/24 dev k0
peer ip link set k0 up
live=(--iface tl0 --ip 10.77.0.2/24)

# --- tcplab get from Python's http.server ---
mkdir -p "$work/www"
head -c 300000 /dev/urandom > "$work/www/blob.bin"
echo "hello from the kernel's side" > "$work/www/index.html"
(cd "$work/www" && peer python3 -m http.server 8000 --bind 10.77.0.1 >"$work/http.log" 2>&1) &
for _ in $(seq 50); do peer bash -c 'exec 3<>/dev/tcp/10.77.0.1/8000' 2>/dev/null && break; sleep 0.1; done

"$tcplab" get http://10.77.0.1:8000/blob.bin "${live[@]}" >"$work/got.bin" 2>"$work/get.err"
check "get: exit 0" test $? -eq 0
check "get: 300000 bytes, identical" cmp -s "$work/got.bin" "$work/www/blob.bin"
check "get: status line reported" grep -q "tcplab get: HTTP/1.0 200 OK" "$work/get.err"
check "get: timeline shows the handshake" grep -q "tcplab:49152 > 10.77.0.1:8000" "$work/get.err"

"$tcplab" get http://10.77.0.1:8000/index.html "${live[@]}" --loss 5% --delay 2ms \
  --pcap "$work/get.pcap" >"$work/index.out" 2>"$work/index.err"
check "get under 5% loss: page intact" cmp -s "$work/index.out" "$work/www/index.html"
check "get: pcap written" test -s "$work/get.pcap"

"$tcplab" get http://10.77.0.1:8000/missing "${live[@]}" >/dev/null 2>"$work/404.err"
check "get: 404 exits 1" test $? -eq 1

# --- curl from tcplab serve --mode http ---
"$tcplab" serve --port 8080 --mode http --exit_after 1 "${live[@]}" 2>"$work/serve.err" &
serve_pid=$!
sleep 0.5
peer curl -s -m 10 -o "$work/curl.out" -w '%{http_code}' http://10.77.0.2:8080/hello >"$work/curl.code"
check "curl: 200 from tcplab serve" grep -qx 200 "$work/curl.code"
check "curl: the page names the path" grep -q "You asked for /hello" "$work/curl.out"
wait "$serve_pid"
check "serve: exited after one connection" test $? -eq 0

# --- tcplab connect through a kernel echo server ---
peer python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", 7007)); s.listen(1)
c, _ = s.accept()
while True:
    d = c.recv(65536)
    if not d: break
    c.sendall(d)
c.close()
' &
sleep 0.5
head -c 2000000 /dev/urandom > "$work/nc.in"
"$tcplab" connect 10.77.0.1 7007 "${live[@]}" --timeline=false <"$work/nc.in" >"$work/nc.out" 2>"$work/nc.err"
check "connect: exit 0" test $? -eq 0
check "connect: 2 MB echoed intact" cmp -s "$work/nc.in" "$work/nc.out"

# --- a scenario with its server as the real machine: tcplab run --live ---
scn="$(cd "$(dirname "$0")" && pwd)/testdata/live_bulk.scn"
[[ -f "$scn" ]] || scn="$TEST_SRCDIR/tcplab/tests/interop/testdata/live_bulk.scn"
peer python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", 5001)); s.listen(1)
c, _ = s.accept(); n = 0
while True:
    d = c.recv(65536)
    if not d: break
    n += len(d)
c.close()
print(n)
' >"$work/sink.count" &
sink_pid=$!
sleep 0.5
"$tcplab" run "$scn" --live server --iface tl0 >"$work/run.out" 2>&1
check "run --live: exit 0" test $? -eq 0
wait "$sink_pid"
check "run --live: the kernel received 5 MB" grep -qx 5000000 "$work/sink.count"
check "run --live: the real machine's expectations are skipped" \
  grep -q "SKIP  expect sink.received == 5MB" "$work/run.out"
check "run --live: tcplab's hold" grep -q "PASS  expect sender.sent == 5MB" "$work/run.out"
check "run --live: losses injected" grep -q "dropped" "$work/run.out"

# --- errors a user meets ---
"$tcplab" get http://10.77.0.1/ --iface nosuch0 --ip 10.77.0.2/24 2>"$work/e1" >/dev/null
check "error: unknown interface" grep -q "no network interface named 'nosuch0'" "$work/e1"
"$tcplab" get http://10.77.0.1/ --iface tl0 2>"$work/e2" >/dev/null
check "error: --ip required" grep -q -- "--ip=ADDR/PREFIX is required" "$work/e2"
"$tcplab" get http://10.77.0.99/ "${live[@]}" --timeout 5s 2>"$work/e3" >/dev/null
check "error: no ARP reply" grep -q "no ARP reply from 10.77.0.99" "$work/e3"
ip addr add 10.77.0.3/24 dev tl0
"$tcplab" get http://10.77.0.1:8000/index.html --iface tl0 --ip 10.77.0.3/24 --timeout 5s \
  2>"$work/e4" >/dev/null
check "warning: an address the kernel owns" grep -q "kernel owns 10.77.0.3" "$work/e4"
ip addr del 10.77.0.3/24 dev tl0
"$tcplab" get http://10.77.0.1/ "${live[@]}" --loss 150% 2>"$work/e5" >/dev/null
check "error: bad --loss" grep -q -- "--loss=150%: expected" "$work/e5"

if [[ $fails -ne 0 ]]; then
  for f in "$work"/*.err "$work"/e? "$work/run.out"; do echo "--- $f"; tail -20 "$f"; done
  echo "$fails check(s) failed"
  exit 1
fi
echo "all checks passed"
