//===- OnnxToLinalg.h - onnx to linalg conversion ---------------*- C++ -*-===//

#ifndef KILN_COMPILER_CONVERSION_ONNXTOLINALG_H
#define KILN_COMPILER_CONVERSION_ONNXTOLINALG_H

#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringSet.h"

namespace kiln {

/// Converts ONNX tensor types to the types linalg works on: unsigned integers
/// become signless, everything else is kept.
class OnnxTypeConverter : public mlir::TypeConverter {
public:
  OnnxTypeConverter();
};

/// Every pattern of the onnx-to-linalg conversion (all the op families
/// below).
void populateOnnxToLinalgPatterns(mlir::TypeConverter &tc,
                                  mlir::RewritePatternSet &patterns);
/// The default-domain operators (`Conv`, `Gelu`, ...) that have a pattern:
/// the importer expands ONNX function ops that are not among them into
/// their function bodies.
llvm::StringSet<> onnxOpsWithLowering(mlir::MLIRContext *ctx);

// One populate function per op family (one .cpp file each).
void populateElementwisePatterns(mlir::TypeConverter &tc,
                                 mlir::RewritePatternSet &patterns);
void populateLinearAlgebraPatterns(mlir::TypeConverter &tc,
                                   mlir::RewritePatternSet &patterns);
void populateConvolutionPatterns(mlir::TypeConverter &tc,
                                 mlir::RewritePatternSet &patterns);
void populatePoolingPatterns(mlir::TypeConverter &tc,
                             mlir::RewritePatternSet &patterns);
void populateReductionPatterns(mlir::TypeConverter &tc,
                               mlir::RewritePatternSet &patterns);
void populateNormalizationPatterns(mlir::TypeConverter &tc,
                                   mlir::RewritePatternSet &patterns);
void populateShapeOpPatterns(mlir::TypeConverter &tc,
                             mlir::RewritePatternSet &patterns);
void populateDataMovementPatterns(mlir::TypeConverter &tc,
                                  mlir::RewritePatternSet &patterns);
void populateControlFlowPatterns(mlir::TypeConverter &tc,
                                 mlir::RewritePatternSet &patterns);
void populateLoopsPatterns(mlir::TypeConverter &tc,
                           mlir::RewritePatternSet &patterns);
void populateImageOpsPatterns(mlir::TypeConverter &tc,
                              mlir::RewritePatternSet &patterns);
void populateRandomPatterns(mlir::TypeConverter &tc,
                            mlir::RewritePatternSet &patterns);
void populateIndexingOpsPatterns(mlir::TypeConverter &tc,
                                 mlir::RewritePatternSet &patterns);
void populateQuantizationPatterns(mlir::TypeConverter &tc,
                                  mlir::RewritePatternSet &patterns);
void populateConvTransposePatterns(mlir::TypeConverter &tc,
                                   mlir::RewritePatternSet &patterns);
void populateSortingPatterns(mlir::TypeConverter &tc,
                             mlir::RewritePatternSet &patterns);
void populateEinsumPatterns(mlir::TypeConverter &tc,
                            mlir::RewritePatternSet &patterns);
void populateRecurrentPatterns(mlir::TypeConverter &tc,
                               mlir::RewritePatternSet &patterns);
void populateResizePatterns(mlir::TypeConverter &tc,
                            mlir::RewritePatternSet &patterns);
void populateSignalPatterns(mlir::TypeConverter &tc,
                            mlir::RewritePatternSet &patterns);
void populateTextOpsPatterns(mlir::TypeConverter &tc,
                             mlir::RewritePatternSet &patterns);
void populateSequenceOpsPatterns(mlir::TypeConverter &tc,
                                 mlir::RewritePatternSet &patterns);
void populateStringOpsPatterns(mlir::TypeConverter &tc,
                               mlir::RewritePatternSet &patterns);
void populateStringSearchPatterns(mlir::TypeConverter &tc,
                                  mlir::RewritePatternSet &patterns);
void populateImageDecoderPatterns(mlir::TypeConverter &tc,
                                  mlir::RewritePatternSet &patterns);
// The ai.onnx.ml domain (onnx.ml.* ops).
void populateMlPreprocessingPatterns(mlir::TypeConverter &tc,
                                     mlir::RewritePatternSet &patterns);
void populateMlLinearPatterns(mlir::TypeConverter &tc,
                              mlir::RewritePatternSet &patterns);
void populateMlTreeEnsemblePatterns(mlir::TypeConverter &tc,
                                    mlir::RewritePatternSet &patterns);

#define GEN_PASS_DECL
#include "compiler/conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/conversion/Passes.h.inc"

} // namespace kiln

#endif
