#!/usr/bin/env python3
"""Seeds wire_fuzz and pcap_fuzz from the scenario library's own traffic.

Runs every scenario in scenarios/library/ with `tcplab run --pcap`, then
writes, per scenario, the distinct kinds of packet it saw (by TCP flags and
option kinds, at most 12) as tools/fuzz/corpus/wire/lib_<scenario>_<n>.bin
and the first 8 packets as a small capture
tools/fuzz/corpus/pcap/lib_<scenario>.pcap. The seeds then cover what the
engine really sends: SACK blocks, timestamps, scaled windows, probes,
RSTs, FINs.

Run from the repository root: python3 tools/fuzz/seeds/gen_corpus_from_library.py
"""
import glob
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
WIRE = os.path.join(ROOT, "tools", "fuzz", "corpus", "wire")
PCAP = os.path.join(ROOT, "tools", "fuzz", "corpus", "pcap")


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    header, records, at = data[:24], [], 24
    while at + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        records.append((data[at:at + 16], data[at + 16:at + 16 + incl]))
        at += 16 + incl
    return header, linktype, records


def ip_of(linktype, frame):
    if linktype == 1:  # Ethernet
        return frame[14:]
    return frame  # LINKTYPE_RAW (101) or IPv4 (228)


def kind(ip):
    ihl = (ip[0] & 0x0F) * 4
    tcp = ip[ihl:]
    if len(tcp) < 20:
        return None
    flags = tcp[13]
    off = (tcp[12] >> 4) * 4
    opts, i = [], 20
    while i < off:
        k = tcp[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        opts.append(k)
        i += tcp[i + 1] if i + 1 < off and tcp[i + 1] >= 2 else off
    return (flags, tuple(opts), len(ip) > ihl + off)


def main():
    tcplab = os.path.join(ROOT, "tools", "tcplab")
    for scn in sorted(glob.glob(os.path.join(ROOT, "scenarios", "library", "*.scn"))):
        name = os.path.splitext(os.path.basename(scn))[0]
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "run.pcap")
            subprocess.run([tcplab, "run", scn, "--pcap", out], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if not os.path.exists(out):
                print(f"{name}: no pcap", file=sys.stderr)
                continue
            header, linktype, records = read_pcap(out)
        seen, n = set(), 0
        for _, frame in records:
            ip = ip_of(linktype, frame)
            k = kind(ip)
            if k is None or k in seen or n >= 12:
                continue
            seen.add(k)
            with open(os.path.join(WIRE, f"lib_{name}_{n}.bin"), "wb") as f:
                f.write(ip)
            n += 1
        with open(os.path.join(PCAP, f"lib_{name}.pcap"), "wb") as f:
            f.write(header)
            for rec_header, frame in records[:8]:
                f.write(rec_header + frame)
        print(f"{name}: {len(records)} packets, {n} kinds")


if __name__ == "__main__":
    main()
