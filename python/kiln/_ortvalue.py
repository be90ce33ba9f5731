"""OrtValue and IOBinding, as ONNX Runtime has them, on the CPU and CUDA.

An OrtValue on the CPU is a tensor whose storage is a numpy array: one made
with ortvalue_from_numpy views the caller's array (no copy, as ORT on the
CPU), and one returned by a run owns the runtime's buffer (handed to numpy
without a copy by kiln._runtime). An OrtValue on 'cuda' holds a
kiln._runtime.DeviceTensor: memory of a CUDA device, made through the
runtime's device layer without a session (the C API's device values), which
runs of CUDA sessions on that device read and write in place; numpy() copies
it back. Other devices are refused with ORT's message for a package built
without them.
"""

import ctypes

import numpy as np

from . import _errors, _runtime

def _element_tables():
    """ONNX element type -> name and -> numpy dtype, from the runtime's
    table (kiln_elem_types.def). bfloat16, float8, float4 and the 4- and
    2-bit integers are ml_dtypes types when that is installed (as
    onnx.numpy_helper returns them), else their bits: uint16 for bfloat16,
    one uint8 per element for the others."""
    try:
        import ml_dtypes
    except ImportError:
        ml_dtypes = None
    names = {14: "complex64", 15: "complex128"}
    dtypes = {14: np.dtype(np.complex64), 15: np.dtype(np.complex128)}
    fallback = {}
    for elem, onnx_name, bits, numpy_name in _runtime.elem_types():
        names[elem] = onnx_name
        try:
            native = np.dtype(numpy_name)
        except TypeError:  # numpy does not know the name (no ml_dtypes)
            native = None
        # ml_dtypes' types, once imported, are known to numpy by name too.
        if (native is not None and native.name == numpy_name
                and native.type.__module__ == "numpy"):
            dtypes[elem] = native
        else:
            fallback[elem] = np.dtype(np.uint16 if bits == 16 else np.uint8)
            if ml_dtypes is not None and hasattr(ml_dtypes, numpy_name):
                dtypes[elem] = np.dtype(getattr(ml_dtypes, numpy_name))
    return names, dtypes, fallback


_ELEM_NAMES, _DTYPES, _BITS_DTYPES = _element_tables()
# Element types numpy lacks: held as their bits for the runtime, viewed as
# ml_dtypes types for the caller.
VIEWED_ELEMS = frozenset(_BITS_DTYPES)
# numpy (kind, itemsize) -> ONNX element type, for numpy's own types.
_ELEM_OF_DTYPE = {(np.dtype(d).kind, np.dtype(d).itemsize): e
                  for e, d in _DTYPES.items()
                  if e not in VIEWED_ELEMS and e != 8}
# ml_dtypes' types by name.
_ELEM_OF_NAME = {_DTYPES[e].name: e for e in VIEWED_ELEMS if e in _DTYPES}


def type_string(elem):
    return f"tensor({_ELEM_NAMES.get(elem, 'undefined')})"


def elem_of(array):
    """The ONNX element type of a numpy array (0 when it has none)."""
    dtype = array.dtype
    if dtype.name in _ELEM_OF_NAME:
        return _ELEM_OF_NAME[dtype.name]
    if dtype.kind in "USO":
        return 8
    return _ELEM_OF_DTYPE.get((dtype.kind, dtype.itemsize), 0)


def bfloat16_dtype():
    return _DTYPES.get(16)


def bits_dtype(elem):
    """The plain numpy dtype the runtime reads a VIEWED_ELEMS type as."""
    return _BITS_DTYPES[elem]


def dtype_of_elem(elem):
    """The numpy dtype holding ONNX element type `elem` (the ml_dtypes types
    when installed, else their bits)."""
    if elem in _DTYPES:
        return _DTYPES[elem]
    if elem in _BITS_DTYPES:
        return _BITS_DTYPES[elem]
    raise _errors.make_error(
        9, f"Kiln has no tensors of ONNX element type {elem}")


