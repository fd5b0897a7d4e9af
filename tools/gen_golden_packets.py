#!/usr/bin/python3
"""Builds IPv4/TCP packets with scapy and writes tests/testdata/scapy_golden.txt.

scapy is an implementation independent of tcplab: //tests/interop:scapy_golden_test
parses every packet written here with tcplab and checks each field against the
values scapy reports after re-dissecting the bytes, then re-serializes the packet
and compares bytes.

Run with Debian's python3 (python3-scapy lives in /usr/lib/python3/dist-packages):
    /usr/bin/python3 tools/gen_golden_packets.py [OUTPUT]
The output is deterministic (fixed field values, no randomness); commit it.

Line format (one packet per line, space-separated key=value, '#' starts a comment):
  name=... reserialize=yes|no:<why> hex=<packet bytes, then any link padding>
  src dst tos id ttl df ihl iplen          IPv4 fields as scapy dissects them
  sport dport seq ack flags window urgptr dataofs
  opts=<comma list in wire order>           MSS=n SAckOK Timestamp=val/ecr NOP
                                            WScale=n SAck=l/r/l/r... EOL optK=<hex>
                                            ("-" when there are no options)
  payload_len=<TCP payload bytes>
"yes" means tcplab must reproduce the first iplen bytes exactly from the parsed packet.
"""

import logging
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import IP, TCP, Raw, Padding, IPOption_Router_Alert, raw  # noqa: E402

CLIENT = "10.0.0.1"
SERVER = "10.0.0.2"
LINUX_SYN_OPTS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (100, 0)), ("NOP", None),
                  ("WScale", 7)]


def ip(**kw):
    fields = dict(src=CLIENT, dst=SERVER, id=1, flags="DF", ttl=64)
    fields.update(kw)
    return IP(**fields)


def tcp(**kw):
    fields = dict(sport=49152, dport=80, seq=1000, ack=0, flags="A", window=502)
    fields.update(kw)
    return TCP(**fields)


def sack_opts(blocks, ts=None):
    edges = []
    for left, right in blocks:
        edges += [left & 0xFFFFFFFF, right & 0xFFFFFFFF]
    opts = []
    if ts is not None:
        opts += [("NOP", None), ("NOP", None), ("Timestamp", ts)]
    return opts + [("NOP", None), ("NOP", None), ("SAck", tuple(edges))]


def blocks(n, base=5000):
    return [(base + 2000 * i, base + 2000 * i + 1000) for i in range(n)]


PACKETS = [
    ("syn_linux", ip() / tcp(flags="S", seq=0x3ade68b1, window=64240, options=LINUX_SYN_OPTS)),
    ("synack_linux", ip(src=SERVER, dst=CLIENT) / tcp(
        sport=80, dport=49152, flags="SA", seq=7000, ack=0x3ade68b2, window=65160,
        options=[("MSS", 1400), ("SAckOK", b""), ("Timestamp", (200, 100)), ("NOP", None),
                 ("WScale", 9)])),
    ("syn_no_timestamps", ip() / tcp(
        flags="S", seq=1, window=64240,
        options=[("MSS", 1460), ("NOP", None), ("NOP", None), ("SAckOK", b""),
                 ("NOP", None), ("WScale", 7)])),
    ("syn_no_sack", ip() / tcp(
        flags="S", seq=2, window=29200,
        options=[("MSS", 536), ("NOP", None), ("NOP", None), ("Timestamp", (1, 0)),
                 ("NOP", None), ("WScale", 0)])),
    ("syn_mss_only", ip() / tcp(flags="S", seq=3, window=8192, options=[("MSS", 536)])),
    ("syn_ecn", ip(tos=0x02) / tcp(flags="SEC", seq=4, window=64240,
                                   options=[("MSS", 1460)])),
    ("syn_noncanonical_order", ip() / tcp(
        flags="S", seq=5, window=1024,
        options=[("WScale", 14), ("NOP", None), ("MSS", 65495)])),
    ("ack_timestamps", ip() / tcp(
        seq=1001, ack=7001, window=502,
        options=[("NOP", None), ("NOP", None), ("Timestamp", (0xFFFFFFFF, 0x80000000))])),
    ("data_full_mss", ip(id=0x1234) / tcp(
        flags="PA", seq=1001, ack=7001, window=502,
        options=[("NOP", None), ("NOP", None), ("Timestamp", (1234, 5678))]) /
     Raw(bytes(range(256)) * 5 + bytes(168))),
    ("data_odd_length", ip(id=0xFFFF) / tcp(flags="PA", seq=2449, ack=7001) / Raw(b"odd")),
    ("data_one_byte", ip() / tcp(flags="PA", seq=10, ack=20) / Raw(b"\xff")),
    ("fin_ack", ip() / tcp(flags="FA", seq=2452, ack=7001, window=501)),
    ("fin_psh_ack_data", ip() / tcp(flags="FPA", seq=3000, ack=7001) / Raw(b"bye\n")),
    ("rst", ip(flags=0, id=0) / tcp(flags="R", seq=2453, ack=0, window=0)),
    ("rst_ack", ip() / tcp(flags="RA", seq=0, ack=4242, window=0)),
    ("sack_1", ip() / tcp(ack=5000, options=sack_opts(blocks(1), ts=(10, 20)))),
    ("sack_2", ip() / tcp(ack=5000, options=sack_opts(blocks(2), ts=(10, 20)))),
    ("sack_3", ip() / tcp(ack=5000, options=sack_opts(blocks(3), ts=(10, 20)))),
    ("sack_4", ip() / tcp(ack=5000, options=sack_opts(blocks(4)))),
    ("sack_wraparound", ip() / tcp(
        seq=0xFFFFFFF0, ack=0xFFFFFF00,
        options=sack_opts([(0xFFFFFFF0, 0x00000010), (0x100, 0x200)]))),
    ("wraparound_data", ip() / tcp(flags="PA", seq=0xFFFFFFFE, ack=0xFFFFFFFF) /
     Raw(b"wrap")),
    ("urgent", ip() / tcp(flags="PAU", seq=50, ack=60, urgptr=3) / Raw(b"urgent")),
    ("all_flags", ip() / tcp(flags="FSRPAUEC", seq=77, ack=88, urgptr=1)),
    ("no_flags", ip() / tcp(flags=0, seq=99, ack=0)),
    ("window_extremes_tos_ttl", ip(tos=0xB8, ttl=1, flags=0, id=0xABCD) /
     tcp(seq=1, ack=1, window=65535)),
    ("zero_window", ip() / tcp(seq=1, ack=1, window=0)),
    ("timestamps_then_eol", ip() / tcp(
        seq=1, ack=1, options=[("Timestamp", (3, 4)), ("EOL", None)])),
    ("wscale_eol", ip() / tcp(flags="S", seq=8, options=[("WScale", 2), ("EOL", None)])),
    ("nop_padding_only", ip() / tcp(seq=1, ack=1, options=[("NOP", None)] * 4)),
    ("unknown_option", ip() / tcp(
        seq=1, ack=1,
        options=[("NOP", None), ("NOP", None), (254, b"\x12\x34"), ("MSS", 1200)])),
    ("unknown_option_then_sack", ip() / tcp(
        seq=1, ack=1,
        options=[(30, b"\x00\x01\x02\x03\x04\x05"), ("NOP", None), ("NOP", None),
                 ("SAck", (100, 200))])),
    ("ip_options_router_alert", IP(src=CLIENT, dst=SERVER, id=9, flags="DF", ttl=64,
                                   options=[IPOption_Router_Alert()]) /
     tcp(flags="PA", seq=5, ack=6) / Raw(b"with ip options")),
    ("ethernet_padding", ip() / tcp(flags="A", seq=1, ack=1) / Padding(b"\x00" * 6)),
]

