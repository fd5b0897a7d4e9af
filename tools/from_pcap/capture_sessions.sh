#!/usr/bin/env bash
# capture_sessions.sh OUTDIR: captures short sessions of the Linux kernel's
# TCP with itself, one pcap each in OUTDIR, for `tcplab from-pcap`:
#
#   small_page.pcap          curl fetches a small page from python3 -m http.server
#   bulk_1mb.pcap            curl fetches 1 MB (captured with a 128-byte snapshot
#                            length, so the file stays small)
#   close_client_first.pcap  the client sends 1000 bytes and closes first
#   close_server_first.pcap  the server sends 1000 bytes and closes first
#   refused.pcap             a connect to a port nobody listens on
#   half_close.pcap          the client sends 1000 bytes and shuts down its
#                            side (SHUT_WR); the server answers 1000 bytes
#                            after that and closes
#   lossy_300k.pcap          curl fetches 300 KB through a router namespace
#                            whose small token-bucket queue towards the
#                            client (tc tbf) drops segments: the capture (on
#                            the client's link) shows retransmissions
#
# Both ends live in network namespaces made here (a veth pair, client c0
# 10.78.0.2 <-> server s0 10.78.0.1), which vanish with their holder
# processes: no traffic leaves them. The capture is on c0 (the client's
# view); the lossy session goes through a third namespace, a router (client
# c1 10.79.1.2 <-> r1 | r2 <-> s2 10.79.2.1), and is captured on c1. The veth pair has segmentation offload off (gso_max_segs 1), so
# that the capture shows the segments a NIC would send, not 64 KB
# aggregates. Needs root (or CAP_NET_ADMIN and CAP_NET_RAW); prints
# "SKIP: reason" and exits 3 without it.
#
# Regenerating the committed test data (tools/from_pcap/testdata):
#   tools/from_pcap/capture_sessions.sh tools/from_pcap/testdata
#   tools/from_pcap/convert_testdata.sh
set -uo pipefail

out="${1:?usage: capture_sessions.sh OUTDIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

for tool in dumpcap tshark ip nsenter unshare curl python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (tools/setup installs it)"
    exit 3
  fi
done
if ! unshare --net true 2>/dev/null; then
  echo "SKIP: cannot create a network namespace (needs root; under Bazel, tags = [\"local\"])"
  exit 3
fi

