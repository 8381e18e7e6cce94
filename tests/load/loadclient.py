"""What the load scripts share: JSON calls to a running Cairn, waiting for it
to answer, and the usual starting point (an institution with an issuer and
one learner)."""
import json
import time
import urllib.request


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
