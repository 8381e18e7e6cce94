#!/usr/bin/env python3
"""The scale run on PostgreSQL (issue 14 §7), against the release binary.

Two API nodes (`cairn serve` twice, one database, one data directory so they
share the keys) behind no balancer: every client alternates between them.

1. Seed: an institution with 40 micro-credentials and a marker achievement;
   N learners (default 100,000) inserted directly with a real password hash
   (copied from one learner registered through the API: argon2 is slow on
   purpose, and 100,000 registrations would measure only it); K credentials
   each (default 25: 2.5 million), issued through the batch endpoint (real
   signatures), half on each node. A tenth of the learners hold the marker.
2. Register a pathway (`count 1` of the marker) on node A: the back-fill
   runs as a job; poll it on node B until it finishes. Meanwhile clients read
   `GET /v1/me/progress` and `GET /v1/me` for random learners on both nodes.
3. Print: seeding rate, the job's learners/s and awards/s, p50/p99 of the
   reads during the job, and the awards in the database (exactly one per
   learner who holds the marker).

Usage:
    cargo build --release -p cairn-api
    python3 tests/load/scale_pg.py [--learners N] [--per-learner K] [--binary target/release/cairn]
Needs `psql` and PostgreSQL at $CAIRN_SCALE_POSTGRES (default
postgres://postgres@127.0.0.1:5432). The database is dropped at the end.
"""
import argparse
import os
import random
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import uuid

from loadclient import Client

parser = argparse.ArgumentParser()
parser.add_argument("--learners", type=int, default=100_000)
parser.add_argument("--per-learner", type=int, default=25)
parser.add_argument("--binary", default="target/release/cairn")
parser.add_argument("--readers", type=int, default=4, help="concurrent reading clients during the job")
args = parser.parse_args()

server = os.environ.get("CAIRN_SCALE_POSTGRES", "postgres://postgres@127.0.0.1:5432")
db = f"cairn_scale_{int(time.time())}_{os.getpid()}"
url = f"{server}/{db}"
PASSWORD = "scale-password"


