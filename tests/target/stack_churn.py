# Changes under a sampler, for stack_profile.sh: for argv[1] seconds, short-lived threads come
# and go, each burning CPU in churn_worker; then, when argv[2] names a Python, the process execs
# it on this same program with "--after", which burns for argv[1] seconds in after_exec and exits.
import os, sys, threading, time


def burn(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def churn_worker():
    burn(0.02)


def after_exec(seconds):
    burn(seconds)


def main():
    seconds = float(sys.argv[1])
    if len(sys.argv) > 2 and sys.argv[2] == "--after":
        after_exec(seconds)
        return
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ts = [threading.Thread(target=churn_worker) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    if len(sys.argv) > 2:
        os.execv(sys.argv[2], [sys.argv[2], sys.argv[0], sys.argv[1], "--after"])


main()
