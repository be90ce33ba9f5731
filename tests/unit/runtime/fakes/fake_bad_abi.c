/* An artifact from a future compiler: only abi_version may be trusted. */
#include "fake_memref.h"

KILN_EXPORT const kiln_artifact_t kiln_artifact = {
    999u, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL};
