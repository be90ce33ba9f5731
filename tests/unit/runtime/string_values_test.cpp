//===- string_values_test.cpp - String tensors through the C API ----------===//
//
// fake_strings upper-cases its string input into strings it allocates from
// the run's arena, as compiled models do: the outputs must survive the end
// of the run (and later runs reusing the arena), and own their strings.

#include "test_support.h"

#include <string>

using namespace kiln_test;

namespace {

std::vector<std::string> stringsOf(const kiln_value *v) {
  std::vector<std::string> out;
  for (const char *s : valuesOf<const char *>(v))
    out.emplace_back(s);
  return out;
}

/// Runs fake_strings on `words`; returns the output value (owned by caller).
kiln_value *runUpper(kiln_session *session, std::vector<const char *> words,
                     std::string *error = nullptr,
                     kiln_value *preallocated = nullptr) {
  int64_t n = static_cast<int64_t>(words.size());
  Wrapped<const char *> s(KILN_ELEM_STRING, std::move(words), {n});
  const char *names[] = {"s"};
  const kiln_value *values[] = {s.value};
  const char *outputs[] = {"u"};
  kiln_value *result = preallocated;
  std::string status = describe(
      kiln_session_run(session, names, values, 1, outputs, 1, &result));
  if (error)
    *error = status;
  else
    EXPECT_EQ(status, "");
  return result;
}

TEST(StringValues, ElementsArePointers) {
  EXPECT_EQ(kiln_elem_type_size(KILN_ELEM_STRING), sizeof(const char *));
  EXPECT_STREQ(kiln_elem_type_name(KILN_ELEM_STRING), "string");
}

TEST(StringValues, SignatureSaysString) {
  SessionHolder strings(KILN_FAKE_STRINGS);
  int32_t type = 0;
  ASSERT_EQ(
      describe(kiln_session_get_input_elem_type(strings.session, 0, &type)),
      "");
  EXPECT_EQ(type, KILN_ELEM_STRING);
}

TEST(StringValues, OutputsOwnTheirStrings) {
  SessionHolder strings(KILN_FAKE_STRINGS);
  kiln_value *first = runUpper(strings.session, {"monday", "Tuesday", ""});
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(kiln_value_elem_type(first), KILN_ELEM_STRING);
  EXPECT_EQ(shapeOf(first), (std::vector<int64_t>{3}));
  EXPECT_EQ(kiln_value_byte_size(first), 3 * sizeof(const char *));
  // A second run reuses the arena blocks the first run's strings were in.
  kiln_value *second = runUpper(strings.session, {"xxxxxx", "yyyyyyy", "z"});
  EXPECT_EQ(stringsOf(first),
            (std::vector<std::string>{"MONDAY", "TUESDAY", ""}));
  EXPECT_EQ(stringsOf(second),
            (std::vector<std::string>{"XXXXXX", "YYYYYYY", "Z"}));
  kiln_value_release(first);
  kiln_value_release(second);
}

TEST(StringValues, EmptyTensor) {
  SessionHolder strings(KILN_FAKE_STRINGS);
  kiln_value *out = runUpper(strings.session, {});
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(kiln_value_element_count(out), 0);
  kiln_value_release(out);
}

TEST(StringValues, NullElementIsRejected) {
  SessionHolder strings(KILN_FAKE_STRINGS);
  std::string error;
  kiln_value *out = runUpper(strings.session, {"a", nullptr}, &error);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(error,
            "INVALID_ARGUMENT: string input s has a NULL element at index 1");
}

TEST(StringValues, PreallocatedOutputIsRejected) {
  SessionHolder strings(KILN_FAKE_STRINGS);
  int64_t shape[] = {1};
  kiln_value *mine = nullptr;
  ASSERT_EQ(
      describe(kiln_value_create_tensor(KILN_ELEM_STRING, shape, 1, &mine)),
      "");
  std::string error;
  kiln_value *out = runUpper(strings.session, {"a"}, &error, mine);
  EXPECT_EQ(out, mine);
  EXPECT_EQ(error, "NOT_IMPLEMENTED: string outputs must be allocated by the "
                   "runtime (pass NULL)");
  kiln_value_release(mine);
}

} // namespace
