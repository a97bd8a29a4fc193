# workload.py — the call-heavy Python program bench/run measures: recursion, method calls,
# generators and small helpers, about 500,000 Python function calls (a million entry/return
# events). It times only its own work and writes the elapsed nanoseconds to argv[1], so that
# pyscope's start-up and attach time do not count.
import os
import sys
import time

# bench/run keeps the reader (pyscope) and the workload on different CPUs, the way they would run
# on any machine with more than one, so that runs do not differ by where the scheduler put them.
if "BENCH_CPU" in os.environ:
    os.sched_setaffinity(0, {int(os.environ["BENCH_CPU"])})


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


def work():
    total = fib(23)                                   # ~92,000 calls
    for i in range(100000):                           # 300,000 calls
        total = add(total, Point(i, -i).norm1())
    for v in gen(100000):                             # 100,000 generator resumptions
        total += v
    return total


t0 = time.perf_counter_ns()
work()
elapsed = time.perf_counter_ns() - t0
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % elapsed)
