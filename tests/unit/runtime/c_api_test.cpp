//===- c_api_test.cpp - Status, values, options and session metadata -----===//

#include "test_support.h"

#include <cstring>

using namespace kiln_test;

TEST(StatusTest, NullStatusMeansSuccess) {
  EXPECT_EQ(kiln_status_code(nullptr), KILN_OK);
  EXPECT_STREQ(kiln_status_message(nullptr), "");
  kiln_status_release(nullptr);
}

TEST(StatusTest, CreateCarriesCodeAndMessage) {
  kiln_status *s = kiln_status_create(KILN_INVALID_GRAPH, "bad graph");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(kiln_status_code(s), KILN_INVALID_GRAPH);
  EXPECT_STREQ(kiln_status_message(s), "bad graph");
  kiln_status_release(s);
}

TEST(StatusTest, CodeNamesMatchOnnxRuntime) {
  const char *expected[] = {"OK",
                            "FAIL",
                            "INVALID_ARGUMENT",
                            "NO_SUCHFILE",
                            "NO_MODEL",
                            "ENGINE_ERROR",
                            "RUNTIME_EXCEPTION",
                            "INVALID_PROTOBUF",
                            "MODEL_LOADED",
                            "NOT_IMPLEMENTED",
                            "INVALID_GRAPH",
                            "EP_FAIL"};
  for (int code = 0; code <= 11; ++code)
    EXPECT_STREQ(kiln_error_code_name(static_cast<kiln_error_code>(code)),
                 expected[code]);
  EXPECT_STREQ(kiln_error_code_name(static_cast<kiln_error_code>(42)),
               "UNKNOWN");
}

TEST(LibraryTest, VersionsAndElementTypes) {
  EXPECT_EQ(kiln_runtime_abi_version(), KILN_ABI_VERSION);
  EXPECT_GT(std::strlen(kiln_runtime_version()), 0u);
  struct {
    int32_t type;
    const char *name;
    size_t size;
  } cases[] = {
      {KILN_ELEM_FLOAT, "float", 4},   {KILN_ELEM_UINT8, "uint8", 1},
      {KILN_ELEM_INT8, "int8", 1},     {KILN_ELEM_UINT16, "uint16", 2},
      {KILN_ELEM_INT16, "int16", 2},   {KILN_ELEM_INT32, "int32", 4},
      {KILN_ELEM_INT64, "int64", 8},   {KILN_ELEM_STRING, "string", 8},
      {KILN_ELEM_BOOL, "bool", 1},     {KILN_ELEM_FLOAT16, "float16", 2},
      {KILN_ELEM_DOUBLE, "double", 8}, {KILN_ELEM_UINT32, "uint32", 4},
      {KILN_ELEM_UINT64, "uint64", 8}, {KILN_ELEM_BFLOAT16, "bfloat16", 2}};
  for (const auto &c : cases) {
    EXPECT_STREQ(kiln_elem_type_name(c.type), c.name);
    EXPECT_EQ(kiln_elem_type_size(c.type), c.size) << c.name;
  }
  EXPECT_EQ(kiln_elem_type_name(14), nullptr);
  EXPECT_EQ(kiln_elem_type_size(0), 0u);
}

TEST(ValueTest, OwningTensorIsZeroedAndAligned) {
  int64_t shape[] = {2, 3};
  kiln_value *v = nullptr;
  ASSERT_EQ(describe(kiln_value_create_tensor(KILN_ELEM_INT16, shape, 2, &v)),
            "");
  EXPECT_EQ(kiln_value_elem_type(v), KILN_ELEM_INT16);
  EXPECT_EQ(shapeOf(v), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(kiln_value_element_count(v), 6);
  EXPECT_EQ(kiln_value_byte_size(v), 12u);
  EXPECT_EQ(kiln_value_is_owning(v), 1);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(kiln_value_data(v)) % 64, 0u);
  EXPECT_EQ(valuesOf<int16_t>(v), std::vector<int16_t>(6, 0));
  kiln_value_release(v);
}

