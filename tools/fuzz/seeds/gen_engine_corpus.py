#!/usr/bin/env python3
"""Writes the engine_fuzz seed corpus (tools/fuzz/corpus/engine/seed_*).

Each seed is a configuration, a handshake and a short script of steps in
the byte encoding engine_fuzz.cc decodes (see its header comment).
Run from the repository root: python3 tools/fuzz/seeds/gen_engine_corpus.py
"""
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), "..", "corpus", "engine")

def u16(v): return struct.pack(">H", v & 0xffff)
def u32(v): return struct.pack(">I", v & 0xffffffff)

# Configurations: (name, c0, c1, extra bytes after c1, peer option byte, peer option values)
PEER_ALL = bytes([0x0f]) + u16(1460) + bytes([7]) + u32(1000)
PEER_NONE = bytes([0x00])
PEER_WS14 = bytes([0x0f]) + u16(536) + bytes([14]) + u32(0x7fffff00)
PEER_WS_BIG = bytes([0x02]) + bytes([20])
CONFIGS = {
    "modern": bytes([0x00, 0x00]) + PEER_ALL,
    "bare": bytes([0x01, 0x00]) + PEER_NONE,
    "modern_active": bytes([0x00, 0x80]) + PEER_ALL,
    "bare_active": bytes([0x01, 0x80]) + PEER_NONE,
    # small buffers (3000 send, 2000 recv), explicit wscale 14, newreno
    "small_ws14": bytes([0x00, 0x04 | 0x08 | 0x02]) + u16(2999) + u16(1999) + bytes([14]) + PEER_WS14,
    # modern without delayed ACK and Nagle, keepalive on, small MSS, challenge limit
    "keepalive_smallmss": bytes([0x10 | 0x20 | 0x40, 0x10 | 0x40 | 0x03]) + bytes([40]) + PEER_ALL,
    # bare with SACK and timestamps turned on, congestion newreno, small ooo limit
    "bare_sack_ts": bytes([0x01 | 0x02 | 0x04, 0x02 | 0x20]) + u16(3000) + bytes([0x0c]) + u32(5),
    "modern_peer_ws_big": bytes([0x00, 0x81]) + PEER_WS_BIG,
}
ISS = u32(0xfffff000) + u16(0xffff)

def ack_all(win=0xffff): return bytes([6]) + u16(win)
def data(n, fin=False): return bytes([7]) + u16(n) + bytes([1 if fin else 0])
def adv_ms(ms): return bytes([8, min(ms - 1, 127)])
def adv_s(s): return bytes([8, 127 + min(s, 72)])
def adv_long(u): return bytes([8, 255]) + u16(u)
def deadline(): return bytes([9])
def send(n): return bytes([10]) + u16(n)
def recv(n): return bytes([11]) + u16(n - 1)
def shutdown(): return bytes([12, 0])
def close(): return bytes([12, 1])
def abort(): return bytes([12, 2])
def nodelay(on): return bytes([12, 3 | (4 if on else 0)])
def setcc(k): return bytes([13, k])
def connect(): return bytes([14, 1])
def listen(): return bytes([14, 2])
def accept(): return bytes([15])

def seg(fsel, len_param=b"", ssel=0, seq_param=b"", asel=0, ack_param=b"", wsel=3,
        win_param=b"", osel=0, opt_params=b""):
    return (bytes([0, fsel]) + len_param + bytes([ssel]) + seq_param + bytes([asel]) +
            ack_param + bytes([wsel]) + win_param + bytes([osel]) + opt_params)

# Segment shorthands (see FuzzedSegment()).
ACK, PSH, ACKFIN, FIN, RST, RSTACK, SYN, SYNACK = 0, 1, 2, 3, 4, 5, 6, 7
LEN0, LEN1, LENU8, LENMSS, LENMSS1, LENU16, LEN2MSS = 0x00, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70
TS = 1
SACK = 2

def zero_window_ack(): return seg(ACK, asel=3, wsel=0)
def ts_opt(mode, ecr_mode=0, extra=b""): return bytes([mode | (ecr_mode << 3)]) + extra

