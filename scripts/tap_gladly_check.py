#!/usr/bin/env python3
"""Runs the real Gladly client tap-gladly (PyPI, 0.4.1) unchanged against a seeded
Hearth and checks that it emits exactly the records that were seeded.

Usage: scripts/tap_gladly_check.py HEARTH_BINARY TAP_GLADLY_BINARY
Starts `hearth serve` on a free loopback port with a fresh data directory, seeds
contacts on every channel plus notes, topics, a status change and a customer
activity, starts an export job, runs the tap, and compares record counts per stream.
"""
import base64
import collections
import datetime
import json
import subprocess
import sys
import tempfile
import urllib.request


def main() -> int:
    hearth, tap = sys.argv[1], sys.argv[2]
    data = tempfile.mkdtemp(prefix="hearth-tap-")
    server = subprocess.Popen([hearth, "serve", "--data-dir", data, "--listen", "127.0.0.1:0", "--smtp-listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        banner = []
        for line in server.stdout:
            banner.append(line.strip())
            if line.startswith("API token for "):
                break
        base = banner[0].split("running at ")[1].rstrip("/") + "/api/v1"
        token = banner[-1].rsplit(" ", 1)[1]
        auth = "Basic " + base64.b64encode(f"admin@example.com:{token}".encode()).decode()

        def call(method, path, body=None):
            req = urllib.request.Request(base + path, method=method, headers={"Authorization": auth, "Content-Type": "application/json"},
                                         data=None if body is None else json.dumps(body).encode())
            with urllib.request.urlopen(req) as resp:
                text = resp.read().decode()
                return json.loads(text) if text.strip() else None

        start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
        seeded = [
            {"channel": "EMAIL", "entryPoint": "support@example.com", "from": {"address": "ann@example.com"}, "content": {"subject": "Hi", "content": "Order?"}},
            {"channel": "CHAT", "entryPoint": "chat", "from": {"address": "visitor-1"}, "sessionId": "s1", "content": {"content": "hello"}},
            {"channel": "SMS", "entryPoint": "+12065550100", "from": {"address": "+12065550111"}, "content": {"content": "text"}},
            {"channel": "VOICEMAIL", "entryPoint": "+12065550100", "from": {"address": "+12065550122"}, "content": {"recordingDuration": 12}},
            {"channel": "PHONE_CALL", "entryPoint": "+12065550100", "from": {"address": "+12065550133"}},
            {"channel": "WHATSAPP", "entryPoint": "+12065550100", "from": {"address": "+12065550144"}, "content": {"content": "ola"}},
            {"channel": "FACEBOOK_MESSAGE", "entryPoint": "support", "from": {"address": "fb-1"}, "content": {"content": "hey"}},
            {"channel": "INSTAGRAM_DIRECT", "entryPoint": "support", "from": {"address": "ig-1"}, "content": {"content": "hey"}},
        ]
        created = [call("POST", "/contacts/inbound", body) for body in seeded]
        email = created[0]["conversationId"]
        topic = call("GET", "/topics")[0]["id"]
        call("POST", f"/conversations/{email}/topics", {"topicIds": [topic]})
        call("POST", f"/conversations/{email}/notes", {"content": {"body": "internal note"}})
        call("PATCH", f"/conversations/{email}", {"status": {"value": "CLOSED", "force": True}})
        call("POST", "/conversation-items", {"customer": {"emailAddress": "ann@example.com"},
                                               "content": {"type": "CUSTOMER_ACTIVITY", "activityType": "EMAIL", "title": "Order shipped"}})
        job = call("POST", "/export/jobs", {"startAt": start.isoformat()})
        assert job["status"] == "COMPLETED", job

        # What the export holds, read over the API: the tap must emit exactly this.
        req = urllib.request.Request(f"{base}/export/jobs/{job['id']}/files/conversation_items.jsonl", headers={"Authorization": auth})
        with urllib.request.urlopen(req) as resp:
            items = [json.loads(l) for l in resp.read().decode().splitlines()]
        by_type = collections.Counter(i["content"]["type"].lower() for i in items)

        config = {"username": "admin@example.com", "password": token, "api_url_base": base,
                  "start_date": (start - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "end_date": (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(config, f)
        run = subprocess.run([tap, "--config", f.name], capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            print(run.stderr[-4000:])
            print(f"tap-gladly exited {run.returncode}")
            return 1
        records = collections.Counter(json.loads(l)["stream"] for l in run.stdout.splitlines() if '"type": "RECORD"' in l)
        expected = {"jobs": 1, "topics": len(call("GET", "/topics")), "conversation_all_types": len(items)}
        streams = {"chat_message": "conversation_chat_message", "conversation_note": "conversation_conversation_note",
                   "topic_change": "conversation_topic_change", "sms": "conversation_sms",
                   "conversation_status_change": "conversation_conversation_status_change", "phone_call": "conversation_phone_call",
                   "voicemail": "conversation_voicemail", "customer_activity": "conversation_customer_activity",
                   "facebook_message": "conversation_facebook_message", "instagram_direct": "conversation_instagram_direct",
                   "whatsapp": "conversation_whatsapp", "email": "conversation_email"}
        report_rows = records.get("reports__conversation_timestamps_report", 0)
        failures = []
        for stream, count in expected.items():
            if records.get(stream, 0) != count:
                failures.append(f"{stream}: tap emitted {records.get(stream, 0)}, expected {count}")
        for kind, count in by_type.items():
            stream = next((s for s in records if s.endswith(kind) and s.startswith("conversation")), streams.get(kind))
            if records.get(stream, 0) != count:
                failures.append(f"{stream}: tap emitted {records.get(stream, 0)}, expected {count}")
        if report_rows < 1:
            failures.append("the ConversationTimestampsReport stream is empty")
        print("tap-gladly records per stream:", dict(sorted(records.items())))
        print("seeded items per type:", dict(sorted(by_type.items())))
        if failures:
            print("\n".join(failures))
            return 1
        print(f"tap-gladly: {sum(records.values())} records, every stream as seeded")
        return 0
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
