/* Compiles the ONNX model given as argv[1] at run time through
 * libkilncompiler (Kiln::compiler), loads the artifact with libkilnrt and
 * runs it on x = [[-5 .. -2], [-1 .. 2], [3 .. 6]] (the affine model:
 * float[batch, 4]), printing y one row per line. A bad option and a
 * missing model must be errors with ONNX Runtime's codes. */
#include <kiln/kiln.h>
#include <kiln/kiln_compiler.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: app_compile model.onnx out.so\n");
    return 2;
  }
  kiln_compile_options options;
  memset(&options, 0, sizeof options);
  options.struct_size = sizeof options;
  options.opt_level = 2;
  options.mcpu = "x86-64-v2";
  const char *dims[] = {"batch=3"};
  options.dims = dims;
  options.dim_count = 1;
  char *error = NULL;
  int code = kiln_compile_model(argv[1], &options, argv[2], &error);
  if (code) {
    fprintf(stderr, "compile (%d): %s\n", code, error);
    kiln_compiler_free(error);
    return 1;
  }
  fprintf(stderr, "compiled by %s\n", kiln_compiler_version());

  const char *bad[] = {"batch=x"};
  options.dims = bad;
  if (kiln_compile_model(argv[1], &options, argv[2], &error) !=
          KILN_INVALID_ARGUMENT ||
      !error) {
    fprintf(stderr, "expected INVALID_ARGUMENT for dim batch=x\n");
    return 1;
  }
  fprintf(stderr, "refused as expected: %s\n", error);
  kiln_compiler_free(error);
  if (kiln_compile_model("no-such-model.onnx", NULL, argv[2], &error) !=
      KILN_NO_SUCHFILE) {
    fprintf(stderr, "expected NO_SUCHFILE for a missing model\n");
    return 1;
  }
  kiln_compiler_free(error);

  kiln_session *session = NULL;
  kiln_status *status = kiln_session_create(argv[2], NULL, &session);
  if (status) {
    fprintf(stderr, "open: %s\n", kiln_status_message(status));
    return 1;
  }
  const char *input, *output;
  kiln_session_get_input_name(session, 0, &input);
  kiln_session_get_output_name(session, 0, &output);
  float x[3][4];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      x[i][j] = (float)(i * 4 + j) - 5.0f;
  int64_t shape[2] = {3, 4};
  kiln_value *in = NULL, *y = NULL;
  status = kiln_value_create_tensor_with_data(KILN_ELEM_FLOAT, x, sizeof x,
                                              shape, 2, &in);
  if (!status)
    status = kiln_session_run(session, &input,
                              (const kiln_value *const *)&in, 1, &output, 1,
                              &y);
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
  kiln_value_release(in);
  kiln_session_release(session);
  return 0;
}
