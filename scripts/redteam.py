#!/usr/bin/env python3
"""A scripted, bounded red-team run against a live `truce demo`.

Each check is one item of the red-team issue: it prints PASS, FAIL (with a
precise reason) or SKIP (with why), and the run exits non-zero if any check
fails. The crash loop (`crash`) starts `truce serve` on a demo's data
directory, files reports from concurrent submitters, kills the server with
SIGKILL at a random moment, restarts it and checks that every acknowledged
receipt is in the log, then runs `truce audit` and `truce log verify`.

    python3 scripts/redteam.py [--only NAME]... [--list] [--rounds N] [--seed S]

Standard library only. The binary is $TRUCE_BIN (default target/debug/truce).
"""

import argparse
import base64
import csv
import gzip
import hashlib
import http.client
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:  # optional: with it the br export is decompressed and compared too
    import brotli  # type: ignore
except ImportError:  # pragma: no cover
    brotli = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRUCE = os.environ.get("TRUCE_BIN", os.path.join(ROOT, "target", "debug", "truce"))
RUN = "%08x" % random.getrandbits(32)  # makes this run's external ids unique


# --------------------------------------------------------------------------
# Results


class Skip(Exception):
    pass


class Failures:
    """What went wrong in one check; a check passes when it records nothing."""

    def __init__(self):
        self.reasons = []
        self.notes = []

    def fail(self, reason):
        self.reasons.append(reason)

    def expect(self, condition, reason):
        if not condition:
            self.fail(reason)
        return condition

    def note(self, text):
        self.notes.append(text)


# --------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body
        self.elapsed = elapsed

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def field(self):
        doc = self.json()
        return doc.get("field") if isinstance(doc, dict) else None

    def brief(self):
        doc = self.json()
        if 200 <= self.status < 300 and isinstance(doc, dict) and isinstance(doc.get("receipt"), dict):
            return "%s (recorded at log index %s)" % (self.status, doc["receipt"].get("log_index"))
        text = self.body[:300].decode("utf-8", "replace").replace("\n", " ")
        return "%s %s" % (self.status, text)


def request(port, method, path, body=None, token=None, headers=None, timeout=30, retry429=True, raw=False):
    """One request on a fresh connection. A dict or list body is sent as JSON.
    A 429 from the per-user rate limit is waited out and retried (unless
    `retry429` is false). With `raw`, the body is returned as sent (no decoding)."""
    sent = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    if token:
        sent["Authorization"] = "Bearer " + token
    sent.setdefault("Accept-Encoding", "identity")
    for attempt in range(8):
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            data = answer.read()
            response = Response(
                answer.status,
                {k.lower(): v for k, v in answer.getheaders()},
                data,
                time.monotonic() - started,
            )
        finally:
            connection.close()
        if response.status == 429 and retry429 and attempt < 7:
            wait = response.headers.get("retry-after", "1")
            time.sleep(min(float(wait) if wait.replace(".", "").isdigit() else 1.0, 3.0))
            continue
        return response
    return response


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_keys(value, predicate, path="$"):
    """Every (path, value) in a JSON value whose key satisfies `predicate`."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if predicate(key):
                found.append(("%s.%s" % (path, key), item))
            found.extend(find_keys(item, predicate, "%s.%s" % (path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(find_keys(item, predicate, "%s[%d]" % (path, i)))
    return found


def decoded_entry(answer):
    """The receipt's entry of a submission's answer, as JSON (or None)."""
    receipt = (answer or {}).get("receipt") or {}
    entry = receipt.get("entry")
    if not entry:
        return None
    try:
        return json.loads(base64.b64decode(entry))
    except ValueError:
        return None


# --------------------------------------------------------------------------
# The server


class Server:
    """`truce demo` or `truce serve` in its own process group."""

    def __init__(self, args, data, port, log_path):
        self.args = args
        self.data = data
        self.port = port
        self.log_path = log_path
        self.process = None

    def start(self):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [TRUCE] + self.args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
        )
        log.close()

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_ready(self, timeout=180, credentials=False):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited (%s):\n%s" % (self.process.returncode, self.log_tail()))
            if credentials and not os.path.exists(os.path.join(self.data, "demo-credentials.json")):
                time.sleep(0.1)
                continue
            try:
                if request(self.port, "GET", "/readyz", timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the server was not ready within %d s:\n%s" % (timeout, self.log_tail()))

    def panics(self):
        """The lines of its log saying a thread panicked, so far."""
        try:
            with open(self.log_path, "rb") as f:
                return [line.decode("utf-8", "replace").strip() for line in f if b"panicked at" in line]
        except OSError:
            return []

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def kill9(self):
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def help_text(*command):
    return subprocess.run([TRUCE, *command, "--help"], capture_output=True, text=True).stdout


class Demo:
    """A fresh `truce demo` on a free port, with its users."""

    def __init__(self, work, extra_args=()):
        self.data = os.path.join(work, "demo")
        self.port = free_port()
        self.server = Server(
            ["demo", "--data", self.data, "--listen", "127.0.0.1:%d" % self.port, *extra_args],
            self.data,
            self.port,
            os.path.join(work, "demo.log"),
        )

    def start(self):
        started = time.monotonic()
        self.server.start()
        self.server.wait_ready(credentials=True)
        with open(os.path.join(self.data, "demo-credentials.json")) as f:
            self.credentials = json.load(f)
        self.users = {u["name"]: u for u in self.credentials["users"]}
        self.started_in = time.monotonic() - started

    def token(self, name):
        return self.users[name]["token"]

    def user_of(self, role, affiliation=None):
        for user in self.credentials["users"]:
            if user["role"] == role and (affiliation is None or user.get("for") == affiliation):
                return user["name"]
        raise KeyError((role, affiliation))

    def call(self, method, path, body=None, user=None, **kw):
        return request(self.port, method, path, body=body, token=self.token(user) if user else None, **kw)


# --------------------------------------------------------------------------
# Reports

MONITOR = "mvm-monitor"
MEDIATORS = ["qatar-mediator", "turkiye-mediator"]
AFG = "afghanistan-liaison"
PAK = "pakistan-liaison"
OBSERVER = "observer"
PARTY_OF = {AFG: "AFG", PAK: "PAK"}


def report(external_id, user=MONITOR, **fields):
    """A valid report as `user` would file it (a party as itself), in
    December 2026 away from the seeded scenario's incidents (so the checks'
    reports never join them); `fields` override the defaults."""
    if user in PARTY_OF:
        source = {"type": "party", "name": PARTY_OF[user], "grading": "B2"}
    elif user == MONITOR:
        source = {"type": "monitor", "name": "MVM Team 9", "grading": "B2"}
    else:
        source = {"type": "media", "name": "Redteam Wire", "grading": "C3"}
    # A spot of its own for each external id: far from the others and from the scenario.
    spot = int(hashlib.sha256(external_id.encode()).hexdigest()[:8], 16)
    body = {
        "external_id": external_id,
        "source": source,
        "time": {"start": "2026-11-%02dT%02d:00:00+04:30" % (1 + spot % 27, spot % 24), "precision": "hour"},
        "location": {
            "latitude": 31.0 + (spot % 400) / 100.0,
            "longitude": 66.0 + (spot // 400 % 400) / 100.0,
            "precision": "exact",
        },
        "act": "ACT-SHELLING",
        "actor1": {"name": "Unidentified artillery", "party": "PAK"},
        "narrative": "Red-team report %s." % external_id,
        "claims": [
            {"claimant": source["name"], "stance": "assert", "category": "civilians", "low": 1, "best": 2, "high": 3}
        ],
    }
    body.update(fields)
    return body


def ext(name):
    return "redteam-%s-%s" % (RUN, name)


def file_report(demo, user, body, **kw):
    return demo.call("POST", "/api/v1/reports", body, user=user, **kw)


def incident_of(answer):
    """The incident a report's answer says it opened or joined (or None)."""
    for _, value in find_keys(answer or {}, lambda k: k == "placement"):
        if isinstance(value, dict):
            for v in value.values():
                if isinstance(v, int):
                    return v
        if isinstance(value, int):
            return value
    return None


