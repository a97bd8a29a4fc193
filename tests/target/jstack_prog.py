# jstack() and pybacktrace() tests: a known call hierarchy (top -> <listcomp> -> middle -> leaf),
# then a pause so that the tracer names every frame while the process is still there (it reads
# the code objects from the process when the hits are delivered: on a loaded machine, late).
import time


def leaf(n):
    return n + 1


def middle(n):
    return leaf(n) * 2


def top():
    return [middle(i) for i in range(2)]


top()
time.sleep(1.5)
