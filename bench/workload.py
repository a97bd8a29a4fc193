# workload.py — the Python programs bench/run measures, on /usr/bin/python3.11 (which has markers).
#   python3.11 bench/workload.py OUT [NAME [SCALE]]
# NAME (default "call"; or $BENCH_WORKLOAD):
#   call    call-heavy: recursion, method calls, generators and small helpers (~500,000 calls at
#           scale 1)
#   real    realistic: json, re, classes with properties, generators, exceptions, 4 threads
#   gc      gc-heavy: reference cycles built and collected (many gc__start/gc__done), calls in
#           __init__ and __del__-free containers
#   import  import-heavy: pure-Python stdlib modules dropped from sys.modules and imported again
#           (import__find__load markers, and the calls of the modules' top-level code)
# SCALE (default 1; or $BENCH_SCALE) multiplies the amount of work; bench/run picks it so that a run
# is long enough to measure and short enough to repeat.
#
# The program times only its own work and writes one line to OUT:
#   ELAPSED_NS WORK_CPU_NS CPU_NS MAXRSS_KIB
# the wall-clock time of its work, the CPU time of its work (all threads: a uprobe's trap is charged
# to the traced thread, and CPU time is not stretched by waiting for a CPU on a loaded machine), its
# own CPU time since it started, and peak RSS, so that the tracer's start-up and
# attach do not count, and so that bench/run can tell the tracer's CPU time from the workload's (a
# tracer that runs the workload with -c is charged its child's usage when it reaps it).
#
# Two environment variables set up the machine the way bench/run wants it:
#   BENCH_CPU=N         run on CPU N only (the tracer runs on CPU 0, the workload on the last)
#   BENCH_LINE_SEM=ADDR raise CPython 3.11's `line` semaphore (its link-time address, hex) in this
#                       process, the way pyscope raises it for itself: 3.11 reaches function__entry
#                       only on its tracing path, which that semaphore turns on. bench/run sets it
#                       for bpftrace's scripts that use function__entry (bpftrace does not raise
#                       it, and would see no entries), so both tracers run the same interpreter path.
import os
import resource
import sys
import time

if "BENCH_CPU" in os.environ:
    os.sched_setaffinity(0, {int(os.environ["BENCH_CPU"])})


def raise_line_semaphore(addr):
    import ctypes
    # A position-dependent executable (Debian's python3.11) is loaded at its link-time addresses;
    # a PIE is moved by its load base: the first mapping of the executable.
    exe = os.path.realpath(sys.executable)
    base = 0
    with open("/proc/self/exe", "rb") as f:
        if f.read(18)[16] == 3:  # e_type ET_DYN
            with open("/proc/self/maps") as m:
                for line in m:
                    if line.rstrip().endswith(exe):
                        base = int(line.split("-")[0], 16)
                        break
    ctypes.c_ushort.from_address(base + addr).value += 1


if os.environ.get("BENCH_LINE_SEM"):
    raise_line_semaphore(int(os.environ["BENCH_LINE_SEM"], 16))


# ---- call: call-heavy ------------------------------------------------------------------------
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm1(self):
        return abs(self.x) + abs(self.y)


def gen(n):
    for i in range(n):
        yield i


def add(a, b):
    return a + b


def work_call(scale):
    n = int(100000 * scale)
    total = fib(23 if scale >= 1 else 20)             # ~92,000 calls (~22,000 below scale 1)
    for i in range(n):                                # 3 calls each
        total = add(total, Point(i, -i).norm1())
    for v in gen(n):                                  # generator resumptions
        total += v
    return total


# ---- real: json, re, classes, generators, exceptions, threads ------------------------------
class Record:
    __slots__ = ("name", "qty", "price")

    def __init__(self, name, qty, price):
        self.name = name
        self.qty = qty
        self.price = price

    @property
    def total(self):
        return self.qty * self.price

    def to_dict(self):
        return {"name": self.name, "qty": self.qty, "price": self.price}


class BadRecord(ValueError):
    pass


def parse(line, pattern):
    m = pattern.match(line)
    if m is None:
        raise BadRecord(line)
    return Record(m.group(1), int(m.group(2)), float(m.group(3)))


def records(lines, pattern):
    for line in lines:
        try:
            yield parse(line, pattern)
        except BadRecord:
            continue


def real_batch(k):
    import json
    import re
    pattern = re.compile(r"(\w+)\s+(\d+)\s+([\d.]+)$")
    lines = ["item%d %d %d.5" % (i, i % 7, i % 13) if i % 10 else "broken line %d" % i
             for i in range(k)]
    recs = list(records(lines, pattern))
    text = json.dumps([r.to_dict() for r in recs])
    back = [Record(**d) for d in json.loads(text)]
    return sum(r.total for r in back)


def work_real(scale):
    import threading
    rounds = max(1, int(60 * scale))
    out = []
    lock = threading.Lock()

    def worker():
        for _ in range(rounds):
            v = real_batch(300)
            with lock:
                out.append(v)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(out)


# ---- gc: cycles, collected by the collector ---------------------------------------------------
class Node:
    def __init__(self, parent):
        self.parent = parent
        self.children = []
        if parent is not None:
            parent.children.append(self)


def tree(depth, parent=None):
    node = Node(parent)
    if depth:
        tree(depth - 1, node)
        tree(depth - 1, node)
    return node


def work_gc(scale):
    import gc
    gc.set_threshold(500, 5, 5)                       # collections often, as a busy program has
    kept = []
    for i in range(int(60 * scale)):
        tree(9)                                       # 1,023 nodes in cycles, left to the collector
        kept.append(tree(4))
        if len(kept) > 20:
            kept.clear()
        if i % 10 == 0:
            gc.collect(i % 3)
    return len(kept)


# ---- import: the stdlib's pure-Python modules, again and again -----------------------------
MODULES = ["json", "csv", "argparse", "textwrap", "string", "fractions", "decimal", "pprint",
           "dataclasses", "email.message", "email.parser", "http.client", "urllib.parse",
           "xml.dom.minidom", "configparser", "shlex", "difflib", "calendar", "ipaddress",
           "statistics", "tomllib", "gettext", "optparse", "plistlib"]


def work_import(scale):
    import importlib
    baseline = set(sys.modules)
    n = 0
    for _ in range(max(1, int(6 * scale))):
        for name in MODULES:
            importlib.import_module(name)
            n += 1
        for name in list(sys.modules):                # forget what was imported, to import it again
            if name not in baseline:
                del sys.modules[name]
    return n


WORK = {"call": work_call, "real": work_real, "gc": work_gc, "import": work_import}

if __name__ == "__main__":
    name = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("BENCH_WORKLOAD", "call")
    scale = float(sys.argv[3] if len(sys.argv) > 3 else os.environ.get("BENCH_SCALE", "1"))
    work = WORK[name]
    c0 = time.process_time_ns()
    t0 = time.perf_counter_ns()
    work(scale)
    # BENCH_FOR=SECONDS: the work again and again for that long (bench/longrun.sh's RSS over time)
    while time.perf_counter_ns() - t0 < float(os.environ.get("BENCH_FOR", "0")) * 1e9:
        work(scale)
    elapsed = time.perf_counter_ns() - t0
    work_cpu = time.process_time_ns() - c0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int((ru.ru_utime + ru.ru_stime) * 1e9)
    rss = ru.ru_maxrss
    with open(sys.argv[1], "w") as f:
        f.write("%d %d %d %d\n" % (elapsed, work_cpu, cpu, rss))
