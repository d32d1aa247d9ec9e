"""`make install` / `make uninstall`, the systemd unit and the man pages, and
the daemon run the way deploy/systemd/stingy-vpn.service runs it.

InstallTest installs into a scratch DESTDIR with the Debian layout
(PREFIX=/usr SYSCONFDIR=/etc) and checks what lands there: the exact file
list and modes, the unit clean under `systemd-analyze verify`, its exposure
under `systemd-analyze security`, the man pages clean under groff, mandoc
and man. make reuses the binary the test run was given (BUILD; `-o` keeps
make from rebuilding it): nothing is built here.

UnitEnvTest runs the real binary with the environment the unit gives it
(no HOME, no keys in the environment, the credentials in
$CREDENTIALS_DIRECTORY, NOTIFY_SOCKET, WATCHDOG_USEC) against moto.
"""
import filecmp
import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import BIN, ROOT, DaemonTest, http_get, wait_for

BUILD = os.environ.get("BUILD", "build/plain")
UNIT_SRC = os.path.join(ROOT, "deploy", "systemd", "stingy-vpn.service")
MAN_PAGES = ["man8/stingy-vpn.8", "man8/stingy-vpn-reresolve.8", "man5/desired.conf.5"]
MAN_SRC = [os.path.join(ROOT, "deploy", "man", p.split("/")[1]) for p in MAN_PAGES]
EXAMPLE = os.path.join(ROOT, "config", "desired.conf.example")
CFN_TEMPLATE = os.path.join(ROOT, "deploy", "stingy-vpn.yaml")
# `systemd-analyze security --offline=yes` on the unit measured 1.1 with
# systemd 252 (what is left: network access, AF_INET/AF_UNIX/AF_NETLINK, no
# IP allow list, the host's root directory, char-rtc:r from ProtectClock).
EXPOSURE_MAX = 1.2
DEBIAN = ("PREFIX=/usr", "SYSCONFDIR=/etc")


# Debian packages: systemd (systemd-analyze), groff-base, man-db, mandoc.
# A missing tool fails the test rather than skipping it: scripts/deps.sh
# is where they are installed.
def need(test, tool):
    if shutil.which(tool) is None:
        test.fail("%s is not installed (scripts/deps.sh)" % tool)


def make(*args, destdir):
    """Runs make in ROOT with the test run's BUILD, never rebuilding the
    binary; returns the CompletedProcess (fails the caller's test on error)."""
    cmd = ["make", "-s", "--no-print-directory", "-o", BUILD + "/stingy-vpn",
           "BUILD=" + BUILD, "DESTDIR=" + destdir] + list(args)
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(cmd), r.returncode,
                                                   r.stdout, r.stderr))
    return r


def tree(root):
    """{relative path: mode} of every non-directory under root."""
    out = {}
    for d, dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = os.lstat(p).st_mode & 0o7777
    return out


def expected_debian_files():
    files = {
        "usr/bin/stingy-vpn": 0o755,
        "usr/bin/stingy-vpn-reresolve": 0o755,
        "usr/lib/systemd/system/stingy-vpn.service": 0o644,
        "usr/lib/systemd/system/stingy-vpn-reresolve@.service": 0o644,
        "usr/lib/systemd/system/stingy-vpn-reresolve@.timer": 0o644,
        "usr/share/man/man8/stingy-vpn.8.gz": 0o644,
        "usr/share/man/man8/stingy-vpn-reresolve.8.gz": 0o644,
        "usr/share/man/man5/desired.conf.5.gz": 0o644,
        "usr/share/doc/stingy-vpn/desired.conf.example": 0o644,
    }
    if os.path.exists(CFN_TEMPLATE):
        files["usr/share/stingy-vpn/stingy-vpn.yaml"] = 0o644
    return files


def example_defaults(example):
    """{key: default} from desired.conf.example: the comment block above
    each key line starts with "# key:" and may say "Default: VALUE"."""
    out, block = {}, []
    for line in example.splitlines():
        m = re.match(r"^#? ?([a-z_]+) =", line)
        if m and block and block[0].startswith("# %s:" % m.group(1)):
            text = " ".join(l.lstrip("# ") for l in block)
            d = re.search(r"Default: (\S+)", text)
            if d:
                out[m.group(1)] = re.sub(r"\.$", "", d.group(1))
            block = []
        elif line.startswith("#"):
            block.append(line)
        else:
            block = []
    return out