SCRIPTS = {
    "bulk": send(20000) + deadline() + ack_all() + send(20000) + ack_all() + deadline() +
            ack_all() + shutdown() + deadline() + ack_all() + data(0, fin=True) + adv_s(61) + deadline(),
    "receive": data(1000) + data(1000) + recv(1500) + data(1460) + adv_ms(50) + recv(30000) +
               data(10, fin=True) + recv(100) + close() + deadline() + ack_all() + adv_s(70),
    "zero_window": send(29000) + ack_all(0) + deadline() + deadline() + deadline() +
                   zero_window_ack() + deadline() + ack_all(1) + deadline() + ack_all() + deadline(),
    "sack": send(29000) + adv_ms(5) +
            seg(ACK, asel=0, osel=SACK, opt_params=bytes([2, 1]) + u16(3000) + bytes([0x08]) +
                u16(1460) + bytes([2, 4])) +
            seg(ACK, asel=0, osel=SACK, opt_params=bytes([2, 0]) + u16(6000)) +
            seg(ACK, asel=0, osel=SACK, opt_params=bytes([2, 0]) + u16(9000)) + deadline() +
            ack_all() + deadline(),
    "out_of_order": seg(LENMSS, ssel=8, seq_param=u16(1460)) + seg(LENMSS, ssel=8, seq_param=u16(4000)) +
                    seg(LENMSS, ssel=0) + recv(10000) + seg(LENU16, len_param=u16(3999), ssel=0x12,
                    seq_param=bytes([3])) + recv(10000),
    "rst_syn": data(100) + seg(RST, ssel=2, seq_param=bytes([5])) + seg(SYN, ssel=2, seq_param=bytes([1])) +
               seg(RSTACK, ssel=4, seq_param=bytes([8])) + seg(SYNACK, ssel=0) + seg(RST, ssel=0),
    "paws": data(100) + seg(LENU8, len_param=bytes([50]), ssel=0, osel=TS, opt_params=ts_opt(2, 0, bytes([3]))) +
            seg(LENU8, len_param=bytes([50]), ssel=0, osel=TS, opt_params=ts_opt(3)) +
            seg(LENU8, len_param=bytes([50]), ssel=0, osel=TS, opt_params=ts_opt(1, 3, bytes([2, 2]))) +
            adv_long(30 * 86400 // 4) + data(10) + recv(1000),
    "acks_odd": send(5000) + seg(ACK, asel=5, ack_param=bytes([3])) + seg(ACK, asel=6, ack_param=bytes([1])) +
                seg(ACK, asel=8) + seg(ACK, asel=4, ack_param=u16(700), wsel=1, win_param=bytes([3])) +
                seg(ACK, asel=7, ack_param=bytes([2])) + deadline() + ack_all() + abort(),
    "close_unread": data(500) + close() + data(10) + deadline() + adv_s(70),
    "retraction": send(20000) + ack_all(0x2000) + seg(ACK, asel=0, wsel=5, win_param=bytes([15])) +
                  seg(ACK, asel=2, wsel=1, win_param=bytes([1])) + deadline() + deadline() + ack_all() + deadline(),
    "user_calls": nodelay(True) + send(100) + send(100) + setcc(1) + setcc(0) + nodelay(False) + send(10) +
                  connect() + listen() + accept() + shutdown() + deadline() + ack_all() + deadline(),
    "keepalive_idle": data(10) + recv(10) + adv_s(11) + deadline() + deadline() + deadline() + deadline() +
                      adv_long(10000),
}

def main():
    os.makedirs(OUT, exist_ok=True)
    n = 0
    # Every script against the modern, bare and active configurations, and
    # a few against the others.
    for cname, cbytes in CONFIGS.items():
        for sname, sbytes in SCRIPTS.items():
            if cname not in ("modern", "bare", "modern_active") and (len(cname) + len(sname)) % 3 and sname not in (
                    "bulk", "zero_window", "sack", "retraction", "keepalive_idle"):
                continue
            with open(os.path.join(OUT, f"seed_{cname}_{sname}"), "wb") as f:
                f.write(cbytes + ISS + sbytes)
            n += 1
    print(f"wrote {n} seeds to {os.path.normpath(OUT)}")

if __name__ == "__main__":
    main()