def psql(sql, database=db, stdin=None):
    return subprocess.run(["psql", f"{server}/{database}", "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                          input=stdin, capture_output=True, text=True, check=True).stdout.strip()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


psql(f"CREATE DATABASE {db}", database="postgres")
work = tempfile.mkdtemp(prefix="cairn-scale-")
env = dict(os.environ, CAIRN_DATABASE_URL=url, CAIRN_ADMIN_EMAIL="admin@scale.example",
           CAIRN_ADMIN_PASSWORD="scale-admin-password", CAIRN_LOG="warn")
nodes, servers = [], []
try:
    ports = [free_port(), free_port()]
    # One service: both nodes name the same public URL (their tokens name it).
    public_url = f"http://127.0.0.1:{ports[0]}"
    for port in ports:
        base = f"http://127.0.0.1:{port}"
        servers.append(subprocess.Popen([args.binary, "serve", "--bind", f"127.0.0.1:{port}", "--data-dir", work,
                                         "--public-url", public_url], env=env))
        client = Client(base, timeout=600)
        client.wait_healthy()
        nodes.append(client)
    a, b = nodes

    admin = a.token("admin@scale.example", "scale-admin-password")
    org = a.call("POST", "/v1/orgs", {"name": "Scale University", "kind": "institution"}, admin)["id"]
    a.call("POST", f"/v1/orgs/{org}/members", {"email": "i@scale.example", "password": PASSWORD, "name": "I", "role": "issuer"}, admin)
    issuer = a.token("i@scale.example", PASSWORD)

    def achievement(name, kind="MicroCredential"):
        return a.call("POST", f"/v1/orgs/{org}/achievements", {
            "name": name, "description": name, "criteria": {"narrative": "Earn it."}, "achievementType": kind,
            "credits": {"amount": "1", "unit": "ECTS"}}, issuer)["id"]

    catalog = [achievement(f"Micro {i}") for i in range(40)]
    marker = achievement("Marker")
    award = achievement("Scale Award", "Award")

    # Learners: one through the API for a real password hash, the rest copied.
    template = a.call("POST", "/v1/auth/register", {"email": "template@scale.example", "password": PASSWORD, "name": "T"})["id"]
    password_hash = psql(f"SELECT password_hash FROM users WHERE id = '{template}'")
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    learners = [str(uuid.uuid4()) for _ in range(args.learners)]
    rows = "".join(f"{lid}\tl{i}@scale.example\tLearner {i}\t{password_hash}\tlearner\t\\N\t{now}\t{now}\n" for i, lid in enumerate(learners))
    started = time.perf_counter()
    psql("COPY users (id, email, name, password_hash, role, org_id, created_at, email_verified_at) FROM STDIN", stdin=rows)
    print(f"learners: {args.learners} inserted in {time.perf_counter() - started:.1f} s")

    # Credentials through the batch endpoint, 2,000 a request, both nodes.
    rng = random.Random(14)
    holders = set(rng.sample(range(args.learners), args.learners // 10))
    items = []
    for i, lid in enumerate(learners):
        held = rng.sample(catalog, args.per_learner - (1 if i in holders else 0))
        if i in holders:
            held.append(marker)
        items.extend({"achievement": ach, "recipient": {"learner": lid}} for ach in held)
    batches = [items[i:i + 2000] for i in range(0, len(items), 2000)]
    issued = [0]
    lock = threading.Lock()

    def issue(worker):
        node = nodes[worker % 2]
        token = issuer
        for batch in batches[worker::4]:
            try:
                result = node.call("POST", f"/v1/orgs/{org}/credentials/batch", {"items": batch}, token)
            except urllib.error.HTTPError as error:
                if error.code != 401:
                    raise
                # Access tokens expire (15 minutes): sign in again.
                token = node.token("i@scale.example", PASSWORD)
                result = node.call("POST", f"/v1/orgs/{org}/credentials/batch", {"items": batch}, token)
            with lock:
                issued[0] += result["issued"]

    started = time.perf_counter()
    pool = [threading.Thread(target=issue, args=(w,)) for w in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    print(f"credentials: {issued[0]} issued in {elapsed:.1f} s = {issued[0] / elapsed:.0f}/s (batches of 2,000, 4 clients, 2 nodes)")
    assert issued[0] == len(items), (issued[0], len(items))
    # Fresh statistics, as autovacuum would gather after a bulk load: without
    # them PostgreSQL plans the chunk's fact query as a sequential scan (with
    # JIT), seconds per chunk, longer than the job's lease.
    psql("ANALYZE")

    # Tokens for the readers (argon2 at each login: a sample of learners).
    sample = rng.sample(range(args.learners), 40)
    tokens = [nodes[i % 2].token(f"l{i}@scale.example", PASSWORD) for i in sample]
    for n, token in enumerate(tokens):
        nodes[n % 2].call("GET", "/v1/me/progress", token=token)  # tracked from now on

    # The pathway: registered on A, its back-fill job followed on B.
    issuer = a.token("i@scale.example", PASSWORD)
    started = time.perf_counter()
    created = a.call("POST", f"/v1/orgs/{org}/pathways", {
        "key": "scale", "name": "Scale Award", "award": award, "issuance": "automatic",
        "requirement": {"type": "count", "min": 1, "where": {"achievement": marker}}}, issuer)
    job_path = created["job"]["url"].removeprefix(public_url)
    latencies = {"progress": [], "me": []}
    stop = threading.Event()

    def reader(worker):
        r = random.Random(worker)
        while not stop.is_set():
            node = nodes[r.randrange(2)]
            token = r.choice(tokens)
            for kind, path in (("progress", "/v1/me/progress"), ("me", "/v1/me")):
                t0 = time.perf_counter()
                node.call("GET", path, token=token)
                latencies[kind].append((time.perf_counter() - t0) * 1000)

    pool = [threading.Thread(target=reader, args=(w,)) for w in range(args.readers)]
    for t in pool:
        t.start()
    job = None
    while True:
        job = b.call("GET", job_path, token=issuer)
        if job["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    elapsed = time.perf_counter() - started
    stop.set()
    for t in pool:
        t.join()
    done = job.get("learners_done", 0)
    print(f"job: {job['state']}, {done} learners in {elapsed:.1f} s = {done / elapsed:.0f} learners/s, "
          f"{job.get('awards_issued')} awards = {job.get('awards_issued', 0) / elapsed:.0f} awards/s, errors: {job.get('errors')}")
    for kind, values in latencies.items():
        print(f"during the job, GET /v1/me{'/progress' if kind == 'progress' else ''}: {len(values)} requests, "
              f"p50 {percentile(values, 50):.1f} ms, p99 {percentile(values, 99):.1f} ms (both nodes, {args.readers} clients)")
    awards = int(psql(f"SELECT count(*) FROM awards WHERE pathway_id = '{created['id']}'"))
    distinct = int(psql(f"SELECT count(DISTINCT learner_id) FROM awards WHERE pathway_id = '{created['id']}'"))
    print(f"awards in the database: {awards} for {distinct} learners (expected {len(holders)}, one each)")
    assert awards == distinct == len(holders), (awards, distinct, len(holders))
finally:
    for s in servers:
        s.terminate()
    for s in servers:
        try:
            s.wait(timeout=10)
        except subprocess.TimeoutExpired:
            s.kill()
    subprocess.run(["psql", f"{server}/postgres", "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], capture_output=True)
