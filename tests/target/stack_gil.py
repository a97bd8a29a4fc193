# Threads that each wait for something known, for `pyscope dump` and `profile --idle` marking
# (stack_gil.sh): "spin_1" and "spin_2" compete for the GIL (one runs, the other waits for it),
# "locked" waits on a Lock, "sleeper" sits in time.sleep, "reader" in os.read of a pipe no one
# writes. Writes "ready" to argv[1] once every thread is in place; runs until killed.
import os, sys, threading, time

lock = threading.Lock()
lock.acquire()
r, w = os.pipe()


def spin():
    n = 0
    while True:
        n += 1


def locked():
    lock.acquire()


def sleeper():
    time.sleep(3600)


def reader():
    os.read(r, 1)


threads = [threading.Thread(target=f, name=n, daemon=True) for f, n in
           ((spin, "spin_1"), (spin, "spin_2"), (locked, "locked"), (sleeper, "sleeper"), (reader, "reader"))]
for t in threads:
    t.start()
time.sleep(0.5)
with open(sys.argv[1], "w") as out:
    out.write(" ".join("%s=%d" % (t.name, t.native_id) for t in threads) + "\n")
threading.Event().wait()