# --------------------------------------------------------------------------
# The checks. Each takes the demo and a Failures; it may raise Skip.


def check_batch(demo, r):
    """1. A narrative of 19,999 control characters is refused 422 naming
    `narrative`, and the other users' valid reports filed at the same
    moment all succeed (never a 500)."""
    poison_narrative = "\u0001" * 19999
    others = [MONITOR, MEDIATORS[0], MEDIATORS[1], AFG, PAK]
    for round_ in range(3):
        results = {}
        barrier = threading.Barrier(len(others) + 1)

        def submit(key, user, body):
            barrier.wait()
            try:
                results[key] = file_report(demo, user, body)
            except Exception as e:  # noqa: BLE001
                results[key] = e

        threads = [
            threading.Thread(
                target=submit,
                args=("poison", MONITOR, report(ext("poison-%d" % round_), narrative=poison_narrative)),
            )
        ]
        for i, user in enumerate(others):
            body = report(ext("beside-poison-%d-%d" % (round_, i)), user=user)
            threads.append(threading.Thread(target=submit, args=((user, i), user, body)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        poison = results.get("poison")
        if isinstance(poison, Exception):
            r.fail("round %d: the poisoned report got no answer: %r" % (round_, poison))
        else:
            r.expect(
                poison.status == 422 and poison.field() == "narrative",
                "round %d: the narrative of 19,999 U+0001 answered %s (want 422 naming field narrative)"
                % (round_, poison.brief()),
            )
        broken = []
        for (user, i), answer in sorted((k, v) for k, v in results.items() if k != "poison"):
            if isinstance(answer, Exception):
                broken.append("%s: no answer (%r)" % (user, answer))
            elif answer.status not in (200, 201):
                broken.append("%s: %s" % (user, answer.status))
        r.expect(not broken, "round %d: %d of %d other users' valid reports filed at the same moment failed (%s), "
                 "want all 201" % (round_, len(broken), len(others), ", ".join(broken)))


def read_compressed(port, path, token, encoding):
    """GET `path` with Accept-Encoding `encoding`: (status, headers, raw body, error)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        try:
            connection.request("GET", path, headers={"Authorization": "Bearer " + token, "Accept-Encoding": encoding})
            answer = connection.getresponse()
        except (OSError, http.client.HTTPException) as e:
            return None, {}, b"", "no answer: %r" % (e,)
        headers = {k.lower(): v for k, v in answer.getheaders()}
        try:
            return answer.status, headers, answer.read(), None
        except (http.client.IncompleteRead, OSError, http.client.HTTPException) as e:
            return answer.status, headers, b"", "the body was cut short: %r" % (e,)
    finally:
        connection.close()


def check_compression(demo, r):
    """2. The exports with Accept-Encoding gzip (decompressed, byte for byte
    the uncompressed body) and br are complete; the server does not panic."""
    token = demo.token(MONITOR)
    for fmt in ["ucdp_csv", "hxl_csv", "geojson"]:
        path = "/api/v1/export/" + fmt
        for attempt in range(2):
            status, _, plain, error = read_compressed(demo.port, path, token, "identity")
            if error or status != 200:
                r.fail("%s uncompressed: %s %s" % (fmt, status, error or plain[:200]))
                break
            status, headers, body, error = read_compressed(demo.port, path, token, "gzip")
            if error:
                r.fail("%s gzip: %s" % (fmt, error))
                break
            if status != 200:
                r.fail("%s gzip answered %s" % (fmt, status))
                break
            if headers.get("content-encoding") != "gzip":
                r.fail("%s gzip: Content-Encoding %r, not gzip" % (fmt, headers.get("content-encoding")))
                break
            try:
                unzipped = gzip.decompress(body)
            except (OSError, EOFError) as e:
                r.fail("%s gzip: the body (%d bytes) does not decompress: %s" % (fmt, len(body), e))
                break
            if unzipped == plain:
                r.note("%s: gzip %d bytes -> %d, identical" % (fmt, len(body), len(plain)))
                break
            if attempt == 1:  # the record may have changed between the two reads: once more
                r.fail(
                    "%s gzip: decompressed %d bytes differ from the %d uncompressed bytes"
                    % (fmt, len(unzipped), len(plain))
                )
        status, headers, body, error = read_compressed(demo.port, path, token, "br")
        if error:
            r.fail("%s br: %s" % (fmt, error))
        elif status != 200 or not body:
            r.fail("%s br: %s, %d bytes (want 200 and a body)" % (fmt, status, len(body)))
        elif headers.get("content-encoding") in (None, "identity"):
            # The server need not speak br; then it must send the whole file as it is.
            r.expect(body == plain, "%s br: sent unencoded but differs from the plain body (%d bytes, not %d)"
                     % (fmt, len(body), len(plain)))
            r.note("%s: br is not offered; the file came whole, unencoded" % fmt)
        elif headers.get("content-encoding") != "br":
            r.fail("%s br: Content-Encoding %r" % (fmt, headers.get("content-encoding")))
        elif brotli is not None:
            try:
                r.expect(brotli.decompress(body) == plain, "%s br: decompressed body differs" % fmt)
            except brotli.error as e:
                r.fail("%s br: does not decompress: %s" % (fmt, e))
    health = request(demo.port, "GET", "/healthz", timeout=5)
    r.expect(health.status == 200, "the server is not healthy after the exports: %s" % health.brief())


SSRF_TARGETS = [
    "http://127.0.0.1:5432/",
    "http://169.254.169.254/",
    "http://[::1]/",
    "http://0x7f000001/",
    "http://10.0.0.1/",
]


def webhook_ids(demo, user):
    answer = demo.call("GET", "/api/v1/webhooks", user=user)
    return [item["id"] for item in (answer.json() or {}).get("items", [])] if answer.status == 200 else []


def delete_webhooks(demo, user, ids):
    """Deletes `ids`; how many answered 2xx."""
    deleted = 0
    for hook in ids:
        if demo.call("DELETE", "/api/v1/webhooks/%s" % hook, user=user).status in (200, 202, 204):
            deleted += 1
    return deleted


def check_ssrf(demo, r):
    """3. Internal webhook targets are refused; DELETE /api/v1/webhooks/{id}
    exists for the owner (and not for another user); a per-user cap exists."""
    user = OBSERVER  # any signed-in user may register; an observer hears of little
    for url in SSRF_TARGETS:
        answer = demo.call("POST", "/api/v1/webhooks", {"url": url}, user=user)
        r.expect(
            400 <= answer.status < 500,
            "registering %s answered %s (want a 4xx refusal)" % (url, answer.brief()),
        )
    # DELETE, for the owner only.
    made = demo.call("POST", "/api/v1/webhooks", {"url": "http://93.184.215.14/redteam-delete"}, user=user)
    if r.expect(made.status == 201, "a public webhook URL was refused: %s" % made.brief()):
        hook = made.json()["id"]
        other = demo.call("DELETE", "/api/v1/webhooks/%s" % hook, user=MONITOR)
        r.expect(
            not (200 <= other.status < 300),
            "another user deleted webhook %s: %s" % (hook, other.brief()),
        )
        mine = demo.call("DELETE", "/api/v1/webhooks/%s" % hook, user=user)
        r.expect(
            mine.status in (200, 202, 204),
            "DELETE /api/v1/webhooks/%s by its owner answered %s (want 204)" % (hook, mine.brief()),
        )
        r.expect(hook not in webhook_ids(demo, user), "webhook %s is still listed after DELETE" % hook)
    # The cap: a hundred public-looking targets are refused at some point.
    made_ids, refused = [], None
    for n in range(100):
        answer = demo.call("POST", "/api/v1/webhooks", {"url": "http://93.184.215.14/hook-%d" % n}, user=user)
        if answer.status == 201:
            made_ids.append(answer.json()["id"])
        elif 400 <= answer.status < 500:
            refused = (n, answer)
            break
        else:
            r.fail("registering webhook %d answered %s" % (n, answer.brief()))
            break
    if refused:
        r.note("the cap refused webhook %d: %s" % (refused[0], refused[1].brief()))
    else:
        r.fail("%d webhooks to public addresses registered for one user without a cap" % len(made_ids))
    ids = set(made_ids) | set(webhook_ids(demo, user))
    deleted = delete_webhooks(demo, user, sorted(ids))
    if ids and deleted < len(ids):
        r.note("%d of the %d webhooks registered could not be deleted" % (len(ids) - deleted, len(ids)))


class SlowSink:
    """A webhook receiver on 127.0.0.1 that answers slowly (deliveries stay pending)."""

    def __init__(self, delay=8.0):
        delay_ = delay
        self.delay = delay
        self.hits = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                sink.hits += 1
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                time.sleep(delay_)
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def check_fanout(demo, r):
    """4. With webhooks registered (as many as the cap allows, for several
    users) to a slow receiver, sign-in still answers within 5 s while the
    deliveries are pending."""
    sink = demo.sink
    # By the name the operator allowed (--webhook-allow-host localhost): the
    # addresses themselves (127.0.0.1, ::1) stay refused, as the ssrf check wants.
    url = "http://localhost:%d/hook" % sink.port
    users = [MONITOR, MEDIATORS[0], MEDIATORS[1], AFG, PAK]
    probe = demo.call("POST", "/api/v1/webhooks", {"url": url + "-probe"}, user=MONITOR)
    if probe.status != 201:
        if demo.allow_host:
            r.fail("a webhook to the allowed host localhost was refused: %s" % probe.brief())
            return
        raise Skip(
            "`truce demo --help` has no --webhook-allow-host and the server refuses a loopback receiver (%s)"
            % probe.status
        )
    if not demo.allow_host:
        r.note("no --webhook-allow-host: the server accepted a loopback receiver (SSRF unfixed), so testing with it")
    registered = {MONITOR: [probe.json()["id"]]}
    per_user_max = 100
    for user in users:
        for n in range(per_user_max):
            answer = demo.call("POST", "/api/v1/webhooks", {"url": "%s-%s-%d" % (url, user, n)}, user=user)
            if answer.status != 201:
                break
            registered.setdefault(user, []).append(answer.json()["id"])
    total = sum(len(v) for v in registered.values())
    r.note("%d webhooks to a receiver that answers in %.0f s" % (total, sink.delay))
    # Events that every one of them hears of: reports filed by a monitor.
    for i in range(5):
        file_report(demo, MONITOR, report(ext("fanout-%d" % i)))
    time.sleep(1.0)
    worst = 0.0
    signer = demo.users[MEDIATORS[0]]
    for i in range(3):
        started = time.monotonic()
        try:
            answer = request(
                demo.port,
                "POST",
                "/api/v1/session",
                {"name": signer["name"], "password": signer["password"]},
                timeout=30,
                retry429=False,
            )
            elapsed = time.monotonic() - started
            r.expect(answer.status == 201, "sign-in during the fan-out answered %s" % answer.brief())
        except OSError as e:
            elapsed = time.monotonic() - started
            r.fail("sign-in during the fan-out got no answer in %.1f s: %r" % (elapsed, e))
        worst = max(worst, elapsed)
        if worst >= 5.0:
            break
        ready = request(demo.port, "GET", "/readyz", timeout=30)
        r.expect(ready.status == 200 and ready.elapsed < 5, "/readyz during the fan-out: %s in %.1f s"
                 % (ready.status, ready.elapsed))
        time.sleep(0.5)
    r.expect(worst < 5.0, "sign-in took %.1f s while %d deliveries were pending (want < 5 s)" % (worst, total))
    r.note("slowest sign-in %.2f s; the receiver got %d deliveries so far" % (worst, sink.hits))
    for user, ids in registered.items():
        delete_webhooks(demo, user, ids)


FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def check_csv(demo, r):
    """5. Cells of the CSV exports that start with = + - @ tab CR are escaped
    (prefixed with ') whatever field they come from."""
    filed = []
    for i, start in enumerate(FORMULA_STARTS):
        payload = start + "HYPERLINK(\"http://evil.example/?x\",\"click\")"
        body = report(
            ext("formula-%d" % i),
            narrative=payload,
            location={"latitude": 31.5, "longitude": 66.5 + i * 0.3, "precision": "exact", "name": payload},
            actor1={"name": payload, "party": "PAK"},
            actor2={"name": payload},
        )
        body["source"]["name"] = start + "cmd|' /C calc'!A0"
        body["claims"][0]["claimant"] = body["source"]["name"]
        answer = file_report(demo, MONITOR, body)
        if start in ("\t", "\r") and answer.status == 422:
            # A control character in a name is refused at the door: nothing of it reaches an export.
            r.note("a name starting with %r is refused 422 (%s)" % (start, answer.json().get("field")))
            continue
        if not r.expect(answer.status in (200, 201), "a monitor's report starting with %r answered %s"
                        % (start, answer.brief())):
            continue
        filed.append(incident_of(answer.json()))
    for fmt in ["ucdp_csv", "hxl_csv"]:
        answer = demo.call("GET", "/api/v1/export/" + fmt, user=MONITOR, timeout=60)
        if not r.expect(answer.status == 200, "%s answered %s" % (fmt, answer.brief())):
            continue
        rows = list(csv.reader(io.StringIO(answer.body.decode("utf-8"), newline="")))
        bad = []
        for n, row in enumerate(rows):
            for column, cell in enumerate(row):
                if cell[:1] in FORMULA_STARTS:
                    try:
                        float(cell)  # a negative number is a number, not a formula
                        continue
                    except ValueError:
                        bad.append((n, column, cell))
        mine = [row for row in rows if row and row[0].isdigit() and int(row[0]) in filed]
        r.expect(mine, "%s: none of the %d incidents filed (%s) is in the export" % (fmt, len(filed), filed))
        if bad:
            n, column, cell = bad[0]
            head = rows[0][column] if rows and column < len(rows[0]) else column
            r.fail("%s: %d cells start with a formula character unescaped, e.g. row %d column %s: %r"
                   % (fmt, len(bad), n, head, cell[:40]))


def incident_json(demo, incident, user):
    return demo.call("GET", "/api/v1/incidents/%d" % incident, user=user)


def reports_of(detail):
    """The reports (sources) of an incident's JSON, wherever they are."""
    for key in ("reports", "sources"):
        if isinstance(detail.get(key), list):
            return detail[key]
    found = find_keys(detail, lambda k: k in ("reports", "sources"))
    return next((v for _, v in found if isinstance(v, list)), [])


def check_claims(demo, r):
    """6. A party cannot file a claim in another party's name, nor choose
    its own report's source grading."""
    body = report(ext("claim-as-pak"), user=AFG)
    body["claims"] = [
        {"claimant": "Pakistan", "claimant_party": "PAK", "stance": "assert", "category": "side_a",
         "low": 40, "best": 50, "high": 60}
    ]
    answer = file_report(demo, AFG, body)
    if answer.status == 422:
        r.expect(answer.field() == "claims[0].claimant_party",
                 "AFG's claim as PAK was refused 422 but naming field %r (want claims[0].claimant_party)"
                 % answer.field())
    elif answer.status in (200, 201):
        stored = [c for _, c in find_keys(decoded_entry(answer.json()) or {}, lambda k: k == "claims")]
        parties = [claim.get("claimant_party") for claims in stored if isinstance(claims, list) for claim in claims
                   if isinstance(claim, dict)]
        r.expect(parties and all(p == "AFG" for p in parties),
                 "AFG filed a claim with claimant_party PAK and it was stored as %s (want a 422 or AFG)" % parties)
    else:
        r.fail("AFG's claim as PAK answered %s (want 422 or stored as AFG's)" % answer.brief())
    graded = report(ext("self-graded"), user=AFG)
    graded["source"]["grading"] = "A1"
    answer = file_report(demo, AFG, graded)
    if answer.status not in (200, 201):
        r.expect(400 <= answer.status < 500, "AFG's report graded A1 answered %s" % answer.brief())
        r.note("AFG's self-graded report was refused: %s" % answer.brief())
        return
    gradings = [g for _, g in find_keys(decoded_entry(answer.json()) or {}, lambda k: k == "grading")]
    r.expect(gradings, "the receipt's entry names no grading: cannot tell what was stored")
    r.expect("A1" not in gradings,
             "AFG graded its own report A1 and the log stored grading %s (a party's grading is not its choice)"
             % gradings)


def check_hidden(demo, r):
    """7. A party's report matching an incident hidden from it neither shows
    it the incident nor names its id in the receipt."""
    party_user, party = AFG, "AFG"
    listed = demo.call("GET", "/api/v1/incidents?limit=200", user=MONITOR)
    if not r.expect(listed.status == 200, "the monitor's incident list answered %s" % listed.brief()):
        return
    items = (listed.json() or {}).get("items", [])
    hidden = None
    for item in items[:120]:
        incident = item.get("id")
        if incident and incident_json(demo, incident, party_user).status == 404:
            hidden = incident
            break
    if hidden is None:
        raise Skip("no incident of the first %d is hidden from %s" % (min(len(items), 120), party))
    item = next(i for i in items if i.get("id") == hidden)
    start, lat, lon, act = item.get("happened_at"), item.get("latitude"), item.get("longitude"), item.get("act")
    if not (start and lat is not None and lon is not None):
        r.fail("cannot read the time and place of hidden incident %d from the monitor's list: %s"
               % (hidden, json.dumps(item)[:300]))
        return
    body = report(ext("match-hidden"), user=party_user, time={"start": start, "precision": "hour"},
                  location={"latitude": lat, "longitude": lon, "precision": "exact"})
    if act:
        body["act"] = act
    # The same perpetrator as the incident's (correlation requires it when both name one).
    if item.get("accused"):
        body["actor1"] = {"name": "Forces of " + item["accused"], "party": item["accused"]}
    else:
        body.pop("actor1", None)
    answer = file_report(demo, party_user, body)
    if not r.expect(answer.status in (200, 201), "%s's matching report answered %s" % (party, answer.brief())):
        return
    after = incident_json(demo, hidden, party_user)
    r.expect(after.status == 404,
             "incident %d was hidden from %s; after %s filed a matching report it answers %s (want 404)"
             % (hidden, party, party, after.status))
    document = {"answer": answer.json(), "entry": decoded_entry(answer.json())}
    named = [(p, v) for p, v in find_keys(document, lambda k: "incident" in k.lower()) if v == hidden
             or (isinstance(v, dict) and hidden in v.values())]
    r.expect(not named, "the receipt of %s's report names hidden incident %d at %s"
             % (party, hidden, ", ".join(p for p, _ in named)))
    r.note("hidden incident %d (%s, %s, %s); %s's report: %s" % (hidden, start, lat, lon, party,
                                                                json.dumps((answer.json() or {}).get("placement"))))


def check_html(demo, r):
    """8. HTML evidence is served sandboxed as an attachment, or a party's
    upload of it is refused."""
    page = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n"
    for user in [AFG, MONITOR]:
        body = page + ("<!-- %s %s -->" % (RUN, user)).encode()
        answer = demo.call("POST", "/api/v1/evidence", body, user=user, headers={"Content-Type": "text/html"})
        if user == AFG and answer.status in (415, 422):
            r.note("the party's HTML upload was refused %s" % answer.status)
            continue
        if not r.expect(answer.status in (200, 201), "%s's HTML upload answered %s" % (user, answer.brief())):
            continue
        sha = answer.json()["sha256"]
        got = demo.call("GET", "/api/v1/evidence/" + sha, user=user)
        if not r.expect(got.status == 200, "%s's download of its HTML evidence answered %s" % (user, got.brief())):
            continue
        policy = got.headers.get("content-security-policy", "")
        disposition = got.headers.get("content-disposition", "")
        r.expect("sandbox" in policy and "default-src 'none'" in policy,
                 "HTML evidence uploaded by %s is served with Content-Security-Policy %r (want sandbox and "
                 "default-src 'none')" % (user, policy))
        r.expect(disposition.lower().startswith("attachment"),
                 "HTML evidence is served with Content-Disposition %r (want attachment)" % disposition)


AUTH_ENDPOINTS = [
    "/api/v1/reports",
    "/api/v1/evidence",
    "/api/v1/bulletins",
    "/api/v1/webhooks",
    "/api/v1/incidents/1/review",
    "/api/v1/incidents/1/tasks",
    "/api/v1/incidents/1/findings",
    "/api/v1/incidents/1/reply-requests",
    "/api/v1/incidents/1/replies",
    "/api/v1/incidents/1/determinations",
    "/api/v1/incidents/1/approvals",
    "/api/v1/incidents/1/urgency",
    "/api/v1/incidents/1/finalization",
    "/api/v1/incidents/1/statements",
    "/api/v1/incidents/1/appeals",
    "/api/v1/penalties/1/approvals",
    "/api/v1/penalties/1/compliance",
]
# Open to any signed-in user, so an observer is not refused there.
ANY_USER = {"/api/v1/webhooks"}
BAD_BODIES = [
    ("text/plain", b"not json"),
    ("application/json", b"{"),
    ("application/json", b"{\"no_such_field\": 1}"),
    ("application/xml", b"<x/>"),
    ("application/json", b"[" * 300_000),
]


def check_authz(demo, r):
    """9. Anonymous POSTs with bad bodies get 401 and an observer's 403,
    before the body is looked at (never 400/413/415/422 first)."""
    wrong, by_endpoint = [], {}
    for path in AUTH_ENDPOINTS:
        for content_type, body in BAD_BODIES:
            for user, want in [(None, 401), (OBSERVER, 403)]:
                if user and path in ANY_USER:
                    continue
                try:
                    answer = demo.call("POST", path, body, user=user, headers={"Content-Type": content_type})
                except OSError as e:
                    # Answered and closed before the body was read: not a 413 first.
                    r.note("POST %s as %s (%d bytes): the connection closed before an answer was read (%r)"
                           % (path, user or "anonymous", len(body), e))
                    continue
                if answer.status != want:
                    wrong.append(answer.status)
                    key = (path, user or "anonymous", want)
                    by_endpoint.setdefault(key, []).append("%s %d bytes: %d" % (content_type, len(body),
                                                                                  answer.status))
    grouped = {}
    for (path, who, want), answers in sorted(by_endpoint.items()):
        grouped.setdefault((who, want, ", ".join(answers)), []).append(path)
    for (who, want, answers), paths in sorted(grouped.items()):
        r.fail("as %s (want %d) POST %s answered: %s" % (who, want, " ".join(paths), answers))
    if wrong:
        r.note("%d of %d bad-bodied requests were answered before authorization"
               % (len(wrong), sum(len(BAD_BODIES) * (1 if p in ANY_USER else 2) for p in AUTH_ENDPOINTS)))


def check_signin(demo, r):
    """10. Forty parallel wrong passwords for one name: at most the
    limiter's allowance is checked, the rest are 429; a stale session
    cookie on a public GET is anonymous (200), not 401."""
    name = OBSERVER
    results = []
    barrier = threading.Barrier(40)

    def guess(i):
        barrier.wait()
        try:
            results.append(request(demo.port, "POST", "/api/v1/session",
                                   {"name": name, "password": "wrong-%d" % i}, timeout=60, retry429=False).status)
        except OSError as e:
            results.append(repr(e))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    checked = results.count(401)
    limited = results.count(429)
    others = [s for s in results if s not in (401, 429)]
    r.expect(not others, "wrong passwords answered other than 401/429: %s" % others[:5])
    r.expect(checked <= 10, "%d of 40 parallel wrong passwords for %s were checked (401) and %d refused 429 "
             "(want at most ~10 checked)" % (checked, name, limited))
    r.note("40 parallel wrong passwords: %d checked, %d refused 429" % (checked, limited))
    for path in ["/", "/api/v1/incidents", "/incidents", "/log"]:
        answer = request(demo.port, "GET", path, headers={"Cookie": "truce_session=stale-%s" % RUN}, retry429=False)
        r.expect(answer.status == 200, "GET %s with a stale session cookie answered %s (want 200 as anonymous)"
                 % (path, answer.brief()))


SLOW_HEADER_BOUND = 30.0


def slow_headers(port):
    """Sends a header line every 2 s; how long until the server closed (or None)."""
    started = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(b"GET /api/v1/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s.settimeout(2.0)
        n = 0
        while time.monotonic() - started < SLOW_HEADER_BOUND + 4:
            try:
                data = s.recv(4096)
                if not data or data.startswith(b"HTTP/"):
                    return time.monotonic() - started, data[:40]
            except socket.timeout:
                pass
            try:
                s.sendall(b"X-Slow-%d: %d\r\n" % (n, n))
            except OSError:
                return time.monotonic() - started, b"(send failed)"
            n += 1
        return None, b""
    except OSError as e:
        return time.monotonic() - started, repr(e).encode()
    finally:
        s.close()


def check_slowloris(demo, r):
    """11. A client sending one header line every 2 s is closed by the server within 30 s."""
    result = demo.slow_result
    if result is None:
        demo.slow_thread.join(SLOW_HEADER_BOUND + 10)
        result = demo.slow_result
    elapsed, what = result if result else (None, b"")
    if elapsed is None:
        r.fail("a connection sending a header line every 2 s was still open after %.0f s" % (SLOW_HEADER_BOUND + 4))
    else:
        r.expect(elapsed <= SLOW_HEADER_BOUND + 2,
                 "the slow connection was closed only after %.1f s (want within %.0f s)" % (elapsed, SLOW_HEADER_BOUND))
        r.note("closed after %.1f s (%r)" % (elapsed, what))


def bdi_wrapped(html, needle):
    """Whether every occurrence of `needle` in `html` is inside a <bdi> element."""
    positions, start = [], 0
    while True:
        i = html.find(needle, start)
        if i < 0:
            break
        positions.append(i)
        start = i + 1
    outside = 0
    for i in positions:
        opened = html.rfind("<bdi", 0, i)
        closed = html.rfind("</bdi>", 0, i)
        if opened < 0 or closed > opened:
            outside += 1
    return len(positions), outside


def check_input(demo, r):
    """12. Odd but allowed claims warn; impossible years, NUL and a
    look-alike content type are refused; bidi overrides are isolated in pages."""
    body = report(ext("low-best-high"))
    body["claims"][0].update({"low": 10, "best": 5, "high": 1})
    answer = file_report(demo, MONITOR, body)
    if r.expect(answer.status in (200, 201), "claims low 10, best 5, high 1 answered %s (want accepted)"
                % answer.brief()):
        warnings = [w for _, w in find_keys(answer.json(), lambda k: "warning" in k.lower())]
        text = json.dumps(warnings)
        r.expect(warnings and "claims[0]" in text,
                 "claims low 10 best 5 high 1 were accepted without a warning saying so (answer keys: %s)"
                 % sorted((answer.json() or {}).keys()))
    for year in ["0001", "9999"]:
        answer = file_report(demo, MONITOR, report(ext("year-" + year), time={"start": year + "-06-01T00:00:00Z",
                                                                               "precision": "day"}))
        r.expect(answer.status == 422, "a report in the year %s answered %s (want 422)" % (year, answer.brief()))
    answer = file_report(demo, MONITOR, report(ext("nul"), narrative="before\u0000after"))
    r.expect(answer.status == 422 and answer.field() == "narrative",
             "a narrative with a NUL answered %s (want 422 naming narrative)" % answer.brief())
    answer = demo.call("POST", "/api/v1/reports", json.dumps(report(ext("jsonx"))), user=MONITOR,
                       headers={"Content-Type": "application/jsonx"})
    r.expect(answer.status == 415, "Content-Type application/jsonx answered %s (want 415)" % answer.brief())
    rlo = "\u202e"
    name = "Kurram %sgnillehs%s post" % (rlo, "\u202c")
    body = report(ext("bidi"), location={"latitude": 33.6, "longitude": 66.2, "precision": "exact", "name": name},
                  actor1={"name": "Militia " + rlo + "ASSAP", "party": "PAK"})
    body["source"]["name"] = "Team " + rlo + "9"
    answer = file_report(demo, MONITOR, body)
    if not r.expect(answer.status in (200, 201), "a report with U+202E in its names answered %s" % answer.brief()):
        return
    incident = incident_of(answer.json())
    if not r.expect(incident, "the bidi report's answer names no incident: %s" % answer.brief()):
        return
    page = demo.call("GET", "/incidents/%d" % incident, user=MONITOR)
    if not r.expect(page.status == 200, "the incident page %d answered %s" % (incident, page.status)):
        return
    html = page.body.decode("utf-8", "replace")
    total, outside = 0, 0
    for needle in [rlo, "&#x202e;", "&#x202E;", "&#8238;"]:
        t, o = bdi_wrapped(html, needle)
        total, outside = total + t, outside + o
    r.expect(total > 0, "the incident page %d does not show the names with U+202E at all" % incident)
    r.expect(outside == 0, "the incident page %d shows %d of %d U+202E outside <bdi>" % (incident, outside, total))


def fill_disk(path):
    """Fills the file system of `path` with one file; its name."""
    filler = os.path.join(path, "redteam-filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 4096, 512):
            chunk = b"\0" * size
            try:
                while True:
                    os.write(fd, chunk)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def check_diskfull(demo, r):
    """13. On a full disk writes answer 507 with a problem document, /readyz
    is not ready while they fail, and the server recovers when space returns."""
    if os.geteuid() != 0:
        raise Skip("needs root to mount a small tmpfs for the data directory")
    mount = tempfile.mkdtemp(prefix="truce-redteam-full-")
    used = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(demo.data) for f in fs)
    mb = used // (1 << 20) + 48
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm" % mb, "tmpfs", mount], capture_output=True,
                          text=True)
    if done.returncode != 0:
        os.rmdir(mount)
        raise Skip("cannot mount a tmpfs: %s" % done.stderr.strip())
    server = None
    try:
        # A copy of the demo's record, taken through SQLite's backup so it is consistent while the demo runs.
        data = os.path.join(mount, "data")
        shutil.copytree(demo.data, data, ignore=shutil.ignore_patterns("truce.db*", "*.lock", "lock"))
        import sqlite3

        source = sqlite3.connect("file:%s?mode=ro" % os.path.join(demo.data, "truce.db"), uri=True)
        target = sqlite3.connect(os.path.join(data, "truce.db"))
        source.backup(target)
        target.close()
        source.close()
        port = free_port()
        server = Server(["serve", "--data", data, "--listen", "127.0.0.1:%d" % port], data, port,
                        os.path.join(os.path.dirname(demo.data), "diskfull.log"))
        server.start()
        server.wait_ready(timeout=60)
        token = demo.token(MONITOR)
        ok = request(port, "POST", "/api/v1/reports", report(ext("before-full")), token=token)
        if not r.expect(ok.status == 201, "a report before the disk filled answered %s" % ok.brief()):
            return
        filler = fill_disk(mount)
        refused = []
        for i in range(12):
            answer = request(port, "POST", "/api/v1/reports", report(ext("full-%d" % i),
                             narrative="x" * 15000), token=token, timeout=40)
            if answer.status != 201:
                refused.append(("report %d" % i, answer))
                break
        evidence = request(port, "POST", "/api/v1/evidence", os.urandom(1 << 20), token=token,
                           headers={"Content-Type": "application/octet-stream"}, timeout=40)
        refused.append(("1 MiB of evidence", evidence))
        if len(refused) == 1:
            r.note("12 reports still fitted on the full disk (SQLite reuses its WAL's space)")
        for what, answer in refused:
            r.expect(answer.status == 507 and answer.headers.get("content-type", "").startswith(
                "application/problem+json"),
                "%s on a full disk answered %s (%s) (want 507 with a problem document)"
                % (what, answer.brief(), answer.headers.get("content-type")))
        ready = request(port, "GET", "/readyz", timeout=10)
        r.expect(ready.status != 200, "/readyz answered 200 ready while writes fail on a full disk")
        os.remove(filler)
        time.sleep(0.5)
        recovered = None
        for i in range(20):
            recovered = request(port, "POST", "/api/v1/reports", report(ext("after-full-%d" % i)), token=token)
            if recovered.status == 201:
                break
            time.sleep(0.5)
        r.expect(recovered.status == 201, "after space returned a report answered %s (want 201)" % recovered.brief())
        for _ in range(20):
            ready = request(port, "GET", "/readyz", timeout=10)
            if ready.status == 200:
                break
            time.sleep(0.5)
        r.expect(ready.status == 200, "10 s after space returned /readyz still answers %s" % ready.brief())
        r.expect(server.alive(), "the server exited on the full disk:\n%s" % server.log_tail(10))
    finally:
        if server:
            server.stop()
        subprocess.run(["umount", "-l", mount], capture_output=True)
        shutil.rmtree(mount, ignore_errors=True)


def check_ucdp(demo, r):
    """14. The border clash's UCDP row carries the mechanism's estimate
    (best 23, low 23, high 58), not a sum of one party's claims."""
    detail = incident_json(demo, 2, MONITOR)
    if not r.expect(detail.status == 200, "incident 2 answered %s" % detail.brief()):
        return
    text = json.dumps(detail.json())
    r.expect("58" in text and "23" in text, "incident 2 is not the border clash (58 and 23 claimed)")
    answer = demo.call("GET", "/api/v1/export/ucdp_csv", user=MONITOR, timeout=60)
    if not r.expect(answer.status == 200, "ucdp_csv answered %s" % answer.brief()):
        return
    rows = list(csv.DictReader(io.StringIO(answer.body.decode("utf-8"), newline="")))
    row = next((row for row in rows if row.get("id") == "2"), None)
    if not r.expect(row, "incident 2 is not in the ucdp_csv export"):
        return
    got = (row.get("best"), row.get("low"), row.get("high"))
    r.expect(got == ("23", "23", "58"), "incident 2's ucdp_csv row has best %s, low %s, high %s (want the "
             "determination's estimate: best 23, low 23, high 58)" % got)


# --------------------------------------------------------------------------
# The crash loop


def leaf_hash(entry):
    return hashlib.sha256(b"\0" + entry).digest()


def check_crash(demo, r, rounds=3, seed=None):
    """The crash loop: `truce serve` under concurrent submitters is killed
    (SIGKILL) at a random moment, restarted; every acknowledged receipt
    must be in the log, and `truce audit` and `truce log verify` pass."""
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="truce-redteam-crash-")
    try:
        _crash_loop(demo, r, rounds, rng, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _crash_loop(demo, r, rounds, rng, work):
    # A data directory of its own: a demo's, stopped, then served by `truce serve`.
    seeded = Demo(work)
    seeded.start()
    seeded.server.stop()
    data, token, vkey = seeded.data, seeded.token(MONITOR), seeded.credentials["log_vkey"]
    state = os.path.join(work, "verified-checkpoint")
    acknowledged = {}  # log index -> (external id, entry bytes, tree size)
    lost_total, round_times = 0, []
    counter = [0]
    lock = threading.Lock()

    def serve():
        port = free_port()
        server = Server(["serve", "--data", data, "--listen", "127.0.0.1:%d" % port, "--requests-per-second", "0"],
                        data, port, os.path.join(work, "serve.log"))
        server.start()
        server.wait_ready(timeout=60)
        return server

    def check_receipts(port, when, indexes=None):
        """The acknowledged receipts at `indexes` (default: all), each entry byte for byte
        at its index; how many are lost."""
        lost = []
        checkpoint = request(port, "GET", "/log/checkpoint").body.decode()
        size = int(checkpoint.splitlines()[1])
        chosen = sorted(acknowledged) if indexes is None else sorted(indexes)
        for index in chosen:
            external_id, entry, tree_size = acknowledged[index]
            if index >= size:
                lost.append("%s at %d beyond the tree (%d)" % (external_id, index, size))
                continue
            got = request(port, "GET", "/api/v1/log/entries/%d" % index)
            doc = got.json() or {}
            data_ = base64.b64decode(doc.get("data", "")) if got.status == 200 else None
            if data_ != entry:
                lost.append("%s at %d: %s" % (external_id, index, "differs" if data_ else got.status))
            elif base64.b64decode(doc.get("leaf_hash", "")) != leaf_hash(entry):
                lost.append("%s at %d: the leaf hash is not the entry's" % (external_id, index))
        for line in lost[:5]:
            r.fail("%s: an acknowledged receipt is lost: %s" % (when, line))
        return len(lost)

    def verify(port, when):
        done = subprocess.run([TRUCE, "log", "verify", "--url", "http://127.0.0.1:%d" % port, "--vkey", vkey,
                               "--state", state], capture_output=True, text=True, timeout=300)
        r.expect(done.returncode == 0, "%s: truce log verify failed: %s" % (when, (done.stdout + done.stderr)[-400:]))

    def submitter(port, stop, errors):
        while not stop.is_set():
            with lock:
                counter[0] += 1
                n = counter[0]
            external_id = ext("crash-%d" % n)
            try:
                answer = request(port, "POST", "/api/v1/reports", report(external_id), token=token, timeout=10,
                                 retry429=False)
            except OSError:
                continue  # the server died under it: not acknowledged
            if answer.status == 201:
                receipt = answer.json()["receipt"]
                with lock:
                    acknowledged[receipt["log_index"]] = (external_id, base64.b64decode(receipt["entry"]),
                                                          receipt["tree_size"])
                    this_round.add(receipt["log_index"])
            elif answer.status >= 500 and not stop.is_set():
                errors.append(answer.brief())

    last_round, this_round = set(), set()
    for round_ in range(1, rounds + 1):
        started = time.monotonic()
        last_round, this_round = this_round, set()
        server = serve()
        when = "round %d" % round_
        # Every receipt of the round killed last, and a sample of the older ones (all of them at the end).
        older = [i for i in acknowledged if i not in last_round]
        sample = set(last_round) | set(rng.sample(older, min(len(older), 300)))
        lost_total += check_receipts(server.port, when + " (after the restart)", sample)
        verify(server.port, when)
        stop, errors = threading.Event(), []
        threads = [threading.Thread(target=submitter, args=(server.port, stop, errors)) for _ in range(6)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 1.5))
        server.kill9()
        stop.set()
        for t in threads:
            t.join(20)
        for e in errors[:3]:
            r.fail("%s: a submission answered %s before the kill" % (when, e))
        audit = subprocess.run([TRUCE, "audit", "--data", data], capture_output=True, text=True, timeout=300)
        r.expect(audit.returncode == 0, "%s: truce audit after the kill failed: %s"
                 % (when, (audit.stdout + audit.stderr)[-400:]))
        round_times.append(time.monotonic() - started)
        if r.reasons:
            break
        if rounds > 10 and round_ % 10 == 0:
            print("       . round %d of %d: %d receipts acknowledged, %d lost" % (round_, rounds, len(acknowledged),
                                                                                 lost_total), flush=True)
    server = serve()
    lost_total += check_receipts(server.port, "after the last round")
    verify(server.port, "after the last round")
    server.stop()
    r.note("rounds %d, receipts acknowledged %d, lost %d (%.1f s a round)"
           % (len(round_times), len(acknowledged), lost_total, sum(round_times) / max(len(round_times), 1)))
    r.expect(acknowledged, "no receipt was acknowledged in %d rounds" % len(round_times))


# --------------------------------------------------------------------------

# In the order they run. The fan-out runs last of the demo's checks: until webhooks can be deleted
# (item 3) its hundreds of slow deliveries would slow every check after it.
CHECKS = [
    ("batch", check_batch, "1. a control-character narrative is refused 422 and does not fail other users' reports"),
    ("compression", check_compression, "2. gzip and br exports are complete"),
    ("ssrf", check_ssrf, "3. internal webhook targets refused; DELETE; a per-user cap"),
    ("csv", check_csv, "5. no formula injection in the CSV exports"),
    ("claims", check_claims, "6. no claims in another party's name; no self-chosen grading"),
    ("hidden", check_hidden, "7. an incident hidden from a party stays hidden after its matching report"),
    ("html", check_html, "8. HTML evidence is sandboxed or refused"),
    ("authz", check_authz, "9. authorization before validation"),
    ("signin", check_signin, "10. sign-in limiter holds under parallel guesses; stale cookies are anonymous"),
    ("slowloris", check_slowloris, "11. slow headers are cut off within 30 s"),
    ("input", check_input, "12. input: claim warnings, years, NUL, application/jsonx, bidi in <bdi>"),
    ("diskfull", check_diskfull, "13. a full disk: 507, not ready, recovery"),
    ("ucdp", check_ucdp, "14. the UCDP export carries the mechanism's estimate"),
    ("fanout", check_fanout, "4. sign-in answers within 5 s while webhook deliveries are pending"),
    ("crash", check_crash, "crash loop: kill -9 under load, every acknowledged receipt survives"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this check (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    parser.add_argument("--rounds", "--crash-rounds", type=int, default=3, help="crash-loop rounds (default 3)")
    parser.add_argument("--seed", type=int, default=None, help="the crash loop's random seed")
    parser.add_argument("--keep", action="store_true", help="keep the demo's directory and log (printed at the end)")
    args = parser.parse_args()
    names = [name for name, _, _ in CHECKS]
    if args.list:
        for name, _, what in CHECKS:
            print("%-12s %s" % (name, what))
        return 0
    chosen = args.only or names
    unknown = [n for n in chosen if n not in names]
    if unknown:
        print("unknown check(s): %s (try --list)" % ", ".join(unknown), file=sys.stderr)
        return 2
    if not os.access(TRUCE, os.X_OK):
        print("no truce binary at %s: build it (cargo build) or set TRUCE_BIN" % TRUCE, file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="truce-redteam-")
    demo, sink, results = None, None, []
    started = time.monotonic()
    try:
        if any(n != "crash" for n in chosen):
            sink = SlowSink()
            allow = "--webhook-allow-host" in help_text("demo")
            demo = Demo(work, ["--webhook-allow-host", "localhost"] if allow else [])
            demo.allow_host, demo.sink = allow, sink
            demo.start()
            print("redteam: truce demo on 127.0.0.1:%d (ready in %.1f s)%s" % (
                demo.port, demo.started_in, "" if allow else "; no --webhook-allow-host"), flush=True)
            demo.slow_result = None
            if "slowloris" in chosen:  # it takes up to half a minute: it runs beside the other checks
                def slow():
                    demo.slow_result = slow_headers(demo.port)
                demo.slow_thread = threading.Thread(target=slow, daemon=True)
                demo.slow_thread.start()
        for name, check, what in CHECKS:
            if name not in chosen:
                continue
            r = Failures()
            began = time.monotonic()
            panics_before = len(demo.server.panics()) if demo else 0
            try:
                if name == "crash":
                    check(demo, r, rounds=args.rounds, seed=args.seed)
                else:
                    check(demo, r)
                outcome = "PASS" if not r.reasons else "FAIL"
            except Skip as e:
                outcome = "SKIP"
                r.notes.append(str(e))
            except Exception as e:  # noqa: BLE001
                outcome = "FAIL"
                r.fail("the check itself broke: %r\n%s" % (e, traceback.format_exc(limit=3)))
            new_panics = demo.server.panics()[panics_before:] if demo else []
            if new_panics:
                outcome = "FAIL"
                r.fail("the server panicked %d times, first: %s" % (len(new_panics), new_panics[0][:200]))
            if demo and name != "crash" and not demo.server.alive():
                outcome = "FAIL"
                r.fail("the demo died:\n" + demo.server.log_tail(15))
            print("%s %-12s %s (%.1f s)" % (outcome, name, what, time.monotonic() - began), flush=True)
            for reason in r.reasons:
                print("       - %s" % reason, flush=True)
            for note in r.notes:
                print("       . %s" % note, flush=True)
            results.append((name, outcome))
            if demo and not demo.server.alive():
                print("redteam: the demo is gone; the remaining checks cannot run", flush=True)
                break
    finally:
        if demo:
            demo.server.stop()
        if sink:
            sink.close()
        if args.keep:
            print("redteam: the demo's directory and log are kept in %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    failed = [n for n, o in results if o == "FAIL"]
    print("redteam: %d passed, %d failed (%s), %d skipped in %.0f s" % (
        sum(o == "PASS" for _, o in results), len(failed), ", ".join(failed) or "none",
        sum(o == "SKIP" for _, o in results), time.monotonic() - started))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