REASONS = {
    # Values contain no spaces (the line format is space-separated).
    "unknown_option": "no:tcplab_does_not_send_unknown_option_kinds",
    "unknown_option_then_sack": "no:tcplab_does_not_send_unknown_option_kinds",
    "ip_options_router_alert": "no:tcplab_never_sends_ip_options",
}


def format_options(opts):
    items = []
    for name, value in opts:
        if name == "MSS":
            items.append("MSS=%d" % value)
        elif name == "SAckOK":
            items.append("SAckOK")
        elif name == "Timestamp":
            items.append("Timestamp=%d/%d" % value)
        elif name == "NOP":
            items.append("NOP")
        elif name == "EOL":
            items.append("EOL")
        elif name == "WScale":
            items.append("WScale=%d" % value)
        elif name == "SAck":
            items.append("SAck=" + "/".join(str(v) for v in value))
        elif isinstance(name, int):
            items.append("opt%d=%s" % (name, bytes(value).hex()))
        else:
            raise ValueError("option %r not handled" % (name,))
    return ",".join(items) if items else "-"


def describe(name, pkt):
    wire = raw(pkt)
    p = IP(wire)  # re-dissect: the values below are what scapy reads from the bytes
    t = p[TCP]
    payload = t[Raw].load if Raw in t else b""
    fields = [
        ("name", name),
        ("reserialize", REASONS.get(name, "yes")),
        ("src", p.src), ("dst", p.dst), ("tos", p.tos), ("id", p.id), ("ttl", p.ttl),
        ("df", 1 if "DF" in p.flags else 0), ("ihl", p.ihl), ("iplen", p.len),
        ("sport", t.sport), ("dport", t.dport), ("seq", t.seq), ("ack", t.ack),
        ("flags", int(t.flags)), ("window", t.window), ("urgptr", t.urgptr),
        ("dataofs", t.dataofs), ("opts", format_options(t.options)),
        ("payload_len", len(payload)),
        ("hex", wire.hex()),
    ]
    return " ".join("%s=%s" % kv for kv in fields)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/testdata/scapy_golden.txt"
    import scapy
    lines = [
        "# Generated by tools/gen_golden_packets.py with scapy %s; do not edit." %
        scapy.__version__,
        "# One IPv4/TCP packet per line; fields as scapy dissects the bytes.",
    ]
    names = set()
    for name, pkt in PACKETS:
        assert name not in names, name
        names.add(name)
        lines.append(describe(name, pkt))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %d packets to %s" % (len(PACKETS), out))


if __name__ == "__main__":
    main()
