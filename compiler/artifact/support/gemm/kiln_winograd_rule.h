/*===- kiln_winograd_rule.h - When Winograd F(4x4, 3x3) pays ---------------===*
 *
 * Shared by the compiler (kiln-conv-ukernel decides static sizes and lays
 * out the transformed weights) and the kernel (kiln_swino_impl.h decides
 * sizes that were symbolic at compile time and reads those weights), so
 * the two cannot disagree. Plain C that C++ compiles too.
 *
 * Tiles (4 x 4 output pixels) lie in the lanes of Winograd's GEMMs, whose
 * weights U are four times the layer's and stream from memory once per
 * block of tiles. From KG_WN_MANY_TILES tiles per image on, it pays
 * whatever the weights; from KG_WN_MIN_TILES while C * F <=
 * KG_WN_SMALL_WEIGHTS (U at most 9.4 MB). Four chained layers, one thread,
 * against the direct convolution: 14 x 14 of 256 channels (16 tiles, one
 * vector) 3.9 ms against 6.3, 20 x 20 of 128 (25 tiles in 32 lanes) 1.8
 * against 3.4, of 256 7.7 against 12.5; 14 x 14 of 512 (U 37.7 MB) 22.0
 * against 23.8, where the direct weights are a quarter and stay in cache
 * better inside a model; 10 x 10 (9 tiles) of 256 3.8 against 3.5.
 *
 *===--------------------------------------------------------------------===*/

#ifndef KILN_WINOGRAD_RULE_H
#define KILN_WINOGRAD_RULE_H

#include <stdint.h>

/* Points of a transformed 6 x 6 tile, and filters per panel of U. */
#define KG_WN_POINTS 36
#define KG_WN_PANEL 12
#define KG_WN_MIN_TILES 16
#define KG_WN_MANY_TILES 40
#define KG_WN_SMALL_WEIGHTS (256 * 256)

/* Whether Winograd pays for a stride-1, undilated 3x3 convolution of C
 * channels and F filters with OH x OW output pixels per image. */
static inline int kiln_winograd_pays(int64_t OH, int64_t OW, int64_t C,
                                     int64_t F) {
  const int64_t tiles = (OH + 3) / 4 * ((OW + 3) / 4);
  return tiles >= KG_WN_MANY_TILES ||
         (tiles >= KG_WN_MIN_TILES && C * F <= KG_WN_SMALL_WEIGHTS);
}

#endif
