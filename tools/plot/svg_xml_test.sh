#!/bin/bash
# `tcplab plot` end to end, checked by a real XML parser (python3's
# xml.etree): a scenario's graph and the graph of that run's pcap parse, the
# mark counts agree between the two, and the same input gives the same
# bytes twice.
set -euo pipefail
tcplab="$1"
scn="$2"
out="${TEST_TMPDIR:-$(mktemp -d)}"

"$tcplab" run "$scn" --pcap "$out/run.pcap" > /dev/null || true
"$tcplab" plot "$scn" -o "$out/sim.svg"
"$tcplab" plot "$scn" -o "$out/sim2.svg"
"$tcplab" plot "$out/run.pcap" -o "$out/pcap.svg"
"$tcplab" plot "$scn" -o "$out/zoom.svg" --time 0.2..0.6 --seq 100K..300K
cmp "$out/sim.svg" "$out/sim2.svg"
if "$tcplab" plot "$scn" -o "$out/bad.svg" --time 3..1 2> /dev/null; then
  echo "FAIL: --time 3..1 was accepted"; exit 1
fi

python3 - "$out" <<'PY'
import collections, sys, xml.etree.ElementTree as ET
out = sys.argv[1]
def classes(name):
    root = ET.parse(f"{out}/{name}.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
    return collections.Counter(e.get("class") for e in root.iter())
sim, pcap, zoom = classes("sim"), classes("pcap"), classes("zoom")
marks = lambda c: c["seg"] + c["rexmit"] + c["probe"]
assert marks(sim) > 100, sim
assert marks(sim) == marks(pcap), (marks(sim), marks(pcap))
assert sim["rexmit"] == pcap["rexmit"] and sim["probe"] == pcap["probe"]
assert sim["panel"] == 3 and pcap["panel"] == 0
assert pcap["drop"] == 0
assert 0 < marks(zoom) < marks(sim), (marks(zoom), marks(sim))
print("PASS", dict(seg=sim["seg"], rexmit=sim["rexmit"], probe=sim["probe"],
                   drop=sim["drop"], zoomed=marks(zoom)))
PY
