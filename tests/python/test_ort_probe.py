"""The same API calls on onnxruntime and on kiln, side by side (issue 13).

Each probe is a function of the module under test (`onnxruntime` or
`kiln`) and returns a plain value: what a call gave, or which exception it
raised and with what message. Both modules get the same models, arrays and
files. A probe passes when both outcomes are equal; the few probes where
Kiln knowingly differs are listed in KNOWN_DIFFERENCES with the reason, and
the test fails if one of them starts to agree (remove it from the list) or
if any other probe disagrees. The tally is printed: "N of M probes behave
as ORT's" (each probe makes one to a dozen calls), and "N of M distinct
calls into kiln behave as ORT's": every function, method, field read and
field assignment of the kiln package the probes reach (CallRecorder), a
call counting as different when a probe making it differs, and each
top-level name of ORT's that kiln lacks counting as a call that differs.
"""

import os
import sys
import threading
import unittest

import numpy as np
import onnx
import onnx.helper as oh
import onnxruntime as ort
from onnx import TensorProto, numpy_helper

import kiln

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from private_cache import PrivateCacheCase  # noqa: E402


def _add_model():
    """y = x + w (w an initializer also listed as a graph input), z =
    Relu(y); x is [N, 3] with N symbolic, and one anonymous dim."""
    graph = oh.make_graph(
        [oh.make_node("Add", ["x", "w"], ["y"], name="add0"),
         oh.make_node("Relu", ["y"], ["z"], name="relu0")],
        "probe",
        [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3]),
         oh.make_tensor_value_info("w", TensorProto.FLOAT, [3])],
        [oh.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3]),
         oh.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 3])],
        [numpy_helper.from_array(np.array([1, -2, 3], np.float32), "w")])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _denotation_model():
    graph = oh.make_graph(
        [oh.make_node("Relu", ["x"], ["y"])], "den",
        [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [oh.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)])
    model.ir_version = 8
    model.graph.input[0].type.tensor_type.shape.dim[0].denotation = (
        "DATA_BATCH")
    return model


X = np.array([[1, 2, 3], [-4, 5, -6]], np.float32)


def outcome(fn):
    """('ok', value) or ('raise', class name, message)."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 (compared by class name)
        return ("raise", type(e).__name__, str(e))


def raised(fn, message=True):
    """The class (and message) `fn` raises, or 'ok'."""
    result = outcome(fn)
    if result[0] == "ok":
        return "ok"
    return result[1:] if message else result[1]


def strip_status(message):
    """ORT's status message without '[ONNXRuntimeError] : n : NAME : '."""
    parts = message.split(" : ", 3)
    return parts[3] if message.startswith("[ONNXRuntime") and len(
        parts) == 4 else message