def verify(unit_dir, names, manpath):
    """`systemd-analyze verify` on names in unit_dir: (exit status, output)."""
    env = dict(os.environ, MANPATH=manpath, SYSTEMD_LOG_COLOR="0")
    r = subprocess.run(["systemd-analyze", "verify"] + [os.path.join(unit_dir, n) for n in names],
                       cwd=unit_dir, env=env, capture_output=True, text=True, timeout=60)
    return r.returncode, (r.stdout + r.stderr).strip()


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(BIN):
            raise AssertionError("binary %s is missing: run make first" % BIN)
        cls.tmp = tempfile.mkdtemp(prefix="stingy-install-")
        cls.dest = os.path.join(cls.tmp, "root")
        make("install", *DEBIAN, destdir=cls.dest)
        cls.units = os.path.join(cls.dest, "usr", "lib", "systemd", "system")
        cls.manpath = os.path.join(cls.dest, "usr", "share", "man")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def read(self, rel):
        with open(os.path.join(self.dest, rel)) as f:
            return f.read()

    def test_layout_files_and_modes(self):
        self.assertEqual(tree(self.dest), expected_debian_files())
        self.assertTrue(filecmp.cmp(os.path.join(self.dest, "usr/bin/stingy-vpn"), BIN,
                                    shallow=False))
        self.assertTrue(filecmp.cmp(os.path.join(self.dest, "usr/share/doc/stingy-vpn/"
                                                 "desired.conf.example"), EXAMPLE, shallow=False))
        # No live desired.conf: `stingy-vpn init` writes it; the directory waits.
        self.assertEqual(os.listdir(os.path.join(self.dest, "etc", "stingy-vpn")), [])
        for page, src in zip([p + ".gz" for p in MAN_PAGES], MAN_SRC):
            path = os.path.join(self.manpath, page)
            with open(path, "rb") as f:
                head = f.read(10)
            self.assertEqual(head[4:8], b"\0\0\0\0", "%s: gzip without -n (a timestamp)" % page)
            self.assertEqual(head[3] & 0x08, 0, "%s: gzip without -n (a file name)" % page)
            with gzip.open(path) as g, open(src, "rb") as f:
                self.assertEqual(g.read(), f.read())

    def test_unit_paths_rewritten_for_the_prefix(self):
        unit = self.read("usr/lib/systemd/system/stingy-vpn.service")
        with open(UNIT_SRC) as f:
            self.assertEqual(unit, f.read())    # the committed unit is the Debian one
        self.assertIn("\nExecStart=/usr/bin/stingy-vpn run -c /etc/stingy-vpn/desired.conf\n",
                      unit)
        client = self.read("usr/lib/systemd/system/stingy-vpn-reresolve@.service")
        self.assertIn("\nExecStart=/usr/bin/stingy-vpn-reresolve %i\n", client)
        self.assertNotIn("/usr/local", unit + client)

    def test_default_prefix_is_usr_local(self):
        dest = os.path.join(self.tmp, "local")
        make("install", destdir=dest)
        units = "usr/local/lib/systemd/system/"
        want = {"usr/local/bin/stingy-vpn", "usr/local/bin/stingy-vpn-reresolve",
                units + "stingy-vpn.service", units + "stingy-vpn-reresolve@.service",
                units + "stingy-vpn-reresolve@.timer",
                "usr/local/share/man/man8/stingy-vpn.8.gz",
                "usr/local/share/man/man8/stingy-vpn-reresolve.8.gz",
                "usr/local/share/man/man5/desired.conf.5.gz",
                "usr/local/share/doc/stingy-vpn/desired.conf.example"}
        if os.path.exists(CFN_TEMPLATE):
            want.add("usr/local/share/stingy-vpn/stingy-vpn.yaml")
        self.assertEqual(set(tree(dest)), want)
        with open(os.path.join(dest, units, "stingy-vpn.service")) as f:
            unit = f.read()
        self.assertIn("\nExecStart=/usr/local/bin/stingy-vpn run -c "
                      "/usr/local/etc/stingy-vpn/desired.conf\n", unit)
        self.assertIn("\nLoadCredential=aws-credentials:/usr/local/etc/stingy-vpn/"
                      "aws-credentials\n", unit)
        self.assertNotRegex(unit, r"(?<!/local)/usr/bin/|(?<!/local)/etc/stingy-vpn/")
        with open(os.path.join(dest, units, "stingy-vpn-reresolve@.service")) as f:
            self.assertIn("\nExecStart=/usr/local/bin/stingy-vpn-reresolve %i\n", f.read())

    def test_uninstall_leaves_no_file(self):
        for name, args, top in (("deb", DEBIAN, "usr"), ("local", (), "usr/local")):
            with self.subTest(layout=name):
                dest = os.path.join(self.tmp, "un-" + name)
                make("install", *args, destdir=dest)
                self.assertTrue(tree(dest))
                make("uninstall", *args, destdir=dest)
                self.assertEqual(tree(dest), {})
                # The package's own directories go too; shared ones stay.
                for d in ("share/doc/stingy-vpn", "share/stingy-vpn"):
                    self.assertFalse(os.path.exists(os.path.join(dest, top, d)), d)
                etc = "etc" if name == "deb" else "usr/local/etc"
                self.assertFalse(os.path.exists(os.path.join(dest, etc, "stingy-vpn")))

    def unit_copy(self, edit=None):
        """The installed units copied to a fresh directory with /usr/bin/
        pointing into DESTDIR, so that verify finds the installed programs
        (systemd 252's --root also wants sysinit.target and /bin/kill there)."""
        d = tempfile.mkdtemp(dir=self.tmp, prefix="verify-")
        bindir = os.path.join(self.dest, "usr", "bin") + "/"
        for n in ("stingy-vpn.service", "stingy-vpn-reresolve@.service",
                  "stingy-vpn-reresolve@.timer"):
            with open(os.path.join(self.units, n)) as f:
                text = f.read().replace("=/usr/bin/", "=" + bindir)
            if edit and n == "stingy-vpn.service":
                text = edit(text)
            with open(os.path.join(d, n), "w") as f:
                f.write(text)
        return d

    def test_units_verify_clean(self):
        need(self, "systemd-analyze")
        d = self.unit_copy()
        with open(os.path.join(d, "stingy-vpn.service")) as f:
            self.assertIn("ExecStart=%s/usr/bin/stingy-vpn run" % self.dest, f.read())
        names = ["stingy-vpn.service", "stingy-vpn-reresolve@wg0.service",
                 "stingy-vpn-reresolve@wg0.timer"]
        rc, out = verify(d, names, self.manpath)
        self.assertEqual((rc, out), (0, ""))
        # The check has teeth: a misspelt directive, a missing binary and an
        # unknown man page are each reported.
        for what, edit in (
                ("typo", lambda t: t.replace("\nProtectSystem=", "\nProtectSytem=")),
                ("binary", lambda t: t.replace("/usr/bin/stingy-vpn run", "/usr/bin/nope run")),
                ("man", lambda t: t.replace("man:desired.conf(5)", "man:desired.conf(7)"))):
            with self.subTest(broken=what):
                rc, out = verify(self.unit_copy(edit), ["stingy-vpn.service"], self.manpath)
                self.assertNotEqual(out, "")

    def test_security_exposure(self):
        need(self, "systemd-analyze")
        unit = os.path.join(self.units, "stingy-vpn.service")
        r = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", unit],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, SYSTEMD_COLORS="0"))
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r"Overall exposure level for stingy-vpn\.service: ([0-9.]+)", r.stdout)
        self.assertTrue(m, r.stdout[-500:])
        self.assertLessEqual(float(m.group(1)), EXPOSURE_MAX, r.stdout)
        for must in ("PrivateNetwork=", "RestrictAddressFamilies=~AF_(INET|INET6)"):
            self.assertIn(must, r.stdout)   # the only kind of thing left exposed
        bad = [l for l in r.stdout.splitlines() if l.startswith("\u2717")
               and not re.search(r"PrivateNetwork=|RestrictAddressFamilies=|IPAddressDeny=|"
                                 r"RootDirectory=|DeviceAllow=", l)]
        self.assertEqual(bad, [])

    def test_man_pages_lint_clean(self):
        for tool in ("groff", "mandoc", "man"):
            need(self, tool)
        pages = MAN_SRC + [os.path.join(self.manpath, p + ".gz") for p in MAN_PAGES]
        for src in MAN_SRC:
            with self.subTest(groff=src):
                r = subprocess.run(["groff", "-man", "-ww", "-z", src], capture_output=True,
                                   text=True, timeout=60)
                self.assertEqual((r.returncode, r.stderr), (0, ""))
            with self.subTest(mandoc=src):
                r = subprocess.run(["mandoc", "-T", "lint", "-W", "style", src],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))
        env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0", LANG="C.UTF-8")
        for page in pages:
            with self.subTest(man=page):
                r = subprocess.run(["man", "-l", page], capture_output=True, text=True,
                                   timeout=60, env=env)
                self.assertEqual((r.returncode, r.stderr), (0, ""))
                text = re.sub(r".\x08", "", r.stdout)     # overstrike bold/underline
                self.assertIn("\nNAME\n", text)
                self.assertIn("\nSEE ALSO\n", text)

    def test_mandoc_lint_catches_a_bad_page(self):
        need(self, "mandoc")
        need(self, "groff")
        bad = os.path.join(self.tmp, "bad.8")
        with open(MAN_SRC[0]) as f:
            text = f.read().replace(".SH OPTIONS\n", ".SH OPTIONS\n.BOGUS\n")
        with open(bad, "w") as f:
            f.write(text)
        r = subprocess.run(["mandoc", "-T", "lint", "-W", "style", bad], capture_output=True,
                           text=True)
        self.assertNotEqual(r.returncode, 0)
        r = subprocess.run(["groff", "-man", "-ww", "-z", bad], capture_output=True, text=True)
        self.assertIn("BOGUS", r.stderr)

    def test_desired_conf_5_documents_every_key_of_the_example(self):
        with open(MAN_SRC[2]) as f:
            page = f.read()
        with open(EXAMPLE) as f:
            example = f.read()
        sections = {re.sub(r" .*", "", s) for s in re.findall(r"^\[([a-z]+(?: [a-z]+)?)\]$",
                                                               example, re.M)}
        keys = set(re.findall(r"^#? ?([a-z_]+) =", example, re.M))
        self.assertGreaterEqual(len(keys), 30)
        for s in sections:
            self.assertRegex(page, r'(?m)^\.SH "\[%s' % s)
        for k in keys:
            self.assertRegex(page, r"(?m)^\.BI %s \" = \"" % k, "key %s undocumented" % k)
        # Every default the example names appears with the key.
        defaults = example_defaults(example)
        self.assertGreaterEqual(len(defaults), 20)
        for k, default in defaults.items():
            entry = re.search(r'(?s)\n\.BI %s " = ".*?(?=\n\.TP|\n\.SH)' % k, page)
            self.assertTrue(entry, k)
            self.assertRegex(entry.group(0), r"Default:\n\.[BI]R? %s" % re.escape(default),
                             "default of %s" % k)

    def test_stingy_vpn_8_documents_commands_options_and_env(self):
        with open(MAN_SRC[0]) as f:
            page = f.read().replace("\\-", "-")
        for word in ("run", "check", "status", "init --stack", "--config", "--verbose",
                     "--json", "--url", "--region", "--force", "--state-db", "--listen",
                     "--profile", "SIGHUP", "SIGTERM", "/healthz", "/status", "/metrics",
                     "NOTIFY_SOCKET", "WATCHDOG_USEC", "AWS_SHARED_CREDENTIALS_FILE",
                     "AWS_CONFIG_FILE", "AWS_PROFILE", "AWS_ENDPOINT_URL",
                     "AWS_ENDPOINT_URL_SQS", "STINGY_VPN_CONF", "/var/lib/stingy-vpn/state.db",
                     "/etc/stingy-vpn/aws-credentials"):
            self.assertIn(word, page)
        for sec in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "SIGNALS",
                    "FILES", "ENVIRONMENT", "EXIT STATUS", "HTTP ENDPOINTS", "SEE ALSO"):
            self.assertRegex(page, r'(?m)^\.SH "?%s"?$' % sec)


