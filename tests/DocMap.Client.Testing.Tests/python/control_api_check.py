#!/usr/bin/env python3
"""Drives a DocMap emulator through its control API with Python's standard library only.

Usage:
    python3 control_api_check.py [BASE_URL [API_KEY]]
    DOCMAP_BASE_URL=http://127.0.0.1:PORT/ DOCMAP_API_KEY=dm_test_... python3 control_api_check.py

What it does: starts its own receiver on 127.0.0.1 (http.server) that verifies each delivery's HMAC-SHA256 signature
itself, with the signature scheme the emulator reports (GET /_emulator); registers that receiver through
POST /_emulator/webhooks with a secret it chose; triggers an event; checks that the delivery arrived, verified and
appears in the delivery log with the exact payload; injects a fault and sees the next API call fail with it; checks
401 without the key; resets and sees the state cleared. Exit code 0 on success, 1 with a message on stderr otherwise,
2 when the arguments are wrong. Every network call has a timeout; nothing runs longer than about a minute.
"""

import hashlib
import hmac
import http.server
import json
import os
import secrets
import sys
import threading
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 30


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


class Emulator:
    def __init__(self, base_url, api_key):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.api_key = api_key

    def call(self, method, path, body=None, key=True):
        """Returns (status, parsed JSON body or None, headers). Never raises for an HTTP error status."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.base_url + path.lstrip("/"), data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if key:
            request.add_header("Authorization", "Bearer " + self.api_key)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return response.status, _parse(response.read()), response.headers
        except urllib.error.HTTPError as error:
            with error:
                return error.code, _parse(error.read()), error.headers

    def data(self, method, path, body=None):
        status, parsed, _ = self.call(method, path, body)
        expect(status == 200, f"{method} {path} answered {status}: {parsed}")
        expect(isinstance(parsed, dict) and "data" in parsed, f"{method} {path}: no data envelope: {parsed}")
        return parsed["data"]


def _parse(raw):
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return {"unparsed": raw[:200].decode("utf-8", "replace")}


class Receiver:
    """A loopback HTTP receiver that verifies each delivery's signature with the given scheme."""

    def __init__(self, secret, header_name, key_derivation, prefix):
        self.secret = secret
        self.header_name = header_name
        self.key = secret.encode("utf-8") if key_derivation == "utf8Text" else bytes.fromhex(secret)
        self.prefix = prefix
        self.deliveries = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 1024 * 1024))
                signature = self.headers.get(receiver.header_name) or ""
                verified = receiver.verify(body, signature)
                receiver.deliveries.append({"path": self.path, "body": body, "signature": signature, "verified": verified})
                self.send_response(200 if verified else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.arrived.set()

            def log_message(self, format, *args):  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = TIMEOUT_SECONDS
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/docmap"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verify(self, body, signature):
        if self.prefix and not signature.startswith(self.prefix):
            return False
        presented = signature[len(self.prefix):]
        expected = hmac.new(self.key, body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(presented.lower(), expected)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(TIMEOUT_SECONDS)


def run(base_url, api_key):
    emulator = Emulator(base_url, api_key)

    # 0. It is an emulator (the real API answers 404 or 401 here), and how it signs.
    info = emulator.data("GET", "_emulator")
    expect(info.get("name") == "docmap-emulator", f"GET /_emulator: not an emulator: {info}")
    signature = info["signature"]
    expect(signature["keyDerivation"] in ("utf8Text", "hexBytes"), f"unknown key derivation {signature}")
    expect(signature["prefix"] in ("", "sha256="), f"unknown prefix {signature}")
    print(f"emulator {info['version']} at {info['url']}, signing {signature}")

    # 1. Without the key: 401 UNAUTHORIZED in DocMap's error envelope.
    status, body, _ = emulator.call("GET", "_emulator/deliveries", key=False)
    expect(status == 401 and body["error"]["code"] == "UNAUTHORIZED", f"no key: {status} {body}")

    emulator.data("POST", "_emulator/reset")
    secret = secrets.token_hex(32)  # 64 hex characters, chosen here
    with Receiver(secret, signature["headerName"], signature["keyDerivation"], signature["prefix"]) as receiver:
        # 2. Register the receiver with our secret.
        created = emulator.data("POST", "_emulator/webhooks", {"url": receiver.url, "events": ["extraction.completed"], "secret": secret})
        expect(created["secret"] == secret, "the emulator did not keep the chosen secret")
        webhook_id = created["webhook"]["id"]
        listed = emulator.data("GET", "v1/webhooks")
        expect([w["id"] for w in listed] == [webhook_id], f"GET /v1/webhooks: {listed}")
        expect(secret not in json.dumps(listed), "GET /v1/webhooks shows a secret")

        # 3. Trigger: the answer comes after the attempt; our receiver verified the signature itself.
        extraction_id = "ext_python_" + secrets.token_hex(4)
        triggered = emulator.data("POST", "_emulator/trigger", {
            "event": "extraction.completed",
            "extractionId": extraction_id,
            "data": {"templateName": "Invoice", "extractedData": {"total": 12.5}},
        })
        expect(receiver.arrived.wait(TIMEOUT_SECONDS), "no delivery reached the receiver")
        expect(len(receiver.deliveries) == 1, f"{len(receiver.deliveries)} deliveries arrived, expected 1")
        arrived = receiver.deliveries[0]
        expect(arrived["verified"], f"the delivery's signature did not verify: {arrived['signature']!r}")
        sent = json.loads(arrived["body"])
        expect(sent["event"] == "extraction.completed" and sent["extractionId"] == extraction_id, f"body: {sent}")
        expect(sent["data"]["id"] == extraction_id and sent["data"]["extractedData"]["total"] == 12.5, f"data: {sent['data']}")
        [delivery] = triggered["deliveries"]
        expect(delivery["status"] == "success" and delivery["httpStatus"] == 200, f"trigger answer: {delivery}")

        # 4. The delivery log, both views.
        [logged] = emulator.data("GET", "_emulator/deliveries?limit=10")
        expect(logged["id"] == delivery["id"] and logged["webhookId"] == webhook_id, f"delivery log: {logged}")
        expect(logged["payload"].encode("utf-8") == arrived["body"] and logged["payloadTruncated"] is False,
               "the logged payload is not the body that was sent")
        [api_logged] = emulator.data("GET", f"v1/webhooks/deliveries?webhookId={webhook_id}")
        expect(api_logged["id"] == delivery["id"] and api_logged["status"] == "success", f"/v1 delivery log: {api_logged}")

        # 5. A fault: the next listWebhooks answers 503, then the API recovers.
        fault = emulator.data("POST", "_emulator/faults", {"endpoint": "listWebhooks", "count": 1, "status": 503, "retryAfterSeconds": 7})
        expect(fault == {"endpoint": "listWebhooks", "remaining": 1}, f"fault answer: {fault}")
        status, body, headers = emulator.call("GET", "v1/webhooks")
        expect(status == 503 and body["error"]["code"] == "INTERNAL_ERROR", f"faulted call: {status} {body}")
        expect(headers.get("Retry-After") == "7", f"Retry-After: {headers.get('Retry-After')}")
        status, _, _ = emulator.call("GET", "v1/webhooks")
        expect(status == 200, f"after the fault: {status}")

        # 6. Bad input is a 400 VALIDATION_ERROR, an unknown call a 404.
        status, body, _ = emulator.call("POST", "_emulator/faults", {"endpoint": "nope", "count": 1, "status": 503})
        expect(status == 400 and body["error"]["code"] == "VALIDATION_ERROR", f"bad fault: {status} {body}")
        status, body, _ = emulator.call("GET", "_emulator/nothing-here")
        expect(status == 404 and body["error"]["code"] == "NOT_FOUND", f"unknown call: {status} {body}")

        # 7. The request log has the API calls (never headers), newest first.
        requests = emulator.data("GET", "_emulator/requests?limit=1000")
        expect(requests and requests[0]["path"] == "/v1/webhooks" and requests[0]["statusCode"] == 200, f"request log: {requests[:2]}")
        expect(api_key not in json.dumps(requests), "the request log contains the API key")

        # 8. Reset: nothing left, the key still works.
        expect(emulator.data("POST", "_emulator/reset") == {"reset": True}, "reset answer")
        expect(emulator.data("GET", "v1/webhooks") == [], "webhooks after reset")
        expect(emulator.data("GET", "_emulator/deliveries") == [], "deliveries after reset")
        expect(len(emulator.data("GET", "_emulator/requests")) == 1, "request log after reset (only the GET just made)")

    print("control API check: OK")


def main(argv):
    base_url = argv[1] if len(argv) > 1 else os.environ.get("DOCMAP_BASE_URL")
    api_key = argv[2] if len(argv) > 2 else os.environ.get("DOCMAP_API_KEY")
    if not base_url or not api_key or len(argv) > 3:
        print("usage: control_api_check.py [BASE_URL [API_KEY]] (or DOCMAP_BASE_URL and DOCMAP_API_KEY)", file=sys.stderr)
        return 2
    try:
        run(base_url, api_key)
        return 0
    except CheckFailed as failure:
        print(f"control API check FAILED: {failure}", file=sys.stderr)
        return 1
    except (OSError, KeyError, ValueError, TypeError) as error:
        print(f"control API check FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