TEST(ValueTest, ScalarAndEmptyTensors) {
  kiln_value *scalar = nullptr;
  ASSERT_EQ(
      describe(kiln_value_create_tensor(KILN_ELEM_DOUBLE, nullptr, 0, &scalar)),
      "");
  EXPECT_EQ(kiln_value_rank(scalar), 0u);
  EXPECT_EQ(kiln_value_shape(scalar), nullptr);
  EXPECT_EQ(kiln_value_element_count(scalar), 1);
  EXPECT_EQ(kiln_value_byte_size(scalar), 8u);
  kiln_value_release(scalar);

  int64_t shape[] = {4, 0};
  kiln_value *empty = nullptr;
  ASSERT_EQ(
      describe(kiln_value_create_tensor(KILN_ELEM_FLOAT, shape, 2, &empty)),
      "");
  EXPECT_EQ(kiln_value_element_count(empty), 0);
  EXPECT_EQ(kiln_value_byte_size(empty), 0u);
  EXPECT_NE(kiln_value_data(empty), nullptr);
  kiln_value_release(empty);
}

TEST(ValueTest, WrappingDoesNotCopy) {
  float data[6] = {1, 2, 3, 4, 5, 6};
  int64_t shape[] = {3, 2};
  kiln_value *v = nullptr;
  ASSERT_EQ(describe(kiln_value_create_tensor_with_data(
                KILN_ELEM_FLOAT, data, sizeof(data), shape, 2, &v)),
            "");
  EXPECT_EQ(kiln_value_data(v), data);
  EXPECT_EQ(kiln_value_is_owning(v), 0);
  data[0] = 42;
  EXPECT_EQ(static_cast<float *>(kiln_value_data(v))[0], 42);
  kiln_value_release(v);
}

TEST(ValueTest, InvalidCreationsAreReported) {
  float data[4] = {};
  int64_t shape[] = {2, 3};
  kiln_value *v = nullptr;
  EXPECT_EQ(describe(kiln_value_create_tensor_with_data(
                KILN_ELEM_FLOAT, data, sizeof(data), shape, 2, &v)),
            "INVALID_ARGUMENT: not enough space: expected 24, got 16");
  int64_t negative[] = {2, -1};
  EXPECT_EQ(
      describe(kiln_value_create_tensor(KILN_ELEM_FLOAT, negative, 2, &v)),
      "INVALID_ARGUMENT: Tried creating tensor with negative value in "
      "shape");
  EXPECT_EQ(describe(kiln_value_create_tensor(99, shape, 2, &v)),
            "INVALID_ARGUMENT: unknown tensor element type 99");
  int64_t huge[] = {int64_t{1} << 40, int64_t{1} << 40};
  EXPECT_EQ(describe(kiln_value_create_tensor(KILN_ELEM_FLOAT, huge, 2, &v)),
            "INVALID_ARGUMENT: tensor shape is too large");
  EXPECT_EQ(describe(kiln_value_create_tensor_with_data(
                KILN_ELEM_FLOAT, nullptr, 24, shape, 2, &v)),
            "INVALID_ARGUMENT: data is NULL for a non-empty tensor");
  EXPECT_EQ(v, nullptr);
  EXPECT_NE(
      describe(kiln_value_create_tensor(KILN_ELEM_FLOAT, shape, 2, nullptr)),
      "");
}

TEST(ValueTest, AccessorsTolerateNull) {
  EXPECT_EQ(kiln_value_elem_type(nullptr), 0);
  EXPECT_EQ(kiln_value_rank(nullptr), 0u);
  EXPECT_EQ(kiln_value_data(nullptr), nullptr);
  kiln_value_release(nullptr);
}

TEST(SessionOptionsTest, ThreadsAndConfigEntries) {
  kiln_session_options *options = nullptr;
  ASSERT_EQ(describe(kiln_session_options_create(&options)), "");
  EXPECT_EQ(describe(kiln_session_options_set_intra_op_num_threads(options, 4)),
            "");
  EXPECT_EQ(describe(kiln_session_options_set_inter_op_num_threads(options, 1)),
            "");
  EXPECT_EQ(
      describe(kiln_session_options_set_intra_op_num_threads(options, -1)),
      "INVALID_ARGUMENT: intra_op_num_threads must be >= 0, got -1");
  const char *value = "unset";
  EXPECT_EQ(
      describe(kiln_session_options_get_config_entry(options, "k", &value)),
      "");
  EXPECT_EQ(value, nullptr);
  EXPECT_EQ(describe(kiln_session_options_add_config_entry(options, "k", "v")),
            "");
  EXPECT_EQ(
      describe(kiln_session_options_get_config_entry(options, "k", &value)),
      "");
  EXPECT_STREQ(value, "v");
  kiln_session_options_release(options);
}

