#!/usr/bin/env python3
"""The institution's daily work at scale, on SQLite, against a release
binary on loopback: CSV issuing beside the JSON batch of the same rows, and
the issued list (first page, each filter, deep pages, text search) beside a
request that does no work (`/health`), over an institution that has issued
SEED credentials. Then a bulk revocation of 500.

Usage: cargo build --release -p cairn-api && python3 tests/load/console.py [target/release/cairn] [SEED]
Prints one line per scenario; the figures are recorded in BENCHMARKS.md.
Latencies are the median and 95th percentile of REPEAT sequential requests
over one kept-alive connection.
"""
import http.client
import json
import statistics
import sys
import time

from loadclient import ADMIN_EMAIL, ADMIN_PASSWORD, serve

ROWS = 1000
REPEAT = 50
BULK = 500


class Connection:
    """One kept-alive connection with the issuer's token."""

    def __init__(self, port, token):
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def send(self, method, path, body=None, content_type="application/json"):
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = content_type
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data) if data else None


def timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def latency(conn, path, method="GET"):
    """Median and p95 in ms of REPEAT requests, and the last answer."""
    samples, answer = [], None
    for _ in range(REPEAT):
        elapsed, answer = timed(lambda: conn.send(method, path))
        samples.append(elapsed * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], answer


def csv_rows(achievement, start, bad=()):
    """ROWS rows to distinct addresses; the rows numbered in `bad` name an
    address that is not one."""
    lines = ["email;name;achievement;awarded_at"]
    for i in range(ROWS):
        email = f"csv{start + i}@bench.example" if i not in bad else f"not-an-address-{i}"
        lines.append(f"{email};Learner {start + i};{achievement};2026-06-01T00:00:00Z")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def run(binary, seed):
    server, port, client = serve(binary, timeout=600)
    print(f"== {binary}, {seed} credentials issued before the list is read")
    try:
        org, issuer, _learner = client.institution(ADMIN_EMAIL, ADMIN_PASSWORD, "bench.example", "bench-password")
        achievements = [client.call("POST", f"/v1/orgs/{org}/achievements", {
            "name": f"Bench badge {k}", "description": "d", "criteria": {"narrative": "n"},
            "achievementType": "MicroCredential"}, issuer)["id"] for k in range(4)]
        conn = Connection(port, issuer)
        single = f"/v1/orgs/{org}/credentials"

        # The seed: JSON batches of 1,000 to distinct addresses, four achievements.
        started = time.perf_counter()
        for start in range(0, seed, ROWS):
            items = [{"achievement": achievements[(start + i) % 4], "recipient": {"email": f"seed{start + i}@bench.example"}}
                     for i in range(min(ROWS, seed - start))]
            result = conn.send("POST", f"{single}/batch", {"items": items})
            assert result["failed"] == 0, result["failed"]
        elapsed = time.perf_counter() - started
        print(f"seed: {seed} credentials by JSON batches of {ROWS} in {elapsed:.1f} s = {seed / elapsed:.0f}/s")

        # CSV beside JSON: the same 1,000 rows (3 of them bad in the CSV).
        bad = {10, 500, 990}
        items = [{"achievement": achievements[0], "recipient": {"email": f"json{i}@bench.example"},
                  "awarded_at": "2026-06-01T00:00:00Z"} for i in range(ROWS)]
        elapsed, result = timed(lambda: conn.send("POST", f"{single}/batch", {"items": items}))
        assert result["issued"] == ROWS, result["issued"]
        print(f"reference, JSON batch of {ROWS}: {elapsed:.2f} s = {ROWS / elapsed:.0f} rows/s")
        body = csv_rows(achievements[0], 0, bad)
        elapsed, result = timed(lambda: conn.send("POST", f"{single}/batch?dry_run=true", body, "text/csv"))
        assert result["issued"] == 0 and result["failed"] == 3, (result["issued"], result["failed"])
        print(f"CSV of {ROWS} (BOM, `;`, 3 bad rows), dry run: {elapsed:.2f} s = {ROWS / elapsed:.0f} rows/s")
        elapsed, result = timed(lambda: conn.send("POST", f"{single}/batch", body, "text/csv"))
        assert result["issued"] == ROWS - 3 and result["failed"] == 3, (result["issued"], result["failed"])
        print(f"CSV of {ROWS} (BOM, `;`, 3 bad rows), issued: {elapsed:.2f} s = {ROWS / elapsed:.0f} rows/s")
        items = [dict(item, recipient={"email": f"again{i}@bench.example"}) for i, item in enumerate(items)]
        elapsed, result = timed(lambda: conn.send("POST", f"{single}/batch", {"items": items}))
        assert result["issued"] == ROWS, result["issued"]
        print(f"reference again, JSON batch of {ROWS}: {elapsed:.2f} s = {ROWS / elapsed:.0f} rows/s")

        # The issued list.
        median, p95, _ = latency(conn, "/health")
        print(f"reference, GET /health: median {median:.2f} ms, p95 {p95:.2f} ms")
        scenarios = [
            ("first page (50), no filter", "limit=50"),
            ("first page (50), by achievement", f"limit=50&achievement={achievements[1]}"),
            ("by e-mail (exact)", f"email=seed{seed // 2}%40bench.example"),
            ("text search, one match", f"q=seed{seed // 2 + 7}%40"),
            ("text search, no match", "q=nobody-at-all"),
            ("status revoked (none yet)", "status=revoked"),
            ("issued in a range that holds none", "issued_before=2000-01-01T00:00:00Z"),
        ]
        for label, query in scenarios:
            median, p95, answer = latency(conn, f"{single}?{query}")
            print(f"list, {label}: median {median:.2f} ms, p95 {p95:.2f} ms ({len(answer['items'])} items)")

        # Deep pages: walk 40 pages of 50 and time the 40th.
        cursor, samples = None, []
        for _ in range(40):
            path = f"{single}?limit=50" + (f"&cursor={cursor}" if cursor else "")
            elapsed, answer = timed(lambda: conn.send("GET", path))
            samples.append(elapsed * 1000)
            cursor = answer["next_cursor"]
        print(f"list, pages 1-40 of 50 by cursor: page 1 {samples[0]:.2f} ms, page 40 {samples[-1]:.2f} ms, "
              f"mean {statistics.mean(samples):.2f} ms")

        # A bulk revocation of 500 from the list.
        ids, cursor = [], None
        while len(ids) < BULK:
            path = f"{single}?limit=200&achievement={achievements[2]}" + (f"&cursor={cursor}" if cursor else "")
            answer = conn.send("GET", path)
            ids += [item["id"] for item in answer["items"]]
            cursor = answer["next_cursor"]
        ids = ids[:BULK]
        elapsed, result = timed(lambda: conn.send("POST", f"{single}/status",
                                                   {"credentials": ids, "action": "revoke", "reason": "bench"}))
        print(f"bulk revoke of {len(ids)}: {elapsed:.2f} s = {len(ids) / elapsed:.0f}/s")
        median, p95, answer = latency(conn, f"{single}?status=revoked&limit=50")
        print(f"list, status revoked ({BULK} of them): median {median:.2f} ms, p95 {p95:.2f} ms ({len(answer['items'])} items)")
    finally:
        server.terminate()
        server.wait(timeout=10)


args = sys.argv[1:]
binary = args[0] if args else "target/release/cairn"
run(binary, int(args[1]) if len(args) > 1 else 20000)
