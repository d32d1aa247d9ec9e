"""bench_reaction: how fast a spot interruption warning turns into the
replacement's RunInstances. Prints figures; asserts no timing.

Measured two ways over BENCH_INTERRUPTIONS (default 100) warnings:

  (a) inside the controller: from the SQS answer carrying the warning to
      RunInstances sent, as the daemon logs it ("reaction: N us from the SQS
      answer to RunInstances sent");
  (b) through the emulator: from EventBridge put-events returning to the
      RunInstances request arriving at a recording proxy between the daemon
      and moto (tests/integration/faultproxy.py, no faults set). EventBridge
      delivers to SQS inside put-events, so the daemon can act before boto3
      has read the answer; a negative figure means exactly that. (b) is
      also split at the moment moto's answer to the long poll reaches the
      proxy.

The loop: wait until the endpoint is converged (one pending-or-running
instance, SSM /stingy-vpn/instance-id naming it), send the warning for it,
wait for the replacement to take over, repeat. wait_ready = no (ready once
running), describe_interval = 10s, sqs_wait = 20s (a real long poll, so the
event's arrival is what answers it). The launch budget caps at 20 per hour,
so every 18 interruptions the daemon is stopped, its state database deleted,
and a fresh one adopts the running instance (the bench then waits for the
old daemon's long poll, still open in moto, to end: up to 20 s a restart).

Everything runs on 127.0.0.1; everything started is stopped.
"""
import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import faultproxy  # noqa: E402
from faultproxy import FaultProxy  # noqa: E402
from harness import (BIN, CREDS, Daemon, Moto, World, free_port,  # noqa: E402
                     wait_for, write_conf)

PER_DAEMON = 18             # interruptions per daemon run: 1 + 18 launches <= 20/h
CONVERGE_TIMEOUT = 60.0

REACTION_RE = re.compile(r"reaction: (\d+) us from the SQS answer to RunInstances sent")


