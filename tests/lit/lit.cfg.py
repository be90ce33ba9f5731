# lit configuration for Kiln's FileCheck tests.
import os
import lit.formats

config.name = "Kiln"
config.test_format = lit.formats.ShTest(not lit.util.which("bash"))
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "tests", "lit")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]

tools_dir = os.path.join(config.kiln_obj_root, "bin")
config.environment["PATH"] = os.pathsep.join(
    [tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.substitutions.append(("%python", config.python_executable or "python3"))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))

# CUDA checks: PTX needs libdevice for math and ptxas to assemble it. Tests
# say `REQUIRES: cuda-libdevice` or `REQUIRES: ptxas` and are reported
# UNSUPPORTED on machines without the toolkit.
def _found(path):
    return path and not path.endswith("-NOTFOUND") and os.path.exists(path)
if _found(getattr(config, "kiln_libdevice", "")):
    config.available_features.add("cuda-libdevice")
else:
    lit_config.note("CUDA libdevice not found: the CUDA pipeline tests are skipped")
_fake_driver = os.path.join(getattr(config, "kiln_fake_cuda_driver_dir", ""),
                            "libcuda.so.1")
if _found(_fake_driver):
    config.available_features.add("cuda-fake-driver")
    config.substitutions.append(
        ("%fake_cuda_driver_dir", os.path.dirname(_fake_driver)))
else:
    lit_config.note("the fake CUDA driver is not built: the CUDA artifact "
                    "run tests are skipped")
if _found(getattr(config, "kiln_ptxas", "")):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.kiln_ptxas))
else:
    lit_config.note("ptxas not found: the PTX assembly tests are skipped")