def _device_error(device_type):
    """ORT's message for a device its package was not built for."""
    name = str(device_type).lower()
    if name in ("cuda", "gpu"):
        return RuntimeError(
            "Can't allocate memory on the CUDA device using this package of "
            "OnnxRuntime. Please use the CUDA package of OnnxRuntime to use "
            "this feature.")
    return RuntimeError(
        "Can't allocate memory on the device using this package of "
        "OnnxRuntime. Please use the appropriate package of OnnxRuntime for "
        "your hardware to use this feature.")


def _check_cpu(device_type):
    if str(device_type).lower() != "cpu":
        raise _device_error(device_type)


def _is_cuda(device_type):
    """True for 'cuda' (ORT's name; 'gpu' too), False for 'cpu'; other
    devices are refused."""
    name = str(device_type).lower()
    if name in ("cuda", "gpu"):
        return True
    _check_cpu(device_type)
    return False


def _runtime_call(call, *args):
    """A call of kiln._runtime whose errors ORT's Python raises as plain
    RuntimeErrors (its OrtValue and IOBinding methods do)."""
    try:
        return call(*args)
    except tuple(_errors._BY_CODE.values()) as e:
        raise RuntimeError(_raw_message(e)) from None


def _bits_array(array, elem):
    """`array` as the runtime reads element type `elem` (the bits of the
    types numpy lacks)."""
    return array.view(bits_dtype(elem)) if elem in VIEWED_ELEMS else array


def _to_dtype(element_type):
    """numpy dtype from what ORT accepts: a numpy type or dtype, a type
    name, or an ONNX element type number."""
    if isinstance(element_type, (int, np.integer)) and not isinstance(
            element_type, bool):
        return dtype_of_elem(int(element_type))
    return np.dtype(element_type)


def _elem_of_dtype(dtype):
    """The ONNX element type of numpy dtype `dtype`."""
    return elem_of(np.empty(0, dtype))


def _wrap_address(address, dtype, shape):
    """A numpy array over `nbytes` of memory at `address` (no copy)."""
    shape = [int(d) for d in shape]
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    nbytes = count * dtype.itemsize
    if nbytes == 0:
        return np.empty(shape, dtype)
    if not address:
        raise RuntimeError("buffer_ptr must not be 0 (NULL)")
    buffer = (ctypes.c_byte * nbytes).from_address(int(address))
    return np.frombuffer(buffer, dtype=dtype, count=count).reshape(shape)


