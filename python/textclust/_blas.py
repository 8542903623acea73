"""OpenBLAS's kernel, chosen as the command chooses it.

OpenBLAS reads OPENBLAS_CORETYPE once, when it is first loaded, and Debian's
falls back to its slow Prescott kernel on CPUs it does not know. The command
re-runs itself with the variable set by a rule that reads only the CPU
(tc_blas_fix_kernel in src/util/util.c): SkylakeX with AVX-512, Haswell with
AVX2. A process cannot re-run itself under a notebook, so the package sets
the same value at import, before numpy or the library loads OpenBLAS; the
same texts then give the command's products, bit for bit, at its speed. A
value the user or the machine set is kept. Imported after numpy, it is too
late: a warning says so and how to fix it.
"""
import os
import sys
import warnings


def kernel_for_cpu(flags):
    """The kernel the rule picks for a set of /proc/cpuinfo flags, or None."""
    if "avx512f" in flags and "avx512bw" in flags:
        return "SkylakeX"
    return "Haswell" if "avx2" in flags else None


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


_wanted = None   # the kernel the rule asked for when OpenBLAS may already have loaded


def choose_blas_kernel():
    global _wanted
    if os.environ.get("OPENBLAS_CORETYPE") or os.environ.get("TEXTCLUST_NO_REEXEC"):
        return
    want = kernel_for_cpu(cpu_flags())
    if not want:
        return
    if "numpy" in sys.modules:
        _wanted = want   # checked against the kernel OpenBLAS runs once the library loads
    else:
        os.environ["OPENBLAS_CORETYPE"] = want


def check_blas_kernel(corename):
    """Warns when OpenBLAS loaded before the package could choose its kernel."""
    if _wanted and corename and corename.lower() != _wanted.lower():
        warnings.warn("OpenBLAS runs its %s kernel, not %s as the textclust command would: numpy was "
                      "imported before textclust. Products are slower and can differ in the last "
                      "bits from the command's; import textclust first, or set "
                      "OPENBLAS_CORETYPE=%s before Python starts." % (corename, _wanted, _wanted),
                      RuntimeWarning, stacklevel=3)
