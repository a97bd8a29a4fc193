# prog.py — the program behind the recorded streams of the D golden tests (see record.sh).
# Deterministic calls: start() calls middle() and leaf(), collects each GC generation, imports a
# module and raises an audit event; then two threads run worker() at the same time, taking turns
# (each calls middle() only when the other has), so that their calls interleave.
import gc
import sys
import threading


def leaf(n):
    return n * 2


def middle(n):
    return leaf(n) + leaf(n + 1)


def start():
    for i in range(3):
        middle(i)
    for gen in range(3):
        gc.collect(gen)
    import colorsys
    sys.audit("pyscope.test", 1)
    return colorsys


def worker(n, mine, other):
    for i in range(n):
        mine.wait()
        mine.clear()
        middle(i)
        other.set()


start()
a, b = threading.Event(), threading.Event()
threads = [threading.Thread(target=worker, args=(2, a, b)),
           threading.Thread(target=worker, args=(2, b, a))]
for t in threads:
    t.start()
a.set()
for t in threads:
    t.join()
