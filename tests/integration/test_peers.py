"""stingy-vpn keys init and peer add/remove/list/render-server, the real
binary against moto.

KeysTest: the server's private key goes into SSM as a SecureString (and
nowhere else), a second init is refused without --force. PeerTest: a peer
added writes desired.conf (checked, comments kept), the client config and
its PNG (0600, O_EXCL), which zbarimg decodes to the same text, wg-quick
strip reads, and whose private key `wg pubkey` turns into the public key
in desired.conf; the QR code on a terminal (read back with zbarimg too),
remove, list, concurrent adds. TunnelTest: the server config rendered by
deploy/instance from `peer render-server` and the key in moto, the client
config as peer add wrote it, wireguard-go in two network namespaces, and a
ping through the tunnel.
"""
import base64
import os
import pty
import re
import select
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zlib

from harness import BIN, CREDS, REGION, Moto, wait_for, wireguard_netns_support

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
INSTANCE = os.path.join(ROOT, "deploy", "instance", "stingy-vpn-instance")
ZBARIMG = shutil.which("zbarimg")
WG = shutil.which("wg")

CONF = """# desired.conf of the peers test
[aws]
region = %s
queue_url = http://127.0.0.1:1/123456789012/stingy-vpn-events

; the endpoint
[endpoint vpn]
launch_template = lt-0123456789abcdef0
# a comment that must stay
wireguard_cidr = 10.8.0.0/24
%s
# the last line
""" % (REGION, "%s")

PRIV_RE = re.compile(r"^PrivateKey = (\S+)$", re.M)


def wg_pubkey(priv):
    return subprocess.run([WG, "pubkey"], input=priv + "\n", stdout=subprocess.PIPE,
                          universal_newlines=True, check=True).stdout.strip()


