# pyscope's bootstrap: `pyscope ... -c 'python3.12 app.py'` puts this directory first on PYTHONPATH
# and the provider's path in PYSCOPE_PROVIDER_SO for an interpreter without markers. It loads the
# provider, puts PYTHONPATH back as it was (the program's own child processes are not touched),
# leaves sys.path without this directory, and then runs the program's own sitecustomize, if any,
# as Python would have (the way opentelemetry-instrument and ddtrace-run chain to it).
import os
import sys


def _pyscope_boot():
    here = os.path.dirname(os.path.abspath(__file__))
    so = os.environ.pop("PYSCOPE_PROVIDER_SO", None)
    old = os.environ.pop("PYSCOPE_PYTHONPATH", None)
    if old is not None:
        if old == "":
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    if so:
        try:
            import importlib.util
            spec = importlib.util.spec_from_file_location("_pyscope_provider", so)
            mod = importlib.util.module_from_spec(spec)
            sys.modules["_pyscope_provider"] = mod
            spec.loader.exec_module(mod)
        except Exception as e:
            sys.modules.pop("_pyscope_provider", None)
            sys.stderr.write("pyscope: cannot load the provider %s: %s\n" % (so, e))
    mine = sys.modules.pop("sitecustomize", None)
    try:
        import sitecustomize  # noqa: F401 -- the program's own, found without this directory
    except ImportError as e:
        if getattr(e, "name", None) != "sitecustomize":
            raise
        if mine is not None:
            sys.modules["sitecustomize"] = mine


_pyscope_boot()
del _pyscope_boot
