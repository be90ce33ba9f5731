"""Serving a compiled Kiln model with Ray Serve.

Each replica is a Ray actor that opens the artifact once, in its
constructor, and answers HTTP requests with it:

    POST /  {"inputs": {"x": [[...], ...]}}
    ->      {"outputs": {"y": [[...], ...]}, "replica": "<id>"}

The artifact's bytes are bound to the deployment, so Ray ships them to every
replica through its object store: the same application runs on one machine
or on a cluster, whose nodes need the `kiln` package (and Ray) but neither
the model file nor a shared disk. Compile the model for the CPUs of the
cluster's nodes (`kiln-compile --mcpu=x86-64-v3`, say): a node without the
features it records refuses it with a clear error instead of crashing.

One machine:

    kiln-compile model.onnx --mcpu=x86-64-v3 -o model.so
    python examples/serving/ray_serve_kiln.py model.so --replicas 2 --port 8000
    curl -s localhost:8000/ -d '{"inputs": {"x": [[1, 2, 3]]}}'

A cluster (docs/build-integration.md, "Serving with Ray Serve"): start Ray
on the nodes (`ray start --head` on one, `ray start --address=<head>:6379`
on the others), then run the same script on the head with `--address auto`
and more replicas; Serve spreads them over the nodes, or deploy it with
`serve run ray_serve_kiln:app_builder artifact=model.so replicas=8`.
"""

import argparse
import os
import time

import numpy as np
from ray import serve
from starlette.requests import Request


@serve.deployment
class KilnModel:
    """One replica: one kiln.InferenceSession, opened once."""

    def __init__(self, artifact: bytes, intra_op_num_threads: int = 1):
        import tempfile

        import kiln

        options = kiln.SessionOptions()
        options.intra_op_num_threads = intra_op_num_threads
        # kiln's Python sessions open compiled artifacts from a path: the
        # bytes go to a file of this replica's own, removed once loaded
        # (the mapping stays).
        with tempfile.NamedTemporaryFile(suffix=".so") as f:
            f.write(artifact)
            f.flush()
            self.session = kiln.InferenceSession(f.name, sess_options=options)
        self.inputs = {i.name: i for i in self.session.get_inputs()}
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.replica = f"{os.uname().nodename}:{os.getpid()}"
        self.loaded_at = time.time()
        self.requests = 0

    _DTYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64,
               "tensor(int64)": np.int64, "tensor(int32)": np.int32,
               "tensor(bool)": np.bool_}

    async def __call__(self, request: Request):
        body = await request.json()
        feeds = {}
        for name, value in body["inputs"].items():
            info = self.inputs.get(name)
            dtype = self._DTYPES.get(info.type if info else "", np.float32)
            feeds[name] = np.asarray(value, dtype=dtype)
        outputs = self.session.run(None, feeds)
        self.requests += 1
        return {"outputs": {name: out.tolist()
                            for name, out in zip(self.output_names, outputs)},
                "replica": self.replica,
                "loaded_at": self.loaded_at,
                "requests": self.requests}


def build(artifact_path, replicas=1, threads=1):
    """The Serve application for the artifact at `artifact_path`."""
    with open(artifact_path, "rb") as f:
        artifact = f.read()
    return KilnModel.options(
        num_replicas=replicas,
        ray_actor_options={"num_cpus": threads}).bind(artifact, threads)


def app_builder(args):
    """For `serve run ray_serve_kiln:app_builder artifact=model.so
    replicas=4 threads=1`."""
    return build(args["artifact"], int(args.get("replicas", 1)),
                 int(args.get("threads", 1)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifact", help="a compiled Kiln model (.so)")
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1,
                        help="intra_op_num_threads (and CPUs) per replica")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--address", default=None,
                        help="a running Ray cluster ('auto'); default: a "
                             "local Ray started here")
    args = parser.parse_args()
    import ray

    ray.init(address=args.address)
    serve.start(http_options={"host": args.host, "port": args.port})
    serve.run(build(args.artifact, args.replicas, args.threads),
              name="kiln", route_prefix="/")
    print(f"serving {args.artifact} on http://{args.host}:{args.port}/ "
          f"with {args.replicas} replica(s); Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        serve.shutdown()


if __name__ == "__main__":
    main()