def png_check(test, data):
    """The PNG taken apart with python's zlib: signature, chunk CRCs, the
    IHDR, the image data (whose Adler-32 zlib.decompress checks)."""
    test.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
    off, chunks = 8, []
    while off < len(data):
        n, = struct.unpack(">I", data[off:off + 4])
        kind, body = data[off + 4:off + 8], data[off + 8:off + 8 + n]
        crc, = struct.unpack(">I", data[off + 8 + n:off + 12 + n])
        test.assertEqual(crc, zlib.crc32(kind + body), "CRC of %r" % kind)
        chunks.append((kind, body))
        off += 12 + n
    test.assertEqual(off, len(data))
    test.assertEqual([c[0] for c in chunks], [b"IHDR", b"IDAT", b"IEND"])
    w, h, depth, color, comp, filt, lace = struct.unpack(">IIBBBBB", chunks[0][1])
    test.assertEqual((w == h, depth, color, comp, filt, lace), (True, 1, 0, 0, 0, 0))
    raw = zlib.decompress(chunks[1][1])
    test.assertEqual(len(raw), h * (1 + (w + 7) // 8))
    return w


class PeersBase(unittest.TestCase):
    """A moto, a scratch dir with desired.conf, the binary's environment."""

    moto = None

    @classmethod
    def setUpClass(cls):
        cls.moto = Moto()
        cls.moto.start()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        if not os.path.exists(BIN):
            self.fail("binary %s is missing: run make first" % BIN)
        self.tmp = tempfile.mkdtemp(prefix="stingy-peers-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.ssm = self.moto.client("ssm")
        self.prefix = "/t%d" % (abs(hash(self.id())) % 10 ** 8)
        self.conf = os.path.join(self.tmp, "desired.conf")
        self.write_conf("ssm_prefix = " + self.prefix)
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp,
                    "AWS_ENDPOINT_URL": self.moto.url, "LANG": "C"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                self.env[k] = os.environ[k]
        self.env.update(CREDS)

    def write_conf(self, extra="", mode=0o644):
        with open(self.conf, "w") as f:
            f.write(CONF % extra)
        os.chmod(self.conf, mode)

    def read(self, path=None):
        with open(path or self.conf) as f:
            return f.read()

    def run_bin(self, *args, cwd=None, input=None, stdout=subprocess.PIPE):
        r = subprocess.run([BIN] + list(args), env=self.env, cwd=cwd or self.tmp,
                           input=input, stdout=stdout, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=60)
        # under ASan/UBSan a report may hide behind an expected exit status 1
        self.assertNotRegex(r.stderr, r"Sanitizer|runtime error", "stingy-vpn %s" % " ".join(args))
        return r

    def ok(self, *args, **kw):
        r = self.run_bin(*args, **kw)
        self.assertEqual(r.returncode, 0, "stingy-vpn %s: exit %d\n%s%s"
                         % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def key_param(self):
        return self.prefix + "/wireguard/private-key"

    def ssm_key(self):
        p = self.ssm.get_parameter(Name=self.key_param(), WithDecryption=True)["Parameter"]
        return p["Value"], p["Type"], p["Version"]

    def server_public_key(self):
        m = re.search(r"^server_public_key = (\S+)$", self.read(), re.M)
        return m.group(1) if m else None

    def keys_init(self):
        r = self.ok("keys", "init", "-c", self.conf)
        return r


class KeysTest(PeersBase):

    @unittest.skipUnless(WG, "needs wg (apt-get install wireguard-tools)")
    def test_init_puts_a_securestring_and_records_the_public_key(self):
        before = self.read()
        r = self.ok("keys", "init", "-c", self.conf, "-v")      # debug logging too
        priv, kind, version = self.ssm_key()
        self.assertEqual(kind, "SecureString")
        self.assertEqual(version, 1)
        self.assertRegex(priv, r"^[A-Za-z0-9+/]{43}=$")
        pub = self.server_public_key()
        self.assertEqual(wg_pubkey(priv), pub, "the key in SSM is not the one recorded")
        self.assertEqual(r.stdout, pub + "\n")
        after = self.read()
        self.assertNotIn(priv, after + r.stdout + r.stderr)
        # one line added right after the header, every other line as it was
        self.assertEqual(after.replace("server_public_key = %s\n" % pub, ""), before)
        self.assertIn("[endpoint vpn]\nserver_public_key = %s\n" % pub, after)
        self.assertEqual(stat.S_IMODE(os.stat(self.conf).st_mode), 0o644)
        self.ok("check", "-c", self.conf)
        # the private key is in no file here
        for d, _, files in os.walk(self.tmp):
            for name in files:
                with open(os.path.join(d, name), "rb") as f:
                    self.assertNotIn(priv.encode(), f.read())

    def test_second_init_is_refused_without_force(self):
        self.keys_init()
        priv, _, _ = self.ssm_key()
        conf = self.read()
        r = self.run_bin("keys", "init", "-c", self.conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("%s exists" % self.key_param(), r.stderr)
        self.assertIn("--force", r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(self.ssm_key()[0], priv, "the server's key was replaced")
        self.assertEqual(self.read(), conf)

    @unittest.skipUnless(WG, "needs wg")
    def test_force_rotates_the_key(self):
        self.keys_init()
        old_priv, _, _ = self.ssm_key()
        old_pub = self.server_public_key()
        r = self.ok("keys", "init", "-c", self.conf, "--force")
        priv, kind, version = self.ssm_key()
        self.assertNotEqual(priv, old_priv)
        self.assertEqual((kind, version), ("SecureString", 2))
        pub = self.server_public_key()
        self.assertNotEqual(pub, old_pub)
        self.assertEqual(wg_pubkey(priv), pub)
        self.assertEqual(self.read().count("server_public_key"), 1, "replaced, not added")
        self.assertIn("every client needs", r.stderr)

    def test_bad_config_or_no_credentials_change_nothing(self):
        self.write_conf("ssm_prefix = %s\nbogus = 1" % self.prefix)
        conf = self.read()
        r = self.run_bin("keys", "init", "-c", self.conf)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown key 'bogus' in [endpoint]", r.stderr)
        self.assertEqual(self.read(), conf)
        self.write_conf("ssm_prefix = " + self.prefix)
        for k in CREDS:
            del self.env[k]
        r = self.run_bin("keys", "init", "-c", self.conf)
        self.assertEqual(r.returncode, 1)
        self.assertIn("credentials", r.stderr)
        self.assertIsNone(self.server_public_key())
        with self.assertRaises(self.ssm.exceptions.ParameterNotFound):
            self.ssm_key()

    @unittest.skipUnless(WG, "needs wg")
    def test_pubkey_agrees_with_wg(self):
        for _ in range(20):
            priv = subprocess.run([WG, "genkey"], stdout=subprocess.PIPE,
                                  universal_newlines=True, check=True).stdout
            r = self.ok("keys", "pubkey", input=priv)
            self.assertEqual(r.stdout.strip(), wg_pubkey(priv.strip()))
        r = self.run_bin("keys", "pubkey", input="not a key\n")
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("not a key", r.stderr)


class PeerTest(PeersBase):

    def setUp(self):
        super().setUp()
        self.keys_init()

    def add(self, name, *extra, endpoint="203.0.113.7"):
        args = ["peer", "add", name, "-c", self.conf]
        if endpoint:
            args += ["--endpoint", endpoint]
        return self.run_bin(*(args + list(extra)))

    def peer_section(self, name):
        m = re.search(r"^\[peer %s\]\n((?:[a-z_]+ = .*\n)+)" % re.escape(name), self.read(),
                      re.M)
        return dict(l.split(" = ", 1) for l in m.group(1).splitlines()) if m else None

    def test_add_writes_conf_and_client_files(self):
        before = self.read()
        r = self.add("alice", "--png", "alice.png")
        self.assertEqual(r.returncode, 0, r.stderr)
        client = os.path.join(self.tmp, "alice.conf")
        png = os.path.join(self.tmp, "alice.png")
        for path in (client, png):
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, path)
        text = self.read(client)
        priv = PRIV_RE.search(text).group(1)
        self.assertEqual(text, (
            "[Interface]\nPrivateKey = %s\nAddress = 10.8.0.2/32\nDNS = 1.1.1.1\n\n"
            "[Peer]\nPublicKey = %s\nEndpoint = 203.0.113.7:51820\n"
            "AllowedIPs = 0.0.0.0/0, ::/0\nPersistentKeepalive = 25\n")
            % (priv, self.server_public_key()))
        peer = self.peer_section("alice")
        self.assertEqual(peer["address"], "10.8.0.2")
        if WG:
            self.assertEqual(wg_pubkey(priv), peer["public_key"])
        # desired.conf: the old text, then the new section; the key nowhere but the files
        after = self.read()
        self.assertTrue(after.startswith(before), "lines before were changed")
        self.assertRegex(after[len(before):], r"^\n# peer alice: added by stingy-vpn peer "
                         r"add on \d{4}-\d\d-\d\d\n\[peer alice\]\n")
        self.assertNotIn(priv, after + r.stdout + r.stderr)
        self.assertEqual(r.stdout, "", "a QR code (the key) went to a pipe")
        self.ok("check", "-c", self.conf)
        # the PNG, taken apart with zlib, and read by a real scanner
        with open(png, "rb") as f:
            data = f.read()
        self.assertEqual(png_check(self, data) % 8, 0)
        if ZBARIMG:
            z = subprocess.run([ZBARIMG, "--raw", "-q", png], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(z.returncode, 0, z.stderr)
            self.assertEqual(z.stdout.decode(), text + "\n")

    @unittest.skipUnless(shutil.which("wg-quick"), "needs wg-quick")
    def test_client_config_parses_with_wg_quick_strip(self):
        self.assertEqual(self.add("bob", "--out", "wgbob.conf").returncode, 0)
        s = subprocess.run(["wg-quick", "strip", os.path.join(self.tmp, "wgbob.conf")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=20)
        self.assertEqual((s.returncode, s.stderr), (0, ""))
        self.assertIn("Endpoint = 203.0.113.7:51820", s.stdout)
        self.assertIn("AllowedIPs = 0.0.0.0/0, ::/0", s.stdout)
        self.assertNotIn("Address", s.stdout)
        self.assertNotIn("DNS", s.stdout)

    def test_addresses_endpoint_and_refusals(self):
        self.assertEqual(self.add("a").returncode, 0)
        self.assertEqual(self.add("b", endpoint="2001:db8::1").returncode, 0)
        self.assertIn("Endpoint = [2001:db8::1]:51820\n", self.read(os.path.join(self.tmp, "b.conf")))
        self.assertEqual(self.peer_section("b")["address"], "10.8.0.3")
        self.ok("peer", "remove", "a", "-c", self.conf)
        self.assertEqual(self.add("c").returncode, 0)
        self.assertEqual(self.peer_section("c")["address"], "10.8.0.2", "the freed address")
        conf = self.read()
        # an existing peer, an existing file, a bad name, a port in the host, no endpoint
        r = self.add("b")
        self.assertEqual(r.returncode, 1)
        self.assertIn("[peer b] exists already", r.stderr)
        open(os.path.join(self.tmp, "d.conf"), "w").close()
        r = self.add("d")
        self.assertEqual(r.returncode, 1)
        self.assertIn("d.conf exists", r.stderr)
        self.assertEqual(os.path.getsize(os.path.join(self.tmp, "d.conf")), 0)
        os.symlink("/nonexistent", os.path.join(self.tmp, "e.conf"))
        self.assertEqual(self.add("e").returncode, 1)
        r = self.add("Eve")
        self.assertEqual(r.returncode, 2)
        r = self.add("f", endpoint="vpn.example.com:51820")
        self.assertEqual(r.returncode, 1)
        self.assertIn("wireguard_port", r.stderr)
        r = self.add("f", endpoint=None)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--endpoint", r.stderr)
        self.assertEqual(self.read(), conf, "a refused add changed desired.conf")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "f.conf")))
        # with [dns]: its name is the endpoint
        with open(self.conf, "a") as f:
            f.write("[dns]\nprovider = route53\nname = vpn.example.com\nzone_id = Z0123456789ABC\n")
        self.assertEqual(self.add("f", endpoint=None).returncode, 0)
        self.assertIn("Endpoint = vpn.example.com:51820\n",
                      self.read(os.path.join(self.tmp, "f.conf")))

    def test_full_network_is_refused(self):
        self.write_conf("ssm_prefix = %s\nserver_public_key = %s"
                        % (self.prefix, "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="))
        with open(self.conf) as f:
            text = f.read().replace("10.8.0.0/24", "10.8.0.0/30")
        with open(self.conf, "w") as f:
            f.write(text)
        self.assertEqual(self.add("one").returncode, 0)
        self.assertEqual(self.peer_section("one")["address"], "10.8.0.2")
        conf = self.read()
        r = self.add("two")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no free address left in wireguard_cidr 10.8.0.0/30", r.stderr)
        self.assertEqual(self.read(), conf)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "two.conf")))

    def test_needs_the_server_key(self):
        self.write_conf("ssm_prefix = " + self.prefix)
        r = self.add("alice")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no server_public_key: run `stingy-vpn keys init` first", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "alice.conf")))

    def test_list_and_remove(self):
        r = self.ok("peer", "list", "-c", self.conf)
        self.assertEqual(r.stdout, "")
        self.assertIn("no peers", r.stderr)
        orig = self.read()
        for name in ("zed", "amy"):
            self.assertEqual(self.add(name).returncode, 0)
        keys = {n: self.peer_section(n)["public_key"] for n in ("zed", "amy")}
        r = self.ok("peer", "list", "-c", self.conf)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["NAME", "ADDRESS", "PUBLIC", "KEY", "KEEPALIVE"])
        self.assertEqual([l.split()[:2] for l in lines[1:]],
                         [["amy", "10.8.0.3"], ["zed", "10.8.0.2"]])
        self.assertEqual(lines[1].split()[2], keys["amy"][:10] + "...")
        self.assertNotIn(keys["amy"], r.stdout, "the key is abbreviated")
        self.ok("peer", "remove", "zed", "-c", self.conf)
        self.assertIsNone(self.peer_section("zed"))
        self.assertNotIn("peer zed", self.read())
        self.assertIsNotNone(self.peer_section("amy"))
        r = self.run_bin("peer", "remove", "zed", "-c", self.conf)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no [peer zed]", r.stderr)
        self.ok("peer", "remove", "amy", "-c", self.conf)
        self.assertEqual(self.read(), orig, "add and remove gave back a different file")
        self.ok("check", "-c", self.conf)

    def test_render_server_is_what_the_instance_takes(self):
        self.assertEqual(self.add("alice").returncode, 0)
        self.assertEqual(self.add("bob").returncode, 0)
        r = self.ok("peer", "render-server", "-c", self.conf)
        a, b = self.peer_section("alice"), self.peer_section("bob")
        self.assertEqual(r.stdout, (
            "# stingy-vpn: the peers of [endpoint vpn] in desired.conf\n\n"
            "# alice\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.8.0.2/32\n\n"
            "# bob\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.8.0.3/32\n")
            % (a["public_key"], b["public_key"]))
        env_file = os.path.join(self.tmp, "instance.env")
        with open(env_file, "w") as f:
            f.write("STINGY_PREFIX=%s\nSTINGY_PORT=51820\nSTINGY_CIDR=10.8.0.0/24\n"
                    "STINGY_VPC_CIDR=10.0.0.0/16\nAWS_REGION=%s\n" % (self.prefix, REGION))
        keyfile = os.path.join(self.tmp, "server.key")
        with open(keyfile, "w") as f:
            f.write(self.ssm_key()[0] + "\n")
        peers = os.path.join(self.tmp, "peers")
        with open(peers, "w") as f:
            f.write(r.stdout)
        s = subprocess.run([INSTANCE, "render", "--no-nat", "--key", keyfile, "--peers", peers],
                           env={"PATH": os.environ["PATH"], "STINGY_INSTANCE_ENV": env_file},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=30)
        self.assertEqual((s.returncode, s.stderr), (0, ""))
        self.assertIn("\n" + r.stdout.rstrip("\n") + "\n", s.stdout)

    def test_a_file_that_cannot_be_made_changes_nothing(self):
        conf = self.read()
        # the client file's directory is not there
        r = self.add("alice", "--out", os.path.join(self.tmp, "nodir", "alice.conf"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("No such file or directory", r.stderr)
        # the PNG exists: the client file made first is taken away again
        open(os.path.join(self.tmp, "alice.png"), "w").close()
        r = self.add("alice", "--png", "alice.png")
        self.assertEqual(r.returncode, 1)
        self.assertIn("alice.png exists", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "alice.conf")))
        self.assertEqual(os.path.getsize(os.path.join(self.tmp, "alice.png")), 0)
        r = self.add("alice", "--png", "same.conf", "--out", "same.conf")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.read(), conf)

    def test_concurrent_adds_all_land(self):
        names = ["c%d" % i for i in range(6)]
        procs = [subprocess.Popen([BIN, "peer", "add", n, "-c", self.conf, "--endpoint",
                                   "203.0.113.7", "--no-qr"], env=self.env, cwd=self.tmp,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for n in names]
        for p in procs:
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, err)
        for n in names:
            self.assertIsNotNone(self.peer_section(n), "[peer %s] was lost" % n)
        addrs = [self.peer_section(n)["address"] for n in names]
        self.assertEqual(sorted(addrs), ["10.8.0.%d" % i for i in range(2, 8)])
        self.ok("check", "-c", self.conf)
        for n in names:
            text = self.read(os.path.join(self.tmp, n + ".conf"))
            self.assertIn("Address = %s/32\n" % self.peer_section(n)["address"], text)

    def run_on_pty(self, *args):
        """args on a pseudo-terminal as stdout: (exit status, what it printed)."""
        master, slave = pty.openpty()
        p = subprocess.Popen([BIN] + list(args), env=self.env, cwd=self.tmp, stdout=slave,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        os.close(slave)
        out = b""
        while True:
            r, _, _ = select.select([master], [], [], 30)
            if not r:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:         # EIO: the other side closed
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        p.wait(30)
        p.stderr.close()
        return p.returncode, out.decode("utf-8")

    def test_qr_on_a_terminal(self):
        rc, out = self.run_on_pty("peer", "add", "alice", "-c", self.conf,
                                  "--endpoint", "vpn.example.com")
        self.assertEqual(rc, 0)
        text = self.read(os.path.join(self.tmp, "alice.conf"))
        rows = [l for l in out.replace("\r\n", "\n").splitlines() if "\x1b[40;37;1m" in l]
        self.assertGreater(len(rows), 10, out)
        glyphs = {" ": (0, 0), "\u2580": (1, 0), "\u2584": (0, 1), "\u2588": (1, 1)}
        grid = []
        for row in rows:
            body = row.split("\x1b[40;37;1m", 1)[1].split("\x1b[0m", 1)[0]
            self.assertTrue(set(body) <= set(glyphs), repr(body))
            self.assertEqual(len(body), len(rows[0].split("\x1b[40;37;1m", 1)[1]
                                            .split("\x1b[0m", 1)[0]))
            grid.append([glyphs[c][0] for c in body])
            grid.append([glyphs[c][1] for c in body])
        side = len(grid[0])
        self.assertIn(len(grid), (side, side + 1))
        self.assertTrue(all(all(v == 1 for v in grid[y]) for y in range(4)), "quiet zone")
        if not ZBARIMG:
            return
        # drawn back as an image (light = 1 = white), scaled 6x: a scanner reads it
        scale = 6
        pgm = os.path.join(self.tmp, "terminal.pgm")
        with open(pgm, "wb") as f:
            f.write(b"P5 %d %d 255\n" % (side * scale, side * scale))
            for y in range(side):
                line = bytes(255 if v else 0 for v in grid[y] for _ in range(scale))
                f.write(line * scale)
        z = subprocess.run([ZBARIMG, "--raw", "-q", pgm], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(z.returncode, 0, z.stderr)
        self.assertEqual(z.stdout.decode(), text + "\n")
        # --no-qr: nothing drawn, on a terminal too
        rc, out = self.run_on_pty("peer", "add", "bob", "-c", self.conf,
                                  "--endpoint", "vpn.example.com", "--no-qr")
        self.assertEqual(rc, 0)
        self.assertNotIn("\u2588", out)


def _tunnel_support():
    ok, why = wireguard_netns_support(("wg", "wg-quick", "wireguard-go", "ip"))
    if ok and not shutil.which("ping"):
        return False, "needs ping (apt-get install iputils-ping)"
    return ok, why


_TUNNEL_OK, _TUNNEL_WHY = _tunnel_support()


@unittest.skipUnless(_TUNNEL_OK, _TUNNEL_WHY)
class TunnelTest(PeersBase):
    """Server namespace: wg-quick up of what `stingy-vpn-instance render
    --no-nat` makes from `peer render-server` and the key keys init put in
    moto. Client namespace: wg-quick up of the client config peer add
    wrote, untouched (all traffic into the tunnel; a do-nothing resolvconf
    takes its DNS line). A veth between them."""

    def setUp(self):
        super().setUp()
        pid = os.getpid() % 100000
        self.srv, self.cli = "stingy-ps-%d" % pid, "stingy-pc-%d" % pid
        self.sif, self.cif = "sps%d" % pid, "spc%d" % pid
        self.confs = []
        if not os.path.isdir("/var/run/wireguard"):
            self.addCleanup(self._rmdir_if_empty, "/var/run/wireguard")
        for ns in (self.srv, self.cli):
            r = subprocess.run(["ip", "netns", "add", ns], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, universal_newlines=True)
            if r.returncode != 0:
                self.skipTest("ip netns add failed: " + r.stdout.strip())
            self.addCleanup(self._del_netns, ns)
        self.sh(["ip", "link", "add", "v" + self.sif, "netns", self.srv, "type", "veth",
                 "peer", "name", "v" + self.cif, "netns", self.cli])
        for ns, dev, addr in ((self.srv, "v" + self.sif, "10.99.0.1/24"),
                              (self.cli, "v" + self.cif, "10.99.0.2/24")):
            self.ns(ns, "ip", "link", "set", "lo", "up")
            self.ns(ns, "ip", "addr", "add", addr, "dev", dev)
            self.ns(ns, "ip", "link", "set", dev, "up")
        # wg-quick hands the client's DNS line to resolvconf: a stand-in that takes it
        self.fakebin = os.path.join(self.tmp, "bin")
        os.makedirs(self.fakebin)
        rc = os.path.join(self.fakebin, "resolvconf")
        with open(rc, "w") as f:
            f.write("#!/bin/sh\ncat >/dev/null\nexit 0\n")
        os.chmod(rc, 0o755)

    @staticmethod
    def _rmdir_if_empty(path):
        try:
            os.rmdir(path)
        except OSError:
            pass

    def _del_netns(self, ns):
        env = dict(os.environ, PATH=self.fakebin + ":" + os.environ["PATH"])
        for conf in self.confs:
            subprocess.run(["ip", "netns", "exec", ns, "wg-quick", "down", conf], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
        r = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, universal_newlines=True)
        pids = [int(p) for p in r.stdout.split()]
        for p in pids:
            try:
                os.kill(p, 15)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        for p in pids:
            while os.path.exists("/proc/%d" % p) and time.monotonic() < deadline:
                time.sleep(0.05)
            if os.path.exists("/proc/%d" % p):
                try:
                    os.kill(p, 9)
                except ProcessLookupError:
                    pass
        subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        for iface in (self.sif, self.cif):
            try:
                os.unlink("/var/run/wireguard/%s.sock" % iface)
            except FileNotFoundError:
                pass

    def sh(self, cmd, **kw):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=60, **kw)
        self.assertEqual(r.returncode, 0, "%s: exit %d\n%s%s"
                         % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
        return r

    def ns(self, ns, *cmd, check=True, env=None):
        r = subprocess.run(["ip", "netns", "exec", ns] + list(cmd), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=60, env=env)
        if check:
            self.assertEqual(r.returncode, 0, "%s: exit %d\n%s%s"
                             % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
        return r

    def test_ping_through_the_tunnel(self):
        self.keys_init()
        server_priv = self.ssm_key()[0]
        self.ok("peer", "add", "phone", "-c", self.conf, "--endpoint", "10.99.0.1",
                "--out", self.cif + ".conf")
        client_conf = os.path.join(self.tmp, self.cif + ".conf")
        client_pub = re.search(r"^public_key = (\S+)$", self.read(), re.M).group(1)
        peers = self.ok("peer", "render-server", "-c", self.conf).stdout

        # the server, as the instance renders it (no NAT: nothing to forward to here)
        env_file = os.path.join(self.tmp, "instance.env")
        with open(env_file, "w") as f:
            f.write("STINGY_PREFIX=%s\nSTINGY_PORT=51820\nSTINGY_CIDR=10.8.0.0/24\n"
                    "STINGY_VPC_CIDR=10.99.0.0/16\nAWS_REGION=%s\n" % (self.prefix, REGION))
        keyfile = os.path.join(self.tmp, "server.key")
        peersfile = os.path.join(self.tmp, "peers")
        with open(keyfile, "w") as f:
            f.write(server_priv + "\n")
        os.chmod(keyfile, 0o600)
        with open(peersfile, "w") as f:
            f.write(peers)
        r = self.sh([INSTANCE, "render", "--no-nat", "--key", keyfile, "--peers", peersfile],
                    env={"PATH": os.environ["PATH"], "STINGY_INSTANCE_ENV": env_file})
        server_conf = os.path.join(self.tmp, "srv", self.sif + ".conf")
        os.makedirs(os.path.dirname(server_conf))
        with open(server_conf, "w") as f:
            f.write(r.stdout)
        os.chmod(server_conf, 0o600)
        self.confs.append(server_conf)
        self.ns(self.srv, "wg-quick", "up", server_conf)
        self.assertEqual(self.ns(self.srv, "wg", "show", self.sif, "public-key").stdout.strip(),
                         self.server_public_key())

        # the client: the file peer add wrote, as it is
        self.confs.append(client_conf)
        env = dict(os.environ, PATH=self.fakebin + ":" + os.environ["PATH"])
        self.ns(self.cli, "wg-quick", "up", client_conf, env=env)

        def reach():
            return self.ns(self.cli, "ping", "-c", "1", "-W", "2", "10.8.0.1",
                           check=False).returncode == 0
        self.assertTrue(wait_for(reach, 30, interval=0.2, what="ping through the tunnel"))
        hs = self.ns(self.srv, "wg", "show", self.sif, "latest-handshakes").stdout
        got = dict(l.split("\t") for l in hs.splitlines())
        self.assertIn(client_pub, got)
        self.assertNotEqual(got[client_pub], "0")
        # all of the client's traffic goes into the tunnel: its route to 10.8.0.1 is wg
        route = self.ns(self.cli, "ip", "route", "get", "10.8.0.1").stdout
        self.assertIn("dev " + self.cif, route)


if __name__ == "__main__":
    unittest.main()