TEST(SessionInfoTest, InputsOutputsAndMetadata) {
  SessionHolder h(KILN_FAKE_ADD);
  ASSERT_NE(h.session, nullptr);
  size_t count = 0;
  ASSERT_EQ(describe(kiln_session_get_input_count(h.session, &count)), "");
  EXPECT_EQ(count, 2u);
  ASSERT_EQ(describe(kiln_session_get_output_count(h.session, &count)), "");
  EXPECT_EQ(count, 1u);

  const char *name = nullptr;
  int32_t type = 0;
  size_t rank = 0;
  const int64_t *dims = nullptr;
  const char *const *params = nullptr;
  ASSERT_EQ(describe(kiln_session_get_input_name(h.session, 1, &name)), "");
  EXPECT_STREQ(name, "y");
  ASSERT_EQ(describe(kiln_session_get_input_elem_type(h.session, 0, &type)),
            "");
  EXPECT_EQ(type, KILN_ELEM_FLOAT);
  ASSERT_EQ(describe(kiln_session_get_input_rank(h.session, 0, &rank)), "");
  EXPECT_EQ(rank, 2u);
  ASSERT_EQ(describe(kiln_session_get_input_dims(h.session, 0, &dims)), "");
  EXPECT_EQ(dims[0], -1);
  EXPECT_EQ(dims[1], 3);
  ASSERT_EQ(describe(kiln_session_get_input_dim_params(h.session, 0, &params)),
            "");
  EXPECT_STREQ(params[0], "batch");
  EXPECT_STREQ(params[1], "");
  ASSERT_EQ(describe(kiln_session_get_output_name(h.session, 0, &name)), "");
  EXPECT_STREQ(name, "z");
  ASSERT_EQ(describe(kiln_session_get_output_dim_params(h.session, 0, &params)),
            "");
  EXPECT_STREQ(params[0], "batch");

  EXPECT_EQ(describe(kiln_session_get_input_name(h.session, 2, &name)),
            "INVALID_ARGUMENT: input index 2 is out of range (the model has 2 "
            "inputs)");
  EXPECT_EQ(describe(kiln_session_get_output_rank(h.session, 1, &rank)),
            "INVALID_ARGUMENT: output index 1 is out of range (the model has 1 "
            "outputs)");

  ASSERT_EQ(describe(kiln_session_get_metadata_count(h.session, &count)), "");
  EXPECT_EQ(count, 3u);
  const char *key = nullptr, *value = nullptr;
  ASSERT_EQ(
      describe(kiln_session_get_metadata_entry(h.session, 1, &key, &value)),
      "");
  EXPECT_STREQ(key, "graph_name");
  EXPECT_STREQ(value, "add");
  ASSERT_EQ(describe(kiln_session_lookup_metadata(h.session, "custom", &value)),
            "");
  EXPECT_STREQ(value, "value");
  ASSERT_EQ(describe(kiln_session_lookup_metadata(h.session, "nope", &value)),
            "");
  EXPECT_EQ(value, nullptr);
  ASSERT_EQ(describe(kiln_session_get_compiler_version(h.session, &value)), "");
  EXPECT_STREQ(value, "fake-compiler 1.0");
  uint32_t provider = 99;
  ASSERT_EQ(describe(kiln_session_get_provider(h.session, &provider)), "");
  EXPECT_EQ(provider, static_cast<uint32_t>(KILN_PROVIDER_CPU));
}

TEST(SessionInfoTest, RankZeroAndMissingDimParams) {
  SessionHolder h(KILN_FAKE_VIEWS);
  size_t rank = 7;
  ASSERT_EQ(describe(kiln_session_get_output_rank(h.session, 0, &rank)), "");
  EXPECT_EQ(rank, 0u);
  size_t count = 7;
  ASSERT_EQ(describe(kiln_session_get_metadata_count(h.session, &count)), "");
  EXPECT_EQ(count, 0u);
  const char *version = nullptr;
  ASSERT_EQ(describe(kiln_session_get_compiler_version(h.session, &version)),
            "");
  EXPECT_STREQ(version, "");

  SessionHolder dims(KILN_FAKE_DIMS);
  const char *const *params = nullptr;
  ASSERT_EQ(
      describe(kiln_session_get_output_dim_params(dims.session, 0, &params)),
      "");
  EXPECT_NE(params, nullptr);
}
