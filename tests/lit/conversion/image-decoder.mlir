// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// ImageDecoder: the encoded bytes copied into a contiguous buffer, the
// image's height, width and the decoder's scratch read from its header
// (kiln_image_info 0, 1, 2), three checks (unknown format -1, unsupported
// -2, corrupt), the scratch from the run's arena, the [H, W, 1] buffer
// written by kiln_image_decode (pixel format 2: Grayscale), whose status is
// checked, and the buffer as the result tensor.
// CHECK-DAG: func.func private @kiln_image_info(i64, i64, i64) -> i64
// CHECK-DAG: func.func private @kiln_image_decode(i64, i64, i64, i64, i64) -> i64
// CHECK-LABEL: func.func @decode_gray
// CHECK-SAME: (%[[X:.*]]: tensor<?xi8>) -> tensor<?x?x1xi8>
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[BYTES:.*]] = memref.alloc(%[[N]]) : memref<?xi8>
// CHECK: %[[VIEW:.*]] = bufferization.to_buffer %[[X]] read_only
// CHECK: memref.copy %[[VIEW]], %[[BYTES]]
// CHECK: %[[H:.*]] = call @kiln_image_info(%[[P:.*]], %[[SIZE:.*]], %{{.*}})
// CHECK: %[[W:.*]] = call @kiln_image_info(%[[P]], %[[SIZE]], %{{.*}})
// CHECK: %[[SCRATCH_BYTES:.*]] = call @kiln_image_info(%[[P]], %[[SIZE]], %{{.*}})
// CHECK: %[[UNKNOWN:.*]] = arith.constant -1 : i64
// CHECK: arith.cmpi ne, %[[H]], %[[UNKNOWN]]
// CHECK: func.call @kiln_check_failed
// CHECK: %[[REFUSED:.*]] = arith.constant -2 : i64
// CHECK: arith.cmpi ne, %[[H]], %[[REFUSED]]
// CHECK: func.call @kiln_check_failed
// CHECK: arith.cmpi sge, %[[H]]
// CHECK: func.call @kiln_check_failed
// CHECK: %[[RAW:.*]] = llvm.call @_mlir_memref_to_llvm_alloc(%[[SCRATCH_BYTES]])
// CHECK: %[[SCRATCH:.*]] = llvm.ptrtoint %[[RAW]]
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?x1xi8>
// CHECK: %[[GRAY:.*]] = arith.constant 2 : i64
// CHECK: %[[STATUS:.*]] = call @kiln_image_decode(%[[P]], %[[SIZE]], %[[GRAY]], %[[SCRATCH]], %{{.*}})
// CHECK: arith.cmpi eq, %[[STATUS]]
// CHECK: func.call @kiln_check_failed
// CHECK: %[[IMAGE:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: return %[[IMAGE]]
func.func @decode_gray(%x: tensor<?xui8>) -> tensor<?x?x1xui8> {
  %y = onnx.ImageDecoder(%x) {pixel_format = "Grayscale"} : (tensor<?xui8>) -> tensor<?x?x1xui8>
  return %y : tensor<?x?x1xui8>
}

// -----

// A static output shape is a fact about the image, checked at run time.
// CHECK-LABEL: func.func @decode_static
// CHECK: %[[H:.*]] = call @kiln_image_info
// CHECK: %[[W:.*]] = call @kiln_image_info
// CHECK: %[[C32:.*]] = arith.constant 32 : i64
// CHECK: arith.cmpi eq, %[[H]], %[[C32]]
// CHECK: %[[C24:.*]] = arith.constant 24 : i64
// CHECK: arith.cmpi eq, %[[W]], %[[C24]]
// CHECK: tensor.cast %{{.*}} : tensor<?x?x3xi8> to tensor<32x24x3xi8>
func.func @decode_static(%x: tensor<1058xui8>) -> tensor<32x24x3xui8> {
  %y = onnx.ImageDecoder(%x) : (tensor<1058xui8>) -> tensor<32x24x3xui8>
  return %y : tensor<32x24x3xui8>
}
