"""A fault-injecting HTTP/1.1 forward proxy for the integration tests.

The daemon is pointed at it (AWS_ENDPOINT_URL=http://127.0.0.1:PORT); it
forwards every request to moto with its body and headers intact, except when a
rule set by the test matches the request's AWS operation. The operation comes
from the X-Amz-Target header (SQS, SSM: JSON protocols) or from `Action=` in
the form body (EC2, SNS: query protocol).

    proxy = FaultProxy(moto.url).start()
    r = proxy.fail("RunInstances", "InsufficientInstanceCapacity", 500,
                   match=lambda p: p.get("InstanceType") == "t4g.nano")
    ...
    proxy.remove(r)          # or proxy.clear()
    proxy.count("RunInstances")
    proxy.stop()

Every request is recorded (monotonic time, service, operation, parameters,
what the proxy did with it) so tests can count and inspect what was sent.

RunInstances is made idempotent on ClientToken as AWS makes it (moto is not):
a repeated token gets the first launch's answer again, and moto never sees it.

Bounded: at most MAX_CONNECTIONS client connections at a time (more are
closed at once), request bodies up to MAX_BODY bytes, the record capped at
MAX_RECORDS entries, and stop() releases stalls, closes every connection and
joins every thread it started.
"""
import http.client
import http.server
import json
import select
import socket
import struct
import threading
import time
import urllib.parse

from loopback import LoopbackHTTPServer, close_connections

MAX_CONNECTIONS = 64
MAX_BODY = 4 * 1024 * 1024
MAX_RECORDS = 200000
IDLE_TIMEOUT = 300          # seconds a kept-alive client connection may sit idle
UPSTREAM_TIMEOUT = 60       # seconds for moto to answer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade", "expect", "content-length"}

# What a fault does with a request (Rule.action).
ERROR = "error"             # answer with an AWS-shaped error, never forward
RESET = "reset"             # close the connection with RST (SO_LINGER 0), never forward
STALL = "stall"             # hold the request `seconds` (or until the rule is
                            # removed), then close with RST; never forward
TRUNCATE = "truncate"       # forward, answer 200 with half of moto's body and a full length
GARBAGE = "garbage"         # forward, answer 200 with a body of junk
HOOK = "hook"               # call hook(record); see Rule
DELAY = "delay"             # forward, but `seconds` late (when="before") or hold
                            # moto's answer `seconds` (when="after": a stale answer)


class Request:
    """One request as the proxy saw it."""

    __slots__ = ("t", "wall", "service", "op", "params", "fault", "status", "upstream_status",
                 "replayed")

    def __init__(self, service, op, params):
        self.t = time.monotonic()
        self.wall = time.time()
        self.service = service
        self.op = op
        self.params = params
        self.fault = None           # the action of the rule applied, None when forwarded
        self.status = None          # the status the client got, None when it got none
        self.upstream_status = None  # the status moto answered, None when not forwarded
        self.replayed = False       # a RunInstances answered from the ClientToken memory

    def __repr__(self):
        return "<%s %s %.3f fault=%s status=%s upstream=%s>" % (
            self.service, self.op, self.t, self.fault, self.status, self.upstream_status)


