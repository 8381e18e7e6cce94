#!/usr/bin/env python3
"""Seeds a running Cairn for tests/load/progress.sh: one institution, 60
micro-credentials, 100 pathways of varied shapes, one learner holding 50
credentials. Prints the learner's access token."""
import sys

from loadclient import Client, pathway_requirement

client = Client(sys.argv[1], timeout=300)
call = client.call
client.wait_healthy()
org, issuer, learner = client.institution("admin@load.example", "load-admin-password", "load.example", "load-password")
micro = []
for i in range(60):
    micro.append(call("POST", f"/v1/orgs/{org}/achievements", {
        "name": f"Micro {i}", "description": "d", "criteria": {"narrative": "n"}, "achievementType": "MicroCredential",
        "tags": [f"track-{i % 6}"], "credits": {"amount": str(1 + i % 4), "unit": "ECTS"}}, issuer)["id"])
for p in range(100):
    award = call("POST", f"/v1/orgs/{org}/achievements", {"name": f"Award {p}", "description": "d",
                                                          "criteria": {"narrative": "n"}, "achievementType": "Award"}, issuer)["id"]
    requirement = pathway_requirement(p, micro)
    call("POST", f"/v1/orgs/{org}/pathways", {"key": f"p{p}", "name": f"Pathway {p}", "award": award,
                                              "issuance": "review", "requirement": requirement}, issuer)
items = [{"achievement": micro[i], "recipient": {"learner": learner},
          "awarded_at": f"{2020 + i % 6}-{1 + i % 12:02d}-15T00:00:00Z"} for i in range(50)]
result = call("POST", f"/v1/orgs/{org}/credentials/batch", {"items": items}, issuer)
assert result["issued"] == 50, result
print(client.token("l@load.example", "load-password"))
