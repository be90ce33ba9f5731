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

TEST(StringValues, FilledTensorFeedsARun) {
  int64_t n = 3;
  kiln_value *s = nullptr;
  ASSERT_EQ(describe(kiln_value_create_tensor(KILN_ELEM_STRING, &n, 1, &s)),
            "");
  {
    // The caller's strings may go away: the value holds copies.
    std::vector<std::string> words = {"ab", "", "c d"};
    std::vector<const char *> pointers;
    for (const std::string &w : words)
      pointers.push_back(w.c_str());
    ASSERT_EQ(describe(kiln_value_fill_string_tensor(s, pointers.data(), 3)),
              "");
  }
  ASSERT_EQ(describe(kiln_value_fill_string_tensor_element(s, "xyz", 1)), "");
  EXPECT_EQ(stringsOf(s), (std::vector<std::string>{"ab", "xyz", "c d"}));
  SessionHolder holder(KILN_FAKE_STRINGS);
  const char *names[] = {"s"};
  const kiln_value *values[] = {s};
  const char *outputs[] = {"u"};
  kiln_value *u = nullptr;
  ASSERT_EQ(describe(kiln_session_run(holder.session, names, values, 1, outputs,
                                      1, &u)),
            "");
  EXPECT_EQ(stringsOf(u), (std::vector<std::string>{"AB", "XYZ", "C D"}));
  // A string output can be refilled too.
  ASSERT_EQ(describe(kiln_value_fill_string_tensor_element(u, "q", 0)), "");
  EXPECT_EQ(stringsOf(u), (std::vector<std::string>{"q", "XYZ", "C D"}));
  kiln_value_release(u);
  kiln_value_release(s);
}

TEST(StringValues, FillErrors) {
  int64_t n = 2;
  kiln_value *s = nullptr;
  ASSERT_EQ(describe(kiln_value_create_tensor(KILN_ELEM_STRING, &n, 1, &s)),
            "");
  const char *one[] = {"a"};
  EXPECT_EQ(describe(kiln_value_fill_string_tensor(s, one, 1)),
            "INVALID_ARGUMENT: input array doesn't equal tensor size: 1 "
            "strings for 2 elements");
  const char *withNull[] = {"a", nullptr};
  EXPECT_EQ(describe(kiln_value_fill_string_tensor(s, withNull, 2)),
            "INVALID_ARGUMENT: string 1 is NULL");
  EXPECT_EQ(describe(kiln_value_fill_string_tensor_element(s, "a", 2)),
            "INVALID_ARGUMENT: element index 2 is out of range (the tensor "
            "has 2 elements)");
  // Unfilled elements read as "" once another one is set.
  ASSERT_EQ(describe(kiln_value_fill_string_tensor_element(s, "b", 1)), "");
  EXPECT_EQ(stringsOf(s), (std::vector<std::string>{"", "b"}));
  kiln_value *floats = nullptr;
  ASSERT_EQ(describe(kiln_value_create_tensor(KILN_ELEM_FLOAT, &n, 1, &floats)),
            "");
  EXPECT_EQ(describe(kiln_value_fill_string_tensor(floats, withNull, 2)),
            "INVALID_ARGUMENT: the value is not a string tensor");
  const char *wrapped[] = {"x", "y"};
  kiln_value *view = nullptr;
  ASSERT_EQ(describe(kiln_value_create_tensor_with_data(
                KILN_ELEM_STRING, wrapped, sizeof(wrapped), &n, 1, &view)),
            "");
  EXPECT_EQ(describe(kiln_value_fill_string_tensor_element(view, "z", 0)),
            "INVALID_ARGUMENT: the string tensor wraps caller memory; fill "
            "the caller's array instead");
  kiln_value_release(view);
  kiln_value_release(floats);
  kiln_value_release(s);
}
