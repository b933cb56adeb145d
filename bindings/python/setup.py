"""Where the csvr package's native library comes from, and the tag of its wheel.

The metadata is in pyproject.toml; this file holds only what cannot be declared there.

The library is a plain C-ABI shared library that ``csvr/_lib.py`` loads with ctypes, not a
Python extension module, so it comes from one of two places:

* **Built from source** (``pip install ./bindings/python``, or the sdist): setuptools-rust
  builds the crate in release mode (``NoBinding``) and puts the library in the package as
  ``csvr/libcsvr<EXT_SUFFIX>``. The crate is the repository's, ``../../Cargo.toml``, or, in
  the sdist, the copy it carries in ``rust/`` (``make dist`` unpacks ``cargo package``'s
  crate there).
* **Prebuilt** (``make dist``): ``CSVR_PREBUILT_LIBRARY`` names a library built beforehand
  (for the wheel, linked against glibc 2.17 with zig: see scripts/dist.sh); it is shipped
  as ``csvr/libcsvr.so`` and nothing is compiled. ``CSVR_WHEEL_PLATFORM`` then names the
  wheel's platform tag, e.g. ``manylinux_2_17_x86_64``.

Either way the wheel is tagged ``py3-none-<platform>``: the library does not depend on the
Python version or ABI, so one wheel serves every CPython 3 (setuptools would otherwise tag
it ``cp311-cp311-...`` as if it held an extension module).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:  # setuptools >= 70.1 carries bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover - older setuptools, with the wheel package
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

PREBUILT_ENV = "CSVR_PREBUILT_LIBRARY"
PLATFORM_ENV = "CSVR_WHEEL_PLATFORM"

HERE = Path(__file__).resolve().parent
prebuilt = os.environ.get(PREBUILT_ENV)


class NativeDistribution(Distribution):
    """A distribution with a native library: without an extension module setuptools would
    call it pure (``py3-none-any``, the library in purelib), which it is not."""

    def has_ext_modules(self) -> bool:
        return True


class py3_bdist_wheel(bdist_wheel):
    """A platform wheel for every CPython 3: ``py3-none-<platform>``."""

    def finalize_options(self) -> None:
        if prebuilt and os.environ.get(PLATFORM_ENV):
            self.plat_name = os.environ[PLATFORM_ENV]
        super().finalize_options()

    def get_tag(self) -> tuple[str, str, str]:
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class build_py_with_prebuilt_library(build_py):
    """Copy the prebuilt library into the package, replacing any library a source build
    left in the build directory (the package must hold exactly one)."""

    def run(self) -> None:
        super().run()
        package_dir = Path(self.build_lib) / "csvr"
        for stale in package_dir.glob("libcsvr*"):
            stale.unlink()
        shutil.copyfile(prebuilt, package_dir / "libcsvr.so")  # type: ignore[arg-type]


def rust_extensions() -> list[object]:
    from setuptools_rust import Binding, RustExtension

    carried = HERE / "rust" / "Cargo.toml"
    crate = carried if carried.is_file() else HERE.parent.parent / "Cargo.toml"
    if not crate.is_file():
        raise SystemExit(
            f"csvr: no Rust crate to build the library from (looked for {carried} and "
            f"{crate}); build from the repository or from the sdist"
        )
    return [
        RustExtension(
            "csvr.libcsvr",
            path=os.path.relpath(crate, HERE),
            binding=Binding.NoBinding,
            debug=False,
        )
    ]


if prebuilt:
    if not Path(prebuilt).is_file():
        raise SystemExit(f"csvr: {PREBUILT_ENV}={prebuilt} is not a file")
    setup(
        distclass=NativeDistribution,
        cmdclass={"bdist_wheel": py3_bdist_wheel, "build_py": build_py_with_prebuilt_library},
    )
else:
    setup(
        distclass=NativeDistribution,
        cmdclass={"bdist_wheel": py3_bdist_wheel},
        rust_extensions=rust_extensions(),
    )
