/*===- kiln_epilogue.h - What a kernel does to C before it is done ------===*
 *
 * Shared by the kernels of the support library (C) and the passes that
 * call them (kiln-gemm-ukernel, kiln-conv-ukernel, kiln-depthwise-ukernel,
 * through compiler/codegen/common/FusedEpilogue.h): every kernel entry
 * ends with four arguments
 *
 *   act, alpha, beta, residual
 *
 * and, once a block of its output is complete (while it is still in
 * cache), replaces each element y by act(y + residual[same offset]):
 * the Add and activation that followed the op in the model. alpha and
 * beta are the activation's float parameters as their IEEE bit patterns;
 * residual is the address of a buffer laid out like the output (0: none).
 *
 *===--------------------------------------------------------------------===*/

#ifndef KILN_EPILOGUE_H
#define KILN_EPILOGUE_H

enum kiln_activation {
  KILN_ACT_NONE = 0,
  KILN_ACT_RELU = 1,         /* max(y, 0) */
  KILN_ACT_CLIP = 2,         /* min(max(y, alpha), beta) */
  KILN_ACT_LEAKY_RELU = 3,   /* y < 0 ? alpha * y : y */
  KILN_ACT_HARD_SIGMOID = 4, /* max(0, min(1, alpha * y + beta)) */
  KILN_ACT_HARD_SWISH = 5,   /* y * hard_sigmoid(y) with 1/6, 1/2 */
  KILN_ACT_SIGMOID = 6,      /* 1 / (1 + exp(-y)) */
  KILN_ACT_SILU = 7,         /* y * sigmoid(y) */
  KILN_ACT_TANH = 8,
  KILN_ACT_GELU = 9,         /* y / 2 * (1 + erf(y / sqrt(2))) */
  KILN_ACT_GELU_TANH = 10,   /* y / 2 * (1 + tanh(sqrt(2/pi) (y + 0.044715 y^3))) */
  KILN_ACT_COUNT = 11
};

#endif
