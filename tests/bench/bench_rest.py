"""bench_rest: what the daemon costs at rest. Prints figures against the
targets in DESIGN.md ("Targets"); asserts nothing.

The daemon runs with the default intervals (describe_interval 60s, sqs_wait
20s, wait_ready yes) against moto through a recording proxy
(tests/integration/faultproxy.py, no faults set). Once the endpoint is
converged (one ready running instance, SSM /stingy-vpn/instance-id naming
it) and settled, it is left alone for BENCH_REST_SECONDS (default 120) and
measured:

  - memory: VmRSS and VmHWM from /proc/PID/status (and, to say what the RSS
    is made of, RssAnon, RssFile and Pss);
  - CPU: utime + stime from /proc/PID/stat over the window, in clock ticks,
    extrapolated to CPU seconds per hour (and, finer, se.sum_exec_runtime
    from /proc/PID/task/*/sched where the kernel shows it);
  - AWS requests in the window by operation, as the proxy saw them,
    extrapolated to requests per hour.

A short window extrapolates coarsely: 120 s holds about 6 long polls and 2
describes, and CPU is counted in ticks of 1/CLK_TCK s.

Everything runs on 127.0.0.1; everything started is stopped.
"""
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import faultproxy  # noqa: E402
from faultproxy import FaultProxy  # noqa: E402
from harness import (BIN, CREDS, Bootstrapper, Daemon, Moto, World,  # noqa: E402
                     free_port, wait_for, write_conf)

SETTLE = 10.0               # s after convergence before the window opens
TARGET_RSS_KIB = 8 * 1024
TARGET_CPU_S_H = 1.0
TARGET_REQ_H = 400