def percentile(sorted_vals, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_vals:
        return float("nan")
    k = max(1, -(-len(sorted_vals) * p // 100))     # ceil(n * p / 100)
    return sorted_vals[int(k) - 1]


def summary(name, vals_ms):
    v = sorted(vals_ms)
    if not v:
        return "%-44s count 0" % name
    return "%-44s count %3d  p50 %8.2f  p90 %8.2f  p99 %8.2f  max %8.2f  ms" % (
        name, len(v), percentile(v, 50), percentile(v, 90), percentile(v, 99), v[-1])


class Bench:
    def __init__(self, tmp, count):
        self.tmp = tmp
        self.count = count
        self.moto = Moto()
        self.proxy = None
        self.daemon = None
        self.logs = []

    def alive(self):
        return sorted(self.world.instances(states=("pending", "running")).keys())

    def converged(self):
        """The primary's id once converged, else None."""
        alive = self.alive()
        if len(alive) != 1:
            return None
        return alive[0] if self.world.ssm_value() == alive[0] else None

    def start_daemon(self):
        db = os.path.join(self.tmp, "state.db")
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(db + suffix)
            except FileNotFoundError:
                pass
        conf = os.path.join(self.tmp, "desired-%d.conf" % len(self.logs))
        write_conf(conf, self.world, db, free_port(), wait_ready="no",
                   describe_interval="10s", sqs_wait="20s", launch_budget="20")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp,
               "AWS_ENDPOINT_URL": self.proxy.url, "LANG": "C"}
        env.update(CREDS)
        self.daemon = Daemon(conf, env, args=[]).start()
        self.logs.append(self.daemon.logpath)

    def stop_daemon(self):
        if self.daemon is not None and self.daemon.alive():
            self.daemon.stop()
        self.daemon = None

    def converge(self, what, old=None):
        """Wait until converged on an instance other than old; its id."""
        def check():
            if not self.daemon.alive():
                raise AssertionError("the daemon exited with %s" % self.daemon.proc.returncode)
            got = self.converged()
            return got if got != old else None
        return wait_for(check, CONVERGE_TIMEOUT, interval=0.1, what=what)

    def run(self):
        self.moto.start()
        self.world = World(self.moto)
        self.proxy = FaultProxy(self.moto.url).start()
        # When moto's answers to ReceiveMessage come back, to split (b).
        answered = []
        self.proxy.hook("ReceiveMessage", lambda rec: answered.append(time.monotonic()),
                        when="after", forward=True, times=None)
        t_start = time.monotonic()
        self.start_daemon()
        primary = self.converge("the first launch")
        through_moto = []           # ms, put-events returned -> RunInstances at the proxy
        from_call = []              # ms, put-events called -> RunInstances at the proxy
        to_answer = []              # ms, put-events returned -> SQS answer out of moto
        from_answer = []            # ms, SQS answer out of moto -> RunInstances at the proxy
        for n in range(self.count):
            if n > 0 and n % PER_DAEMON == 0:
                self.stop_daemon()
                t_stop = time.monotonic()
                self.start_daemon()
                primary = self.converge("adoption after a restart")
                # The old daemon's long poll lives on in moto until its
                # sqs_wait ends and would take the next warning, hiding it
                # for the visibility timeout (60 s): let it end first.
                orphans = [r for r in self.proxy.requests("ReceiveMessage")
                           if r.t < t_stop and r.upstream_status is None]
                try:
                    wait_for(lambda: all(r.upstream_status is not None for r in orphans),
                             30, interval=0.1, what="the old daemon's long poll")
                except AssertionError:
                    pass            # moto dropped it: nothing left to wait for
            t_call = time.monotonic()
            self.world.put_event("EC2 Spot Instance Interruption Warning",
                                 {"instance-id": primary, "instance-action": "terminate"})
            t_ret = time.monotonic()
            run = wait_for(lambda: self.proxy.requests("RunInstances", since=t_call),
                           CONVERGE_TIMEOUT, interval=0.01,
                           what="RunInstances after warning %d" % (n + 1))
            through_moto.append((run[0].t - t_ret) * 1e3)
            from_call.append((run[0].t - t_call) * 1e3)
            # The long poll answered by the warning: the last answer before
            # RunInstances (an empty one takes sqs_wait, 20 s).
            got = [t for t in list(answered) if t_call <= t <= run[0].t]
            if got:
                to_answer.append((got[-1] - t_ret) * 1e3)
                from_answer.append((run[0].t - got[-1]) * 1e3)
            primary = self.converge("the replacement of %s (warning %d)" % (primary, n + 1),
                                    old=primary)
        self.stop_daemon()
        wall = time.monotonic() - t_start

        inside = []
        for path in self.logs:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            inside += [int(us) / 1e3 for us in REACTION_RE.findall(text)]

        print("bench_reaction: %d spot interruption warnings, %d daemon run(s), "
              "wait_ready = no, sqs_wait = 20s, moto on loopback" %
              (self.count, len(self.logs)))
        print(summary("(a) SQS answer -> RunInstances sent", inside))
        print(summary("(b) put-events returned -> RunInstances recvd", through_moto))
        print(summary("    put-events called -> RunInstances recvd", from_call))
        print(summary("    put-events returned -> SQS answer out", to_answer))
        print(summary("    SQS answer out -> RunInstances recvd", from_answer))
        print("RunInstances seen by the proxy: %d;  total wall time %.1f s" %
              (self.proxy.count("RunInstances"), wall))
        return 0

    def stop(self):
        self.stop_daemon()
        if self.proxy is not None:
            self.proxy.stop()
        self.moto.stop()


def main():
    if not os.path.exists(BIN):
        sys.stderr.write("bench_reaction: %s is missing: run make first\n" % BIN)
        return 1
    count = int(os.environ.get("BENCH_INTERRUPTIONS", "100"))
    tmp = tempfile.mkdtemp(prefix="stingy-bench-")
    bench = Bench(tmp, count)
    try:
        return bench.run()
    except AssertionError as e:
        sys.stderr.write("bench_reaction: %s\n" % e)
        if bench.logs:
            with open(bench.logs[-1], "rb") as f:
                sys.stderr.write(f.read().decode("utf-8", "replace")[-4000:])
        return 1
    finally:
        bench.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