class Env:
    """Files shared by both modules' probes."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.add_path = os.path.join(tmp, "add.onnx")
        onnx.save(_add_model(), self.add_path)
        self.add_bytes = _add_model().SerializeToString()
        self.den_bytes = _denotation_model().SerializeToString()

    def session(self, rt, options=None, model=None):
        return rt.InferenceSession(model or self.add_path,
                                   sess_options=options,
                                   providers=["CPUExecutionProvider"])


def _options_probes():
    def set_attr(name, value, cls="SessionOptions"):
        return lambda rt, env: raised(
            lambda: setattr(getattr(rt, cls)(), name, value), message=False)

    probes = {
        "so.unknown_attribute": set_attr("no_such_option", 1),
        "so.int_field_str": set_attr("intra_op_num_threads", "2"),
        "so.int_field_float": set_attr("inter_op_num_threads", 2.0),
        "so.int_field_numpy": set_attr("intra_op_num_threads", np.int64(1)),
        "so.int_field_bool": set_attr("log_severity_level", True),
        "so.bool_field_str": set_attr("enable_profiling", "yes"),
        "so.bool_field_int": set_attr("enable_mem_pattern", 0),
        "so.bool_field_none": set_attr("use_deterministic_compute", None),
        "so.str_field_int": set_attr("logid", 3),
        "so.str_field_none": set_attr("profile_file_prefix", None),
        "so.enum_field_int": set_attr("graph_optimization_level", 1),
        "so.execution_mode_int": set_attr("execution_mode", 1),
        "so.execution_order_int": set_attr("execution_order", 1),
        "ro.unknown_attribute": set_attr("no_such_option", 1, "RunOptions"),
        "ro.logid_int": set_attr("logid", 1, "RunOptions"),
        "ro.terminate_int": set_attr("terminate", 1, "RunOptions"),
        "ro.severity_str": set_attr("log_severity_level", "2", "RunOptions"),
    }

    def defaults(rt, env):
        so = rt.SessionOptions()
        return {f: (int(getattr(so, f)) if f.startswith(("graph", "exec"))
                    else getattr(so, f))
                for f in ("graph_optimization_level", "execution_mode",
                          "execution_order", "intra_op_num_threads",
                          "inter_op_num_threads", "enable_profiling",
                          "profile_file_prefix", "optimized_model_filepath",
                          "log_severity_level", "log_verbosity_level",
                          "logid", "enable_cpu_mem_arena",
                          "enable_mem_pattern", "enable_mem_reuse",
                          "use_deterministic_compute",
                          "use_per_session_threads")}

    def run_defaults(rt, env):
        ro = rt.RunOptions()
        return (ro.log_severity_level, ro.log_verbosity_level, ro.logid,
                ro.only_execute_path_to_fetches, ro.terminate)

    def execution_order(rt, env):
        so = rt.SessionOptions()
        so.execution_order = rt.ExecutionOrder.PRIORITY_BASED
        return (str(so.execution_order), int(so.execution_order),
                sorted(rt.ExecutionOrder.__members__))

    def dim_override_types(rt, env):
        so = rt.SessionOptions()
        return (raised(lambda: so.add_free_dimension_override_by_name(1, 2),
                       message=False),
                raised(lambda: so.add_free_dimension_override_by_name(
                    "N", 2.0), message=False),
                raised(lambda: so.add_free_dimension_override_by_denotation(
                    "DATA_BATCH", "2"), message=False))

    def config_entry_types(rt, env):
        so, ro = rt.SessionOptions(), rt.RunOptions()
        return (raised(lambda: so.add_session_config_entry("a", 1), False),
                raised(lambda: ro.add_run_config_entry(1, "a"), False),
                raised(lambda: so.get_session_config_entry("missing")),
                raised(lambda: ro.get_run_config_entry("missing")))

    def add_initializer_numpy(rt, env):
        so = rt.SessionOptions()
        cls, message = raised(lambda: so.add_initializer(
            "w", np.ones(3, np.float32)))
        return cls, message.strip().endswith(
            "The provided Python object must be an OrtValue")

    def custom_ops_missing(rt, env):
        cls, message = raised(lambda: rt.SessionOptions(
        ).register_custom_ops_library("/no/such/lib.so"))
        return cls, strip_status(message)

    probes.update({
        "so.defaults": defaults, "ro.defaults": run_defaults,
        "so.execution_order": execution_order,
        "so.dim_override_types": dim_override_types,
        "so.config_entry_types": config_entry_types,
        "so.add_initializer_numpy": add_initializer_numpy,
        "so.register_custom_ops_library_missing": custom_ops_missing,
    })
    return probes


def _module_probes():
    def capi_classes(rt, env):
        module = __import__(rt.__name__ + ".capi.onnxruntime_pybind11_state",
                            fromlist=["x"])
        names = ["Fail", "InvalidArgument", "NoSuchFile", "NoModel",
                 "EngineError", "RuntimeException", "InvalidProtobuf",
                 "ModelLoaded", "NotImplemented", "InvalidGraph", "EPFail"]
        return [(n, issubclass(getattr(module, n), Exception),
                 getattr(module, n) is getattr(rt, n, getattr(module, n)))
                for n in names]

    def inference_collection(rt, env):
        module = __import__(
            rt.__name__ + ".capi.onnxruntime_inference_collection",
            fromlist=["x"])
        sess = module.InferenceSession(env.add_path,
                                       providers=["CPUExecutionProvider"])
        value = module.OrtValue.ortvalue_from_numpy(X)
        return (isinstance(sess, rt.InferenceSession),
                isinstance(sess.io_binding(), module.IOBinding),
                value.shape())

    def capi_raised_class(rt, env):
        from_capi = __import__(
            rt.__name__ + ".capi.onnxruntime_pybind11_state", fromlist=["x"])
        try:
            rt.InferenceSession(os.path.join(env.tmp, "missing.onnx"))
        except from_capi.NoSuchFile as e:
            return "NoSuchFile", strip_status(str(e))
        return "not raised"

    def datasets(rt, env):
        module = __import__(rt.__name__ + ".datasets", fromlist=["x"])
        out = []
        for name in ("sigmoid.onnx", "mul_1.onnx"):
            path = module.get_example(name)
            sess = rt.InferenceSession(path,
                                       providers=["CPUExecutionProvider"])
            arg = sess.get_inputs()[0]
            x = np.linspace(-1, 1, int(np.prod(arg.shape)),
                            dtype=np.float32).reshape(arg.shape)
            out.append((os.path.isabs(path), arg.name, arg.shape,
                        np.round(sess.run(None, {arg.name: x})[0], 5)
                        .tolist()))
        out.append(raised(lambda: module.get_example("nope.onnx")))
        out.append(os.path.isfile(module.get_example("logreg_iris.onnx")))
        return out

    def logger(rt, env):
        return (raised(lambda: rt.set_default_logger_severity(3)),
                raised(lambda: rt.set_default_logger_severity(5), False),
                raised(lambda: rt.set_default_logger_severity("3"), False),
                raised(lambda: rt.set_default_logger_verbosity(1)),
                raised(lambda: rt.set_default_logger_severity(3)))

    def misc_calls(rt, env):
        return (raised(lambda: rt.set_seed(42)),
                raised(lambda: rt.set_seed(1.5), False),
                raised(rt.disable_telemetry_events),
                raised(rt.enable_telemetry_events),
                raised(rt.disable_telemetry_events),
                raised(rt.preload_dlls),
                isinstance(rt.get_build_info(), str),
                isinstance(rt.get_version_string(), str),
                rt.get_device(),
                "CPUExecutionProvider" in rt.get_available_providers(),
                "CPUExecutionProvider" in rt.get_all_providers())

    def backend_devices(rt, env):
        backend = __import__(rt.__name__ + ".backend", fromlist=["x"])
        return (backend.supports_device("CPU"),
                backend.supports_device("CUDA"),
                backend.is_compatible(_add_model()))

    def backend_run(rt, env):
        backend = __import__(rt.__name__ + ".backend", fromlist=["x"])
        model = onnx.load(env.add_path)
        rep = backend.prepare(model, "CPU")
        first = rep.run([X])
        second = backend.run(model, X * 2)
        return ([np.asarray(o).tolist() for o in first],
                [np.asarray(o).tolist() for o in second])

    return {"module.capi_classes": capi_classes,
            "module.capi_raised_class": capi_raised_class,
            "module.inference_collection": inference_collection,
            "module.datasets": datasets, "module.logger": logger,
            "module.misc_calls": misc_calls,
            "backend.devices": backend_devices, "backend.run": backend_run}


def _session_probes():
    def basic(rt, env):
        sess = env.session(rt)
        return ([(a.name, a.type, a.shape) for a in sess.get_inputs()],
                [(a.name, a.type, a.shape) for a in sess.get_outputs()],
                [o.tolist() for o in sess.run(None, {"x": X})])

    def anonymous_dims(rt, env):
        sess = env.session(rt, model=env.den_bytes)
        return sess.get_outputs()[0].shape

    def errors(rt, env):
        sess = env.session(rt)
        return (raised(lambda: sess.run(None, {})),
                raised(lambda: sess.run(None, {"x": X, "q": X})),
                raised(lambda: sess.run(["q"], {"x": X}), False),
                raised(lambda: sess.run(None, {"x": X.astype(np.float64)})))

    def overridable(rt, env):
        sess = env.session(rt)
        listed = [(a.name, a.type, a.shape)
                  for a in sess.get_overridable_initializers()]
        w = np.array([10, 10, 10], np.float32)
        fed = sess.run(["y"], {"x": X, "w": w})[0].tolist()
        again = sess.run(["y"], {"x": X})[0].tolist()
        return listed, fed, again

    def terminate(rt, env):
        sess = env.session(rt)
        ro = rt.RunOptions()
        ro.terminate = True
        first = raised(lambda: sess.run(None, {"x": X}, ro))
        ro.terminate = False
        return first, raised(lambda: sess.run(None, {"x": X}, ro))

    def run_with_ort_values(rt, env):
        sess = env.session(rt)
        values = sess.run_with_ort_values(
            ["z"], {"x": rt.OrtValue.ortvalue_from_numpy(X)})
        return ([(v.data_type(), v.shape(), v.numpy().tolist())
                 for v in values],
                raised(lambda: sess.run_with_ort_values(["z"], {"x": X}),
                       False))

    def run_async(rt, env):
        sess = env.session(rt)
        results = []
        done = threading.Event()

        def callback(outputs, user_data, error):
            results.append(([np.asarray(o).tolist() for o in outputs],
                             user_data, error))
            done.set()

        sess.run_async(None, {"x": X}, callback, "data")
        done.wait(30)
        done.clear()
        sess.run_async(["missing"], {"x": X}, callback, 7)
        done.wait(30)
        missing = raised(lambda: sess.run_async(None, {}, callback, None))
        return results, missing

    def profiling(rt, env):
        so = rt.SessionOptions()
        so.enable_profiling = True
        so.profile_file_prefix = os.path.join(env.tmp, rt.__name__ + "_prof")
        sess = env.session(rt, so, model=env.add_bytes)
        start = sess.get_profiling_start_time_ns()
        sess.run(None, {"x": X})
        path = sess.end_profiling()
        import json

        with open(path, encoding="utf-8") as f:
            events = json.load(f)
        session_events = sorted({e["name"] for e in events
                                 if e["cat"] == "Session"})
        nodes = [e for e in events if e["cat"] == "Node"]
        node_ok = all(e["name"].endswith("_kernel_time") and
                      {"op_name", "provider"} <= set(e["args"]) and
                      {"pid", "tid", "ts", "dur", "ph"} <= set(e)
                      for e in nodes)
        kinds = sorted({k for e in events for k in e})
        return (start > 1.7e18, os.path.basename(path).startswith(
            rt.__name__ + "_prof_"), session_events, bool(nodes), node_ok,
            kinds, sess.end_profiling(),
            env.session(rt).get_profiling_start_time_ns())

    def add_initializer(rt, env):
        value = rt.OrtValue.ortvalue_from_numpy(np.full(3, 7, np.float32))
        so = rt.SessionOptions()
        so.add_initializer("w", value)
        so.add_initializer("not_in_model", value)
        return env.session(rt, so).run(["y"], {"x": X})[0].tolist()

    def denotation(rt, env):
        so = rt.SessionOptions()
        so.add_free_dimension_override_by_denotation("DATA_BATCH", 2)
        sess = env.session(rt, so, model=env.den_bytes)
        cls, message = raised(lambda: sess.run(None, {"x": np.ones(
            (3, 3), np.float32)}))
        return sess.get_inputs()[0].shape, cls, strip_status(message)

    def optimized_model(rt, env):
        so = rt.SessionOptions()
        path = os.path.join(env.tmp, rt.__name__ + "_optimized.onnx")
        so.optimized_model_filepath = path
        env.session(rt, so)
        # Whatever each wrote must be an ONNX model giving the same result.
        check = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        return check.run(["z"], {"x": X})[0].tolist()

    def custom_ops_library(rt, env):
        # A file that exists but is no custom-op library: ORT fails to load
        # it (FAIL); Kiln refuses custom ops altogether (NOT_IMPLEMENTED).
        cls, _ = raised(lambda: rt.SessionOptions(
        ).register_custom_ops_library(env.add_path))
        return cls

    return {"session.basic": basic, "session.anonymous_dims": anonymous_dims,
            "session.errors": errors, "session.overridable": overridable,
            "session.terminate": terminate,
            "session.run_with_ort_values": run_with_ort_values,
            "session.run_async": run_async, "session.profiling": profiling,
            "session.add_initializer": add_initializer,
            "session.denotation": denotation,
            "session.optimized_model": optimized_model,
            "session.custom_ops_library": custom_ops_library}


def _ortvalue_probes():
    def from_numpy(rt, env):
        x = X.copy()
        v = rt.OrtValue.ortvalue_from_numpy(x)
        view = v.numpy()
        view[0, 0] = 42
        return (v.shape(), v.data_type(), v.element_type(), v.device_name(),
                v.is_tensor(), v.has_value(), v.is_sparse_tensor(),
                v.is_tensor_sequence(), v.data_ptr() == x.ctypes.data,
                float(x[0, 0]), v.tensor_size_in_bytes())

    def types(rt, env):
        return [(rt.OrtValue.ortvalue_from_numpy(np.zeros(2, t)).data_type(),
                 rt.OrtValue.ortvalue_from_numpy(np.zeros(2, t))
                 .element_type())
                for t in (np.float32, np.float64, np.float16, np.int8,
                          np.uint8, np.int16, np.uint16, np.int32, np.uint32,
                          np.int64, np.uint64, np.bool_)]

    def update_inplace(rt, env):
        x = np.zeros((2, 3), np.float32)
        v = rt.OrtValue.ortvalue_from_numpy(x)
        v.update_inplace(np.ones((2, 3), np.float32))
        return (x.tolist(), raised(lambda: v.update_inplace(
            np.ones((3, 3), np.float32))))

    def shape_and_type(rt, env):
        v = rt.OrtValue.ortvalue_from_shape_and_type([2, 4], np.int64)
        w = rt.OrtValue.ortvalue_from_shape_and_type((3,), np.float32,
                                                     "cpu", 0)
        return (v.shape(), v.data_type(), w.shape(), w.data_type(),
                raised(lambda: rt.OrtValue.ortvalue_from_shape_and_type(
                    [2], np.float32, "cuda", 0), False))

    def refused(rt, env):
        return (raised(lambda: rt.OrtValue.ortvalue_from_numpy(
                    np.array(["a", "b"]))),
                raised(lambda: rt.OrtValue.ortvalue_from_numpy(
                    X, "cuda", 0), False),
                raised(lambda: rt.OrtValue.ortvalue_from_numpy(
                    X).as_sparse_tensor(), False),
                raised(lambda: rt.OrtValue(None), False))

    return {"ortvalue.from_numpy": from_numpy, "ortvalue.types": types,
            "ortvalue.update_inplace": update_inplace,
            "ortvalue.shape_and_type": shape_and_type,
            "ortvalue.refused": refused}


def _iobinding_probes():
    def cpu_input_device_output(rt, env):
        sess = env.session(rt)
        binding = sess.io_binding()
        binding.bind_cpu_input("x", X)
        binding.bind_output("z")
        binding.synchronize_inputs()
        sess.run_with_iobinding(binding)
        binding.synchronize_outputs()
        outs = binding.get_outputs()
        return ([(o.data_type(), o.shape(), o.numpy().tolist())
                 for o in outs],
                [c.tolist() for c in binding.copy_outputs_to_cpu()])

    def ortvalue_output(rt, env):
        sess = env.session(rt)
        binding = sess.io_binding()
        binding.bind_ortvalue_input("x", rt.OrtValue.ortvalue_from_numpy(X))
        out = rt.OrtValue.ortvalue_from_shape_and_type([2, 3], np.float32)
        binding.bind_ortvalue_output("z", out)
        sess.run_with_iobinding(binding)
        got = binding.get_outputs()[0]
        return out.numpy().tolist(), got.data_ptr() == out.data_ptr()

    def raw_pointers(rt, env):
        sess = env.session(rt)
        binding = sess.io_binding()
        x = X.copy()
        y = np.zeros((2, 3), np.float32)
        binding.bind_input("x", "cpu", 0, np.float32, [2, 3], x.ctypes.data)
        binding.bind_output("y", "cpu", 0, np.float32, [2, 3], y.ctypes.data)
        sess.run_with_iobinding(binding)
        return y.tolist(), binding.get_outputs()[0].numpy().tolist()

    def binding_errors(rt, env):
        sess = env.session(rt)
        binding = sess.io_binding()
        bad_name = raised(lambda: binding.bind_cpu_input("nope", X))
        binding.bind_cpu_input("x", X)
        no_outputs = raised(lambda: sess.run_with_iobinding(binding))
        binding.bind_output("z")
        binding.clear_binding_inputs()
        cls, message = raised(lambda: sess.run_with_iobinding(binding))
        binding.bind_cpu_input("x", X)
        binding.clear_binding_outputs()
        return (bad_name, no_outputs, cls,
                message.startswith("Error in execution: "),
                binding.get_outputs())

    def rebinding(rt, env):
        # A bound input array is read at each run: changing it in place
        # changes the next result (no copy was taken).
        sess = env.session(rt)
        binding = sess.io_binding()
        x = X.copy()
        binding.bind_cpu_input("x", x)
        binding.bind_output("y")
        sess.run_with_iobinding(binding)
        first = binding.copy_outputs_to_cpu()[0].tolist()
        x += 1
        sess.run_with_iobinding(binding)
        return first, binding.copy_outputs_to_cpu()[0].tolist()

    return {"iobinding.cpu_input_device_output": cpu_input_device_output,
            "iobinding.ortvalue_output": ortvalue_output,
            "iobinding.raw_pointers": raw_pointers,
            "iobinding.errors": binding_errors,
            "iobinding.rebinding": rebinding}


def _more_session_probes():
    def node_args(rt, env):
        sess = env.session(rt)
        return [str(a) for a in sess.get_inputs() + sess.get_outputs()]

    def providers(rt, env):
        sess = env.session(rt)
        before = (sess.get_providers(),
                  sess.get_provider_options()["CPUExecutionProvider"])
        sess.set_providers(["CPUExecutionProvider"])
        return before, sess.get_providers()

    def session_options_kept(rt, env):
        so = rt.SessionOptions()
        so.intra_op_num_threads = 1
        so.add_session_config_entry("session.k", "v")
        got = env.session(rt, so).get_session_options()
        return got.intra_op_num_threads, got.get_session_config_entry(
            "session.k")

    def output_selection(rt, env):
        sess = env.session(rt)
        return ([o.tolist() for o in sess.run([], {"x": X})],
                [o.tolist() for o in sess.run(["z", "y"], {"x": X})],
                [o.tolist() for o in sess.run(None, {"x": X.tolist()})])

    def non_contiguous(rt, env):
        sess = env.session(rt)
        wide = np.arange(12, dtype=np.float32).reshape(2, 6)
        return sess.run(["y"], {"x": wide[:, ::2]})[0].tolist()

    def load_errors(rt, env):
        missing = os.path.join(env.tmp, "missing.onnx")
        cls, message = raised(lambda: rt.InferenceSession(missing))
        return (cls, strip_status(message),
                raised(lambda: rt.InferenceSession(3), False))

    def free_dim_override(rt, env):
        so = rt.SessionOptions()
        so.add_free_dimension_override_by_name("N", 2)
        sess = env.session(rt, so)
        cls, message = raised(lambda: sess.run(None, {"x": np.ones(
            (4, 3), np.float32)}))
        return sess.get_inputs()[0].shape, cls, strip_status(message)

    def run_options_fields(rt, env):
        ro = rt.RunOptions()
        ro.logid = "run-1"
        ro.log_severity_level = 1
        ro.add_run_config_entry("k", "v")
        out = env.session(rt).run(["y"], {"x": X}, ro)[0].tolist()
        return ro.logid, ro.log_severity_level, ro.get_run_config_entry(
            "k"), out

    def ort_values_all_outputs(rt, env):
        values = env.session(rt).run_with_ort_values(
            None, {"x": rt.OrtValue.ortvalue_from_numpy(X)})
        return [(v.shape(), v.element_type()) for v in values]

    def ortvalue_int_roundtrip(rt, env):
        a = np.arange(6, dtype=np.int64).reshape(3, 2)
        v = rt.OrtValue.ortvalue_from_numpy(a)
        return v.numpy().dtype.str, v.numpy().tolist(), v.data_type()

    def binding_rebind_and_empty(rt, env):
        sess = env.session(rt)
        binding = sess.io_binding()
        empty = binding.get_outputs()
        binding.bind_cpu_input("x", X)
        binding.bind_output("y")
        binding.bind_output("y")
        sess.run_with_iobinding(binding)
        first = [o.numpy().tolist() for o in binding.get_outputs()]
        binding.bind_cpu_input("x", X * 0)
        sess.run_with_iobinding(binding)
        return (len(empty), first,
                [o.numpy().tolist() for o in binding.get_outputs()])

    def modelmeta(rt, env):
        meta = env.session(rt).get_modelmeta()
        return (meta.producer_name, meta.graph_name, meta.domain,
                meta.description, meta.version, meta.custom_metadata_map)

    return {"session.node_args": node_args, "session.providers": providers,
            "session.options_kept": session_options_kept,
            "session.output_selection": output_selection,
            "session.non_contiguous": non_contiguous,
            "session.load_errors": load_errors,
            "session.free_dim_override": free_dim_override,
            "session.run_options_fields": run_options_fields,
            "session.ort_values_all_outputs": ort_values_all_outputs,
            "ortvalue.int_roundtrip": ortvalue_int_roundtrip,
            "iobinding.rebind_and_empty": binding_rebind_and_empty,
            "session.modelmeta": modelmeta}


def _seq_model(optional=True):
    """SplitToSequence of x [N, 2] into N rows (a sequence output), and an
    optional input: OptionalHasElement(o)."""
    opt = oh.make_optional_type_proto(
        oh.make_tensor_type_proto(TensorProto.FLOAT, [2]))
    graph = oh.make_graph(
        [oh.make_node("SplitToSequence", ["x"], ["rows"], axis=0,
                      keepdims=0),
         oh.make_node("OptionalHasElement", ["o"], ["has"])][:1 + optional],
        "seq",
        [oh.make_tensor_value_info("x", TensorProto.FLOAT, [3, 2]),
         oh.make_value_info("o", opt)][:1 + optional],
        [oh.make_value_info("rows", oh.make_sequence_type_proto(
            oh.make_tensor_type_proto(TensorProto.FLOAT, None))),
         oh.make_tensor_value_info("has", TensorProto.BOOL, [])
         ][:1 + optional])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 18)])
    model.ir_version = 8
    return model.SerializeToString()


def _zipmap_model():
    """Softmax then ZipMap with int64 labels: a sequence of maps; and a
    DictVectorizer over a map input."""
    graph = oh.make_graph(
        [oh.make_node("Softmax", ["x"], ["p"], axis=1),
         oh.make_node("ZipMap", ["p"], ["maps"], domain="ai.onnx.ml",
                      classlabels_int64s=[7, 1, 3]),
         oh.make_node("DictVectorizer", ["m"], ["v"], domain="ai.onnx.ml",
                      int64_vocabulary=[1, 2, 5])],
        "zip",
        [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3]),
         oh.make_value_info("m", oh.make_map_type_proto(
             TensorProto.INT64,
             oh.make_tensor_type_proto(TensorProto.FLOAT, None)))],
        [oh.make_value_info("maps", oh.make_sequence_type_proto(
            oh.make_map_type_proto(TensorProto.INT64, oh.make_tensor_type_proto(
                TensorProto.FLOAT, None)))),
         oh.make_tensor_value_info("v", TensorProto.FLOAT, [1, 3])])
    model = oh.make_model(graph, opset_imports=[
        oh.make_opsetid("", 17), oh.make_opsetid("ai.onnx.ml", 3)])
    model.ir_version = 8
    return model.SerializeToString()


def _values_probes():
    def sequence_output(rt, env):
        sess = env.session(rt, model=_seq_model())
        args = [(a.name, a.type, a.shape)
                for a in sess.get_inputs() + sess.get_outputs()]
        rows, has = sess.run(None, {"x": X[:, :2].copy().repeat(2, 0)[:3],
                                    "o": np.ones(2, np.float32)})
        _, absent = sess.run(None, {"x": np.ones((3, 2), np.float32),
                                    "o": None})
        return (args, type(rows).__name__, [r.tolist() for r in rows],
                has.tolist(), absent.tolist())

    def sequence_ort_value(rt, env):
        sess = env.session(rt, model=_seq_model())
        (value,) = sess.run_with_ort_values(
            ["rows"], {"x": rt.OrtValue.ortvalue_from_numpy(
                np.ones((3, 2), np.float32)),
                       "o": rt.OrtValue.ortvalue_from_numpy(
                           np.ones(2, np.float32))})
        return (value.data_type(), value.is_tensor(),
                value.is_tensor_sequence(), raised(value.numpy, False))

    def maps(rt, env):
        sess = env.session(rt, model=_zipmap_model())
        args = [(a.name, a.type, a.shape)
                for a in sess.get_inputs() + sess.get_outputs()]
        x = np.array([[0, 1, 2], [2, 2, 2]], np.float32)
        maps_out, v = sess.run(None, {"x": x, "m": {5: 2.0, 1: -1.0}})
        return (args, [[(k, type(k).__name__, round(p, 5))
                        for k, p in m.items()] for m in maps_out],
                v.tolist(),
                raised(lambda: sess.run(None, {"x": x, "m": [1.0]}), False))

    def logreg_example(rt, env):
        datasets = __import__(rt.__name__ + ".datasets", fromlist=["x"])
        path = datasets.get_example("logreg_iris.onnx")
        sess = rt.InferenceSession(path, providers=["CPUExecutionProvider"])
        x = np.array([[1, 2], [3, 4], [5, -6]], np.float32)
        label, probs = sess.run(None, {"float_input": x})
        return ([(a.name, a.type, a.shape) for a in sess.get_outputs()],
                label.tolist(), [{k: round(p, 5) for k, p in d.items()}
                                 for d in probs],
                raised(lambda: sess.run(None, {"float_input": x[:1]})))

    def backend_logreg(rt, env):
        backend = __import__(rt.__name__ + ".backend", fromlist=["x"])
        datasets = __import__(rt.__name__ + ".datasets", fromlist=["x"])
        rep = backend.prepare(datasets.get_example("logreg_iris.onnx"),
                              rt.get_device())
        label, probs = rep.run(np.array([[1, 2], [3, 4], [5, -6]],
                                        np.float32))
        return (np.asarray(label).tolist(),
                [{k: round(p, 5) for k, p in d.items()} for d in probs],
                raised(lambda: rep.run(np.array([[-1.0, -2.0]], np.float32))))

    def external_initializers(rt, env):
        # ORT replaces initializers stored outside the model only; for the
        # probe's inline w both refuse or ignore it in the same way.
        value = rt.OrtValue.ortvalue_from_numpy(np.full(3, 5, np.float32))
        so = rt.SessionOptions()
        so.add_external_initializers(["w"], [value])
        def tail(result):
            # ORT's messages may start with its source location and
            # function (graph.cc:4351 ReplaceInitializedTensorImpl ...).
            return result if result == "ok" else (
                result[0], result[1].strip()[-50:])

        return (tail(raised(lambda: env.session(rt, so).run(
                    ["y"], {"x": X})[0].tolist())),
                tail(raised(lambda: rt.SessionOptions()
                            .add_external_initializers(
                                ["w"], [np.ones(3, np.float32)]))),
                tail(raised(lambda: rt.SessionOptions()
                            .add_external_initializers(["w", "v"],
                                                       [value]))))

    def fallback(rt, env):
        sess = env.session(rt)
        sess.disable_fallback()
        sess.enable_fallback()
        return sess.run(["z"], {"x": X})[0].tolist()

    def run_options_only_path(rt, env):
        ro = rt.RunOptions()
        ro.only_execute_path_to_fetches = True
        ro.log_verbosity_level = 2
        return (env.session(rt).run(["y"], {"x": X}, ro)[0].tolist(),
                ro.only_execute_path_to_fetches, ro.log_verbosity_level)

    def iobinding_sequence_output(rt, env):
        # (ORT binds tensors only: an optional input is refused.)
        sess = env.session(rt, model=_seq_model(optional=False))
        binding = sess.io_binding()
        binding.bind_cpu_input("x", np.ones((3, 2), np.float32))
        binding.bind_output("rows")
        sess.run_with_iobinding(binding)
        (value,) = binding.get_outputs()
        return value.data_type(), value.is_tensor()

    def top_level_names(rt, env):
        # What ORT code commonly reaches for at the package's top level.
        names = ("InferenceSession", "SessionOptions", "RunOptions",
                 "OrtValue", "IOBinding", "NodeArg", "ModelMetadata",
                 "GraphOptimizationLevel", "ExecutionMode", "ExecutionOrder",
                 "get_device", "get_available_providers",
                 "get_all_providers", "get_version_string", "get_build_info",
                 "set_seed", "set_default_logger_severity",
                 "set_default_logger_verbosity", "enable_telemetry_events",
                 "disable_telemetry_events", "preload_dlls", "capi",
                 "datasets", "backend", "OrtAllocatorType", "OrtMemType",
                 "OrtDevice", "SparseTensor", "OrtArenaCfg")
        for name in ("datasets", "backend"):
            __import__(rt.__name__ + "." + name)
        return [n for n in names if not hasattr(rt, n)]

    return {"values.sequence_output": sequence_output,
            "values.sequence_ort_value": sequence_ort_value,
            "values.maps": maps, "values.logreg_example": logreg_example,
            "backend.logreg": backend_logreg,
            "so.add_external_initializers": external_initializers,
            "session.fallback": fallback,
            "ro.only_execute_path_to_fetches": run_options_only_path,
            "iobinding.sequence_output": iobinding_sequence_output,
            "module.top_level_names": top_level_names}


PROBES = {**_module_probes(), **_options_probes(), **_session_probes(),
          **_ortvalue_probes(), **_iobinding_probes(),
          **_more_session_probes(), **_values_probes()}

# Probes where Kiln knowingly behaves differently, and why.
KNOWN_DIFFERENCES = {
    # ORT's OrtAllocatorType, OrtMemType, OrtDevice, OrtArenaCfg (device and
    # arena settings for allocators Kiln does not register) and SparseTensor
    # (sparse inputs, which compiled models do not take) are not in kiln.
    "module.top_level_names",
}


def _normalize(value):
    """Comparable form: numpy arrays as lists, floats rounded."""
    if isinstance(value, np.ndarray):
        return _normalize(value.tolist())
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, (list, tuple)):
        return [_normalize(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    return value


_KILN_DIR = os.path.dirname(os.path.abspath(kiln.__file__))
_THIS_FILE = os.path.abspath(__file__)


class CallRecorder:
    """The distinct calls a probe makes into kiln: functions and methods of
    the kiln package called from this file (a setattr on an options object
    counts as 'Class.field='). Used to say how many of the API's calls
    behave as ORT's, besides how many probes do."""

    def __init__(self):
        self.calls = set()

    def _profile(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            caller = frame.f_back
            if (caller is None or not code.co_filename.startswith(_KILN_DIR)
                    or os.path.abspath(caller.f_code.co_filename)
                    != _THIS_FILE):
                return
            name = getattr(code, "co_qualname", code.co_name)
            if code.co_name == "__get__" and frame.f_locals.get("obj"):
                name = (f"{type(frame.f_locals['obj']).__name__}."
                        f"{getattr(frame.f_locals['self'], 'name', '?')}")
            elif code.co_name == "__setattr__" and "self" in frame.f_locals:
                name = (f"{type(frame.f_locals['self']).__name__}."
                        f"{frame.f_locals.get('name')}=")
            self.calls.add(name)
        elif event == "c_call":
            module = getattr(arg, "__module__", None) or getattr(
                type(getattr(arg, "__self__", None)), "__module__", "")
            if (str(module).startswith("kiln") and os.path.abspath(
                    frame.f_code.co_filename) == _THIS_FILE):
                self.calls.add(getattr(arg, "__qualname__", arg.__name__))

    def run(self, fn):
        sys.setprofile(self._profile)
        try:
            return fn()
        finally:
            sys.setprofile(None)


class OrtProbeTest(PrivateCacheCase):
    tmp_prefix = "kiln-probe-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = Env(cls.tmp)
        ort.set_default_logger_severity(3)

    def test_same_calls_behave_the_same(self):
        same, differ = [], {}
        calls, differing_calls = set(), set()
        for name, probe in PROBES.items():
            theirs = _normalize(outcome(lambda: probe(ort, self.env)))
            recorder = CallRecorder()
            mine = _normalize(recorder.run(
                lambda: outcome(lambda: probe(kiln, self.env))))
            calls |= recorder.calls
            if theirs == mine:
                same.append(name)
            else:
                differ[name] = (theirs, mine)
                differing_calls |= recorder.calls
        # A name ORT has and kiln lacks is a call that cannot behave the
        # same.
        theirs_missing = PROBES["module.top_level_names"](ort, self.env)
        missing = {f"kiln.{n}" for n in PROBES["module.top_level_names"](
            kiln, self.env) if n not in theirs_missing}
        calls |= missing
        differing_calls |= missing
        print(f"\n{len(same)} of {len(PROBES)} probes behave as ORT's; "
              f"{len(calls) - len(differing_calls)} of {len(calls)} distinct "
              "calls into kiln behave as ORT's (missing names count as "
              f"calls that differ: {sorted(differing_calls)})")
        self.assertGreater(len(calls), 90)
        unexpected = {k: v for k, v in differ.items()
                      if k not in KNOWN_DIFFERENCES}
        self.assertEqual(unexpected, {})
        self.assertEqual(set(differ), KNOWN_DIFFERENCES,
                         "a known difference now agrees: remove it")


if __name__ == "__main__":
    unittest.main()