class OrtValue:
    """A value (ORT's OrtValue): a CPU tensor, or a sequence, map or None
    from a model's edge (held as the list, dict or None run() returns, with
    ORT's type string in `_type`)."""

    __slots__ = ("_array", "_device", "_elem", "_numpy_obj", "_type")

    def __init__(self, ortvalue, numpy_obj=None):
        if not isinstance(ortvalue, OrtValue):
            raise ValueError(
                "`Provided ortvalue` needs to be of type "
                "`kiln.capi.onnxruntime_pybind11_state.OrtValue`")
        self._array = ortvalue._array
        self._device = ortvalue._device
        self._elem = ortvalue._elem
        self._type = ortvalue._type
        # ORT keeps the numpy object alive as long as the value.
        self._numpy_obj = numpy_obj if numpy_obj is not None else (
            ortvalue._numpy_obj)

    @classmethod
    def _wrap(cls, array, elem, owner=None):
        value = object.__new__(cls)
        value._array = array
        value._device = None
        value._elem = elem
        value._numpy_obj = owner
        value._type = None
        return value

    @classmethod
    def _wrap_device(cls, device_tensor):
        """A value on a CUDA device (a kiln._runtime.DeviceTensor)."""
        value = cls._wrap(None, device_tensor.elem_type)
        value._device = device_tensor
        return value

    @classmethod
    def _wrap_value(cls, obj, type_str, elem=0):
        """A sequence (list), map (dict) or absent optional (None) of ORT
        type `type_str` ('seq(tensor(float))')."""
        value = cls._wrap(obj, elem)
        value._type = type_str
        return value

    def _not_tensor(self):
        # ORT's check in its numpy conversion.
        raise RuntimeError(
            "ml_value->IsTensor() was false. Only OrtValues that are Tensors "
            "are convertible to Numpy objects")

    def _get_c_value(self):
        return self

    # ----------------------------------------------------- construction
    @staticmethod
    def ortvalue_from_numpy(numpy_obj, device_type="cpu", device_id=0,
                            vendor_id=-1):
        """On the CPU, views `numpy_obj` without copying it when it is
        C-contiguous in native byte order (else a contiguous copy is taken);
        the value keeps the array alive. On 'cuda', copies it into the
        memory of CUDA device `device_id`."""
        cuda = _is_cuda(device_type)
        array = np.asarray(numpy_obj)
        elem = elem_of(array)
        if elem == 8:
            raise RuntimeError("Creation of OrtValues is currently only "
                               "supported from non-string numpy arrays")
        if elem == 0:
            raise RuntimeError(
                f"Unsupported numpy dtype for an OrtValue: {array.dtype}")
        if not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        if not array.flags.c_contiguous:
            array = np.ascontiguousarray(array)
        if cuda:
            return OrtValue._wrap_device(_runtime_call(
                _runtime.DeviceTensor.from_array, elem,
                _bits_array(array, elem), int(device_id)))
        return OrtValue._wrap(array, elem, numpy_obj)

    @staticmethod
    def ortvalue_from_numpy_with_onnx_type(data, onnx_element_type):
        """Views `data` as ONNX element type `onnx_element_type` (for types
        numpy lacks, such as bfloat16 held in uint16)."""
        array = np.ascontiguousarray(data)
        elem = int(onnx_element_type)
        if elem == 16:
            if array.dtype.itemsize != 2:
                raise RuntimeError("bfloat16 data must have 2-byte elements")
        elif elem_of(array) != elem:
            array = array.view(dtype_of_elem(elem))
        return OrtValue._wrap(array, elem, data)

    @staticmethod
    def ortvalue_from_shape_and_type(shape, element_type, device_type="cpu",
                                     device_id=0, vendor_id=-1):
        """A new tensor of `shape` and `element_type` (a numpy type or an
        ONNX element type number), on the CPU or CUDA device `device_id`;
        its content is not initialised."""
        cuda = _is_cuda(device_type)
        dtype = _to_dtype(element_type)
        shape = [int(d) for d in shape]
        if cuda:
            return OrtValue._wrap_device(_runtime_call(
                _runtime.DeviceTensor.empty, _elem_of_dtype(dtype), shape,
                int(device_id)))
        array = np.empty(shape, dtype=dtype)
        return OrtValue._wrap(array, elem_of(array))

    # ----------------------------------------------------------- queries
    def data_ptr(self):
        if self._type is not None:
            self._not_tensor()
        if self._device is not None:
            return self._device.data_ptr
        return self._array.ctypes.data

    def device_name(self):
        return "cuda" if self._device is not None else "cpu"

    def shape(self):
        if self._type is not None:
            self._not_tensor()
        if self._device is not None:
            return list(self._device.shape)
        return list(self._array.shape)

    def data_type(self):
        if self._type is not None:
            return self._type
        return type_string(self._elem)

    def element_type(self):
        return self._elem

    def has_value(self):
        return self._array is not None or self._device is not None

    def is_tensor(self):
        return self._type is None

    def is_sparse_tensor(self):
        return False

    def is_tensor_sequence(self):
        return self._type is not None and self._type.startswith("seq(tensor(")

    def tensor_size_in_bytes(self):
        if self._elem == 8:
            raise RuntimeError("string tensors have no fixed size in bytes")
        if self._device is not None:
            return int(self._device.nbytes)
        return int(self._array.nbytes)

    def as_sparse_tensor(self):
        raise RuntimeError("This OrtValue does not contain SparseTensor. "
                           "Check data_type() value.")

    def numpy(self):
        """The tensor as a numpy array sharing its memory (as ORT on the
        CPU), or a host copy of a tensor on a CUDA device."""
        if self._type is not None:
            self._not_tensor()
        if self._device is not None:
            array = _runtime_call(self._device.numpy)
            if self._elem in VIEWED_ELEMS and self._elem in _DTYPES:
                return array.view(_DTYPES[self._elem])
            return array
        if self._elem == 16:
            bf16 = bfloat16_dtype()
            if bf16 is not None and self._array.dtype != bf16:
                return self._array.view(bf16)
        return self._array

    def update_inplace(self, np_arr):
        """Copies `np_arr` into the value's memory (same element count), on
        the host or to the device."""
        src = np.asarray(np_arr)
        if self._device is not None:
            if elem_of(src) != self._elem:
                raise RuntimeError(
                    f"The numpy array's type {type_string(elem_of(src))} "
                    f"does not match the OrtValue's {self.data_type()}")
            _runtime_call(self._device.update, _bits_array(
                np.ascontiguousarray(src), self._elem))
            return
        if src.size != self._array.size:
            raise RuntimeError("The input size of numpy arrays does not match "
                               "the size of the OrtValue.")
        if elem_of(src) != self._elem and not (
                self._elem == 16 and src.dtype.itemsize == 2):
            raise RuntimeError(
                f"The numpy array's type {type_string(elem_of(src))} does "
                f"not match the OrtValue's {self.data_type()}")
        np.copyto(self._array.reshape(-1), src.reshape(-1).view(
            self._array.dtype) if self._elem == 16 else src.reshape(-1))

    def __repr__(self):
        if self._type is not None:
            return f"<kiln.OrtValue {self._type} at 0x{id(self):x}>"
        return (f"<kiln.OrtValue {self.data_type()} shape={self.shape()} "
                f"at 0x{id(self):x}>")


