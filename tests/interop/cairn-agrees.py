#!/usr/bin/env python3
"""Cairn's verdict on each shared example credential (POST /v1/verify) must
agree with the npm verifiers' (tests/interop/examples-verdicts.json): the
proof verifies for Cairn exactly when it verifies for both of them. Trust in
the issuer is a separate check in Cairn and not compared (the JavaScript
verifiers ran with no issuer registry).

    cairn-agrees.py BASE_URL VERDICTS_JSON EXAMPLE...
"""
import json
import os
import sys
import urllib.request


def main():
    base, verdicts_path, examples = sys.argv[1], sys.argv[2], sys.argv[3:]
    verdicts = json.load(open(verdicts_path))["verdicts"]
    failures = 0
    for path in examples:
        name = os.path.basename(path)
        theirs = verdicts[name]
        js_verified = theirs["digitalbazaar"] == "verified" and theirs["verifier-core"] == "verified"
        body = json.dumps({"credential": json.load(open(path))}).encode()
        request = urllib.request.Request(base + "/v1/verify", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            verdict = json.load(response)
        signature = next((c for c in verdict["checks"] if c["check"] == "signature"), None)
        cairn_verified = signature is not None and signature["result"] == "pass"
        agree = cairn_verified == js_verified
        failures += not agree
        print(json.dumps({"file": name, "cairn_proof_verified": cairn_verified, "npm_verified": js_verified, "agree": agree,
                          "cairn_detail": signature["detail"] if signature else verdict["checks"][0]["detail"]}))
    print(f"cairn-agrees: {len(examples) - failures} of {len(examples)} agree")
    sys.exit(1 if failures else 0)


main()