def proc_status(pid):
    """{field: kB} of the numeric kB fields of /proc/pid/status."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            v = v.split()
            if len(v) == 2 and v[1] == "kB":
                out[k] = int(v[0])
    return out


def proc_pss(pid):
    """Pss in kB from /proc/pid/smaps_rollup, None when unreadable."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def proc_cpu_ticks(pid):
    """utime + stime of pid, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    # The command may hold spaces and parentheses: split after the last ')'.
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])       # fields 14 and 15 of stat


def proc_exec_ms(pid):
    """On-CPU time in ms of pid's live threads from /proc/pid/task/*/sched
    (se.sum_exec_runtime, finer than ticks); None where the kernel does not
    show it."""
    total, seen = 0.0, False
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/sched" % (pid, tid)) as f:
                for line in f:
                    if line.startswith("se.sum_exec_runtime"):
                        total += float(line.split(":")[1])
                        seen = True
        except (OSError, ValueError):
            pass
    return total if seen else None


def verdict(ok):
    return "meets the target" if ok else "MISSES the target"


class Bench:
    def __init__(self, tmp, window):
        self.tmp = tmp
        self.window = window
        self.moto = Moto()
        self.proxy = None
        self.boot = None
        self.daemon = None

    def converged(self):
        alive = self.world.instances(states=("pending", "running"))
        if len(alive) != 1:
            return None
        iid, inst = next(iter(alive.items()))
        if inst["State"]["Name"] != "running" or "stingy-vpn:ready" not in inst["TagMap"]:
            return None
        return iid if self.world.ssm_value() == iid else None

    def run(self):
        self.moto.start()
        self.world = World(self.moto)
        self.proxy = FaultProxy(self.moto.url).start()
        self.boot = Bootstrapper(self.moto, delay=0.0)
        self.boot.start()
        conf = os.path.join(self.tmp, "desired.conf")
        # None: the key is left out, so the daemon's default applies.
        write_conf(conf, self.world, os.path.join(self.tmp, "state.db"), free_port(),
                   describe_interval=None, sqs_wait=None, health_max_age=None)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp,
               "AWS_ENDPOINT_URL": self.proxy.url, "LANG": "C"}
        env.update(CREDS)
        self.daemon = Daemon(conf, env, args=[]).start()
        pid = self.daemon.proc.pid

        def check():
            if not self.daemon.alive():
                raise AssertionError("the daemon exited with %s" % self.daemon.proc.returncode)
            return self.converged()
        t_begin = time.monotonic()
        primary = wait_for(check, 60, interval=0.2, what="convergence")
        t_conv = time.monotonic() - t_begin
        self.boot.stop()            # nothing more to tag; keep moto quiet
        time.sleep(SETTLE)

        t0 = time.monotonic()
        cpu0 = proc_cpu_ticks(pid)
        exec0 = proc_exec_ms(pid)
        time.sleep(self.window)
        cpu1 = proc_cpu_ticks(pid)
        exec1 = proc_exec_ms(pid)
        t1 = time.monotonic()
        st = proc_status(pid)
        pss = proc_pss(pid)
        if not self.daemon.alive():
            raise AssertionError("the daemon exited during the window")
        span = t1 - t0

        hz = os.sysconf("SC_CLK_TCK")
        ticks = cpu1 - cpu0
        cpu_h = ticks / hz * 3600.0 / span
        fine = ""
        if exec0 is not None and exec1 is not None:
            fine = " (on-CPU by sched: %.1f ms = %.3f CPU-s/hour)" % (
                exec1 - exec0, (exec1 - exec0) / 1e3 * 3600.0 / span)
        by_op = {}
        for r in self.proxy.requests():
            if t0 <= r.t < t1:
                key = "%s %s" % (r.service or "?", r.op or "?")
                by_op[key] = by_op.get(key, 0) + 1
        total = sum(by_op.values())
        req_h = total * 3600.0 / span

        rss, hwm = st.get("VmRSS", 0), st.get("VmHWM", 0)
        print("bench_rest: daemon at rest for %.1f s after convergence on %s "
              "(converged %.1f s after start, then %.0f s to settle); defaults: "
              "describe_interval 60s, sqs_wait 20s, wait_ready yes" %
              (span, primary, t_conv, SETTLE))
        print("  memory  VmRSS %6d KiB  VmHWM %6d KiB    (RssAnon %d KiB, RssFile %d KiB, "
              "Pss %s KiB)" % (rss, hwm, st.get("RssAnon", 0), st.get("RssFile", 0),
                               pss if pss is not None else "?"))
        print("          target RSS under %d KiB: VmRSS %s" %
              (TARGET_RSS_KIB, verdict(rss < TARGET_RSS_KIB)))
        print("  CPU     %d ticks (1/%d s) in %.1f s = %.3f CPU-s/hour%s" %
              (ticks, hz, span, cpu_h, fine))
        print("          target under %.1f CPU-s/hour: %s" %
              (TARGET_CPU_S_H, verdict(cpu_h < TARGET_CPU_S_H)))
        print("  AWS     %d requests in %.1f s = %.0f requests/hour;  target under %d: %s" %
              (total, span, req_h, TARGET_REQ_H, verdict(req_h < TARGET_REQ_H)))
        for key in sorted(by_op, key=lambda k: (-by_op[k], k)):
            print("          %-28s %4d in the window  %6.0f/hour" %
                  (key, by_op[key], by_op[key] * 3600.0 / span))
        print("          (the intervals alone give %d/hour: %d DescribeInstances + "
              "%d ReceiveMessage)" % (3600 // 60 + 3600 // 20, 3600 // 60, 3600 // 20))
        return 0

    def stop(self):
        if self.daemon is not None and self.daemon.alive():
            self.daemon.stop()
        if self.boot is not None:
            self.boot.stop()
        if self.proxy is not None:
            self.proxy.stop()
        self.moto.stop()


def main():
    if not os.path.exists(BIN):
        sys.stderr.write("bench_rest: %s is missing: run make first\n" % BIN)
        return 1
    window = float(os.environ.get("BENCH_REST_SECONDS", "120"))
    tmp = tempfile.mkdtemp(prefix="stingy-bench-")
    bench = Bench(tmp, window)
    try:
        return bench.run()
    except AssertionError as e:
        sys.stderr.write("bench_rest: %s\n" % e)
        if bench.daemon is not None:
            sys.stderr.write(bench.daemon.output()[-4000:])
        return 1
    finally:
        bench.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
