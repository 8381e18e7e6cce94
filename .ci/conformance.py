#!/usr/bin/env python3
"""Schema conformance in CI: start the real service, issue credentials through
its API, and check them with the independent checker in ../shared/tools
(the official 1EdTech JSON Schemas, and PyJWT against the service's JWKS).

Usage: conformance.py CAIRN_BINARY SHARED_DIR
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

binary, shared = sys.argv[1], sys.argv[2]
port = socket.socket()
port.bind(("127.0.0.1", 0))
port_number = port.getsockname()[1]
port.close()
base = f"http://127.0.0.1:{port_number}"
work = tempfile.mkdtemp(prefix="cairn-conformance-")
env = dict(os.environ, CAIRN_ADMIN_EMAIL="admin@conformance.example", CAIRN_ADMIN_PASSWORD="conformance-admin-password",
           CAIRN_LOG="warn")
env.pop("CAIRN_DATABASE_URL", None)
server = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{port_number}", "--data-dir", work], env=env)


def call(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        sys.exit(f"{method} {path} failed: {error.code} {error.read().decode()}")


try:
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    token = lambda email, password: call("POST", "/v1/auth/token", {"email": email, "password": password})["access_token"]
    admin = token("admin@conformance.example", "conformance-admin-password")
    org = call("POST", "/v1/orgs", {"name": "Conformance University", "kind": "institution", "url": "https://conformance.example"}, admin)["id"]
    call("POST", f"/v1/orgs/{org}/members", {"email": "issuer@conformance.example", "password": "conformance-password",
                                            "name": "Issuer", "role": "issuer"}, admin)
    issuer = token("issuer@conformance.example", "conformance-password")
    learner = call("POST", "/v1/auth/register", {"email": "learner@conformance.example", "password": "conformance-password", "name": "L"})["id"]
    full = call("POST", f"/v1/orgs/{org}/achievements", {
        "name": "Data Visualisation", "description": "Charts for analysts.",
        "criteria": {"narrative": "Four assignments and a capstone.", "id": "https://conformance.example/criteria"},
        "achievementType": "MicroCredential", "level": "advanced", "credits": {"amount": "2.5", "unit": "ECTS"},
        "validity": "P2Y", "issuingMessage": "Well done", "image": "https://conformance.example/badge.png",
        "tags": ["data"], "inLanguage": "en",
        "alignments": [{"targetName": "Data visualisation", "targetUrl": "https://skills.example/dv", "targetCode": "DV-1",
                        "targetFramework": "Example Skills", "targetType": "CFItem"}]}, issuer)["id"]
    plain = call("POST", f"/v1/orgs/{org}/achievements", {"name": "Award", "description": "An award.",
                                                          "criteria": {"narrative": "Earn three."}, "achievementType": "Award"}, issuer)["id"]
    extension = call("POST", f"/v1/orgs/{org}/achievements", {"name": "I can", "description": "K-12 skill.",
                                                              "criteria": {"narrative": "Show it."}, "achievementType": "ext:ICan"}, issuer)["id"]
    issued = [
        call("POST", f"/v1/orgs/{org}/credentials", {"achievement": full, "recipient": {"learner": learner},
             "awarded_at": "2024-05-01T12:00:00Z", "credits_earned": {"amount": "2", "unit": "ECTS"},
             "evidence": [{"id": "https://conformance.example/work/1", "name": "Capstone", "narrative": "A dashboard."}]}, issuer),
        call("POST", f"/v1/orgs/{org}/credentials", {"achievement": plain, "recipient": {"email": "someone@conformance.example"}}, issuer),
        call("POST", f"/v1/orgs/{org}/credentials", {"achievement": extension, "recipient": {"learner": learner}}, issuer),
    ]
    # A pathway the learner completes, so the CLR carries an award and its associations.
    award = call("POST", f"/v1/orgs/{org}/achievements", {"name": "Data Award", "description": "Two data badges.",
                                                          "criteria": {"narrative": "Earn two."}, "achievementType": "Award"}, issuer)["id"]
    call("POST", f"/v1/orgs/{org}/pathways", {"key": "data", "name": "Data Award", "award": award, "requirement": {
        "type": "all", "of": [{"type": "count", "min": 1, "where": {"achievement": full}},
                              {"type": "count", "min": 1, "where": {"achievement": extension}}]}}, issuer)
    # The first `full` credential has expired (P2Y from 2024); a fresh one completes the pathway.
    call("POST", f"/v1/orgs/{org}/credentials", {"achievement": full, "recipient": {"learner": learner}}, issuer)
    learner_token = token("learner@conformance.example", "conformance-password")
    # An attested employment record, so the CLR also lists an employment achievement.
    employer_org = call("POST", "/v1/orgs", {"name": "Conformance Employer", "kind": "employer"}, admin)["id"]
    call("POST", f"/v1/orgs/{employer_org}/members", {"email": "hr@conformance.example", "password": "conformance-password",
                                                     "name": "HR", "role": "employer"}, admin)
    employer = token("hr@conformance.example", "conformance-password")
    job = call("POST", "/v1/me/employment", {"employer_name": "Conformance Employer", "employer_org": employer_org,
                                             "title": "Analyst", "start_date": "2024-01-01", "skills": ["DV-1"]}, learner_token)
    attestation = call("POST", f"/v1/employment/{job['id']}/attest", {}, employer)["attestation"]["jwt"]
    clr = call("GET", "/v1/me/clr", token=learner_token)
    assert clr["credentialSubject"]["achievement"][0]["achievementType"] == "ext:Employment", clr["credentialSubject"]
    assert len(clr["credentialSubject"].get("association", [])) == 2, clr["credentialSubject"].get("association")
    request = urllib.request.Request(base + "/v1/me/clr?format=jwt")
    request.add_header("Authorization", f"Bearer {learner_token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        clr_jwt = response.read().decode()
    # Every credential carries two status entries (revocation and suspension)
    # as a `credentialStatus` array, which VCDM 2.0 admits and the 1EdTech
    # OB 3.0 and CLR 2.0 schemas do not (they type `credentialStatus` as one
    # object). So each document (and each credential a CLR embeds) is
    # validated against the official schema once per entry, with that entry
    # in place of the array: every other field as published, and each entry
    # against the schema's CredentialStatus. The VC-JWTs' signatures are
    # verified with PyJWT below, and their payloads must equal the JSON.
    def status_variant(doc, index):
        if isinstance(doc, dict):
            out = {}
            for key, value in doc.items():
                if key == "credentialStatus" and isinstance(value, list):
                    assert [e["statusPurpose"] for e in value] == ["revocation", "suspension"], value
                    assert len({e["id"] for e in value}) == 2, value
                    out[key] = value[index]
                else:
                    out[key] = status_variant(value, index)
            return out
        if isinstance(doc, list):
            return [status_variant(item, index) for item in doc]
        return doc

    files = []
    documents = [("clr", clr)] + [(f"credential-{n}", credential["ob3"]) for n, credential in enumerate(issued)]
    for name, doc in documents:
        for index, purpose in enumerate(("revocation", "suspension")):
            path = os.path.join(work, f"{name}-{purpose}.json")
            with open(path, "w") as handle:
                handle.write(json.dumps(status_variant(doc, index), indent=2))
            files.append(path)
    jwts = [["clr", clr_jwt, base + "/.well-known/jwks.json"]]
    jwts += [[f"credential-{n}", credential["jwt"], f"{base}/v1/issuers/{org}/jwks"] for n, credential in enumerate(issued)]
    checker = os.path.join(shared, "tools", "check-credential")
    result = subprocess.run([checker, "--jwks", base + "/.well-known/jwks.json", *files])
    print(f"{len(files)} files checked against the official schemas, exit {result.returncode}")
    if result.returncode != 0:
        sys.exit(result.returncode)

    # A share's presentation and an employment attestation, verified with the
    # checker's own JOSE code (PyJWT, in the virtualenv check-credential made).
    share = call("POST", "/v1/me/shares", {"all": True, "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))},
                 learner_token)
    shared_record = call("GET", share["url"][len(base):])
    venv_python = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "cairn-check-venv", "bin", "python")
    verify_script = '''
import json, sys
sys.path.insert(0, sys.argv[1])
from check_credential import load_jwks, verify_jwt
checks = json.load(sys.stdin)
for name, token, jwks_url in checks:
    payload = verify_jwt(token, load_jwks(jwks_url))
    print(json.dumps({"name": name, "payload": payload}))
'''
    # Status list credentials, served secured (a VC-JWT) by default.
    for entry in issued[0]["ob3"]["credentialStatus"]:
        with urllib.request.urlopen(entry["statusListCredential"], timeout=30) as response:
            assert response.headers.get_content_type() == "application/vc+jwt", response.headers
            jwts.append([f"status-list-{entry['statusPurpose']}", response.read().decode(), f"{base}/v1/issuers/{org}/jwks"])
    checks = [
        ["presentation", shared_record["presentation"], base + "/.well-known/jwks.json"],
        ["attestation", attestation, f"{base}/v1/issuers/{employer_org}/jwks"],
        *jwts,
    ]
    verified = subprocess.run([venv_python, "-c", verify_script, os.path.join(shared, "tools")],
                              input=json.dumps(checks), capture_output=True, text=True)
    if verified.returncode != 0:
        sys.exit(f"FAIL independent JWS verification: {verified.stderr}")
    payloads = {entry["name"]: entry["payload"] for entry in map(json.loads, verified.stdout.splitlines())}
    jwt_claims = ("iss", "sub", "jti", "nbf", "exp", "iat")
    # The JSON carries the embedded Data Integrity proof besides; the JWT
    # payload is the same credential without it.
    for name, doc in documents[1:]:
        assert {k: v for k, v in payloads[name].items() if k not in jwt_claims} == {k: v for k, v in doc.items() if k != "proof"}, name
    # The CLR is rendered anew per request (its own id and time): same shape.
    assert payloads["clr"]["type"] == clr["type"], payloads["clr"]["type"]
    for index in (0, 1):
        path = os.path.join(work, f"clr-jwt-{index}.json")
        with open(path, "w") as handle:
            handle.write(json.dumps(status_variant({k: v for k, v in payloads["clr"].items() if k not in jwt_claims}, index)))
        if subprocess.run([checker, path]).returncode != 0:
            sys.exit("FAIL the CLR VC-JWT payload against the CLR 2.0 schema")
    for purpose in ("revocation", "suspension"):
        assert payloads[f"status-list-{purpose}"]["credentialSubject"]["statusPurpose"] == purpose
    # VC-JOSE-COSE: the payload is the VerifiablePresentation itself, its
    # credentials enveloped as data: URLs of their VC-JWTs.
    presentation = payloads["presentation"]
    assert presentation["type"] == ["VerifiablePresentation"], presentation
    enclosed = presentation["verifiableCredential"]
    assert all(e["type"] == "EnvelopedVerifiableCredential" and e["id"].startswith("data:application/vc+jwt,") for e in enclosed), enclosed
    assert len(enclosed) == len(shared_record["credentials"]), (len(enclosed), len(shared_record["credentials"]))
    header = json.loads(__import__("base64").urlsafe_b64decode(shared_record["presentation"].split(".")[0] + "=="))
    assert header["typ"] == "vp+jwt", header
    assert payloads["attestation"]["employment"]["title"] == "Analyst"
    print(f"PASS share presentation ({len(enclosed)} VC-JWTs enclosed), {len(jwts)} credential and status list VC-JWTs "
          "and the employment attestation verified with PyJWT")
    sys.exit(0)
finally:
    server.terminate()
    server.wait(timeout=10)
