#!/usr/bin/env python3
"""Kiln as an application's build uses it: install, find_package, link.

Installs the build tree's Kiln into a prefix (components `runtime` and
`tools`), writes two small models (one with its weights in an external data
file), then configures and builds tests/install/consumer against that
prefix: find_package(Kiln) and kiln_add_model() in SHARED and STATIC forms.
It runs both programs and checks every number against numpy, checks that the
static program needs neither libkilnrt.so nor any file of the model, that
changing the external data file recompiles the model (and nothing else is
rebuilt on a second build), that `python -m kiln.compile` and `kiln.run`
work, and that pkg-config's flags for kilnrt link a program.

    run_install_test.py --build-dir build [--work DIR]
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, **kwargs):
    print("+", " ".join(cmd), flush=True)
    result = subprocess.run(cmd, text=True, capture_output=True, **kwargs)
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        raise SystemExit(f"FAILED ({result.returncode}): {' '.join(cmd)}")
    return result


def write_models(models, w, b):
    """tiny: y = Relu(x W), s = Shape(x); affine: y = x * w + b with w and b
    in affine.bin."""
    weights = np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, 1.0],
                        [-2.0, 1.0, 0.75, -0.25]], dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["m"]),
         helper.make_node("Relu", ["m"], ["y"]),
         helper.make_node("Shape", ["x"], ["s"])],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4]),
         helper.make_tensor_value_info("s", TensorProto.INT64, [2])],
        [numpy_helper.from_array(weights, "W")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(models, "tiny.onnx"))
    write_affine(models, w, b)
    return weights


def write_affine(models, w, b):
    with open(os.path.join(models, "affine.bin"), "wb") as f:
        f.write(w.astype(np.float32).tobytes())
        f.write(b.astype(np.float32).tobytes())
    def external(name, offset, count):
        t = TensorProto()
        t.name = name
        t.data_type = TensorProto.FLOAT
        t.dims.append(count)
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", "affine.bin"), ("offset", str(offset)),
                           ("length", str(count * 4))):
            entry = t.external_data.add()
            entry.key, entry.value = key, value
        return t
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "w"], ["m"]),
         helper.make_node("Add", ["m", "b"], ["y"])],
        "affine",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
        [external("w", 0, 4), external("b", 16, 4)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = os.path.join(models, "affine.onnx")
    if os.path.exists(path):
        return  # only the data changes
    onnx.save(model, path)


def rows(text, prefix=None):
    out = []
    for line in text.strip().splitlines():
        if prefix is not None:
            if not line.startswith(prefix):
                continue
            line = line[len(prefix):]
        out.append([float(v) for v in line.split()])
    return np.array(out, dtype=np.float32)


def check(name, got, want):
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-6,
                                                  atol=1e-6):
        raise SystemExit(f"FAILED: {name}:\n got {got}\nwant {want}")
    print(f"ok: {name} {got.shape}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--work", default=None)
    parser.add_argument("--cmake", default="cmake")
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    work = os.path.abspath(args.work or os.path.join(build, "install-test"))
    start = time.time()
    shutil.rmtree(work, ignore_errors=True)
    prefix = os.path.join(work, "prefix")
    models = os.path.join(work, "models")
    consumer = os.path.join(work, "consumer-build")
    os.makedirs(models)

    for component in ("runtime", "tools"):
        run([args.cmake, "--install", build, "--prefix", prefix,
             "--component", component])
    for path in ("bin/kiln-compile", "bin/kiln-run", "lib/libkilnrt.so",
                 "lib/libkilnrt.a", "include/kiln/kiln.h",
                 "include/kiln/kiln.hpp", "lib/cmake/Kiln/KilnConfig.cmake",
                 "lib/cmake/Kiln/KilnConfigVersion.cmake",
                 "lib/pkgconfig/kilnrt.pc", "lib/libkilncompiler.so",
                 "include/kiln/kiln_compiler.h",
                 "lib/pkgconfig/kilncompiler.pc"):
        if not os.path.exists(os.path.join(prefix, path)):
            raise SystemExit(f"FAILED: the prefix has no {path}")
    run([os.path.join(prefix, "bin", "kiln-compile"), "--help"])

    w = np.array([1.0, -2.0, 0.5, 3.0], dtype=np.float32)
    b = np.array([0.25, 0.5, -1.0, 2.0], dtype=np.float32)
    weights = write_models(models, w, b)
    shutil.copy(os.path.join(HERE, os.pardir, os.pardir, "examples", "models",
                             "mobilenet_like.onnx"), models)

    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    run([args.cmake, *generator, "-S", os.path.join(HERE, "consumer"),
         "-B", consumer, "-DCMAKE_BUILD_TYPE=Release",
         f"-DCMAKE_PREFIX_PATH={prefix}", f"-DKILN_MODELS={models}"])
    run([args.cmake, "--build", consumer])

    def check_all(w, b):
        x = (np.arange(12, dtype=np.float32) - 5).reshape(3, 4)
        out = run([os.path.join(consumer, "app_c")]).stdout
        check("app_c affine_shared (SHARED, C)", rows(out), x * w + b)
        out = run([os.path.join(consumer, "app_compile"),
                   os.path.join(models, "affine.onnx"),
                   os.path.join(work, "affine_runtime.so")]).stdout
        check("app_compile affine (compiled at run time, Kiln::compiler)",
              rows(out), x * w + b)
        # The static program runs from anywhere: nothing of the model is
        # read from disk.
        elsewhere = os.path.join(work, "elsewhere")
        os.makedirs(elsewhere, exist_ok=True)
        app = shutil.copy(os.path.join(consumer, "app_cpp"), elsewhere)
        out = run([app], cwd=elsewhere).stdout
        tx = np.array([[1, -2, 3], [0.5, 4, -1]], dtype=np.float32)
        check("app_cpp tiny y (STATIC, C++)", rows(out, "tiny y").reshape(2, 4),
              np.maximum(tx @ weights, 0))
        check("app_cpp tiny s", rows(out, "tiny s"), np.array([[2, 3]],
                                                             np.float32))
        ax = np.array([[1, 2, 3, 4], [-1, -2, -3, -4]], dtype=np.float32)
        check("app_cpp affine y (STATIC, C++)",
              rows(out, "affine y").reshape(2, 4), ax * w + b)
        return app

    app = check_all(w, b)
    out = run([os.path.join(consumer, "app_mnet")]).stdout
    print("ok: mobilenet_like linked in computes what its .so does:",
          out.strip())
    info = run([os.path.join(prefix, "bin", "kiln-run"),
                os.path.join(consumer, "mnet_shared.so"), "--info"]).stdout
    if ("target CPU: x86-64-v2" not in info or
            "shape=[2, 3, 48, 40]" not in info):
        raise SystemExit("FAILED: CPU or SHAPES did not reach kiln-compile:\n"
                         + info)
    info = run([os.path.join(prefix, "bin", "kiln-run"),
                os.path.join(consumer, "affine_shared.so"), "--info"]).stdout
    if "target CPU: x86-64 (features: " not in info or "sse4.2" not in info:
        raise SystemExit("FAILED: MATTR did not reach kiln-compile:\n" + info)
    print("ok: SHAPES, CPU, MATTR, OPT_LEVEL and PROFILE reach kiln-compile")
    # A model linked in is checked like a loaded one: on a CPU without the
    # features it was compiled for (every feature switched off here) it is
    # refused with their names, not run into SIGILL.
    every = ("sse3,ssse3,sse4.1,sse4.2,popcnt,avx,avx2,fma,f16c,bmi,bmi2,"
             "lzcnt,movbe,cx16,avx512f,avx512bw,avx512vl,avx512dq")
    refused = subprocess.run(
        [app], text=True, capture_output=True,
        env=dict(os.environ, KILN_CPU_FEATURES_DISABLE=every))
    if (refused.returncode == 0 or "linked-in model 'tiny'" not in
            refused.stderr or "features this machine lacks" not in
            refused.stderr):
        raise SystemExit("FAILED: a linked-in model ran on a CPU without "
                         "its features:\n" + refused.stderr)
    print("ok: refused on an older CPU:", refused.stderr.strip())
    needed = run(["readelf", "-d", app]).stdout
    if "kilnrt" in needed:
        raise SystemExit("FAILED: app_cpp needs libkilnrt.so:\n" + needed)
    print("ok: app_cpp links the runtime and both models statically")

    # New weights in the external data file: both forms recompile.
    w2, b2 = w * -3, b + 10
    write_affine(models, w2, b2)
    out = run([args.cmake, "--build", consumer]).stdout
    if "affine_shared" not in out or "affine_static" not in out:
        raise SystemExit("FAILED: changing affine.bin did not recompile "
                         "the model:\n" + out)
    if "Compiling ONNX model tiny" in out:
        raise SystemExit("FAILED: tiny was recompiled though nothing of it "
                         "changed:\n" + out)
    check_all(w2, b2)
    print("ok: a changed external data file recompiles the model")
    out = run([args.cmake, "--build", consumer]).stdout
    if "Compiling ONNX model" in out:
        raise SystemExit("FAILED: a second build recompiled:\n" + out)
    print("ok: a second build compiles nothing")

    # A new compiler recompiles every model.
    compiler = os.path.join(prefix, "bin", "kiln-compile")
    later = time.time() + 2
    os.utime(compiler, (later, later))
    out = run([args.cmake, "--build", consumer]).stdout
    for name in ("affine_shared", "affine_static", "tiny", "mnet_static"):
        if f"Compiling ONNX model {name} " not in out:
            raise SystemExit(f"FAILED: a newer kiln-compile did not "
                             f"recompile {name}:\n" + out)
    print("ok: a newer kiln-compile recompiles every model")

    # The package's tools: python -m kiln.compile / kiln.run (the wheel's
    # console scripts exec the same files; pip install . is a documented
    # check, too slow here).
    env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"))
    so = os.path.join(work, "tiny_py.so")
    run([sys.executable, "-m", "kiln.compile", os.path.join(models, "tiny.onnx"),
         "--mcpu=x86-64-v2", "-o", so], env=env, cwd=work)
    info = run([sys.executable, "-m", "kiln.run", so, "--info"], env=env,
               cwd=work).stdout
    if "target CPU: x86-64-v2" not in info:
        raise SystemExit("FAILED: python -m kiln.run --info:\n" + info)
    print("ok: python -m kiln.compile and python -m kiln.run")

    # pkg-config's flags for the runtime link a C program.
    if shutil.which("pkg-config") and shutil.which("cc"):
        source = os.path.join(work, "pc.c")
        with open(source, "w") as f:
            f.write('#include <kiln/kiln.h>\n#include <stdio.h>\n'
                    'int main(void) { printf("%s %u\\n", '
                    'kiln_runtime_version(), kiln_runtime_abi_version()); '
                    'return 0; }\n')
        env = dict(os.environ,
                   PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
        flags = run(["pkg-config", "--cflags", "--libs", "kilnrt"],
                    env=env).stdout.split()
        exe = os.path.join(work, "pc")
        run(["cc", source, "-o", exe, *flags,
             "-Wl,-rpath," + os.path.join(prefix, "lib")])
        print("ok: pkg-config kilnrt:", run([exe]).stdout.strip())
        flags = run(["pkg-config", "--libs", "kilncompiler"], env=env).stdout
        if "-lkilncompiler" not in flags:
            raise SystemExit("FAILED: pkg-config kilncompiler: " + flags)
        print("ok: pkg-config kilncompiler:", flags.strip())
    print(f"install test passed in {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
