"""The fake Cloudflare DNS API (fakecf.py) itself, through urllib and raw
sockets: the shapes of its answers, its errors, its misbehaviour switches and
its request log. Quick: no daemon, no moto.
"""
import http.client
import json
import re
import socket
import threading
import time
import unittest
import urllib.error
import urllib.request

from fakecf import FakeCloudflare, new_id

ZONE = "023e105f4ecef8ad9ca31a8372d0c353"
OTHER_ZONE = "9a7806061c88ada191ed06f989cc3dac"
TOKEN = "Yq3v-tEst_t0ken-0123456789abcdefghijklmn"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
RECORD_KEYS = {"id", "zone_id", "zone_name", "name", "type", "content", "proxiable", "proxied",
               "ttl", "locked", "meta", "comment", "tags", "created_on", "modified_on"}


class Answer:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw.decode())
        except ValueError:
            self.json = None

    @property
    def codes(self):
        return [e["code"] for e in self.json["errors"]]

    def __repr__(self):
        return "<%d %r>" % (self.status, self.raw[:300])


class FakeCFTest(unittest.TestCase):

    def setUp(self):
        self.cf = FakeCloudflare(token=TOKEN).start()
        self.addCleanup(lambda: self.assertEqual(self.cf.errors, []))
        self.addCleanup(self.cf.stop)
        self.cf.add_zone(ZONE, "example.com")
        self.cf.add_zone(OTHER_ZONE, "example.org")
        self.rid = self.cf.add_record(ZONE, "vpn.example.com", "203.0.113.10", ttl=60)

    def call(self, method, path, body=None, token=TOKEN, headers=None, timeout=5):
        h = {"Content-Type": "application/json"}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        h.update(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.cf.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Answer(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Answer(e.code, e.headers, e.read())

    def rec_path(self, rid=None, zone=ZONE):
        return "/zones/%s/dns_records/%s" % (zone, rid or self.rid)

    def list_path(self, query="", zone=ZONE):
        return "/zones/%s/dns_records%s" % (zone, query)

    def assertRecordShape(self, r):
        self.assertTrue(RECORD_KEYS <= set(r), set(RECORD_KEYS) - set(r))
        self.assertRegex(r["id"], r"^[0-9a-f]{32}$")
        self.assertRegex(r["created_on"], ISO)
        self.assertRegex(r["modified_on"], ISO)
        self.assertIs(r["locked"], False)
        self.assertIsInstance(r["meta"], dict)
        self.assertIsInstance(r["tags"], list)
        self.assertIsInstance(r["proxied"], bool)
        self.assertIsInstance(r["proxiable"], bool)
        self.assertIsInstance(r["ttl"], int)

    def assertError(self, a, status, code):
        self.assertEqual(a.status, status, a)
        self.assertIs(a.json["success"], False)
        self.assertEqual(a.json["errors"][0]["code"], code, a)
        self.assertIsInstance(a.json["errors"][0]["message"], str)


class Shapes(FakeCFTest):

    def test_url(self):
        self.assertRegex(self.cf.url, r"^http://127\.0\.0\.1:\d+/client/v4$")
        self.assertEqual(self.cf.url, "http://127.0.0.1:%d/client/v4" % self.cf.port)

    def test_list_envelope_and_filters(self):
        self.cf.add_record(ZONE, "other.example.com", "198.51.100.1")
        self.cf.add_record(ZONE, "vpn.example.com", "ns.example.net", type="CNAME")
        self.cf.add_record(OTHER_ZONE, "vpn.example.org", "198.51.100.2")
        a = self.call("GET", self.list_path("?type=A&name=VPN.Example.COM"))
        self.assertEqual(a.status, 200)
        self.assertEqual(a.headers["Content-Type"], "application/json")
        j = a.json
        self.assertEqual(set(j), {"success", "errors", "messages", "result", "result_info"})
        self.assertIs(j["success"], True)
        self.assertEqual(j["errors"], [])
        self.assertEqual(j["messages"], [])
        self.assertEqual(j["result_info"], {"page": 1, "per_page": 100, "count": 1,
                                            "total_count": 1, "total_pages": 1})
        [r] = j["result"]
        self.assertRecordShape(r)
        self.assertEqual((r["id"], r["zone_id"], r["zone_name"], r["name"], r["type"],
                          r["content"], r["ttl"], r["proxied"]),
                         (self.rid, ZONE, "example.com", "vpn.example.com", "A",
                          "203.0.113.10", 60, False))
        # every record of the zone, none of the other zone's
        a = self.call("GET", self.list_path())
        self.assertEqual(a.json["result_info"]["total_count"], 3)
        self.assertEqual({r["zone_id"] for r in a.json["result"]}, {ZONE})
        # name is an exact match, not a suffix or prefix one
        a = self.call("GET", self.list_path("?name=example.com"))
        self.assertEqual(a.json["result"], [])
        self.assertEqual(a.json["result_info"]["total_count"], 0)

    def test_list_pages(self):
        for i in range(4):
            self.cf.add_record(ZONE, "vpn.example.com", "198.51.100.%d" % (i + 1))
        a = self.call("GET", self.list_path("?type=A&name=vpn.example.com&per_page=2&page=3"))
        self.assertEqual(a.json["result_info"], {"page": 3, "per_page": 2, "count": 1,
                                                 "total_count": 5, "total_pages": 3})
        self.assertEqual([r["content"] for r in a.json["result"]], ["198.51.100.4"])
        a = self.call("GET", self.list_path("?per_page=2&page=9"))
        self.assertEqual(a.json["result"], [])
        self.assertEqual(a.json["result_info"]["count"], 0)

    def test_get(self):
        a = self.call("GET", self.rec_path())
        self.assertEqual(a.status, 200)
        self.assertNotIn("result_info", a.json)
        self.assertIs(a.json["success"], True)
        self.assertRecordShape(a.json["result"])
        self.assertEqual(a.json["result"], self.cf.record(self.rid))

    def test_patch_merges(self):
        before = self.cf.record(self.rid)
        time.sleep(0.002)
        a = self.call("PATCH", self.rec_path(), {"content": "198.51.100.7"})
        self.assertEqual(a.status, 200, a)
        r = a.json["result"]
        self.assertRecordShape(r)
        self.assertEqual(r["content"], "198.51.100.7")
        self.assertEqual(r["ttl"], 60)                  # kept
        self.assertEqual(r["name"], "vpn.example.com")  # kept
        self.assertEqual(r["created_on"], before["created_on"])
        self.assertNotEqual(r["modified_on"], before["modified_on"])
        self.assertEqual(self.cf.record(self.rid), r)

    def test_put_replaces(self):
        self.cf.update_record(self.rid, comment="by hand", tags=["a:b"])
        a = self.call("PUT", self.rec_path(),
                      {"type": "A", "name": "vpn.example.com", "content": "198.51.100.8"})
        self.assertEqual(a.status, 200, a)
        r = a.json["result"]
        self.assertEqual((r["content"], r["ttl"], r["comment"], r["tags"], r["proxied"]),
                         ("198.51.100.8", 1, None, [], False))
        a = self.call("PUT", self.rec_path(), {"content": "198.51.100.9"})
        self.assertError(a, 400, 1004)
        self.assertEqual(self.cf.record(self.rid)["content"], "198.51.100.8")

    def test_create(self):
        body = {"type": "A", "name": "new.example.com", "content": "198.51.100.20", "ttl": 120,
                "proxied": False}
        a = self.call("POST", self.list_path(), body)
        self.assertEqual(a.status, 200, a)
        r = a.json["result"]
        self.assertRecordShape(r)
        self.assertEqual((r["name"], r["content"], r["ttl"], r["zone_id"]),
                         ("new.example.com", "198.51.100.20", 120, ZONE))
        self.assertEqual(self.cf.record(r["id"]), r)
        self.assertEqual(len(self.cf.records(ZONE)), 2)
        # the same again: Cloudflare refuses an identical record
        a = self.call("POST", self.list_path(), body)
        self.assertError(a, 400, 81058)
        self.assertEqual(len(self.cf.records(ZONE)), 2)

    def test_create_names(self):
        a = self.call("POST", self.list_path(), {"type": "A", "name": "Rel", "content": "198.51.100.1"})
        self.assertEqual(a.json["result"]["name"], "rel.example.com")
        a = self.call("POST", self.list_path(), {"type": "A", "name": "@", "content": "198.51.100.1"})
        self.assertEqual(a.json["result"]["name"], "example.com")
        # a name of another zone gets the zone appended, as Cloudflare does...
        a = self.call("POST", self.list_path(), {"type": "A", "name": "vpn.example.org",
                                                 "content": "198.51.100.1"})
        self.assertEqual(a.json["result"]["name"], "vpn.example.org.example.com")
        # ...or is refused, when the test asks for it
        self.cf.outside_zone = "reject"
        a = self.call("POST", self.list_path(), {"type": "A", "name": "vpn2.example.org",
                                                 "content": "198.51.100.1"})
        self.assertError(a, 400, 1004)

    def test_create_validation(self):
        good = {"type": "A", "name": "v.example.com", "content": "198.51.100.30", "ttl": 60}
        cases = [({"content": "198.51.100"}, 9005), ({"content": "2001:db8::1"}, 9005),
                 ({"content": "198.51.100.030"}, 9005), ({"content": 7}, 9005),
                 ({"ttl": 30}, 9021), ({"ttl": 86401}, 9021), ({"ttl": "60"}, 9021),
                 ({"ttl": True}, 9021), ({"type": "AAAA"}, 9101), ({"type": None}, 9101),
                 ({"name": ""}, 9000), ({"name": "bad name.example.com"}, 9000)]
        for change, inner in cases:
            with self.subTest(change=change):
                body = dict(good, **change)
                a = self.call("POST", self.list_path(), body)
                self.assertError(a, 400, 1004)
                self.assertEqual(a.json["errors"][0]["message"], "DNS Validation Error")
                self.assertEqual(a.json["errors"][0]["error_chain"][0]["code"], inner)
        a = self.call("POST", self.list_path(), dict(good, content="198.51.100.1.2"))
        self.assertEqual(a.json["errors"][0]["error_chain"][0]["message"],
                         "Content for A record must be a valid IPv4 address.")
        self.cf.flat_validation = True
        a = self.call("POST", self.list_path(), dict(good, content="x"))
        self.assertError(a, 400, 9005)
        self.assertError(self.call("POST", self.list_path(), b"{not json"), 400, 9207)
        self.assertEqual(len(self.cf.records(ZONE)), 1)     # none made
        for ttl in (1, 60, 86400):
            a = self.call("POST", self.list_path(),
                          dict(good, ttl=ttl, content="198.51.100.%d" % (ttl % 250)))
            self.assertEqual(a.status, 200, a)

    def test_delete(self):
        a = self.call("DELETE", self.rec_path())
        self.assertEqual(a.status, 200)
        self.assertEqual(a.json["result"], {"id": self.rid})
        self.assertIsNone(self.cf.record(self.rid))
        self.assertError(self.call("DELETE", self.rec_path()), 404, 81044)


class Errors(FakeCFTest):

    def test_record_does_not_exist(self):
        missing = new_id()
        for method, body in (("GET", None), ("PATCH", {"content": "198.51.100.1"}),
                             ("PUT", {"type": "A", "name": "x", "content": "198.51.100.1"}),
                             ("DELETE", None)):
            with self.subTest(method=method):
                a = self.call(method, self.rec_path(missing), body)
                self.assertError(a, 404, 81044)
                self.assertEqual(a.json["errors"],
                                 [{"code": 81044, "message": "Record does not exist."}])
                self.assertIsNone(a.json["result"])
        # a record of another zone does not exist in this one
        rid = self.cf.add_record(OTHER_ZONE, "vpn.example.org", "198.51.100.2")
        self.assertError(self.call("GET", self.rec_path(rid)), 404, 81044)

    def test_could_not_route(self):
        a = self.call("GET", self.list_path(zone="f" * 32))
        self.assertError(a, 400, 7003)
        self.assertEqual(a.json["errors"][0]["message"],
                         "Could not route to /client/v4/zones/%s/dns_records, "
                         "perhaps your object identifier is invalid?" % ("f" * 32))
        a = self.call("GET", self.rec_path("645577699"))
        self.assertError(a, 400, 7003)
        self.assertIn("/dns_records/645577699,", a.json["errors"][0]["message"])
        self.cf.unknown_zone_status = 404
        self.assertError(self.call("GET", self.list_path(zone="example.com")), 404, 7003)
        self.assertError(self.call("GET", "/zones"), 400, 7000)
        self.assertError(self.call("DELETE", self.list_path()), 405, 7001)

    def test_token(self):
        a = self.call("GET", self.rec_path(), token=None)
        self.assertError(a, 400, 9106)
        self.assertEqual(a.json["errors"][0]["message"],
                         "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
        a = self.call("GET", self.rec_path(), token=None, headers={"Authorization": "Basic eA=="})
        self.assertError(a, 400, 6003)
        self.assertEqual(a.json["errors"][0]["error_chain"][0]["code"], 6111)
        a = self.call("GET", self.rec_path(), token="wrong-token")
        self.assertError(a, 403, 9109)
        self.assertEqual(a.json["errors"][0]["message"], "Invalid access token")
        # a refused write changes nothing
        a = self.call("PATCH", self.rec_path(), {"content": "198.51.100.1"}, token="wrong")
        self.assertError(a, 403, 9109)
        self.assertEqual(self.cf.record(self.rid)["content"], "203.0.113.10")

    def test_bad_token_and_back(self):
        self.assertEqual(self.call("GET", self.rec_path()).status, 200)
        self.cf.bad_token()
        self.assertError(self.call("GET", self.rec_path()), 403, 9109)
        self.cf.good_token()
        self.assertEqual(self.call("GET", self.rec_path()).status, 200)
        self.cf.bad_token(401, 10000, "Authentication error")
        self.assertError(self.call("GET", self.list_path()), 401, 10000)
        self.cf.set_token("new-token")
        self.assertEqual(self.call("GET", self.rec_path(), token="new-token").status, 200)
        self.assertError(self.call("GET", self.rec_path()), 403, 9109)
        self.cf.set_token(None)                          # any Bearer token
        self.assertEqual(self.call("GET", self.rec_path(), token="whatever").status, 200)


class Faults(FakeCFTest):

    def test_fail_next_429_retry_after(self):
        rule = self.cf.fail_next(2, 429, retry_after=7)
        for _ in range(2):
            a = self.call("GET", self.rec_path())
            self.assertError(a, 429, 971)
            self.assertEqual(a.headers["Retry-After"], "7")
        a = self.call("GET", self.rec_path())
        self.assertEqual(a.status, 200)
        self.assertIsNone(a.headers.get("Retry-After"))
        self.assertEqual((rule.applied, rule.remaining), (2, 0))

    def test_fail_next_by_method_and_op(self):
        self.cf.fail_next(1, 500, methods="PATCH")
        self.cf.fail_next(1, 503, ops="list", html=False, code=10503, message="busy")
        self.assertEqual(self.call("GET", self.rec_path()).status, 200)
        a = self.call("GET", self.list_path())
        self.assertError(a, 503, 10503)
        self.assertEqual(a.json["errors"][0]["message"], "busy")
        a = self.call("PATCH", self.rec_path(), {"content": "198.51.100.1"})
        self.assertError(a, 500, 10001)
        self.assertEqual(set(a.json), {"success", "errors", "messages", "result"})
        self.assertEqual(self.cf.record(self.rid)["content"], "203.0.113.10")   # not applied
        a = self.call("PATCH", self.rec_path(), {"content": "198.51.100.1"})
        self.assertEqual(a.status, 200)

    def test_gateway_errors_are_html(self):
        self.cf.fail_next(1, 502)
        a = self.call("GET", self.rec_path())
        self.assertEqual(a.status, 502)
        self.assertTrue(a.headers["Content-Type"].startswith("text/html"))
        self.assertIsNone(a.json)
        self.assertIn(b"502 Bad Gateway", a.raw)
        self.cf.fail_next(1, 200, body=b"{\"success\":tru")
        a = self.call("GET", self.rec_path())
        self.assertEqual((a.status, a.raw), (200, b"{\"success\":tru"))

    def test_rate_limit_until_cleared(self):
        self.cf.rate_limit(30)
        for path in (self.rec_path(), self.list_path()):
            a = self.call("GET", path)
            self.assertError(a, 429, 971)
            self.assertEqual(a.headers["Retry-After"], "30")
        a = self.call("GET", self.rec_path(), token="wrong")   # before the token check
        self.assertEqual(a.status, 429)
        self.cf.clear_faults()
        self.assertEqual(self.call("GET", self.rec_path()).status, 200)
        self.cf.rate_limit(None)
        a = self.call("GET", self.rec_path())
        self.assertEqual(a.status, 429)
        self.assertIsNone(a.headers.get("Retry-After"))

    def test_delay(self):
        self.cf.delay(0.3, methods="PATCH")
        t = time.monotonic()
        self.assertEqual(self.call("GET", self.rec_path()).status, 200)
        self.assertLess(time.monotonic() - t, 0.25)
        t = time.monotonic()
        self.assertEqual(self.call("PATCH", self.rec_path(), {"ttl": 120}).status, 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.3)
        self.cf.delay(0)
        t = time.monotonic()
        self.call("PATCH", self.rec_path(), {"ttl": 300})
        self.assertLess(time.monotonic() - t, 0.25)

    def test_delay_after_applies_first(self):
        """when="after": the write lands at once, the answer comes late
        (the client that times out has changed the record all the same)."""
        self.cf.delay(1.0, ops="patch", when="after")
        with self.assertRaises(OSError):
            self.call("PATCH", self.rec_path(), {"content": "198.51.100.99"}, timeout=0.3)
        self.assertEqual(self.cf.record(self.rid)["content"], "198.51.100.99")

    def test_drop(self):
        self.cf.drop_next(1, methods="PATCH")
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.call("PATCH", self.rec_path(), {"content": "198.51.100.1"})
        self.assertEqual(self.cf.record(self.rid)["content"], "203.0.113.10")
        [e] = self.cf.writes()
        self.assertEqual((e["fault"], e["status"]), ("drop", None))
        self.assertEqual(self.call("PATCH", self.rec_path(), {"content": "198.51.100.1"}).status, 200)


class Log(FakeCFTest):

    def test_records_what_was_sent(self):
        t0 = time.monotonic()
        self.call("GET", self.list_path("?type=A&name=vpn.example.com"))
        body = {"type": "A", "name": "vpn.example.com", "content": "198.51.100.5", "ttl": 60,
                "proxied": False}
        self.call("PATCH", self.rec_path(), body, headers={"X-Extra": "yes"})
        self.call("GET", self.rec_path("0" * 32))
        log = self.cf.requests()
        self.assertEqual([(e["method"], e["status"]) for e in log],
                         [("GET", 200), ("PATCH", 200), ("GET", 404)])
        g, p, _ = log
        self.assertEqual(g["path"], "/client/v4/zones/%s/dns_records" % ZONE)
        self.assertEqual(g["query"], {"type": "A", "name": "vpn.example.com"})
        self.assertIsNone(g["body"])
        self.assertEqual(g["op"], "list")
        self.assertEqual(p["path"], "/client/v4/zones/%s/dns_records/%s" % (ZONE, self.rid))
        self.assertEqual(p["query"], {})
        self.assertEqual(p["body"], body)
        self.assertEqual(p["raw"], json.dumps(body).encode())
        self.assertEqual(p["headers"]["authorization"], "Bearer " + TOKEN)
        self.assertEqual(p["headers"]["content-type"], "application/json")
        self.assertEqual(p["headers"]["x-extra"], "yes")
        self.assertTrue(all(k == k.lower() for k in p["headers"]))
        self.assertTrue(t0 <= g["time"] <= p["time"] <= time.monotonic())
        self.assertLessEqual(p["time"], p["done"])
        self.assertEqual([e["method"] for e in self.cf.writes()], ["PATCH"])
        self.assertEqual(len(self.cf.requests("GET")), 2)
        self.assertEqual(len(self.cf.requests(since=p["time"])), 2)
        self.cf.clear_log()
        self.assertEqual(self.cf.requests(), [])

    def test_log_copies(self):
        self.call("GET", self.rec_path())
        self.cf.requests()[0]["method"] = "X"
        self.assertEqual(self.cf.requests()[0]["method"], "GET")
        self.cf.record(self.rid)["content"] = "x"
        self.assertEqual(self.cf.record(self.rid)["content"], "203.0.113.10")

    def test_faulted_requests_are_logged(self):
        self.cf.fail_next(1, 429, retry_after=1)
        self.call("POST", self.list_path(), {"type": "A", "name": "a", "content": "198.51.100.1"})
        [e] = self.cf.writes()
        self.assertEqual((e["status"], e["fault"], e["op"]), (429, "fail", "create"))

    def test_concurrent_creates(self):
        errs = []

        def make(i):
            try:
                a = self.call("POST", self.list_path(), {"type": "A", "name": "c.example.com",
                                                         "content": "198.51.100.%d" % i})
            except Exception as e:
                errs.append(e)
                return
            if a.status != 200:
                errs.append(a)
        ts = [threading.Thread(target=make, args=(i,)) for i in range(1, 21)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(10)
        self.assertEqual(errs, [])
        made = self.cf.records(ZONE, name="c.example.com")
        self.assertEqual(len({r["id"] for r in made}), 20)
        self.assertEqual(len(self.cf.writes()), 20)


class Life(unittest.TestCase):

    def test_context_manager_and_stop(self):
        with FakeCloudflare() as cf:
            port = cf.port
            cf.add_zone(ZONE, "example.com")
            # a kept-alive connection, idle, must not hold stop() up
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/client/v4/zones/%s/dns_records" % ZONE,
                      headers={"Authorization": "Bearer stingy-test-token"})
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            r.read()
            t = time.monotonic()
        self.assertLess(time.monotonic() - t, 2)
        c.close()
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        cf.stop()                                       # again: harmless

    def test_stop_releases_a_delay(self):
        cf = FakeCloudflare().start()
        cf.add_zone(ZONE, "example.com")
        cf.delay(30)
        got = []

        def ask():
            try:
                urllib.request.urlopen(urllib.request.Request(
                    cf.url + "/zones/%s/dns_records" % ZONE,
                    headers={"Authorization": "Bearer stingy-test-token"}), timeout=10).read()
                got.append("answer")
            except Exception as e:
                got.append(e)
        th = threading.Thread(target=ask)
        th.start()
        fakecf_wait(lambda: cf.requests())
        t = time.monotonic()
        cf.stop()
        self.assertLess(time.monotonic() - t, 3)
        th.join(5)
        self.assertFalse(th.is_alive())
        self.assertEqual(len(got), 1)
        self.assertIsInstance(got[0], Exception)        # no answer: the fake stopped


def fakecf_wait(pred, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


if __name__ == "__main__":
    unittest.main()
