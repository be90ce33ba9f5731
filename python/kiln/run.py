"""``python -m kiln.run model.so --print ...``: kiln-run."""

from ._tools import run_main

if __name__ == "__main__":
    run_main()
