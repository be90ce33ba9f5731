#!/usr/bin/env python3
"""Serving a compiled model with Ray Serve (examples/serving/ray_serve_kiln.py).

Compiles a small MLP with the build's kiln-compile, starts a local Ray on
loopback (127.0.0.1, no dashboard), deploys the example's application with
two replicas, sends a bounded number of concurrent HTTP requests, checks
every answer against numpy, checks that each replica opened the artifact
once, and prints the throughput.

    python test_ray_serve.py --build-dir build [--requests 200] [--concurrency 16]

Needs `ray[serve]` for this Python (not in the default test run: ctest -L
serve with -DKILN_RAY_PYTHON=..., see docs/build-integration.md).
"""

import argparse
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLE_DIR = os.path.join(ROOT, "examples", "serving")


def make_model(path, rng):
    w = rng.standard_normal((16, 8)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["m"]),
         helper.make_node("Add", ["m", "B"], ["a"]),
         helper.make_node("Relu", ["a"], ["y"])],
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 8])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return w, b


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, payload, timeout=60):
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    python_dir = os.path.join(build, "python")

    # The driver and Ray's workers import kiln from the build and the
    # example from the source tree.
    path = os.pathsep.join([python_dir, EXAMPLE_DIR,
                            os.environ.get("PYTHONPATH", "")])
    os.environ["PYTHONPATH"] = path
    sys.path[:0] = [python_dir, EXAMPLE_DIR]
    import ray
    from ray import serve
    import ray_serve_kiln

    rng = np.random.default_rng(14)
    with tempfile.TemporaryDirectory() as work:
        model = os.path.join(work, "mlp.onnx")
        artifact = os.path.join(work, "mlp.so")
        w, b = make_model(model, rng)
        subprocess.run([os.path.join(build, "bin", "kiln-compile"), model,
                        "-o", artifact], check=True)

        start = time.time()
        ray.init(num_cpus=max(2, args.replicas), include_dashboard=False,
                 _node_ip_address="127.0.0.1", log_to_driver=False,
                 runtime_env={"env_vars": {"PYTHONPATH": path}})
        port = free_port()
        try:
            serve.start(http_options={"host": "127.0.0.1", "port": port})
            serve.run(ray_serve_kiln.build(artifact, args.replicas),
                      name="kiln", route_prefix="/")
            print(f"ray and {args.replicas} replicas up in "
                  f"{time.time() - start:.1f} s", flush=True)
            url = f"http://127.0.0.1:{port}/"

            batches = [rng.standard_normal((int(rng.integers(1, 5)), 16))
                       .astype(np.float32) for _ in range(args.requests)]

            def one(x):
                return x, post(url, {"inputs": {"x": x.tolist()}})

            post(url, {"inputs": {"x": batches[0].tolist()}})  # warm
            t0 = time.time()
            with concurrent.futures.ThreadPoolExecutor(
                    args.concurrency) as pool:
                answers = list(pool.map(one, batches))
            elapsed = time.time() - t0
        finally:
            serve.shutdown()
            ray.shutdown()

    replicas = {}
    for x, answer in answers:
        y = np.array(answer["outputs"]["y"], dtype=np.float32)
        want = np.maximum(x @ w + b, 0)
        if y.shape != want.shape or not np.allclose(y, want, rtol=1e-5,
                                                    atol=1e-5):
            raise SystemExit(f"FAILED: wrong answer for x of shape "
                             f"{x.shape}:\n got {y}\nwant {want}")
        replicas.setdefault(answer["replica"], set()).add(answer["loaded_at"])
    if not 1 <= len(replicas) <= args.replicas:
        raise SystemExit(f"FAILED: answers from {len(replicas)} replicas")
    for replica, loads in replicas.items():
        if len(loads) != 1:
            raise SystemExit(f"FAILED: replica {replica} opened the artifact "
                             f"{len(loads)} times")
    print(f"ok: {len(answers)} answers checked, {args.concurrency} at a time, "
          f"from {len(replicas)} replica(s), each of which opened the "
          f"artifact once")
    print(f"throughput: {len(answers) / elapsed:.0f} requests/s "
          f"({elapsed:.2f} s for {len(answers)})")


if __name__ == "__main__":
    main()