def _raw_message(error):
    """The message of one of ORT's status errors, without its prefix."""
    text = str(error)
    if text.startswith("[ONNXRuntimeError] : "):
        parts = text.split(" : ", 3)
        if len(parts) == 4:
            return parts[3]
    return text


# IOBinding.bind_output(name, 'cuda'): the slot the runtime allocates on the
# session's device (kiln._runtime.Session.run's preallocated "cuda").
_CUDA_OUTPUT = "cuda"


def _device_view(dtype, address, shape, device_id):
    """An OrtValue viewing memory of CUDA device `device_id` at `address`
    (the runtime asks the driver whose memory it is)."""
    return OrtValue._wrap_device(_runtime_call(
        _runtime.DeviceTensor.view, _elem_of_dtype(np.dtype(dtype)),
        int(address), [int(d) for d in shape], int(device_id)))


class IOBinding:
    """ORT's IOBinding: inputs are bound without copies (numpy arrays,
    OrtValues or raw addresses are viewed in place, on the CPU or a CUDA
    device, whose runs pass device memory straight to their kernels); an
    output bound to the CPU is allocated by the runtime and handed over
    without a copy, one bound to 'cuda' is allocated on the session's device
    at each run; an output bound to a buffer (an OrtValue or an address, on
    either device) receives the result in that buffer: the compiled model
    writes it in the run's arena and the runtime copies it there once, on
    the device for a CUDA session (the artifact ABI returns outputs in its
    own memory)."""

    def __init__(self, session):
        self._session = session
        self._inputs = {}
        self._outputs = {}   # name -> OrtValue (bound buffer) or None
        self._results = []

    # ------------------------------------------------------------ inputs
    def _check_input(self, name):
        if name not in {i.name for i in self._session._inputs} and (
                name not in self._session._overridable_names()):
            raise RuntimeError(
                f"Failed to find NodeArg with name: {name} in the def list")

    def bind_cpu_input(self, name, arr_on_cpu):
        self._check_input(name)
        self._inputs[name] = OrtValue.ortvalue_from_numpy(arr_on_cpu)

    def bind_input(self, name, device_type, device_id, element_type, shape,
                   buffer_ptr):
        """Binds memory at `buffer_ptr` (on the CPU, or of CUDA device
        `device_id`) as the input."""
        self._check_input(name)
        dtype = _to_dtype(element_type)
        if _is_cuda(device_type):
            self._inputs[name] = _device_view(dtype, buffer_ptr, shape,
                                              device_id)
            return
        array = _wrap_address(buffer_ptr, dtype, shape)
        self._inputs[name] = OrtValue._wrap(array, elem_of(array))

    def bind_ortvalue_input(self, name, ortvalue):
        self._check_input(name)
        self._inputs[name] = ortvalue

    def clear_binding_inputs(self):
        self._inputs.clear()

    def synchronize_inputs(self):
        """Nothing to wait for on the CPU."""

    # ----------------------------------------------------------- outputs
    def bind_output(self, name, device_type="cpu", device_id=0,
                    element_type=None, shape=None, buffer_ptr=None):
        """Without `buffer_ptr`, the runtime allocates the output at each
        run (on the session's CUDA device for 'cuda'); with it, the output
        is written to that memory."""
        cuda = _is_cuda(device_type)
        if buffer_ptr is None:
            self._outputs[name] = _CUDA_OUTPUT if cuda else None
            return
        if element_type is None or shape is None:
            raise RuntimeError("element_type and shape are required with "
                               "buffer_ptr")
        dtype = _to_dtype(element_type)
        if cuda:
            self._outputs[name] = _device_view(dtype, buffer_ptr, shape,
                                               device_id)
            return
        array = _wrap_address(buffer_ptr, dtype, shape)
        self._outputs[name] = OrtValue._wrap(array, elem_of(array))

    def bind_ortvalue_output(self, name, ortvalue):
        self._outputs[name] = ortvalue

    def clear_binding_outputs(self):
        self._outputs.clear()
        self._results = []

    def synchronize_outputs(self):
        """Nothing to wait for on the CPU."""

    def get_outputs(self):
        """The OrtValues of the last run, in binding order (a bound buffer
        comes back as the OrtValue it was bound as)."""
        return list(self._results)

    def get_outputs_as_ortvaluevector(self):
        return list(self._results)

    def copy_outputs_to_cpu(self):
        """Copies of the last run's outputs as numpy arrays (numpy() of a
        value on the device is a copy already)."""
        return [v.numpy() if v._device is not None
                else np.array(v.numpy(), copy=True) for v in self._results]

    # ---------------------------------------------------------------- run
    def _run(self, run_options):
        names = list(self._outputs)
        if not names:
            raise RuntimeError(
                "Error in execution: At least one output should be "
                "requested.")
        feeds = {n: v for n, v in self._inputs.items()}
        bound = [self._outputs[n] for n in names]
        try:
            arrays = self._session._run_values(names, feeds, bound,
                                               run_options)
        except tuple(_errors._BY_CODE.values()) as e:
            raise RuntimeError(f"Error in execution: {_raw_message(e)}") \
                from None
        results = []
        for value, array, name in zip(bound, arrays, names):
            if value is _CUDA_OUTPUT:
                results.append(OrtValue._wrap_device(array))
            elif value is not None:
                results.append(value)
            elif not isinstance(array, np.ndarray):
                # A sequence, map or None (bound to the device).
                kind = self._session._output_kinds.get(name)
                results.append(OrtValue._wrap_value(
                    array, kind.type if kind else "",
                    self._session._output_elem(name)))
            else:
                results.append(OrtValue._wrap(
                    array, self._session._output_elem(name)))
        self._results = results
