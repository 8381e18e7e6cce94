"""Verifies webhook deliveries captured by tests/e2e/webhooks.rs with the
Standard Webhooks reference library (`standardwebhooks` from PyPI), an
implementation independent of the service's.

stdin: {"secret": "whsec_...", "deliveries": [{"headers": {...}, "body": "..."}]}
Each delivery must verify, and the same delivery with its body changed
must not. Exit status 0 when all hold; prints one line per delivery.
"""

import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main() -> int:
    request = json.load(sys.stdin)
    hook = Webhook(request["secret"])
    failures = 0
    for delivery in request["deliveries"]:
        headers = delivery["headers"]
        body = delivery["body"]
        try:
            payload = hook.verify(body, headers)
            print(f"verified {headers['webhook-id']} {payload['type']}")
        except WebhookVerificationError as error:
            failures += 1
            print(f"NOT verified {headers.get('webhook-id')}: {error}")
        try:
            hook.verify(body + " ", headers)
            failures += 1
            print(f"a changed body verified for {headers.get('webhook-id')}")
        except WebhookVerificationError:
            pass
    return 1 if failures or not request["deliveries"] else 0


if __name__ == "__main__":
    sys.exit(main())
