"""ONNX Runtime's `onnxruntime.capi` import paths under `kiln.capi`."""
