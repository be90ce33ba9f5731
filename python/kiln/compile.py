"""``python -m kiln.compile model.onnx -o model.so ...``: kiln-compile."""

from ._tools import compile_main

if __name__ == "__main__":
    compile_main()