work="$(mktemp -d)"
holders=()
cleanup() {
  jobs -p | xargs -r kill -9 2>/dev/null
  for h in "${holders[@]}"; do kill -9 "$h" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

unshare --net sleep 100000 &
client_ns=$!
unshare --net sleep 100000 &
server_ns=$!
unshare --net sleep 100000 &
router_ns=$!
holders=("$client_ns" "$server_ns" "$router_ns")
sleep 0.2
in_client() { nsenter --net="/proc/$client_ns/ns/net" "$@"; }
in_server() { nsenter --net="/proc/$server_ns/ns/net" "$@"; }
in_router() { nsenter --net="/proc/$router_ns/ns/net" "$@"; }

in_client ip link set lo up
in_server ip link set lo up
in_client ip link add c0 gso_max_segs 1 type veth peer name s0 gso_max_segs 1 netns "$server_ns"
for side in client server; do
  dev=c0; addr=10.78.0.2/24
  [[ $side == server ]] && dev=s0 && addr=10.78.0.1/24
  "in_$side" sysctl -qw "net.ipv6.conf.all.disable_ipv6=1"
  "in_$side" ip addr add "$addr" dev "$dev"
  "in_$side" ip link set "$dev" up
done

in_router ip link set lo up
in_router sysctl -qw net.ipv4.ip_forward=1
in_client ip link add c1 gso_max_segs 1 type veth peer name r1 gso_max_segs 1 netns "$router_ns"
in_server ip link add s2 gso_max_segs 1 type veth peer name r2 gso_max_segs 1 netns "$router_ns"
in_client ip addr add 10.79.1.2/24 dev c1
in_client ip link set c1 up
in_client ip route add 10.79.2.0/24 via 10.79.1.1
in_server ip addr add 10.79.2.1/24 dev s2
in_server ip link set s2 up
in_server ip route add 10.79.1.0/24 via 10.79.2.2
in_router ip addr add 10.79.1.1/24 dev r1
in_router ip addr add 10.79.2.2/24 dev r2
in_router ip link set r1 up
in_router ip link set r2 up
capture_dev=c0

# capture NAME SNAPLEN COMMAND...: runs COMMAND (in the client's namespace)
# while dumpcap writes OUTDIR/NAME.pcap.
capture() {
  local name="$1" snaplen="$2"; shift 2
  local file="$out/$name.pcap"
  rm -f "$file"
  # nsenter execs dumpcap: $! is dumpcap itself, which the INT below stops.
  nsenter --net="/proc/$client_ns/ns/net" \
    dumpcap -q -P -i "$capture_dev" -s "$snaplen" -f tcp -w "$work/$name.pcap" 2>"$work/dumpcap.log" &
  local pid=$!
  for _ in $(seq 100); do grep -q "Capturing on" "$work/dumpcap.log" && break; sleep 0.05; done
  sleep 0.2
  "$@"
  local rc=$?
  sleep 0.3
  kill -INT "$pid"
  wait "$pid"
  cp "$work/$name.pcap" "$file"
  return $rc
}

wait_port() {  # wait_port PORT [ADDR]: until the server's namespace listens there
  for _ in $(seq 100); do
    in_client bash -c "exec 3<>/dev/tcp/${2:-10.78.0.1}/$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "capture_sessions: nothing listens on port $1" >&2
  return 1
}

mkdir -p "$work/www"
printf '<html><body>tcplab from-pcap: a small page</body></html>\n' > "$work/www/index.html"
head -c 1000000 /dev/zero | tr '\0' 'x' > "$work/www/1mb.bin"
(cd "$work/www" && in_server python3 -m http.server 8000 --bind 10.78.0.1 >"$work/http.log" 2>&1) &
wait_port 8000 || exit 1
# The probe connections of wait_port are over before any capture starts.
sleep 0.3

capture small_page 65535 in_client curl -s -o "$work/got.html" http://10.78.0.1:8000/index.html &&
  cmp -s "$work/got.html" "$work/www/index.html" ||
  { echo "capture_sessions: small_page failed" >&2; exit 1; }
capture bulk_1mb 128 in_client curl -s -o "$work/got.bin" http://10.78.0.1:8000/1mb.bin &&
  cmp -s "$work/got.bin" "$work/www/1mb.bin" ||
  { echo "capture_sessions: bulk_1mb failed" >&2; exit 1; }

# A server on port 9000 that, per connection, either reads to EOF and then
# closes (the client closes first) or sends 1000 bytes and closes (it closes
# first), as its first argument says.
peer_py='
import socket, sys
mode = sys.argv[1]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.78.0.1", 9000))
s.listen(1)
for _ in range(2):
    c, _ = s.accept()
    if mode == "client_first":
        while c.recv(65536):
            pass
    elif mode == "half_close":
        while c.recv(65536):
            pass
        c.sendall(b"s" * 1000)
    else:
        c.sendall(b"s" * 1000)
    c.close()
'
client_py='
import socket, sys, time
mode = sys.argv[1]
c = socket.create_connection(("10.78.0.1", int(sys.argv[2])))

def read_1000_to_eof():
    n = 0
    while b := c.recv(65536):
        n += len(b)
    assert n == 1000, n

if mode == "client_first":
    c.sendall(b"c" * 1000)
    time.sleep(0.05)
elif mode == "half_close":
    c.sendall(b"c" * 1000)
    c.shutdown(socket.SHUT_WR)
    read_1000_to_eof()
elif mode == "server_first":
    read_1000_to_eof()
    time.sleep(0.05)
c.close()
'
for mode in client_first server_first half_close; do
  in_server python3 -c "$peer_py" "$mode" &
  server_pid=$!
  wait_port 9000 || exit 1
  sleep 0.3
  name="close_$mode"
  [[ $mode == half_close ]] && name=half_close
  capture "$name" 65535 in_client python3 -c "$client_py" "$mode" 9000 ||
    { echo "capture_sessions: $name failed" >&2; exit 1; }
  kill "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
done

refused_py='
import socket
try:
    socket.create_connection(("10.78.0.1", 9001))
except ConnectionRefusedError:
    raise SystemExit(0)
raise SystemExit("connected to a port nobody listens on")
'
capture refused 65535 in_client python3 -c "$refused_py" ||
  { echo "capture_sessions: refused failed" >&2; exit 1; }

# The router queues at most 15 KB towards the client at 20 Mbit/s; the
# server's slow start overruns it.
head -c 300000 /dev/zero | tr '\0' 'z' > "$work/www/300k.bin"
(cd "$work/www" && in_server python3 -m http.server 8000 --bind 10.79.2.1 >"$work/http2.log" 2>&1) &
wait_port 8000 10.79.2.1 || exit 1
sleep 0.3
in_router tc qdisc add dev r1 root tbf rate 20mbit burst 10kb limit 15kb
capture_dev=c1
capture lossy_300k 128 in_client curl -s -o "$work/got.bin" http://10.79.2.1:8000/300k.bin &&
  cmp -s "$work/got.bin" "$work/www/300k.bin" ||
  { echo "capture_sessions: lossy_300k failed" >&2; exit 1; }

echo "capture_sessions: wrote $(ls "$out"/*.pcap | wc -l) captures to $out"
