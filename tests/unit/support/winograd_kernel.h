/* The SSE build of the Winograd 3x3 kernel (kiln_swino_impl.h), as the
 * support tests call it: it runs on every x86-64 CPU, and the way it cuts
 * its work is the same in every build. */
#ifndef KILN_TESTS_WINOGRAD_KERNEL_H
#define KILN_TESTS_WINOGRAD_KERNEL_H

#include <stdint.h>

void kiln_swino3x3_sse(int64_t N, int64_t F, int64_t C, int64_t H, int64_t W,
                       int64_t OH, int64_t OW, int64_t padT, int64_t padL,
                       intptr_t x, int64_t sxn, int64_t sxc, int64_t sxh,
                       int64_t sxw, intptr_t u, intptr_t wf, int64_t swf,
                       int64_t swk, intptr_t b, int64_t sb, intptr_t y,
                       int64_t syn, int64_t syf, int64_t syh, int64_t syw,
                       int64_t act, int64_t alpha, int64_t beta,
                       intptr_t res);

#endif
