# CPython 3.11 only: corrupts its own frame chain for a while, for stack_profile.sh. The running
# function's _PyInterpreterFrame.previous (offset 48; PyFrameObject.f_frame is at 24) is pointed
# at unmapped memory ("cut" mode) or at the frame itself ("loop" mode: a cycle), or the caller's
# frame's code pointer (f_code, offset 32) at an int ("code" mode: not a code object), the function
# spins on the CPU for argv[2] seconds (after writing argv[3], so the test knows), and puts the
# pointer back before it returns, so that the interpreter never follows it.
import ctypes, sys, time


def scribbled(mode, seconds, ready):
    f = sys._getframe()
    iframe = ctypes.c_void_p.from_address(id(f) + 24).value
    prev = ctypes.c_void_p.from_address(iframe + 48)
    saved = prev.value
    if mode == "code":
        prev = ctypes.c_void_p.from_address(saved + 32)   # the caller's f_code
        saved = prev.value
        prev.value = id(12345678901234567890)
    else:
        prev.value = 0xdead0000 if mode == "cut" else iframe
    open(ready, "w").close()
    end = time.thread_time() + seconds
    x = 0
    while time.thread_time() < end:
        x += 1
    prev.value = saved
    return x


def outer(mode, seconds, ready):
    return scribbled(mode, seconds, ready)


outer(sys.argv[1], float(sys.argv[2]), sys.argv[3])
print("survived")
