#!/usr/bin/env python3
"""Issuing throughput on SQLite: single requests (sequential and concurrent)
and batch requests, against the release binary on loopback.

Usage: cargo build --release && python3 tests/load/issue_throughput.py [target/release/cairn]
Prints one line per scenario; the figures are recorded in BENCHMARKS.md.
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

from loadclient import Client

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/cairn"
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
port = sock.getsockname()[1]
sock.close()
base = f"http://127.0.0.1:{port}"
work = tempfile.mkdtemp(prefix="cairn-bench-")
env = dict(os.environ, CAIRN_ADMIN_EMAIL="admin@bench.example", CAIRN_ADMIN_PASSWORD="bench-admin-password", CAIRN_LOG="warn")
env.pop("CAIRN_DATABASE_URL", None)
server = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{port}", "--data-dir", work], env=env)


client = Client(base)
call = client.call

try:
    client.wait_healthy()
    org, issuer, learner = client.institution("admin@bench.example", "bench-admin-password", "bench.example", "bench-password")
    achievement = call("POST", f"/v1/orgs/{org}/achievements", {
        "name": "Bench badge", "description": "d", "criteria": {"narrative": "n"}, "achievementType": "MicroCredential",
        "credits": {"amount": "1", "unit": "ECTS"}, "validity": "P2Y"}, issuer)["id"]
    item = {"achievement": achievement, "recipient": {"learner": learner}}

    n = 300
    started = time.perf_counter()
    for _ in range(n):
        call("POST", f"/v1/orgs/{org}/credentials", item, issuer)
    elapsed = time.perf_counter() - started
    print(f"single, sequential: {n} credentials in {elapsed:.2f} s = {n / elapsed:.0f}/s")

    threads, per_thread = 8, 50
    def worker():
        for _ in range(per_thread):
            call("POST", f"/v1/orgs/{org}/credentials", item, issuer)
    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    total = threads * per_thread
    print(f"single, {threads} concurrent clients: {total} credentials in {elapsed:.2f} s = {total / elapsed:.0f}/s")

    for size in (100, 1000):
        started = time.perf_counter()
        result = call("POST", f"/v1/orgs/{org}/credentials/batch", {"items": [item] * size}, issuer)
        elapsed = time.perf_counter() - started
        assert result["issued"] == size, result
        print(f"batch of {size}: {elapsed:.2f} s = {size / elapsed:.0f} credentials/s")
finally:
    server.terminate()
    server.wait(timeout=10)
