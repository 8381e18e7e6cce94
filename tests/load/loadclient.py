"""What the load scripts share: JSON calls to a running Cairn, waiting for it
to answer, and the usual starting point (an institution with an issuer and
one learner)."""
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@bench.example", "bench-admin-password"


class Client:
    def __init__(self, base, timeout=120):
        self.base = base
        self.timeout = timeout

    def call(self, method, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read())

    def wait_healthy(self, attempts=300):
        for _ in range(attempts):
            try:
                urllib.request.urlopen(self.base + "/health", timeout=1)
                return
            except OSError:
                time.sleep(0.1)

    def token(self, email, password):
        return self.call("POST", "/v1/auth/token", {"email": email, "password": password})["access_token"]

    def institution(self, admin_email, admin_password, domain, password):
        """An institution with issuer i@DOMAIN and learner l@DOMAIN;
        returns (org id, issuer token, learner id)."""
        admin = self.token(admin_email, admin_password)
        org = self.call("POST", "/v1/orgs", {"name": f"{domain} University", "kind": "institution"}, admin)["id"]
        self.call("POST", f"/v1/orgs/{org}/members",
                  {"email": f"i@{domain}", "password": password, "name": "I", "role": "issuer"}, admin)
        issuer = self.token(f"i@{domain}", password)
        learner = self.call("POST", "/v1/auth/register", {"email": f"l@{domain}", "password": password, "name": "L"})["id"]
        return org, issuer, learner


def serve(binary, timeout=300):
    """`binary serve` on a free loopback port and a fresh data directory
    (SQLite), with the bench administrator; returns (process, port, client)
    once it answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    work = tempfile.mkdtemp(prefix="cairn-bench-")
    env = dict(os.environ, CAIRN_ADMIN_EMAIL=ADMIN_EMAIL, CAIRN_ADMIN_PASSWORD=ADMIN_PASSWORD, CAIRN_LOG="warn")
    env.pop("CAIRN_DATABASE_URL", None)
    server = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{port}", "--data-dir", work], env=env)
    client = Client(f"http://127.0.0.1:{port}", timeout=timeout)
    client.wait_healthy()
    return server, port, client


def pathway_requirement(p, micro):
    """The requirement of synthetic pathway `p` over the 60 micro-credentials
    `micro` (tagged `track-0` to `track-5`): four shapes in turn, a windowed
    count, a credit sum over chosen achievements, `all` with a nested
    `at_least`, and `any` of a count and a credit sum."""
    shape = p % 4
    picks = [micro[(p * 7 + k) % len(micro)] for k in range(6)]
    if shape == 0:
        return {"type": "count", "min": 3, "where": {"tags": [f"track-{p % 6}"]}, "within": "P3Y"}
    if shape == 1:
        return {"type": "credits", "min": "8", "unit": "ECTS", "where": {"achievements": picks}}
    if shape == 2:
        return {"type": "all", "of": [
            {"type": "count", "min": 1, "where": {"achievement": picks[0]}},
            {"type": "at_least", "min": 2, "of": [{"type": "count", "min": 1, "where": {"achievement": a}} for a in picks[1:5]]},
            {"type": "count", "min": 2, "where": {"tags": [f"track-{(p + 1) % 6}"]}}]}
    return {"type": "any", "of": [
        {"type": "count", "min": 4, "where": {"achievement_type": "MicroCredential", "tags": [f"track-{p % 6}"]}},
        {"type": "credits", "min": "10", "unit": "ECTS", "where": {"tags": [f"track-{(p + 2) % 6}"]}}]}
