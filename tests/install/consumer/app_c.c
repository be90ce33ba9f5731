/* Runs the SHARED model affine_shared (y = x * w + b, x: float[batch, 4])
 * through its generated C entry and prints y, one row per line. */
#include "affine_shared.h"

#include <stdio.h>

int main(void) {
  kiln_session *session = NULL;
  kiln_status *status = affine_shared_open(NULL, &session);
  if (status) {
    fprintf(stderr, "open: %s\n", kiln_status_message(status));
    return 1;
  }
  /* The signature's constants. */
  int64_t dims[] = AFFINE_SHARED_INPUT_0_DIMS;
  if (AFFINE_SHARED_NUM_INPUTS != 1 || AFFINE_SHARED_INPUT_0_RANK != 2 ||
      AFFINE_SHARED_INPUT_0_ELEM_TYPE != KILN_ELEM_FLOAT || dims[0] != -1 ||
      dims[1] != 4) {
    fprintf(stderr, "unexpected signature constants\n");
    return 1;
  }
  float x[3][4];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      x[i][j] = (float)(i * 4 + j) - 5.0f;
  int64_t shape[2] = {3, 4};
  kiln_value *y = NULL;
  status = affine_shared_run(session, &x[0][0], shape, &y);
  if (status) {
    fprintf(stderr, "run: %s\n", kiln_status_message(status));
    return 1;
  }
  const int64_t *yshape = kiln_value_shape(y);
  const float *data = (const float *)kiln_value_data(y);
  for (int64_t i = 0; i < yshape[0]; ++i) {
    for (int64_t j = 0; j < yshape[1]; ++j)
      printf("%s%.9g", j ? " " : "", data[i * yshape[1] + j]);
    printf("\n");
  }
  kiln_value_release(y);

  /* A wrong shape is the runtime's INVALID_ARGUMENT, not a crash. */
  int64_t bad[2] = {3, 5};
  status = affine_shared_run(session, &x[0][0], bad, &y);
  if (kiln_status_code(status) != KILN_INVALID_ARGUMENT) {
    fprintf(stderr, "expected INVALID_ARGUMENT for a [3, 5] input\n");
    return 1;
  }
  fprintf(stderr, "rejected as expected: %s\n", kiln_status_message(status));
  kiln_status_release(status);
  kiln_session_release(session);
  return 0;
}
