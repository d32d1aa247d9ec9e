"""A fake Cloudflare DNS API v4 for the integration tests.

It serves, on 127.0.0.1 from a thread of the test process, the DNS records
routes of https://api.cloudflare.com/client/v4 with the envelope and record
shapes Cloudflare documents; the daemon is pointed at its `url`.

    cf = FakeCloudflare(token="tok").start()        # or: with FakeCloudflare() as cf:
    cf.add_zone(ZONE, "example.com")
    rid = cf.add_record(ZONE, "vpn.example.com", "203.0.113.10")
    cf.fail_next(2, 429, retry_after=3, methods="PATCH")
    ...
    cf.record(rid)["content"]; cf.writes(); cf.requests("GET")
    cf.stop()

Routes (below /client/v4):
    GET    /zones/{zone}/dns_records          list (type=, name=, content=, page=, per_page=)
    POST   /zones/{zone}/dns_records          create
    GET    /zones/{zone}/dns_records/{id}     get
    PATCH  /zones/{zone}/dns_records/{id}     merge the given fields
    PUT    /zones/{zone}/dns_records/{id}     replace (omitted fields take their defaults)
    DELETE /zones/{zone}/dns_records/{id}     delete; result {"id": id}

What a request goes through, in order: the delay rules ("before"), the
fail_next/drop_next rules (first matching one with count left), the rate
limit, the token, the route, the zone, the record id, the body. Every request
is logged (see requests()). Only the A records the daemon keeps are modelled:
type must be "A" on create/replace/patch.

Answers Cloudflare is known to give, as reproduced here:
    no Authorization header        400  9106 "Missing X-Auth-Key, X-Auth-Email or Authorization headers"
    not "Bearer <token>"           400  6003 "Invalid request headers" (error_chain 6111)
    wrong token                    403  9109 "Invalid access token"   (bad_token() can make it 401/10000)
    zone or id not an object       400  7003 "Could not route to /client/v4/zones/..., perhaps
                                             your object identifier is invalid?"
    record id unknown (32 hex)     404  81044 "Record does not exist."
    invalid record                 400  1004 "DNS Validation Error" with error_chain
                                             (9005 content, 9021 TTL, ...); flat_validation=True
                                             puts the inner error first, as today's API does
    identical record exists        400  81058 "An identical record already exists."
    rate limited                   429  971 "More than 1200 requests per 300 seconds reached. ..."
"""
import copy
import datetime
import http.server
import ipaddress
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
import uuid

from loopback import LoopbackHTTPServer, close_connections

BASE = "/client/v4"
MAX_BODY = 1024 * 1024
IDLE_TIMEOUT = 60           # seconds a kept-alive connection may sit idle
MAX_LOG = 100000
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
OPS = ("list", "create", "get", "patch", "put", "delete")

HEX32 = re.compile(r"^[0-9a-f]{32}$")
LABEL = re.compile(r"^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$")

# Default (code, message) of fail_next's error envelope by HTTP status.
DEFAULT_ERRORS = {
    400: (1004, "DNS Validation Error"),
    401: (10000, "Authentication error"),
    403: (9109, "Invalid access token"),
    404: (81044, "Record does not exist."),
    405: (7001, "Method not available for that URI."),
    409: (81058, "An identical record already exists."),
    429: (971, "More than 1200 requests per 300 seconds reached. "
               "Please wait and consider throttling your request speed"),
    500: (10001, "Internal server error"),
}
# Statuses answered with Cloudflare's HTML error page rather than JSON
# (gateway errors in front of the API), unless fail_next(html=False).
HTML_STATUSES = (502, 503, 504, 520, 521, 522, 523, 524)
REASONS = {520: "Web Server Returned an Unknown Error", 521: "Web Server Is Down",
           522: "Connection Timed Out", 523: "Origin Is Unreachable", 524: "A Timeout Occurred"}


def new_id():
    """A record id as Cloudflare makes them: 32 lowercase hex digits."""
    return uuid.uuid4().hex


