/*===- kiln_image.h - ImageDecoder's decoders ----------------------------===*
 *
 * ONNX's ImageDecoder turns the bytes of an encoded image into an
 * [H, W, C] uint8 tensor (RGB, BGR or grayscale). The artifact decodes
 * itself, with no library: kiln_image.c recognizes the format and writes
 * the pixels; kiln_image_jpeg.c decodes baseline JPEG, kiln_image_png.c
 * PNG (with its own inflate), kiln_image_webp.c WebP (lossy VP8 there,
 * lossless VP8L in kiln_image_webp_lossless.c), kiln_image_jpeg2000.c
 * reversible JPEG 2000; BMP, PNM and uncompressed TIFF are read in
 * kiln_image.c.
 *
 * ONNX's reference outputs come from Pillow, which decodes JPEG with
 * libjpeg(-turbo)'s defaults: the accurate integer IDCT, "fancy" (triangle
 * filter) chroma upsampling and its fixed-point YCbCr conversion.
 * kiln_image_jpeg.c does the same arithmetic, so its pixels are the same
 * bytes, not merely close ones.
 *
 * The generated code calls kiln_image_info for the output's dims and the
 * scratch memory the decoder needs (taken from the run's arena), then
 * kiln_image_decode; nothing here allocates.
 *
 *===--------------------------------------------------------------------===*/

#ifndef KILN_IMAGE_H
#define KILN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* What kiln_image_info and kiln_image_decode return on bad input. */
enum {
  KILN_IMAGE_UNKNOWN = -1,     /* no format Kiln knows */
  KILN_IMAGE_UNSUPPORTED = -2, /* a format or variant Kiln does not decode */
  KILN_IMAGE_CORRUPT = -3,     /* malformed or truncated */
};

/* ImageDecoder's pixel_format, as the generated code passes it. */
enum { KILN_IMAGE_RGB = 0, KILN_IMAGE_BGR = 1, KILN_IMAGE_GRAY = 2 };

/* A decoded image before its pixel format: `channels` (1 gray, 3 RGB)
 * interleaved 8-bit samples, `stride` bytes a row. */
typedef struct {
  int64_t width, height;
  int channels;
} KilnImageHeader;

/* The header of a JPEG / PNG / WebP / JPEG 2000 image and the scratch bytes
 * its decoder needs; 0 or a KILN_IMAGE_* error. */
int kiln_jpeg_header(const uint8_t *data, size_t size, KilnImageHeader *h,
                     int64_t *scratch);
int kiln_png_header(const uint8_t *data, size_t size, KilnImageHeader *h,
                    int64_t *scratch);
int kiln_webp_header(const uint8_t *data, size_t size, KilnImageHeader *h,
                     int64_t *scratch);
int kiln_jpeg2000_header(const uint8_t *data, size_t size, KilnImageHeader *h,
                         int64_t *scratch);
/* The VP8L bitstream of a WebP file's lossless chunk. */
int kiln_webp_lossless_header(const uint8_t *data, size_t size,
                              KilnImageHeader *h, int64_t *scratch);

/* Decodes into `pixels` (height x width x channels of the header); 0 or a
 * KILN_IMAGE_* error. */
int kiln_jpeg_decode(const uint8_t *data, size_t size, uint8_t *pixels,
                     uint8_t *scratch);
int kiln_png_decode(const uint8_t *data, size_t size, uint8_t *pixels,
                    uint8_t *scratch);
int kiln_webp_decode(const uint8_t *data, size_t size, uint8_t *pixels,
                     uint8_t *scratch);
int kiln_webp_lossless_decode(const uint8_t *data, size_t size, uint8_t *pixels,
                              uint8_t *scratch);
int kiln_jpeg2000_decode(const uint8_t *data, size_t size, uint8_t *pixels,
                         uint8_t *scratch);

#endif
