#!/usr/bin/env python3
"""Writes the sim_fuzz seed corpus (tools/fuzz/corpus/sim/seed_*).

Each seed is one transfer in the byte encoding sim_fuzz.cc decodes (see
its header comment): seed, size, two links, an outage, two stacks, the
applications. Run from the repository root.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), "..", "corpus", "sim")

def u16(v): return struct.pack(">H", v & 0xffff)
def u32(v): return struct.pack(">I", v & 0xffffffff)

LOSS, GE, REORDER, DUP, CORRUPT, JITTER, RATE, CORR = 1, 2, 4, 8, 16, 32, 64, 128

def link(delay_ms, bits=0, loss=0, ge=(0, 0, 0, 0), reorder=(0, 0), dup=0, corrupt=0, jitter=0,
         rate=(0, 0, 0), corr=0):
    b = bytes([delay_ms, bits])
    if bits & LOSS: b += bytes([loss]) + (bytes([corr]) if bits & CORR else b"")
    if bits & GE: b += bytes(ge)
    if bits & REORDER: b += bytes(reorder) + (bytes([corr]) if bits & CORR else b"")
    if bits & DUP: b += bytes([dup]) + (bytes([corr]) if bits & CORR else b"")
    if bits & CORRUPT: b += bytes([corrupt]) + (bytes([corr]) if bits & CORR else b"")
    if bits & JITTER: b += bytes([jitter]) + (bytes([corr]) if bits & CORR else b"")
    if bits & RATE: b += bytes(rate)
    return b

CLEAN = link(10)

def stack(c0=0, c1=0, mss=None):
    b = bytes([c0 | (128 if mss is not None else 0), c1])
    return b + (bytes([mss]) if mss is not None else b"")

MODERN = stack()
BARE = stack(1)
def bufs(send_idx, recv_idx, cc=0): return (send_idx << 2) | (recv_idx << 5) | cc

def app(bits=0, client_abort=None, server_abort=None, server_close=None, pauses=(), wchunk=16384,
        rchunk=65535):
    b = bytes([bits | (2 if client_abort is not None else 0) | (4 if server_abort is not None else 0) |
               (8 if server_close is not None else 0) | (16 if len(pauses) > 0 else 0) |
               (32 if len(pauses) > 1 else 0)])
    for t in (client_abort, server_abort, server_close):
        if t is not None: b += u16(t)
    for at, length in pauses: b += u16(at) + u16(length)
    return b + u16(wchunk - 1) + u16(rchunk - 1)

def transfer(seed, size, fwd=CLEAN, back=CLEAN, outage=b"\x00", client=MODERN, server=MODERN, a=None):
    return u32(seed) + bytes([size]) + fwd + back + outage + client + server + (a if a is not None else app())

SEEDS = {
    "clean_small": transfer(1, 20),
    "clean_1m": transfer(2, 215),
    "bare_clean": transfer(3, 60, client=BARE, server=BARE),
    "loss1": transfer(4, 150, fwd=link(20, LOSS, loss=13)),
    "loss5_both": transfer(5, 100, fwd=link(20, LOSS, loss=64), back=link(20, LOSS, loss=30)),
    "ge_bursts": transfer(6, 120, fwd=link(15, GE, ge=(25, 80, 255, 0))),
    "reorder": transfer(7, 150, fwd=link(30, REORDER, reorder=(60, 3))),
    "duplicate": transfer(8, 100, fwd=link(10, DUP, dup=120), back=link(10, DUP, dup=60)),
    "corrupt": transfer(9, 100, fwd=link(10, CORRUPT, corrupt=100)),
    "jitter": transfer(10, 120, fwd=link(20, JITTER | CORR, jitter=0x40 | 20, corr=128)),
    "rate_queue": transfer(11, 205, fwd=link(25, RATE, rate=(20, 10, 0))),
    "rate_bytes_limit": transfer(12, 202, fwd=link(40, RATE, rate=(50, 200, 33))),
    "outage_back": transfer(13, 203, outage=b"\x03" + u16(50) + u16(300)),
    "outage_forever": transfer(14, 100, outage=b"\x01" + u16(20)),
    "pause_reader": transfer(15, 205, server=stack(0, bufs(0, 2)), a=app(pauses=((20, 2000), (800, 100)))),
    "small_buffers_bare": transfer(16, 80, client=stack(1, bufs(5, 0)), server=stack(1, bufs(0, 6)),
                                   fwd=link(5, LOSS, loss=10)),
    "close_at_end": transfer(17, 50, a=app(1)),
    "client_abort": transfer(18, 215, a=app(client_abort=30)),
    "server_abort": transfer(19, 215, a=app(server_abort=30)),
    "server_close_early": transfer(20, 215, a=app(server_close=25)),
    "tiny_writes_reads": transfer(21, 10, a=app(64 | 128, wchunk=7, rchunk=3)),
    "newreno_loss": transfer(22, 160, client=stack(0, bufs(0, 0, 2)), fwd=link(20, LOSS, loss=8)),
    "nosack_loss": transfer(23, 160, client=stack(2), server=stack(2), fwd=link(20, LOSS, loss=8)),
    "cc_none_reorder_dup": transfer(24, 100, client=stack(0, 1), fwd=link(20, REORDER | DUP, reorder=(40, 1), dup=30)),
    "keepalive_pause": transfer(25, 30, client=stack(64), server=stack(64), a=app(pauses=((10, 6000),))),
    "small_mss": transfer(26, 100, client=stack(0, 0, mss=0), server=stack(0, 0, mss=20), fwd=link(10, LOSS, loss=5)),
    "big_window_scale": transfer(27, 230, client=stack(0, bufs(4, 5)), server=stack(0, bufs(4, 5)),
                                 fwd=link(100, RATE | LOSS, loss=2, rate=(255, 255, 0))),
    "everything": transfer(28, 120, fwd=link(20, LOSS | REORDER | DUP | CORRUPT | JITTER, loss=10, reorder=(20, 2),
                                              dup=10, corrupt=10, jitter=5),
                           back=link(20, LOSS | DUP, loss=10, dup=10)),
    "no_delack_no_nagle": transfer(29, 90, client=stack(16 | 32), server=stack(16 | 32), fwd=link(3, JITTER, jitter=2)),
    "zero_delay": transfer(30, 40, fwd=link(0), back=link(0)),
}

def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, "seed_" + name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds to {os.path.normpath(OUT)}")

if __name__ == "__main__":
    main()