class Rule:
    """A fault for the requests it matches.

    ops: an operation name, a collection of them, or None for every request.
    service: "ec2", "sqs", "ssm", "sns" or None for any.
    match: None or a predicate on the request's parameters (a dict: the form
        fields of a query request, the JSON object of a JSON request).
    times: apply at most this many times (None: until removed); skip: let
        this many matching requests through first.
    For ERROR: code, status, message. For STALL: seconds. For DELAY: seconds
    and when ("before": forward late; "after": hold moto's answer). For HOOK: hook is
    called with the Request record, when="before" (before forwarding; then
    the request is forwarded only if forward is true, else the connection is
    dropped) or when="after" (after moto answered, before the client gets the
    answer; then the answer is delivered only if forward is true, else the
    connection is dropped).
    """

    def __init__(self, action, ops=None, service=None, match=None, times=None, skip=0,
                 code=None, status=None, message=None, seconds=0.0, hook=None,
                 when="before", forward=False):
        if isinstance(ops, str):
            ops = {ops}
        self.action = action
        self.ops = set(ops) if ops is not None else None
        self.service = service
        self.match = match
        self.times = times
        self.skip = skip
        self.code = code
        self.status = status
        self.message = message or "injected by faultproxy"
        self.seconds = seconds
        self.hook = hook
        self.when = when
        self.forward = forward
        self.applied = 0            # times it was applied

    def _matches(self, rec):
        if self.ops is not None and rec.op not in self.ops:
            return False
        if self.service is not None and rec.service != self.service:
            return False
        if self.match is not None:
            try:
                if not self.match(rec.params if isinstance(rec.params, dict) else {}):
                    return False
            except Exception:       # a predicate that fails does not match
                return False
        return True


def _service_of(headers):
    """The service from the SigV4 credential scope, '' when not signed."""
    auth = headers.get("Authorization", "")
    i = auth.find("Credential=")
    if i < 0:
        return ""
    scope = auth[i + len("Credential="):].split(",", 1)[0].split("/")
    return scope[3] if len(scope) >= 5 else ""


def _identify(headers, body):
    """(service, operation, params) of a request."""
    service = _service_of(headers)
    target = headers.get("X-Amz-Target")
    if target:
        op = target.rsplit(".", 1)[-1]
        if not service:
            service = target.split(".", 1)[0].replace("Amazon", "").lower()
        try:
            params = json.loads(body.decode("utf-8")) if body else {}
        except (ValueError, UnicodeDecodeError):
            params = {}
        return service, op, params
    try:
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        form = {}
    params = {k: v[-1] for k, v in form.items()}
    return service, params.get("Action", ""), params


def error_body(service, json_protocol, code, message):
    """(content type, body) of an AWS error as the service would shape it."""
    if json_protocol:
        prefix = {"sqs": "com.amazonaws.sqs#"}.get(service, "")
        ctype = "application/x-amz-json-1.0" if service == "sqs" else "application/x-amz-json-1.1"
        return ctype, json.dumps({"__type": prefix + code, "message": message}).encode()
    if service == "ec2" or not service:
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>%s"
                "</Code><Message>%s</Message></Error></Errors><RequestID>"
                "faultproxy-0000</RequestID></Response>" % (code, message))
    else:
        body = ("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s"
                "</Message></Error><RequestId>faultproxy-0000</RequestId></ErrorResponse>"
                % (code, message))
    return "text/xml", body.encode()


