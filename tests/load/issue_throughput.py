#!/usr/bin/env python3
"""Issuing throughput on SQLite (VC-JWT): single requests (sequential and
concurrent), batch requests, and a batch to one learner while 100 pathways
are in force, against a release binary on loopback.

Usage: cargo build --release -p cairn-api && python3 tests/load/issue_throughput.py [target/release/cairn ...]
With several binaries (e.g. a baseline and the current build), each runs the
same scenarios on a fresh data directory, one after the other, so their
figures come from the same session. Prints one line per scenario; the
figures are recorded in BENCHMARKS.md.

The timed requests go over one kept-alive HTTP connection per client thread
(urllib would open a connection per request, and the client, not the
server, would set the pace).
"""
import http.client
import json
import sys
import threading
import time

from loadclient import ADMIN_EMAIL, ADMIN_PASSWORD, pathway_requirement, serve

SEQUENTIAL = 1000
THREADS, PER_THREAD = 8, 100
BATCHES = (100, 1000)
PATHWAYS, MICROS, LEARNER_BATCH = 100, 60, 1000


class Connection:
    """One kept-alive connection; JSON in, JSON out."""

    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def post(self, path, body):
        self.conn.request("POST", path, body=json.dumps(body), headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{path}: {response.status} {data[:300]!r}")
        return json.loads(data)


def pathways(call, org, issuer):
    """100 pathways of four shapes over 60 micro-credentials (the shapes of
    seed_progress.py); every other one awards automatically, the rest queue
    for review. Returns the micro-credential ids."""
    micro = []
    for i in range(MICROS):
        micro.append(call("POST", f"/v1/orgs/{org}/achievements", {
            "name": f"Micro {i}", "description": "d", "criteria": {"narrative": "n"}, "achievementType": "MicroCredential",
            "tags": [f"track-{i % 6}"], "credits": {"amount": str(1 + i % 4), "unit": "ECTS"}}, issuer)["id"])
    for p in range(PATHWAYS):
        award = call("POST", f"/v1/orgs/{org}/achievements", {"name": f"Award {p}", "description": "d",
                                                              "criteria": {"narrative": "n"}, "achievementType": "Award"}, issuer)["id"]
        requirement = pathway_requirement(p, micro)
        call("POST", f"/v1/orgs/{org}/pathways", {"key": f"p{p}", "name": f"Pathway {p}", "award": award,
                                                  "issuance": "automatic" if p % 2 == 0 else "review",
                                                  "requirement": requirement}, issuer)
    return micro


def run(binary):
    server, port, client = serve(binary, timeout=300)
    print(f"== {binary}")
    call = client.call
    try:
        org, issuer, learner = client.institution(ADMIN_EMAIL, ADMIN_PASSWORD, "bench.example", "bench-password")
        achievement = call("POST", f"/v1/orgs/{org}/achievements", {
            "name": "Bench badge", "description": "d", "criteria": {"narrative": "n"}, "achievementType": "MicroCredential",
            "credits": {"amount": "1", "unit": "ECTS"}, "validity": "P2Y"}, issuer)["id"]
        item = {"achievement": achievement, "recipient": {"learner": learner}}
        single = f"/v1/orgs/{org}/credentials"

        conn = Connection(port, issuer)
        started = time.perf_counter()
        for _ in range(SEQUENTIAL):
            conn.post(single, item)
        elapsed = time.perf_counter() - started
        print(f"single, sequential: {SEQUENTIAL} credentials in {elapsed:.2f} s = {SEQUENTIAL / elapsed:.0f}/s")

        def worker():
            own = Connection(port, issuer)
            for _ in range(PER_THREAD):
                own.post(single, item)
        started = time.perf_counter()
        pool = [threading.Thread(target=worker) for _ in range(THREADS)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        elapsed = time.perf_counter() - started
        total = THREADS * PER_THREAD
        print(f"single, {THREADS} concurrent clients: {total} credentials in {elapsed:.2f} s = {total / elapsed:.0f}/s")

        conn = Connection(port, issuer)  # the server closes idle connections
        for size in BATCHES:
            started = time.perf_counter()
            result = conn.post(f"{single}/batch", {"items": [item] * size})
            elapsed = time.perf_counter() - started
            assert result["issued"] == size, result
            print(f"batch of {size}: {elapsed:.2f} s = {size / elapsed:.0f} credentials/s")

        # A second learner, 100 pathways in force, one batch of varied credentials.
        micro = pathways(call, org, issuer)
        holder = call("POST", "/v1/auth/register", {"email": "p@bench.example", "password": "bench-password", "name": "P"})["id"]
        items = [{"achievement": micro[i % MICROS], "recipient": {"learner": holder},
                  "awarded_at": f"{2020 + i % 6}-{1 + i % 12:02d}-15T00:00:00Z"} for i in range(LEARNER_BATCH)]
        conn = Connection(port, issuer)  # the server closes idle connections
        started = time.perf_counter()
        result = conn.post(f"{single}/batch", {"items": items})
        elapsed = time.perf_counter() - started
        assert result["issued"] == LEARNER_BATCH, {k: result[k] for k in ("issued", "failed")}
        wallet = call("GET", "/v1/me/wallet", None, client.token("p@bench.example", "bench-password"))["credentials"]
        awards = len(wallet) - LEARNER_BATCH
        print(f"batch of {LEARNER_BATCH} to one learner, {PATHWAYS} pathways in force: {elapsed:.2f} s = "
              f"{LEARNER_BATCH / elapsed:.0f} credentials/s ({awards} awards issued with them)")
    finally:
        server.terminate()
        server.wait(timeout=10)


for binary in sys.argv[1:] or ["target/release/cairn"]:
    run(binary)