class UnitEnvTest(DaemonTest):
    """The daemon with the environment stingy-vpn.service gives it."""

    def unit_env(self, credfile):
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "LANG": "C.UTF-8",
               "CREDENTIALS_DIRECTORY": os.path.dirname(credfile),
               "AWS_SHARED_CREDENTIALS_FILE": credfile,
               "AWS_CONFIG_FILE": os.path.join(self.confdir, "aws-config"),  # absent
               "AWS_ENDPOINT_URL": self.moto.url,
               "NOTIFY_SOCKET": self.sock_path,
               "WATCHDOG_USEC": "2000000"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        return env

    def setUp(self):
        super().setUp()
        self.creddir = os.path.join(self.tmp, "credentials")
        self.confdir = os.path.join(self.tmp, "etc")
        self.statedir = os.path.join(self.tmp, "state")
        for d, mode in ((self.creddir, 0o700), (self.confdir, 0o755), (self.statedir, 0o700)):
            os.mkdir(d, mode)
        self.credfile = os.path.join(self.creddir, "aws-credentials")
        with open(self.credfile, "w") as f:
            f.write("[default]\naws_access_key_id = AKIDCREDDIRTEST0001\n"
                    "aws_secret_access_key = credsdirsecretnotreal\n")
        os.chmod(self.credfile, 0o400)          # what systemd hands the service
        self.conf = os.path.join(self.confdir, "desired.conf")
        self.db = os.path.join(self.statedir, "state.db")
        self.write_conf()
        self.sock_path = os.path.join(self.tmp, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.sock_path)
        self.sock.settimeout(15)
        self.addCleanup(self.sock.close)
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        super().tearDown()

    def spawn(self, env):
        """`stingy-vpn run -c conf` as ExecStart= has it, under UMask=0077,
        WATCHDOG_PID set to its own pid as systemd does (exec keeps the pid)."""
        self.logpath = os.path.join(self.tmp, "daemon.log")
        log = open(self.logpath, "wb")
        self.addCleanup(log.close)
        p = subprocess.Popen(["/bin/sh", "-c", 'export WATCHDOG_PID=$$; exec "$0" "$@"', BIN, "run",
                              "-c", self.conf], env=env, stdout=subprocess.DEVNULL,
                             stderr=log, umask=0o077)
        self.procs.append(p)
        return p

    def log(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def recv(self):
        data, _ = self.sock.recvfrom(4096)
        return time.monotonic(), data.decode()

    def test_credentials_directory_without_home(self):
        env = self.unit_env(self.credfile)
        self.assertNotIn("HOME", env)
        self.assertFalse([k for k in env if k.startswith("AWS_ACCESS") or
                          k.startswith("AWS_SECRET")])
        p = self.spawn(env)
        _, first = self.recv()
        self.assertIn("READY=1", first.split("\n"), self.log())
        times = []
        while len(times) < 4:
            t, msg = self.recv()
            self.assertEqual(msg, "WATCHDOG=1")
            times.append(t)
        gaps = [b - a for a, b in zip(times, times[1:])]
        for g in gaps:                          # WATCHDOG_USEC/2 = 1 s
            self.assertGreater(g, 0.7, gaps)
            self.assertLess(g, 1.5, gaps)
        self.wait_healthy()     # SQS and EC2 answered requests signed with the file's keys
        self.assertEqual(os.stat(self.db).st_mode & 0o777, 0o600)
        p.send_signal(signal.SIGTERM)
        while True:
            _, msg = self.recv()
            if msg != "WATCHDOG=1":
                break
        self.assertEqual(msg, "STOPPING=1")
        self.assertEqual(p.wait(15), 0, self.log())
        self.assertNotIn("credsdirsecretnotreal", self.log())

    def test_missing_credential_file_refuses_to_start(self):
        """The same environment with the credentials file absent: it is what
        made the test above work, and ~/.aws is not looked at instead."""
        os.unlink(self.credfile)
        p = self.spawn(self.unit_env(self.credfile))
        self.assertEqual(p.wait(20), 1)
        log = self.log()
        self.assertIn("no aws credentials", log)
        self.assertIn(self.credfile, log)
        self.assertIn(os.path.join(self.confdir, "aws-config"), log)
        self.assertNotIn("/.aws/", log)
        self.sock.settimeout(0.2)
        with self.assertRaises(socket.timeout):
            self.recv()                         # no READY=1

    def test_exec_start_pre_check(self):
        """ExecStartPre= with StandardOutput=null: `check` passes quietly on a
        good file; on a bad one every error reaches stderr (the journal)."""
        env = self.unit_env(self.credfile)
        r = subprocess.run([BIN, "check", "-c", self.conf], env=env, capture_output=True,
                           text=True, timeout=20)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.write_conf(describe_interval="5 minutes", max_instances="9")
        r = subprocess.run([BIN, "check", "-c", self.conf], env=env, capture_output=True,
                           text=True, timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertRegex(r.stderr, re.escape(self.conf) + r":\d+: .*describe_interval")
        self.assertRegex(r.stderr, re.escape(self.conf) + r":\d+: .*max_instances")


if __name__ == "__main__":
    unittest.main()
