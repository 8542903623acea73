"""Builds libtextclust.so with the repository's Makefile and puts it inside
the package, so the installed package needs neither the source tree nor its
build folder. The library comes from make in the folder above this one
(pip builds in place); TEXTCLUST_BUILD names make's build folder (default:
the repository's build/, whose objects a plain make already compiled)."""
import os
import shutil
import subprocess
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        if not (REPO / "Makefile").is_file() or not (REPO / "include" / "textclust.h").is_file():
            raise SystemExit(
                "textclust: %s is not inside the textclust source tree (no ../Makefile); "
                "install with pip install ./python from a checkout (pip builds in place)" % HERE)
        build = Path(os.environ.get("TEXTCLUST_BUILD") or REPO / "build").resolve()
        lib = build / "libtextclust.so"
        jobs = os.environ.get("TEXTCLUST_JOBS") or str(os.cpu_count() or 1)
        subprocess.run(["make", "-C", str(REPO), "-j" + jobs, "BUILD=" + str(build), str(lib)],
                       check=True)
        dest = Path(self.build_lib) / "textclust" / "libtextclust.so"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lib.resolve(), dest)   # the file, not a symlink into build/


class BinaryDistribution(Distribution):
    """The wheel holds a shared library: tag it for this platform."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=BinaryDistribution)
