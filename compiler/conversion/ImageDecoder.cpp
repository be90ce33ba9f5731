//===- ImageDecoder.cpp - onnx to linalg: ImageDecoder --------------------===//
//
// ImageDecoder (opset 20) turns a 1-D uint8 tensor of an encoded image into
// an [H, W, C] uint8 tensor, C = 3 (RGB, BGR) or 1 (Grayscale), H and W
// read from the image. The artifact decodes with the support library's own
// decoders (compiler/artifact/support/kiln_image.h: baseline JPEG with
// libjpeg's arithmetic, PNG, BMP, PNM, uncompressed TIFF), no external
// library:
//
// - the encoded bytes are copied into a contiguous buffer (the input may be
//   a view) and kiln_image_info reads the height, the width and the
//   scratch bytes the decoder needs; data that is no image Kiln decodes
//   fails the run with the reason (unknown format; a format or variant
//   Kiln does not decode such as lossy JPEG 2000, animated WebP or
//   progressive JPEG;
//   corrupt data);
// - the output buffer is allocated with those dims, kiln_image_decode
//   writes it (scratch from the run's arena), and the buffer becomes the
//   result tensor. A static H or W in the result type is checked against
//   the image's.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/StringSupport.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// kiln_image.h's KILN_IMAGE_* errors and pixel formats.
constexpr int64_t kUnknown = -1, kUnsupported = -2;
enum PixelFormat : int64_t { kRgb = 0, kBgr = 1, kGray = 2 };

Value i64Const(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
}

/// The address (i64) of memref `m`'s first element (identity layout).
Value addressOf(OpBuilder &b, Location loc, Value m) {
  Value p = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, m);
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), p);
}

struct ImageDecoderLowering : OpConversionPattern<OnnxImageDecoderOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OnnxImageDecoderOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resTy = resultTypeOf(*this, op);
    Value data = adaptor.getEncodedStream();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    if (!dataTy || dataTy.getRank() != 1 ||
        !dataTy.getElementType().isInteger(8))
      return rewriter.notifyMatchFailure(
          op, "the encoded stream must be a 1-D uint8 tensor");
    StringRef format = op.getPixelFormat();
    int64_t pixelFormat = format == "RGB"         ? kRgb
                          : format == "BGR"       ? kBgr
                          : format == "Grayscale" ? kGray
                                                  : -1;
    if (pixelFormat < 0)
      return rewriter.notifyMatchFailure(
          op,
          "pixel_format must be RGB, BGR or Grayscale, not '" + format + "'");
    int64_t channels = pixelFormat == kGray ? 1 : 3;
    if (!resTy || resTy.getRank() != 3 ||
        !resTy.getElementType().isInteger(8) ||
        (!resTy.isDynamicDim(2) && resTy.getDimSize(2) != channels))
      return rewriter.notifyMatchFailure(
          op, "the image must be [H, W, " + std::to_string(channels) +
                  "] uint8 for pixel_format " + format);

    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Type i64 = b.getI64Type(), i8 = b.getI8Type();
    declareSupport(b, op, "kiln_image_info", {i64, i64, i64}, i64);
    declareSupport(b, op, "kiln_image_decode", {i64, i64, i64, i64, i64}, i64);

    // The bytes, contiguous.
    Value n = tensor::DimOp::create(b, loc, data, 0);
    auto bytesTy = MemRefType::get(dataTy.getShape(), i8);
    Value bytes = memref::AllocOp::create(
        b, loc, bytesTy, dataTy.isDynamicDim(0) ? ValueRange{n} : ValueRange{});
    auto viewTy = MemRefType::get(
        dataTy.getShape(), i8,
        StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                               {ShapedType::kDynamic}));
    Value view = bufferization::ToBufferOp::create(b, loc, viewTy, data,
                                                   /*read_only=*/true);
    memref::CopyOp::create(b, loc, view, bytes);
    Value ptr = addressOf(b, loc, bytes);
    Value size = arith::IndexCastOp::create(b, loc, i64, n);

    auto info = [&](int64_t what) {
      return callSupport(b, loc, "kiln_image_info", i64,
                         {ptr, size, i64Const(b, loc, what)});
    };
    Value height = info(0), width = info(1), scratchBytes = info(2);
    auto fails = [&](int64_t code) {
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, height,
                                   i64Const(b, loc, code));
    };
    check(b, loc, op, fails(kUnknown),
          checkMessage(b, op,
                       "the data is no image format Kiln knows (JPEG, PNG, "
                       "WebP, JPEG 2000, BMP, PNM, TIFF)",
                       /*INVALID_ARGUMENT*/ 2));
    check(b, loc, op, fails(kUnsupported),
          checkMessage(b, op,
                       "Kiln does not decode this image format or variant "
                       "(GIF, irreversible JPEG 2000, animated WebP, "
                       "progressive, lossless or arithmetic-coded JPEG, "
                       "interlaced or 16-bit PNG, compressed TIFF, ...)",
                       /*FAIL*/ 1));
    Value corrupt = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                          height, i64Const(b, loc, 0));
    Value corruptMessage = checkMessage(
        b, op, "the image data is corrupt or truncated", /*FAIL*/ 1);
    check(b, loc, op, corrupt, corruptMessage);
    Value dims[] = {height, width};
    for (auto [d, v] : llvm::enumerate(dims)) {
      if (resTy.isDynamicDim(d))
        continue;
      check(b, loc, op,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v,
                                  i64Const(b, loc, resTy.getDimSize(d))),
            checkMessage(b, op,
                         std::string("the image's ") +
                             (d == 0 ? "height" : "width") +
                             " differs from the model's output shape",
                         /*FAIL*/ 1));
    }

    Value scratch = allocRunBytes(b, op, scratchBytes);
    auto outTy = MemRefType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic, channels}, i8);
    Value out = memref::AllocOp::create(
        b, loc, outTy,
        ValueRange{toIndex(b, loc, height), toIndex(b, loc, width)});
    Value status = callSupport(b, loc, "kiln_image_decode", i64,
                               {ptr, size, i64Const(b, loc, pixelFormat),
                                scratch, addressOf(b, loc, out)});
    check(b, loc, op,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, status,
                                i64Const(b, loc, 0)),
          corruptMessage);
    Value image = bufferization::ToTensorOp::create(
        b, loc, RankedTensorType::get(outTy.getShape(), i8), out,
        /*restrict=*/true, /*writable=*/true);
    rewriter.replaceOp(op, castTo(b, loc, image, resTy));
    return success();
  }
};

} // namespace

void kiln::populateImageDecoderPatterns(TypeConverter &tc,
                                        RewritePatternSet &patterns) {
  patterns.add<ImageDecoderLowering>(tc, patterns.getContext());
}
