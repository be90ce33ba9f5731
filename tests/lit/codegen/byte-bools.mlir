// RUN: kiln-opt %s --kiln-byte-bools | FileCheck %s

// Scalar bools are read as their byte (any nonzero byte is true) and
// written as a zero-extended byte, with the access's alignment kept.
// CHECK-LABEL: llvm.func @select
// CHECK: %[[B:.*]] = llvm.load %arg0 {alignment = 1 : i64} : !llvm.ptr -> i8
// CHECK: %[[Z:.*]] = llvm.mlir.constant(0 : i8) : i8
// CHECK: %[[M:.*]] = llvm.icmp "ne" %[[B]], %[[Z]] : i8
// CHECK: llvm.select %[[M]]
// CHECK-NOT: -> i1
llvm.func @select(%m: !llvm.ptr, %x: f32, %y: f32) -> f32 {
  %b = llvm.load %m {alignment = 1 : i64} : !llvm.ptr -> i1
  %r = llvm.select %b, %x, %y : i1, f32
  llvm.return %r : f32
}

// CHECK-LABEL: llvm.func @compare
// CHECK: %[[C:.*]] = llvm.fcmp "olt" %arg1, %arg2 : f32
// CHECK: %[[W:.*]] = llvm.zext %[[C]] : i1 to i8
// CHECK: llvm.store %[[W]], %arg0 : i8, !llvm.ptr
llvm.func @compare(%out: !llvm.ptr, %x: f32, %y: f32) {
  %c = llvm.fcmp "olt" %x, %y : f32
  llvm.store %c, %out : i1, !llvm.ptr
  llvm.return
}

// Vectors of bools, other types, and volatile or atomic accesses are left
// as they are.
// CHECK-LABEL: llvm.func @untouched
// CHECK: llvm.load %arg0 : !llvm.ptr -> vector<16xi1>
// CHECK: llvm.load %arg0 : !llvm.ptr -> i8
// CHECK: llvm.load volatile %arg0 : !llvm.ptr -> i1
// CHECK: llvm.store volatile %{{.*}}, %arg0 : i1, !llvm.ptr
llvm.func @untouched(%p: !llvm.ptr) {
  %v = llvm.load %p : !llvm.ptr -> vector<16xi1>
  %b = llvm.load %p : !llvm.ptr -> i8
  %w = llvm.load volatile %p : !llvm.ptr -> i1
  llvm.store volatile %w, %p : i1, !llvm.ptr
  llvm.return
}