def now_iso():
    """The current UTC time as Cloudflare writes it: 2024-05-01T12:00:00.123456Z."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def envelope(result=None, success=True, errors=(), messages=(), result_info=None):
    e = {"success": success, "errors": list(errors), "messages": list(messages),
         "result": result}
    if result_info is not None:
        e["result_info"] = result_info
    return e


def error_envelope(code, message, chain=None):
    err = {"code": code, "message": message}
    if chain:
        err["error_chain"] = list(chain)
    return envelope(None, False, [err])


def html_page(status):
    reason = REASONS.get(status) or http.server.BaseHTTPRequestHandler.responses.get(
        status, ("Error",))[0]
    return ("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s"
            "</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
            % (status, reason, status, reason)).encode()


def _norm_name(name):
    return name.strip().rstrip(".").lower()


def _methods(methods):
    if methods is None:
        return None
    if isinstance(methods, str):
        methods = [methods]
    return {m.upper() for m in methods}


def _ops(ops):
    if ops is None:
        return None
    if isinstance(ops, str):
        ops = [ops]
    ops = set(ops)
    bad = ops - set(OPS)
    if bad:
        raise ValueError("unknown ops %r (known: %s)" % (sorted(bad), ", ".join(OPS)))
    return ops


class Rule:
    """A misbehaviour: fail (answer an error), drop (close, no answer), delay
    or ratelimit. remaining: how many more requests it applies to (None: until
    removed); applied: how many it has."""

    def __init__(self, kind, methods=None, ops=None, remaining=None, status=None, code=None,
                 message=None, retry_after=None, html=None, body=None, content_type=None,
                 seconds=0.0, when="before", rst=False):
        self.kind = kind
        self.methods = _methods(methods)
        self.ops = _ops(ops)
        self.remaining = remaining
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.html = html
        self.body = body
        self.content_type = content_type
        self.seconds = seconds
        self.when = when
        self.rst = rst
        self.applied = 0

    def matches(self, method, op):
        return ((self.methods is None or method in self.methods)
                and (self.ops is None or op in self.ops))

    def __repr__(self):
        return "<Rule %s status=%s remaining=%s applied=%d>" % (
            self.kind, self.status, self.remaining, self.applied)


class _Answer(Exception):
    """Raised inside request handling: answer (status, body, headers) now."""

    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class _Drop(Exception):
    def __init__(self, rst):
        super().__init__("drop")
        self.rst = rst


def _fail(status, code, message, chain=None, headers=None):
    return _Answer(status, error_envelope(code, message, chain), headers)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True
    server_version = "cloudflare"
    sys_version = ""

    def log_message(self, fmt, *args):      # quiet
        pass

    def setup(self):
        super().setup()
        self.server.fake._conn_opened(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.fake._conn_closed(self.connection)

    def do_GET(self):
        self.server.fake._handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def send_answer(self, status, body, headers, content_type):
        if isinstance(body, (dict, list)):
            data = json.dumps(body, separators=(",", ":")).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body or b""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("CF-RAY", uuid.uuid4().hex[:16] + "-LHR")
        for k, v in headers.items():
            self.send_header(k, str(v))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

    def drop(self, rst):
        if rst:
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            except OSError:
                pass
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Server(LoopbackHTTPServer):
    request_queue_size = 128        # the listen backlog (5 by default drops bursts)


class FakeCloudflare:
    """See the module comment. Every method is safe to call from any thread
    at any time; start() once, stop() any number of times."""

    # What real Cloudflare answers, tunable per instance or per class.
    unknown_zone_status = 400       # 7003 comes with 400; set 404 to taste
    outside_zone = "append"         # a name outside the zone: "append" the zone to it, as
                                    # Cloudflare does ("vpn.other.org" -> "vpn.other.org.example.com"),
                                    # or "reject" with 400 1004
    flat_validation = False         # True: validation errors as a flat [inner error] list
    allow_duplicates = False        # False: an identical record -> 400 81058

    def __init__(self, token="stingy-test-token", zones=None, port=0):
        self._lock = threading.RLock()
        self._token = token
        self._good_token = token
        self._refusal = (403, 9109, "Invalid access token")
        self._zones = dict(zones or {})
        self._records = {}          # id -> record dict (creation order)
        self._log = []
        self._rules = []
        self._conns = {}            # socket -> handler thread
        self._stop = threading.Event()
        self.dropped_log = 0
        self.errors = []            # exceptions raised while handling (a bug of the fake)
        self._server = _Server(("127.0.0.1", port), _Handler, bind_and_activate=True)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self.url = "http://127.0.0.1:%d%s" % (self.port, BASE)
        self._thread = None
        self._stopped = False

    # -- life ---------------------------------------------------------------

    def start(self):
        if self._thread is None and not self._stopped:
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            kwargs={"poll_interval": 0.01}, daemon=True,
                                            name="fakecf")
            self._thread.start()
        return self

    def stop(self, timeout=10):
        """Stop accepting, release delays, close every connection, join."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout)
        with self._lock:
            conns = list(self._conns.items())
        close_connections(conns, timeout)
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def _conn_opened(self, sock):
        with self._lock:
            self._conns[sock] = threading.current_thread()
        if self._stop.is_set():
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _conn_closed(self, sock):
        with self._lock:
            self._conns.pop(sock, None)

    # -- state --------------------------------------------------------------

    def add_zone(self, zone_id, name):
        with self._lock:
            self._zones[zone_id] = _norm_name(name)
        return zone_id

    def zones(self):
        with self._lock:
            return dict(self._zones)

    def add_record(self, zone, name, content, ttl=60, proxied=False, type="A",
                   record_id=None, comment=None, tags=None):
        """Plant a record as it is, without validation (a test may plant
        what the API would refuse); name is taken as the full name. Its id."""
        with self._lock:
            if zone not in self._zones:
                raise KeyError("no zone %r: add_zone first" % zone)
            rid = record_id or new_id()
            if rid in self._records:
                raise KeyError("record %r exists" % rid)
            self._records[rid] = self._make(zone, rid, {
                "type": type, "name": _norm_name(name), "content": content, "ttl": ttl,
                "proxied": proxied, "comment": comment, "tags": list(tags or [])})
            return rid

    def update_record(self, record_id, **fields):
        """Change a record behind the daemon's back (as a person in the
        dashboard would); modified_on moves. The new record."""
        with self._lock:
            r = self._records[record_id]
            if "name" in fields:
                fields["name"] = _norm_name(fields["name"])
            r.update(fields)
            r["modified_on"] = now_iso()
            return copy.deepcopy(r)

    def delete_record(self, record_id):
        with self._lock:
            return self._records.pop(record_id, None) is not None

    def record(self, record_id):
        """A copy of the record, or None."""
        with self._lock:
            r = self._records.get(record_id)
            return copy.deepcopy(r) if r is not None else None

    def records(self, zone=None, name=None, type=None):
        """Copies of the records (of zone, with name, of type), oldest first."""
        with self._lock:
            out = [copy.deepcopy(r) for r in self._records.values()
                   if (zone is None or r["zone_id"] == zone)
                   and (name is None or r["name"] == _norm_name(name))
                   and (type is None or r["type"] == type)]
        return out

    def set_token(self, token):
        """The token accepted from now on (None: any Bearer token)."""
        with self._lock:
            self._token = token
            self._good_token = token
            self._refusal = (403, 9109, "Invalid access token")

    @property
    def token(self):
        with self._lock:
            return self._token

    def bad_token(self, status=403, code=9109, message="Invalid access token"):
        """Refuse the current token from now on (another one is accepted),
        answering status/code/message; good_token() undoes it. (Cloudflare has
        been seen to answer a wrong token with 401 10000 "Authentication
        error" on some routes: bad_token(401, 10000, "Authentication error").)"""
        with self._lock:
            self._token = "refused-" + new_id()
            self._refusal = (status, code, message)

    def good_token(self):
        """Accept again the token set last by the constructor or set_token."""
        with self._lock:
            self._token = self._good_token
            self._refusal = (403, 9109, "Invalid access token")

    # -- misbehaviour -------------------------------------------------------

    def _add(self, rule):
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove(self, rule):
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def rules(self):
        with self._lock:
            return list(self._rules)

    def fail_next(self, n, status, code=None, message=None, retry_after=None, methods=None,
                  ops=None, html=None, body=None, content_type=None):
        """Answer the next n requests that match (methods: "PATCH" or a list;
        ops: "list", "get", "create", "patch", "put", "delete") with HTTP
        status and the error envelope {code, message} (defaults by status,
        DEFAULT_ERRORS); n=None: until removed. retry_after (seconds) adds
        a Retry-After header. 502/503/504/52x answer Cloudflare's HTML error
        page instead (html=False: the envelope; html=True: HTML for any
        status). body (str/bytes/dict) replaces the body outright, sent with
        content_type (default application/json). The rule (see remove())."""
        dcode, dmsg = DEFAULT_ERRORS.get(status, (10000 + status, "Injected error %d" % status))
        if html is None:
            html = status in HTML_STATUSES
        return self._add(Rule("fail", methods, ops, n, status=status,
                              code=dcode if code is None else code,
                              message=dmsg if message is None else message,
                              retry_after=retry_after, html=html, body=body,
                              content_type=content_type))

    def drop_next(self, n=1, methods=None, ops=None, rst=False):
        """Close the connection of the next n matching requests without an
        answer (rst=True: with a TCP RST). Nothing is applied. The rule."""
        return self._add(Rule("drop", methods, ops, n, rst=rst))

    def delay(self, seconds, methods=None, ops=None, when="before"):
        """Slow every matching request by seconds until removed or
        clear_faults(): when="before" waits, then handles the request;
        when="after" handles it (a write lands at once) and holds the answer.
        Delays that match add up. delay(0) removes every delay rule. The rule."""
        if not seconds:
            with self._lock:
                self._rules = [r for r in self._rules if r.kind != "delay"]
            return None
        if when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        return self._add(Rule("delay", methods, ops, None, seconds=float(seconds), when=when))

    def rate_limit(self, retry_after=60, methods=None, ops=None):
        """Answer every matching request 429 (code 971) until
        clear_faults() or remove(); retry_after: the Retry-After header in
        seconds, None for none. The rule."""
        code, msg = DEFAULT_ERRORS[429]
        return self._add(Rule("ratelimit", methods, ops, None, status=429, code=code,
                              message=msg, retry_after=retry_after, html=False))

    def clear_faults(self):
        """Remove every fail/drop/delay/rate-limit rule (the token stays)."""
        with self._lock:
            self._rules = []

    # -- the log ------------------------------------------------------------

    def requests(self, method=None, op=None, since=None):
        """Copies of the logged requests, oldest first: dicts with method,
        path (no query), query ({name: last value}), headers ({lower-case
        name: value}), body (parsed JSON, or None), raw (bytes), time
        (monotonic at arrival), op (list/get/create/patch/put/delete, or None),
        fault (the rule kind applied, or None), status (answered; None while
        in flight or when dropped), done (monotonic when answered)."""
        ms = _methods(method)
        with self._lock:
            return [copy.deepcopy(e) for e in self._log
                    if (ms is None or e["method"] in ms)
                    and (op is None or e["op"] == op)
                    and (since is None or e["time"] >= since)]

    def writes(self, since=None):
        """The logged POST, PATCH, PUT and DELETE requests."""
        return self.requests(WRITE_METHODS, since=since)

    def count(self, method=None, op=None, since=None):
        return len(self.requests(method, op, since))

    def clear_log(self):
        with self._lock:
            self._log = []

    # -- handling -----------------------------------------------------------

    def _handle(self, h):
        raw_path = h.path
        split = urllib.parse.urlsplit(raw_path)
        query = {k: v[-1] for k, v in
                 urllib.parse.parse_qs(split.query, keep_blank_values=True).items()}
        try:
            n = int(h.headers.get("Content-Length") or 0)
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            h.send_error(413)
            h.close_connection = True
            return
        raw = h.rfile.read(n) if n else b""
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except (ValueError, UnicodeDecodeError):
            body = None
        method = h.command.upper()
        route = self._route(method, split.path)
        entry = {"method": method, "path": split.path, "query": query,
                 "headers": {k.lower(): v for k, v in h.headers.items()},
                 "body": body, "raw": raw, "time": time.monotonic(), "op": route[0],
                 "fault": None, "status": None, "done": None}
        with self._lock:
            if len(self._log) < MAX_LOG:
                self._log.append(entry)
            else:
                self.dropped_log += 1
            rules = [r for r in self._rules if r.matches(method, route[0])]
            before = sum(r.seconds for r in rules if r.kind == "delay" and r.when == "before")
            after = sum(r.seconds for r in rules if r.kind == "delay" and r.when == "after")
        if before:
            self._mark(entry, fault="delay")
            if self._stop.wait(before):
                h.drop(False)                   # stopped meanwhile: no answer
                return
        content_type = "application/json"
        try:
            try:
                result = self._serve(h, entry, method, split.path, route, query, raw, body)
                status, payload, headers = 200, envelope(result), {}
            except _Answer as a:
                status, payload, headers = a.status, a.body, a.headers
                content_type = headers.pop("Content-Type", content_type)
        except _Drop as d:
            h.drop(d.rst)
            return
        except Exception as e:              # a bug of the fake: say so, answer 500
            self.errors.append(repr(e))
            status, payload, headers = 500, error_envelope(10001, "fakecf: %r" % e), {}
        if after:
            if entry["fault"] is None:
                self._mark(entry, fault="delay")
            if self._stop.wait(after):
                h.drop(False)
                return
        self._mark(entry, status=status)
        try:
            h.send_answer(status, payload, headers, content_type)
        except OSError:
            h.close_connection = True
        self._mark(entry, done=time.monotonic())

    def _mark(self, entry, **kw):
        with self._lock:
            entry.update(kw)

    def _route(self, method, path):
        """(op, zone, record id) for a path; op None when no route."""
        if not path.startswith(BASE + "/"):
            return (None, None, None)
        parts = [urllib.parse.unquote(p) for p in path[len(BASE) + 1:].split("/")]
        if parts and parts[-1] == "":
            parts = parts[:-1]
        if len(parts) == 3 and parts[0] == "zones" and parts[2] == "dns_records":
            op = {"GET": "list", "POST": "create"}.get(method)
            return (op, parts[1], None)
        if len(parts) == 4 and parts[0] == "zones" and parts[2] == "dns_records":
            op = {"GET": "get", "PATCH": "patch", "PUT": "put", "DELETE": "delete"}.get(method)
            return (op, parts[1], parts[3])
        return (None, None, None)

    def _pick_rule(self, method, op):
        """The fail/drop rule to apply (counted), else the rate limit, else None."""
        with self._lock:
            limit = None
            for r in self._rules:
                if not r.matches(method, op):
                    continue
                if r.kind in ("fail", "drop"):
                    if r.remaining is not None and r.remaining <= 0:
                        continue
                    if r.remaining is not None:
                        r.remaining -= 1
                    r.applied += 1
                    return r
                if r.kind == "ratelimit" and limit is None:
                    limit = r
            if limit is not None:
                limit.applied += 1
            return limit

    def _serve(self, h, entry, method, path, route, query, raw, body):
        op, zone, rid = route
        rule = self._pick_rule(method, op)
        if rule is not None:
            self._mark(entry, fault=rule.kind)
            if rule.kind == "drop":
                raise _Drop(rule.rst)
            headers = {}
            if rule.retry_after is not None:
                headers["Retry-After"] = str(rule.retry_after)
            if rule.body is not None:
                headers["Content-Type"] = rule.content_type or "application/json"
                raise _Answer(rule.status, rule.body, headers)
            if rule.html:
                headers["Content-Type"] = "text/html"
                raise _Answer(rule.status, html_page(rule.status), headers)
            raise _fail(rule.status, rule.code, rule.message, headers=headers)
        self._check_auth(h)
        with self._lock:
            return self._apply(method, path, op, zone, rid, query, raw, body)

    def _check_auth(self, h):
        auth = h.headers.get("Authorization")
        if auth is None and not h.headers.get("X-Auth-Key") and not h.headers.get("X-Auth-Email"):
            raise _Answer(400, {"success": False, "errors": [
                {"code": 9106, "message": "Missing X-Auth-Key, X-Auth-Email or Authorization headers"}]})
        parts = (auth or "").split(" ")
        if auth is None or len(parts) != 2 or parts[0] != "Bearer" or not parts[1] \
                or not all(33 <= ord(c) < 127 for c in parts[1]):
            raise _fail(400, 6003, "Invalid request headers",
                        [{"code": 6111, "message": "Invalid format for Authorization header"}])
        with self._lock:
            want, refusal = self._token, self._refusal
        if want is not None and parts[1] != want:
            status, code, message = refusal
            raise _fail(status, code, message)

    def _no_route(self, path):
        return _fail(self.unknown_zone_status, 7003,
                     "Could not route to %s, perhaps your object identifier is invalid?" % path)

    def _apply(self, method, path, op, zone, rid, query, raw, body):
        if op is None:
            route = self._route("GET", path)[0] or self._route("PATCH", path)[0] \
                or self._route("POST", path)[0]
            if route is not None:
                raise _fail(405, 7001, "Method %s not available for that URI." % method)
            raise _fail(400, 7000, "No route for that URI")
        if zone not in self._zones:
            raise self._no_route(path)
        if rid is not None and not HEX32.match(rid):
            raise self._no_route(path)
        if op == "list":
            return self._list(zone, query)
        if rid is not None and (rid not in self._records
                                or self._records[rid]["zone_id"] != zone):
            raise _fail(404, 81044, "Record does not exist.")
        if op == "get":
            return copy.deepcopy(self._records[rid])
        if op == "delete":
            del self._records[rid]
            return {"id": rid}
        if not isinstance(body, dict):
            raise _fail(400, 9207, "Request body is invalid.")
        if op == "create":
            fields = self._validate(zone, body, None)
            rid = new_id()
            self._records[rid] = self._make(zone, rid, fields)
            return copy.deepcopy(self._records[rid])
        old = self._records[rid]
        if op == "patch":
            merged = {k: old[k] for k in ("type", "name", "content", "ttl", "proxied",
                                          "comment", "tags")}
            merged.update({k: v for k, v in body.items() if k in merged})
            fields = self._validate(zone, merged, rid)
        else:                                           # put
            fields = self._validate(zone, body, rid)
        old.update(fields)
        old["proxiable"] = _proxiable(old["content"])
        old["modified_on"] = now_iso()
        return copy.deepcopy(old)

    def _list(self, zone, query):
        try:
            page = int(query.get("page", "1"))
            per_page = int(query.get("per_page", "100"))
        except ValueError:
            raise _fail(400, 1004, "DNS Validation Error",
                        [{"code": 9999, "message": "page and per_page must be integers"}])
        page = max(1, page)
        per_page = min(max(1, per_page), 5000000)
        want_type = query.get("type")
        want_name = _norm_name(query["name"]) if "name" in query else None
        want_content = query.get("content")
        rows = [r for r in self._records.values() if r["zone_id"] == zone
                and (want_type is None or r["type"] == want_type.upper())
                and (want_name is None or r["name"] == want_name)
                and (want_content is None or r["content"] == want_content)]
        rows.sort(key=lambda r: (r["type"], r["name"]))   # stable: oldest first within
        total = len(rows)
        chunk = rows[(page - 1) * per_page: page * per_page]
        info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": total,
                "total_pages": max(1, -(-total // per_page))}
        raise _Answer(200, envelope([copy.deepcopy(r) for r in chunk], result_info=info))

    def _invalid(self, code, message):
        inner = {"code": code, "message": message}
        if self.flat_validation:
            return _Answer(400, envelope(None, False, [inner]))
        return _fail(400, 1004, "DNS Validation Error", [inner])

    def _validate(self, zone, b, rid):
        """The record fields of body b (a create or a replace, or a merged
        patch); raises the 400 Cloudflare answers when invalid."""
        rtype = b.get("type")
        if rtype != "A":
            raise self._invalid(9101, "Invalid or unsupported record type %r (the fake knows A only)."
                                % (rtype,))
        name = b.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self._invalid(9000, "DNS name is invalid.")
        zname = self._zones[zone]
        name = _norm_name(name)
        if name == "@":
            name = zname
        if name != zname and not name.endswith("." + zname):
            if self.outside_zone == "reject":
                raise self._invalid(9000, "DNS name is invalid: %s is not in zone %s."
                                    % (name, zname))
            name = name + "." + zname
        if len(name) > 253 or not all(LABEL.match(lab) for lab in name.split(".")) \
                or "*" in name.split(".")[1:]:
            raise self._invalid(9000, "DNS name is invalid.")
        content = b.get("content")
        if not isinstance(content, str) or not _ipv4(content):
            raise self._invalid(9005, "Content for A record must be a valid IPv4 address.")
        ttl = b.get("ttl", 1)
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not (ttl == 1 or 60 <= ttl <= 86400):
            raise self._invalid(9021, "Invalid TTL. Must be between 60 and 86400 seconds, "
                                      "or 1 for automatic.")
        proxied = b.get("proxied", False)
        if not isinstance(proxied, bool):
            raise _fail(400, 9207, "Request body is invalid.")
        if proxied and not _proxiable(content):
            raise self._invalid(9041, "This record type cannot be proxied.")
        comment = b.get("comment")
        if comment is not None and not isinstance(comment, str):
            raise _fail(400, 9207, "Request body is invalid.")
        tags = b.get("tags", [])
        if not isinstance(tags, list):
            raise _fail(400, 9207, "Request body is invalid.")
        if not self.allow_duplicates:
            for other in self._records.values():
                if other["id"] != rid and other["zone_id"] == zone and other["type"] == "A" \
                        and other["name"] == name and other["content"] == content:
                    raise _fail(400, 81058, "An identical record already exists.")
        return {"type": rtype, "name": name, "content": content, "ttl": ttl,
                "proxied": proxied, "comment": comment, "tags": list(tags)}

    def _make(self, zone, rid, f):
        t = now_iso()
        return {"id": rid, "zone_id": zone, "zone_name": self._zones[zone],
                "name": f["name"], "type": f["type"], "content": f["content"],
                "proxiable": _proxiable(f["content"]), "proxied": f["proxied"],
                "ttl": f["ttl"], "settings": {}, "locked": False,
                "meta": {"auto_added": False, "managed_by_apps": False,
                         "managed_by_argo_tunnel": False},
                "comment": f.get("comment"), "tags": list(f.get("tags") or []),
                "created_on": t, "modified_on": t}


def _ipv4(s):
    try:
        ipaddress.IPv4Address(s)
        return True
    except ValueError:
        return False


_UNPROXIABLE = [ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "224.0.0.0/3")]


def _proxiable(content):
    """Whether Cloudflare could proxy an A record to content (not a private,
    loopback, link-local, multicast or reserved address)."""
    try:
        ip = ipaddress.IPv4Address(content)
    except (ValueError, TypeError):
        return False
    return not any(ip in n for n in _UNPROXIABLE)
