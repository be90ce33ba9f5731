/*===- kiln_internal.h - Runtime introspection for tests and tools -------===*
 *
 * Not part of the stable C API: exported so the runtime's own tests can check
 * allocator behaviour. May change without notice.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_RUNTIME_KILN_INTERNAL_H
#define KILN_RUNTIME_KILN_INTERNAL_H

#include "kiln/kiln.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kiln_arena_stats {
  uint64_t reserved_bytes;     /* held from the system */
  uint64_t block_count;        /* blocks held from the system */
  uint64_t live_bytes;         /* handed out and not freed (0 between runs) */
  uint64_t peak_live_bytes;    /* sum over arenas of each arena's peak */
  uint64_t system_allocations; /* blocks ever obtained from the system */
  uint64_t system_frees;       /* blocks ever returned to the system */
  uint64_t allocations;        /* hooks->alloc calls served */
  uint64_t arena_count;        /* arenas in the session (peak concurrency) */
  uint64_t busy_arenas;        /* arenas in use now, not included above */
} kiln_arena_stats;

/* Sums the stats of the session's idle arenas. */
KILN_API kiln_status *
kiln_internal_session_arena_stats(const kiln_session *session,
                                  kiln_arena_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_KILN_INTERNAL_H */
