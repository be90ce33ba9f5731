"""The command-line tools of an installed kiln package.

``pip install .`` puts the native ``kiln-compile`` and ``kiln-run`` inside
the package (``kiln/bin/``, next to ``libkilnrt.so``) and installs console
scripts of the same names that replace themselves with them (``os.execv``:
same arguments, exit status and output). ``python -m kiln.compile`` and
``python -m kiln.run`` do the same. From a build tree
(``PYTHONPATH=build/python``) the tools are the build's ``build/bin``.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def tool_path(tool):
    """The executable `tool` ("kiln-compile", "kiln-run") of this package, or
    None when it has none (a build of the runtime alone)."""
    for candidate in (os.path.join(_HERE, "bin", tool),
                      os.path.join(_HERE, os.pardir, os.pardir, "bin", tool)):
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.normpath(candidate)
    return None


def _exec(tool, args):
    path = tool_path(tool)
    if path is None:
        sys.stderr.write(f"{tool}: this kiln package has no {tool} "
                         f"(looked in {os.path.join(_HERE, 'bin')})\n")
        raise SystemExit(127)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(path, [tool, *args])


def compile_main():
    """Console script ``kiln-compile``."""
    _exec("kiln-compile", sys.argv[1:])


def run_main():
    """Console script ``kiln-run``."""
    _exec("kiln-run", sys.argv[1:])
