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
  uint64_t handed_over;        /* blocks given to callers as outputs */
  uint64_t recycled;           /* new blocks that were released outputs */
} kiln_arena_stats;

/* Sums the stats of the session's idle arenas. */
KILN_API kiln_status *
kiln_internal_session_arena_stats(const kiln_session *session,
                                  kiln_arena_stats *out);

typedef struct kiln_thread_stats {
  uint64_t pool_threads;     /* threads of the pool, the caller included */
  uint64_t parallel_loops;   /* parallel_for calls spread over the pool */
  uint64_t inline_loops;     /* parallel_for calls run on the caller only */
  uint64_t chunks;           /* chunks run, on any thread */
  uint64_t worker_chunks;    /* chunks run by the pool's workers */
  uint64_t max_participants; /* most threads that ran chunks of one loop */
} kiln_thread_stats;

/* Counters of the session's thread pool since the session was created. */
KILN_API kiln_status *
kiln_internal_session_thread_stats(const kiln_session *session,
                                   kiln_thread_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_KILN_INTERNAL_H */