class _Drop(Exception):
    """Close the client connection now, with RST."""


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    # Headers and body go out in two sends: without TCP_NODELAY the body
    # waits for the client's delayed ACK (~40 ms on every answer).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):      # quiet
        pass

    def do_POST(self):
        self._proxy()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_POST

    def _reset(self):
        # SO_LINGER 0: the close sends RST. The descriptor closes once the
        # reader and writer the handler made on it are closed too.
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except OSError:
                pass
        try:
            self.connection.close()
        except OSError:
            pass

    def _proxy(self):
        p = self.server.fault_proxy
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            self.send_error(413)
            self.close_connection = True
            return
        body = self.rfile.read(n) if n else b""
        service, op, params = _identify(self.headers, body)
        rec = Request(service, op, params)
        rule = p._pick(rec)
        try:
            self._serve(p, rec, rule, body)
        except _Drop:
            self._reset()
        except OSError:                     # the client went away
            self.close_connection = True

    def _serve(self, p, rec, rule, body):
        json_protocol = "X-Amz-Target" in self.headers
        if rule is not None:
            rec.fault = rule.action
        if rule is not None and rule.action == ERROR:
            ctype, ebody = error_body(rec.service, json_protocol, rule.code, rule.message)
            return self._answer(rec, rule.status, [("Content-Type", ctype)], ebody)
        if rule is not None and rule.action == RESET:
            raise _Drop()
        if rule is not None and rule.action == STALL:
            self._stall(p, rule)
            raise _Drop()
        if rule is not None and rule.action == DELAY and rule.when == "before":
            p._stop.wait(rule.seconds)
        if rule is not None and rule.action == HOOK and rule.when == "before":
            p._call_hook(rule, rec)
            if not rule.forward:
                raise _Drop()
        token = rec.params.get("ClientToken") if rec.op == "RunInstances" else None
        with p._lock:
            kept = p._run_tokens.get(token) if token and p.idempotent_run else None
        if kept is not None:
            # AWS answers a repeated ClientToken with the first launch; moto
            # launches again, so the proxy does what AWS does.
            rec.replayed = True
            status, headers, answer = kept
        else:
            status, headers, answer = self._forward(p, body)
            rec.upstream_status = status
            if token and status == 200:
                with p._lock:
                    p._run_tokens[token] = (status, headers, answer)
        if rule is not None and rule.action == DELAY and rule.when == "after":
            p._stop.wait(rule.seconds)
        if rule is not None and rule.action == HOOK and rule.when == "after":
            p._call_hook(rule, rec)
            if not rule.forward:
                raise _Drop()
        if rule is not None and rule.action == TRUNCATE:
            # The full length announced, half the bytes sent, then the close.
            hdrs = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
            rec.status = 200
            self.send_response(200)
            for k, v in hdrs:
                self.send_header(k, v)
            self.send_header("Content-Length", str(max(len(answer), 64)))
            self.end_headers()
            self.wfile.write(answer[:len(answer) // 2])
            self.wfile.flush()
            # An orderly close (FIN), so the client reads the short body.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_WR)
            return None
        if rule is not None and rule.action == GARBAGE:
            ctype = "application/x-amz-json-1.0" if json_protocol else "text/xml"
            junk = b"\x00\xff<Respo{{\"garbage\x01 not an answer ]]>" * 8
            return self._answer(rec, 200, [("Content-Type", ctype)], junk)
        return self._answer(rec, status, headers, answer)

    def _stall(self, p, rule):
        """Hold the request for rule.seconds, or until the client hangs up,
        the rule is removed or the proxy stops."""
        deadline = time.monotonic() + rule.seconds
        while not p._stop.is_set() and p._has(rule):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                r, _, _ = select.select([self.connection], [], [], min(left, 0.2))
                if r and self.connection.recv(1, socket.MSG_PEEK) == b"":
                    return                  # the client gave up
            except (OSError, ValueError):
                return

    def _forward(self, p, body):
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        conn = http.client.HTTPConnection(p.upstream_host, p.upstream_port,
                                          timeout=UPSTREAM_TIMEOUT)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            r = conn.getresponse()
            answer = r.read()
            return r.status, r.getheaders(), answer
        except (OSError, http.client.HTTPException):
            raise _Drop()
        finally:
            conn.close()

    def _answer(self, rec, status, headers, body):
        rec.status = status
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP_BY_HOP and k.lower() not in ("server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()


class _Server(LoopbackHTTPServer):
    def process_request(self, request, client_address):
        p = self.fault_proxy
        with p._lock:
            if p._stopping or len(p._conns) >= MAX_CONNECTIONS:
                p.refused += 1
                self.shutdown_request(request)
                return
            t = threading.Thread(target=self._run, args=(request, client_address), daemon=True)
            p._conns[request] = t
        t.start()

    def _run(self, request, client_address):
        p = self.fault_proxy
        try:
            self.finish_request(request, client_address)
        except Exception:
            pass
        finally:
            self.shutdown_request(request)
            with p._lock:
                p._conns.pop(request, None)


class FaultProxy:
    """See the module comment. Thread-safe; start() once, stop() once."""

    def __init__(self, upstream_url, port=0):
        u = urllib.parse.urlsplit(upstream_url)
        self.upstream_host = u.hostname
        self.upstream_port = u.port or 80
        self._lock = threading.Lock()
        self._rules = []
        self._records = []
        self._conns = {}
        self._stop = threading.Event()
        self._stopping = False
        self.hook_errors = []
        self.refused = 0
        self.dropped_records = 0
        # RunInstances answers by ClientToken, replayed for a repeat (see
        # _serve); set idempotent_run = False to see moto's own behaviour.
        self.idempotent_run = True
        self._run_tokens = {}
        self._server = _Server(("127.0.0.1", port), _Handler, bind_and_activate=True)
        self._server.fault_proxy = self
        self.port = self._server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout=10):
        """Stop accepting, release stalls, close every connection, join."""
        if self._thread is None:
            return
        with self._lock:
            self._stopping = True
        self._stop.set()
        self._server.shutdown()
        self._thread.join(timeout)
        self._server.server_close()
        with self._lock:
            conns = list(self._conns.items())
        close_connections(conns, timeout)
        self._thread = None

    # -- rules --------------------------------------------------------------

    def add(self, rule):
        """Add rule (checked after the rules added before it); returns it."""
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove(self, rule):
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def _has(self, rule):
        with self._lock:
            return rule in self._rules

    def clear(self):
        """Remove every rule: from now on everything is forwarded."""
        with self._lock:
            self._rules = []

    def fail(self, ops, code, status, **kw):
        """Answer matching requests with the error code and HTTP status."""
        return self.add(Rule(ERROR, ops, code=code, status=status, **kw))

    def reset(self, ops=None, **kw):
        return self.add(Rule(RESET, ops, **kw))

    def stall(self, ops=None, seconds=60.0, **kw):
        return self.add(Rule(STALL, ops, seconds=seconds, **kw))

    def delay(self, ops=None, seconds=1.0, when="before", **kw):
        """Forward matching requests seconds late (when="before"), or
        forward at once and hold moto's answer seconds (when="after", so
        the client gets what was true when it asked)."""
        return self.add(Rule(DELAY, ops, seconds=seconds, when=when, **kw))

    def truncate(self, ops=None, **kw):
        return self.add(Rule(TRUNCATE, ops, **kw))

    def garbage(self, ops=None, **kw):
        return self.add(Rule(GARBAGE, ops, **kw))

    def hook(self, ops, fn, when="before", forward=False, times=1, **kw):
        return self.add(Rule(HOOK, ops, hook=fn, when=when, forward=forward, times=times, **kw))

    def _pick(self, rec):
        """Record rec; the rule to apply to it, or None."""
        with self._lock:
            if len(self._records) < MAX_RECORDS:
                self._records.append(rec)
            else:
                self.dropped_records += 1
            for r in self._rules:
                if r.times is not None and r.applied >= r.times:
                    continue
                if not r._matches(rec):
                    continue
                if r.skip > 0:
                    r.skip -= 1
                    continue
                r.applied += 1
                return r
        return None

    def _call_hook(self, rule, rec):
        try:
            rule.hook(rec)
        except Exception as e:          # reported, never kills the proxy
            self.hook_errors.append(repr(e))

    # -- the record ---------------------------------------------------------

    def requests(self, op=None, since=None, service=None):
        """The recorded requests (oldest first), filtered."""
        with self._lock:
            recs = list(self._records)
        ops = {op} if isinstance(op, str) else (set(op) if op is not None else None)
        return [r for r in recs
                if (ops is None or r.op in ops)
                and (since is None or r.t >= since)
                and (service is None or r.service == service)]

    def count(self, op=None, since=None, service=None):
        return len(self.requests(op, since, service))

    def max_per_window(self, start, end, window=60.0, op=None):
        """The largest number of requests in any `window` seconds between
        monotonic times start and end (windows shorter at the edges are
        scaled up, so a short run still yields a rate per window)."""
        ts = [r.t for r in self.requests(op) if start <= r.t <= end]
        span = end - start
        if not ts or span <= 0:
            return 0.0
        if span <= window:
            return len(ts) * window / span
        best, j = 0, 0
        for i in range(len(ts)):
            while ts[i] - ts[j] > window:
                j += 1
            best = max(best, i - j + 1)
        return float(best)
