"""OpenBLAS's kernel is the command's: the package applies the command's rule
(tc_blas_fix_kernel) before numpy loads OpenBLAS, keeps a value set
beforehand, and warns when numpy came first and OpenBLAS runs another."""
import os
import re
import subprocess
import sys

from conftest import TC_BIN
from textclust._blas import cpu_flags, kernel_for_cpu

CORE = ("import warnings; warnings.simplefilter('error');"
        "%s import textclust._lib as l; print(l.blas_corename())")


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "TEXTCLUST_NO_REEXEC")}
    e.update(extra)
    return e


def command_core(e):
    out = subprocess.run([TC_BIN, "--version"], capture_output=True, text=True, env=e, check=True).stdout
    return re.search(r"core (\S+),", out).group(1)


def python(code, e):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e)


def test_package_runs_the_commands_kernel():
    r = python(CORE % "", env())
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().lower() == command_core(env()).lower()
    want = kernel_for_cpu(cpu_flags())
    if want:   # the rule applies on this CPU: both run its kernel
        assert r.stdout.strip().lower() == want.lower()


def test_a_value_set_before_is_kept():
    r = python(CORE % "", env(OPENBLAS_CORETYPE="Haswell"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().lower() == "haswell" == command_core(env(OPENBLAS_CORETYPE="Haswell")).lower()


def test_numpy_first_warns_when_the_kernel_differs():
    first = python("import numpy, ctypes; b = ctypes.CDLL('libopenblas.so.0');"
                   "b.openblas_get_corename.restype = ctypes.c_char_p;"
                   "print(b.openblas_get_corename().decode())", env()).stdout.strip()
    want = kernel_for_cpu(cpu_flags())
    r = python(CORE % "import numpy;", env())
    if want and first.lower() != want.lower():
        assert r.returncode != 0 and "RuntimeWarning" in r.stderr and "import textclust first" in r.stderr
    else:
        assert r.returncode == 0, r.stderr
