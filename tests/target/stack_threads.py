# Threads that sit in known functions, blocked on an event, for `pyscope dump` (stack_dump.sh).
# Once every thread (the main one included) is blocked in Event.wait, a short-lived writer thread
# writes each thread's stack as Python itself sees it (sys._current_frames, innermost first,
# "function (file:line)", qualified names on 3.11+) to argv[1] and exits; the others stay blocked
# until the program is killed.
import os, sys, threading

go = threading.Event()


def name(code):
    return getattr(code, "co_qualname", code.co_name)


def leaf_a():
    go.wait()


def middle_a():
    leaf_a()


class Worker:
    def run_b(self, depth):
        if depth:
            return self.run_b(depth - 1)
        go.wait()


def blocked(f):
    # innermost frames: Condition.wait called from Event.wait called from one of ours
    return f is not None and f.f_back is not None and f.f_back.f_back is not None \
        and f.f_back.f_code is threading.Event.wait.__code__ \
        and f.f_back.f_back.f_code.co_name in ("leaf_a", "run_b", "<lambda>", "main_wait")


def writer(threads, path):
    while True:
        frames = sys._current_frames()
        if all(blocked(frames.get(t.ident)) for t in threads):
            break
        go.wait(0.01)
    with open(path + ".tmp", "w") as out:
        for t in threads:
            out.write("Thread\n")
            f = frames[t.ident]
            while f is not None:
                out.write("    %s (%s:%d)\n" % (name(f.f_code), f.f_code.co_filename, f.f_lineno))
                f = f.f_back
    os.rename(path + ".tmp", path)


def main_wait():
    go.wait()


a = threading.Thread(target=middle_a, name="a")
b = threading.Thread(target=Worker().run_b, args=(3,), name="b")
c = threading.Thread(target=lambda: go.wait(), name="c")
for t in (a, b, c):
    t.start()
threading.Thread(target=writer, args=([threading.main_thread(), a, b, c], sys.argv[1])).start()
main_wait()
