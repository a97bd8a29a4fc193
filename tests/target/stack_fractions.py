# A program that spends known fractions of its CPU time in known functions, for
# `pyscope profile` (stack_profile.sh): in every 100 ms of CPU time, 20 ms in spin_a, 30 ms in
# spin_b, 50 ms in spin_c (measured with the thread's own CPU clock), for argv[1] seconds.
import sys, time


def burn(until):
    x = 0
    while time.thread_time() < until:
        x += 1
    return x


def spin_a(ms):
    return burn(time.thread_time() + ms / 1000)


def spin_b(ms):
    return burn(time.thread_time() + ms / 1000)


def spin_c(ms):
    return burn(time.thread_time() + ms / 1000)


def main(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        spin_a(20)
        spin_b(30)
        spin_c(50)


main(float(sys.argv[1]))
