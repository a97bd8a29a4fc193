# profile_self.py — a Python program with threads, generators, exceptions and recursion that
# counts its own function calls and returns with sys.setprofile / threading.setprofile ('call' and
# 'return' events of the Python functions in this file) and writes them as JSON to argv[1]:
# {"name": [calls, returns], ...}. capture_py311.sh compares them with what pyscope saw.
# main() runs twice: first with no profiler (so CPython takes its ordinary, untraced paths: what
# pyscope must see in full), then, after the audit event "profile_self.profiled", under the
# profiler that counts. Nothing else of this file runs except the module body, the class body and
# _prof (which the profiler does not report).
import sys
import threading
import json

per_thread = {}


def _prof(frame, event, arg):
    if event != 'call' and event != 'return':
        return
    code = frame.f_code
    if code.co_filename != __file__:
        return
    counts = per_thread.setdefault(threading.get_ident(), {})
    c = counts.setdefault(code.co_name, [0, 0])
    c[event == 'return'] += 1


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def deep(n):
    if n == 0:
        raise ValueError("bottom")
    return deep(n - 1)


def countdown(n):
    while n > 0:
        yield n
        n -= 1


def relay(n):
    yield from countdown(n)
    return "done"


def echo():
    received = 0
    try:
        while True:
            x = yield received
            received += x
    except KeyError:
        yield -1
    finally:
        received = 0


class Box:
    def __init__(self, v):
        self.v = v

    def __repr__(self):
        return "Box(%d)" % self.v

    @property
    def double(self):
        return self.v * 2


def risky(i):
    if i % 3 == 0:
        raise KeyError(i)
    return i


def catcher(n):
    caught = 0
    for i in range(n):
        try:
            risky(i)
        except KeyError:
            caught += 1
        finally:
            pass
    return caught


def worker(k):
    total = fib(12 + k)
    total += sum(countdown(50))
    for v in relay(20):
        total += v
    total += catcher(30)
    try:
        deep(40)
    except ValueError:
        total += 1
    squares = [x * x for x in range(10)]
    total += sum(squares)
    return total


def main():
    results = []
    threads = [threading.Thread(target=lambda k=k: results.append(worker(k))) for k in range(4)]
    for t in threads:
        t.start()
    results.append(worker(0))
    g = echo()
    next(g)
    g.send(5)
    g.throw(KeyError)
    g.close()
    h = echo()
    next(h)
    h.close()
    b = Box(3)
    repr(b)
    b.double
    sorted([Box(i) for i in range(5)], key=lambda x: -x.v)
    for t in threads:
        t.join()
    return len(results)


main()
sys.audit("profile_self.profiled")
threading.setprofile(_prof)
sys.setprofile(_prof)
main()
sys.setprofile(None)
threading.setprofile(None)
merged = {}
for counts in per_thread.values():
    for name, (calls, returns) in counts.items():
        m = merged.setdefault(name, [0, 0])
        m[0] += calls
        m[1] += returns
with open(sys.argv[1], "w") as f:
    json.dump(merged, f, sort_keys=True)
