//===- graph_values_test.cpp - Sequences, maps and optionals at the edges -===//
//
// The C API's non-tensor values (kiln_value_create_sequence/_map/_none and
// their accessors) and sessions whose inputs and outputs are graph values
// carried by several tensor slots (ABI 4), on the hand-written
// fakes/fake_values.c, plus the loader's checks of the value tables on
// descriptors made here.
//
//===----------------------------------------------------------------------===//

#include "test_support.h"

#include "kiln/kiln.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>

using namespace kiln_test;

namespace {

/// Releases a value on scope exit.
struct Held {
  explicit Held(kiln_value *v = nullptr) : value(v) {}
  ~Held() { kiln_value_release(value); }
  Held(const Held &) = delete;
  Held &operator=(const Held &) = delete;
  kiln_value *value;
};

kiln_onnx_type typeOf(const kiln_value *v) {
  kiln_onnx_type type = KILN_ONNX_TYPE_UNKNOWN;
  EXPECT_EQ(describe(kiln_value_get_value_type(v, &type)), "");
  return type;
}

size_t countOf(const kiln_value *v) {
  size_t n = 0;
  EXPECT_EQ(describe(kiln_value_get_count(v, &n)), "");
  return n;
}

kiln_value *elementOf(const kiln_value *v, size_t i) {
  kiln_value *e = nullptr;
  EXPECT_EQ(describe(kiln_value_get_element(v, i, &e)), "");
  return e;
}

kiln_value *owningFloats(std::vector<float> values) {
  int64_t n = static_cast<int64_t>(values.size());
  kiln_value *v = nullptr;
  EXPECT_EQ(describe(kiln_value_create_tensor(KILN_ELEM_FLOAT, &n, 1, &v)), "");
  std::memcpy(kiln_value_data(v), values.data(), values.size() * 4);
  return v;
}

TEST(GraphValuesTest, SequenceClonesOwningElementsAndKeepsViews) {
  Wrapped<float> viewed(KILN_ELEM_FLOAT, {1, 2}, {2});
  kiln_value *owned = owningFloats({3, 4, 5});
  const kiln_value *elems[] = {viewed.value, owned};
  Held seq;
  ASSERT_EQ(describe(kiln_value_create_sequence(elems, 2, &seq.value)), "");
  kiln_value_release(owned); // the sequence holds its own copy
  EXPECT_EQ(typeOf(seq.value), KILN_ONNX_TYPE_SEQUENCE);
  EXPECT_EQ(countOf(seq.value), 2u);
  int has = 0;
  EXPECT_EQ(describe(kiln_value_has_value(seq.value, &has)), "");
  EXPECT_EQ(has, 1);
  // Not a tensor: the tensor accessors give nothing, the checked one fails.
  EXPECT_EQ(kiln_value_data(seq.value), nullptr);
  int32_t elem;
  size_t rank;
  const int64_t *shape;
  EXPECT_EQ(
      describe(kiln_value_get_type_and_shape(seq.value, &elem, &rank, &shape)),
      "INVALID_ARGUMENT: Argument is not a tensor");

  Held first(elementOf(seq.value, 0));
  EXPECT_EQ(typeOf(first.value), KILN_ONNX_TYPE_TENSOR);
  // A view stays a view of the caller's memory.
  EXPECT_EQ(kiln_value_data(first.value), viewed.data.data());
  Held second(elementOf(seq.value, 1));
  EXPECT_EQ(valuesOf<float>(second.value), (std::vector<float>{3, 4, 5}));
  // An element outlives its sequence.
  kiln_value_release(seq.value);
  seq.value = nullptr;
  EXPECT_EQ(valuesOf<float>(second.value), (std::vector<float>{3, 4, 5}));
}

TEST(GraphValuesTest, SequenceErrors) {
  Wrapped<float> f(KILN_ELEM_FLOAT, {1}, {1});
  Wrapped<int64_t> i(KILN_ELEM_INT64, {1}, {1});
  const kiln_value *mixed[] = {f.value, i.value};
  kiln_value *out = nullptr;
  EXPECT_EQ(describe(kiln_value_create_sequence(mixed, 2, &out)),
            "INVALID_ARGUMENT: sequence element 1 is a tensor(int64) but "
            "element 0 is a tensor(float): a sequence's elements have one "
            "type");
  EXPECT_EQ(out, nullptr);
  const kiln_value *withNull[] = {f.value, nullptr};
  EXPECT_EQ(describe(kiln_value_create_sequence(withNull, 2, &out)),
            "INVALID_ARGUMENT: sequence element 1 is NULL");
  Held none;
  ASSERT_EQ(describe(kiln_value_create_none(&none.value)), "");
  const kiln_value *ofNone[] = {none.value};
  EXPECT_EQ(describe(kiln_value_create_sequence(ofNone, 1, &out)),
            "INVALID_ARGUMENT: sequence element 0 is None: a sequence holds "
            "tensors or maps");
  Held empty;
  EXPECT_EQ(describe(kiln_value_create_sequence(nullptr, 0, &empty.value)), "");
  EXPECT_EQ(countOf(empty.value), 0u);
  EXPECT_EQ(describe(kiln_value_get_element(empty.value, 0, &out)),
            "INVALID_ARGUMENT: index 0 is out of range (the sequence has 0 "
            "elements)");
  size_t n;
  EXPECT_EQ(describe(kiln_value_get_count(f.value, &n)),
            "INVALID_ARGUMENT: Input is not of type sequence or map: it is a "
            "tensor");
}

TEST(GraphValuesTest, MapAndNone) {
  Wrapped<int64_t> keys(KILN_ELEM_INT64, {7, 9}, {2});
  Wrapped<float> values(KILN_ELEM_FLOAT, {0.5f, 1.5f}, {2});
  Held map;
  ASSERT_EQ(
      describe(kiln_value_create_map(keys.value, values.value, &map.value)),
      "");
  EXPECT_EQ(typeOf(map.value), KILN_ONNX_TYPE_MAP);
  EXPECT_EQ(countOf(map.value), 2u);
  Held k(elementOf(map.value, 0)), v(elementOf(map.value, 1));
  EXPECT_EQ(valuesOf<int64_t>(k.value), (std::vector<int64_t>{7, 9}));
  EXPECT_EQ(valuesOf<float>(v.value), (std::vector<float>{0.5f, 1.5f}));

  Wrapped<float> three(KILN_ELEM_FLOAT, {1, 2, 3}, {3});
  kiln_value *out = nullptr;
  EXPECT_EQ(describe(kiln_value_create_map(keys.value, three.value, &out)),
            "INVALID_ARGUMENT: Key and value tensors have unequal number of "
            "elements.");
  EXPECT_EQ(describe(kiln_value_create_map(values.value, values.value, &out)),
            "INVALID_ARGUMENT: a map's keys are int64 or string, not "
            "tensor(float)");

  Held none;
  ASSERT_EQ(describe(kiln_value_create_none(&none.value)), "");
  EXPECT_EQ(typeOf(none.value), KILN_ONNX_TYPE_OPTIONAL);
  int has = 1;
  EXPECT_EQ(describe(kiln_value_has_value(none.value, &has)), "");
  EXPECT_EQ(has, 0);
}

TEST(GraphValuesTest, StringTensorsAreCopiedIntoASequence) {
  int64_t n = 2;
  kiln_value *s = nullptr;
  ASSERT_EQ(describe(kiln_value_create_tensor(KILN_ELEM_STRING, &n, 1, &s)),
            "");
  const char *texts[] = {"alpha", "beta"};
  ASSERT_EQ(describe(kiln_value_fill_string_tensor(s, texts, 2)), "");
  Held seq;
  ASSERT_EQ(describe(kiln_value_create_sequence(&s, 1, &seq.value)), "");
  kiln_value_release(s);
  Held e(elementOf(seq.value, 0));
  auto strings = static_cast<const char *const *>(kiln_value_data(e.value));
  EXPECT_STREQ(strings[0], "alpha");
  EXPECT_STREQ(strings[1], "beta");
}

//--- Sessions over fake_values ----------------------------------------------

struct ValuesSession : ::testing::Test {
  SessionHolder holder{KILN_FAKE_VALUES};
  kiln_session *session = holder.session;

  // Feeds: x [2], s = [s0 [2], s1 [3]], m = {10: 1, 20: 2, 30: 3}, o [2],
  // a = None.
  Wrapped<float> x{KILN_ELEM_FLOAT, {1, 2}, {2}};
  Wrapped<float> s0{KILN_ELEM_FLOAT, {5, 6}, {2}};
  Wrapped<float> s1{KILN_ELEM_FLOAT, {7, 8, 9}, {3}};
  Wrapped<int64_t> keys{KILN_ELEM_INT64, {10, 20, 30}, {3}};
  Wrapped<float> vals{KILN_ELEM_FLOAT, {1, 2, 3}, {3}};
  Wrapped<float> o{KILN_ELEM_FLOAT, {0.25f, 0.5f}, {2}};
  Held s, m, none;

  void SetUp() override {
    const kiln_value *elems[] = {s0.value, s1.value};
    ASSERT_EQ(describe(kiln_value_create_sequence(elems, 2, &s.value)), "");
    ASSERT_EQ(describe(kiln_value_create_map(keys.value, vals.value, &m.value)),
              "");
    ASSERT_EQ(describe(kiln_value_create_none(&none.value)), "");
  }

  std::string run(std::vector<const char *> names,
                  std::vector<const kiln_value *> feeds,
                  std::vector<const char *> outNames, OwnedValues &outs) {
    return describe(kiln_session_run(session, names.data(), feeds.data(),
                                     names.size(), outNames.data(),
                                     outNames.size(), outs.data()));
  }

  std::string runWith(const char *name, const kiln_value *value) {
    std::vector<const char *> names = {"x", "s", "m", "o", "a"};
    std::vector<const kiln_value *> feeds = {x.value, s.value, m.value, o.value,
                                             none.value};
    for (size_t i = 0; i < names.size(); ++i)
      if (std::strcmp(names[i], name) == 0)
        feeds[i] = value;
    OwnedValues outs(1);
    return run(names, feeds, {"y"}, outs);
  }
};

TEST_F(ValuesSession, SignatureCountsGraphValues) {
  size_t n = 0;
  ASSERT_EQ(describe(kiln_session_get_input_count(session, &n)), "");
  EXPECT_EQ(n, 5u);
  ASSERT_EQ(describe(kiln_session_get_output_count(session, &n)), "");
  EXPECT_EQ(n, 6u);
  const char *expectedIn[] = {"x", "s", "m", "o", "a"};
  const char *typesIn[] = {
      "tensor(float)", "seq(tensor(float))", "map(int64,tensor(float))",
      "optional(tensor(float))", "optional(tensor(float))"};
  kiln_onnx_type onnxIn[] = {KILN_ONNX_TYPE_TENSOR, KILN_ONNX_TYPE_SEQUENCE,
                             KILN_ONNX_TYPE_MAP, KILN_ONNX_TYPE_OPTIONAL,
                             KILN_ONNX_TYPE_OPTIONAL};
  size_t slotsIn[] = {1, 2, 2, 1, 0};
  for (size_t i = 0; i < 5; ++i) {
    const char *name = nullptr, *type = nullptr;
    uint32_t kind = 99, flags = 99;
    size_t slots = 99;
    kiln_onnx_type onnx = KILN_ONNX_TYPE_UNKNOWN;
    ASSERT_EQ(describe(kiln_session_get_input_name(session, i, &name)), "");
    EXPECT_STREQ(name, expectedIn[i]);
    ASSERT_EQ(describe(kiln_session_get_input_type_info(session, i, &type,
                                                        &kind, &flags, &slots)),
              "");
    EXPECT_STREQ(type, typesIn[i]);
    EXPECT_EQ(slots, slotsIn[i]);
    ASSERT_EQ(describe(kiln_session_get_input_onnx_type(session, i, &onnx)),
              "");
    EXPECT_EQ(onnx, onnxIn[i]);
    int32_t elem = 0;
    ASSERT_EQ(describe(kiln_session_get_input_elem_type(session, i, &elem)),
              "");
    EXPECT_EQ(elem, KILN_ELEM_FLOAT);
  }
  // Non-tensors have rank 0; a present optional tensor its tensor's shape.
  size_t rank = 9;
  const int64_t *dims = nullptr;
  ASSERT_EQ(describe(kiln_session_get_input_rank(session, 1, &rank)), "");
  EXPECT_EQ(rank, 0u);
  ASSERT_EQ(describe(kiln_session_get_input_dims(session, 1, &dims)), "");
  EXPECT_EQ(dims, nullptr);
  ASSERT_EQ(describe(kiln_session_get_input_rank(session, 3, &rank)), "");
  EXPECT_EQ(rank, 1u);
  uint32_t kind = 0, flags = 0;
  ASSERT_EQ(describe(kiln_session_get_output_type_info(session, 2, nullptr,
                                                       &kind, &flags, nullptr)),
            "");
  EXPECT_EQ(kind, uint32_t(KILN_VALUE_SEQUENCE_OF_MAPS));
  EXPECT_EQ(flags, 0u);
  ASSERT_EQ(describe(kiln_session_get_output_type_info(session, 5, nullptr,
                                                       &kind, &flags, nullptr)),
            "");
  EXPECT_EQ(flags, uint32_t(KILN_VALUE_FLAG_OPTIONAL | KILN_VALUE_FLAG_ABSENT));
  EXPECT_EQ(describe(kiln_session_get_output_type_info(
                session, 6, nullptr, nullptr, nullptr, nullptr)),
            "INVALID_ARGUMENT: output index 6 is out of range (the model has "
            "6 outputs)");
}

TEST_F(ValuesSession, RunAssemblesEveryKindOfOutput) {
  OwnedValues outs(6);
  ASSERT_EQ(run({"x", "s", "m", "o", "a"},
                {x.value, s.value, m.value, o.value, none.value},
                {"y", "seq", "zip", "mo", "oo", "none"}, outs),
            "");
  EXPECT_EQ(typeOf(outs[0]), KILN_ONNX_TYPE_TENSOR);
  EXPECT_EQ(valuesOf<float>(outs[0]), (std::vector<float>{1.75f, 2.75f}));

  ASSERT_EQ(typeOf(outs[1]), KILN_ONNX_TYPE_SEQUENCE);
  ASSERT_EQ(countOf(outs[1]), 2u);
  Held q0(elementOf(outs[1], 0)), q1(elementOf(outs[1], 1));
  EXPECT_EQ(valuesOf<float>(q0.value), (std::vector<float>{7, 8, 9}));
  EXPECT_EQ(valuesOf<float>(q1.value), (std::vector<float>{5, 6}));

  // ZipMap's shape: one map per row of x.
  ASSERT_EQ(typeOf(outs[2]), KILN_ONNX_TYPE_SEQUENCE);
  ASSERT_EQ(countOf(outs[2]), 2u);
  for (size_t i = 0; i < 2; ++i) {
    Held map(elementOf(outs[2], i));
    ASSERT_EQ(typeOf(map.value), KILN_ONNX_TYPE_MAP);
    Held k(elementOf(map.value, 0)), v(elementOf(map.value, 1));
    EXPECT_EQ(valuesOf<int64_t>(k.value), (std::vector<int64_t>{10, 20, 30}));
    float xi = x.data[i];
    EXPECT_EQ(valuesOf<float>(v.value),
              (std::vector<float>{xi * 1, xi * 2, xi * 3}));
  }

  ASSERT_EQ(typeOf(outs[3]), KILN_ONNX_TYPE_MAP);
  Held mk(elementOf(outs[3], 0)), mv(elementOf(outs[3], 1));
  EXPECT_EQ(valuesOf<int64_t>(mk.value), (std::vector<int64_t>{10, 20, 30}));
  EXPECT_EQ(valuesOf<float>(mv.value), (std::vector<float>{2, 3, 4}));

  EXPECT_EQ(typeOf(outs[4]), KILN_ONNX_TYPE_TENSOR);
  EXPECT_EQ(valuesOf<float>(outs[4]), (std::vector<float>{0.5f, 1}));

  EXPECT_EQ(typeOf(outs[5]), KILN_ONNX_TYPE_OPTIONAL);
  int has = 1;
  EXPECT_EQ(describe(kiln_value_has_value(outs[5], &has)), "");
  EXPECT_EQ(has, 0);
}

TEST_F(ValuesSession, MapsComeOutInKeyOrderAsOrtsStdMap) {
  Wrapped<int64_t> k{KILN_ELEM_INT64, {30, 10, 20}, {3}};
  Wrapped<float> v{KILN_ELEM_FLOAT, {3, 1, 2}, {3}};
  Held unsorted;
  ASSERT_EQ(describe(kiln_value_create_map(k.value, v.value, &unsorted.value)),
            "");
  OwnedValues outs(2);
  ASSERT_EQ(run({"x", "s", "m", "o", "a"},
                {x.value, s.value, unsorted.value, o.value, none.value},
                {"mo", "zip"}, outs),
            "");
  Held mk(elementOf(outs[0], 0)), mv(elementOf(outs[0], 1));
  EXPECT_EQ(valuesOf<int64_t>(mk.value), (std::vector<int64_t>{10, 20, 30}));
  EXPECT_EQ(valuesOf<float>(mv.value), (std::vector<float>{2, 3, 4}));
  Held row(elementOf(outs[1], 1));
  Held zk(elementOf(row.value, 0)), zv(elementOf(row.value, 1));
  EXPECT_EQ(valuesOf<int64_t>(zk.value), (std::vector<int64_t>{10, 20, 30}));
  EXPECT_EQ(valuesOf<float>(zv.value), (std::vector<float>{2, 4, 6}));
}

TEST_F(ValuesSession, BorrowedElementsNeedNoRelease) {
  OwnedValues outs(1);
  ASSERT_EQ(run({"x", "s", "m", "o", "a"},
                {x.value, s.value, m.value, o.value, none.value}, {"zip"},
                outs),
            "");
  const kiln_value *map = nullptr, *keys = nullptr, *values = nullptr;
  ASSERT_EQ(describe(kiln_value_borrow_element(outs[0], 1, &map)), "");
  EXPECT_EQ(typeOf(map), KILN_ONNX_TYPE_MAP);
  ASSERT_EQ(describe(kiln_value_borrow_element(map, 0, &keys)), "");
  ASSERT_EQ(describe(kiln_value_borrow_element(map, 1, &values)), "");
  EXPECT_EQ(valuesOf<int64_t>(keys), (std::vector<int64_t>{10, 20, 30}));
  EXPECT_EQ(valuesOf<float>(values), (std::vector<float>{2, 4, 6}));
  // The maps of a sequence of maps share their keys.
  const kiln_value *first = nullptr, *firstKeys = nullptr;
  ASSERT_EQ(describe(kiln_value_borrow_element(outs[0], 0, &first)), "");
  ASSERT_EQ(describe(kiln_value_borrow_element(first, 0, &firstKeys)), "");
  EXPECT_EQ(kiln_value_data(firstKeys), kiln_value_data(keys));
  EXPECT_EQ(describe(kiln_value_borrow_element(map, 2, &keys)),
            "INVALID_ARGUMENT: index 2 is out of range (the map has 2 "
            "elements)");
}

TEST_F(ValuesSession, OnlyAnAbsentOutputRequested) {
  OwnedValues outs(1);
  ASSERT_EQ(run({"x", "s", "m", "o", "a"},
                {x.value, s.value, m.value, o.value, none.value}, {"none"},
                outs),
            "");
  EXPECT_EQ(typeOf(outs[0]), KILN_ONNX_TYPE_OPTIONAL);
}

TEST_F(ValuesSession, SequenceOfTheWrongLength) {
  const kiln_value *three[] = {s0.value, s1.value, s0.value};
  Held longer;
  ASSERT_EQ(describe(kiln_value_create_sequence(three, 3, &longer.value)), "");
  EXPECT_EQ(runWith("s", longer.value),
            "INVALID_ARGUMENT: input 's' is a sequence of 3 tensors; the "
            "artifact was compiled for 2 (kiln-compile --sequence-length "
            "s=3)");
}

TEST_F(ValuesSession, WrongKindsAreNamed) {
  EXPECT_EQ(runWith("s", x.value),
            "INVALID_ARGUMENT: input 's' (seq(tensor(float))) takes a "
            "sequence of tensors, not a tensor");
  EXPECT_EQ(runWith("m", s.value),
            "INVALID_ARGUMENT: input 'm' (map(int64,tensor(float))) takes a "
            "map, not a sequence");
  EXPECT_EQ(runWith("x", m.value),
            "INVALID_ARGUMENT: input 'x' (tensor(float)) takes a tensor, not "
            "a map");
  // A sequence element of the wrong type is reported on its slot.
  Wrapped<int64_t> ints(KILN_ELEM_INT64, {1, 2}, {2});
  const kiln_value *elems[] = {ints.value, ints.value};
  Held intSeq;
  ASSERT_EQ(describe(kiln_value_create_sequence(elems, 2, &intSeq.value)), "");
  EXPECT_EQ(runWith("s", intSeq.value),
            "INVALID_ARGUMENT: Unexpected input data type. Actual: "
            "(tensor(int64)) , expected: (tensor(float))");
}

TEST_F(ValuesSession, NoneAndOptionals) {
  EXPECT_EQ(runWith("x", none.value),
            "INVALID_ARGUMENT: input 'x' (tensor(float)) is not optional: it "
            "cannot be fed None");
  EXPECT_EQ(runWith("o", none.value),
            "INVALID_ARGUMENT: input 'o' (optional(tensor(float))) was "
            "compiled with a value, so it cannot be fed None: compile the "
            "model for None (kiln-compile --optional-absent o)");
  EXPECT_EQ(runWith("a", x.value),
            "INVALID_ARGUMENT: input 'a' (optional(tensor(float))) was "
            "compiled for None (kiln-compile --optional-absent a), so it must "
            "be fed None; compile the model without --optional-absent a to "
            "feed it a tensor");
}

TEST_F(ValuesSession, MissingAndUnknownNames) {
  OwnedValues outs(1);
  EXPECT_EQ(run({"x", "s"}, {x.value, s.value}, {"y"}, outs),
            "INVALID_ARGUMENT: Required inputs (['m', 'o', 'a']) are missing "
            "from input feed (['x', 's']).");
  // Slot names are not graph inputs.
  EXPECT_EQ(run({"x", "s[0]", "m", "o", "a"},
                {x.value, s0.value, m.value, o.value, none.value}, {"y"}, outs),
            "INVALID_ARGUMENT: Required inputs (['s']) are missing from input "
            "feed (['x', 's[0]', 'm', 'o', 'a']).");
  EXPECT_EQ(run({"x", "s", "m", "o", "a"},
                {x.value, s.value, m.value, o.value, none.value}, {"seq[0]"},
                outs),
            "INVALID_ARGUMENT: Invalid output name:seq[0]");
}

TEST_F(ValuesSession, OnlyTensorOutputsArePreallocated) {
  OwnedValues outs(2);
  kiln_value *y = owningFloats({0, 0});
  outs.values[0] = y;
  ASSERT_EQ(run({"x", "s", "m", "o", "a"},
                {x.value, s.value, m.value, o.value, none.value}, {"y", "seq"},
                outs),
            "");
  EXPECT_EQ(outs[0], y);
  EXPECT_EQ(valuesOf<float>(y), (std::vector<float>{1.75f, 2.75f}));
  EXPECT_EQ(typeOf(outs[1]), KILN_ONNX_TYPE_SEQUENCE);

  OwnedValues bad(1);
  bad.values[0] = owningFloats({0, 0});
  EXPECT_EQ(run({"x", "s", "m", "o", "a"},
                {x.value, s.value, m.value, o.value, none.value}, {"seq"}, bad),
            "INVALID_ARGUMENT: output 'seq' is a seq(tensor(float)): only "
            "tensor outputs can be preallocated (pass NULL)");
}

TEST_F(ValuesSession, ViewedElementsOutliveTheirOutput) {
  OwnedValues outs(1);
  ASSERT_EQ(run({"x", "s", "m", "o", "a"},
                {x.value, s.value, m.value, o.value, none.value}, {"zip"},
                outs),
            "");
  kiln_value *map = elementOf(outs[0], 1);
  kiln_value_release(outs.values[0]);
  outs.values[0] = nullptr;
  Held v(elementOf(map, 1));
  kiln_value_release(map);
  EXPECT_EQ(valuesOf<float>(v.value), (std::vector<float>{2, 4, 6}));
}

TEST(GraphValuesCppTest, NodeArgsCarryTheTypeString) {
  // What kiln-run --info prints.
  kiln::InferenceSession session(KILN_FAKE_VALUES);
  EXPECT_EQ(session.inputs()[1].toString(),
            "NodeArg(name='s', type='seq(tensor(float))', shape=[])");
  EXPECT_EQ(session.outputs()[2].toString(),
            "NodeArg(name='zip', type='seq(map(int64,tensor(float)))', "
            "shape=[])");
  EXPECT_EQ(session.inputs()[0].toString(),
            "NodeArg(name='x', type='tensor(float)', shape=['n'])");
}

TEST(GraphValuesCppTest, TypeInfoOfValues) {
  kiln::Session session(kiln::Env(), KILN_FAKE_VALUES, kiln::SessionOptions());
  kiln::TypeInfo map = session.GetInputTypeInfo(2);
  EXPECT_EQ(map.GetONNXType(), kiln::ONNXType::Map);
  EXPECT_EQ(map.GetMapTypeInfo().GetMapKeyType(), kiln::ElementType::Int64);
  EXPECT_EQ(map.GetMapTypeInfo()
                .GetMapValueType()
                .GetTensorTypeAndShapeInfo()
                .GetElementType(),
            kiln::ElementType::Float);
  kiln::TypeInfo opt = session.GetInputTypeInfo(3);
  EXPECT_EQ(opt.GetONNXType(), kiln::ONNXType::Optional);
  EXPECT_EQ(opt.GetOptionalTypeInfo().GetOptionalElementType().GetONNXType(),
            kiln::ONNXType::Tensor);
  // A present optional tensor keeps its tensor's shape.
  EXPECT_EQ(opt.GetTensorTypeAndShapeInfo().GetShape(),
            std::vector<int64_t>{-1});
  EXPECT_EQ(session.GetInputTypeInfo(0).GetONNXType(), kiln::ONNXType::Tensor);
  EXPECT_THROW(session.GetInputTypeInfo(0).GetMapTypeInfo(), kiln::Exception);

  // Values made in C++ describe themselves the same way.
  std::vector<float> data = {1, 2};
  int64_t two = 2;
  std::vector<kiln::Value> elements;
  elements.push_back(kiln::Value::CreateTensor<float>(
      kiln::MemoryInfo::CreateCpu(), data.data(), 2, &two, 1));
  kiln::Value seq = kiln::Value::CreateSequence(elements);
  EXPECT_FALSE(seq.IsTensor());
  EXPECT_TRUE(seq.HasValue());
  EXPECT_EQ(seq.GetTypeInfo().GetTypeString(), "seq(tensor(float))");
  EXPECT_EQ(seq.GetCount(), 1u);
  EXPECT_EQ(seq.GetValue(0).GetTensorData<float>(), data.data());
  kiln::Value none = kiln::Value::CreateNone();
  EXPECT_FALSE(none.HasValue());
  EXPECT_EQ(none.GetTypeInfo().GetONNXType(), kiln::ONNXType::Optional);
}

//--- The loader's checks of the value tables ---------------------------------

void neverRun(void **, kiln_run_context_t *) { std::abort(); }

const int64_t kDyn[] = {-1, -1};
const kiln_tensor_info_t kSlots[] = {
    {"k", KILN_ELEM_INT64, 1, kDyn, nullptr},
    {"v", KILN_ELEM_FLOAT, 1, kDyn, nullptr},
    {"t", KILN_ELEM_FLOAT, 2, kDyn, nullptr},
};

std::string openWith(std::vector<kiln_value_info_t> inputs,
                     uint32_t abi = 5) {
  static const kiln_value_info_t out = {
      "t", "tensor(float)", KILN_VALUE_TENSOR, 0, 0, 1};
  kiln_artifact_t a = {};
  a.abi_version = abi;
  a.provider = KILN_PROVIDER_CPU;
  a.num_inputs = 2;
  a.num_outputs = 1;
  a.inputs = kSlots;
  a.outputs = kSlots + 2;
  a.entry = neverRun;
  a.metadata = "\0";
  a.num_input_values = static_cast<uint32_t>(inputs.size());
  a.num_output_values = 1;
  a.input_values = inputs.data();
  a.output_values = &out;
  kiln_session *session = nullptr;
  std::string error = describe(
      kiln_session_create_from_artifact(&a, "values", nullptr, &session));
  kiln_session_release(session);
  return error;
}

const char *kPrefix = "INVALID_GRAPH: Load model from linked-in model "
                      "'values' failed:";

TEST(ValueTableTest, AGoodTableOpens) {
  EXPECT_EQ(
      openWith({{"m", "map(int64,tensor(float))", KILN_VALUE_MAP, 0, 0, 2}}),
      "");
  EXPECT_EQ(
      openWith({{"k", "tensor(int64)", KILN_VALUE_TENSOR, 0, 0, 1},
                {"s", "seq(tensor(float))", KILN_VALUE_SEQUENCE, 0, 1, 1},
                {"a", "optional(tensor(float))", KILN_VALUE_TENSOR,
                 KILN_VALUE_FLAG_OPTIONAL | KILN_VALUE_FLAG_ABSENT, 2, 0}}),
      "");
}

TEST(ValueTableTest, BadTablesAreInvalidGraphs) {
  EXPECT_EQ(
      openWith({{"m", "map(int64,tensor(float))", KILN_VALUE_MAP, 0, 0, 3}}),
      std::string(kPrefix) +
          "input value 0 ('m') has slots 0..3 beyond the 2 input "
          "tensors");
  EXPECT_EQ(openWith({{"k", "tensor(int64)", KILN_VALUE_TENSOR, 0, 0, 1},
                      {"v", "tensor(float)", KILN_VALUE_TENSOR, 0, 0, 1}}),
            std::string(kPrefix) +
                "input value 1 ('v') shares input tensor 0 with another "
                "value");
  EXPECT_EQ(openWith({{"k", "tensor(int64)", KILN_VALUE_TENSOR, 0, 0, 1}}),
            std::string(kPrefix) +
                "input tensor 1 ('v') belongs to no input value");
  EXPECT_EQ(openWith({{"m", "map(int64,tensor(float))", 7, 0, 0, 2}}),
            std::string(kPrefix) + "input value 0 ('m') has unknown kind 7");
  EXPECT_EQ(
      openWith({{"m", "map(int64,tensor(float))", KILN_VALUE_MAP, 8, 0, 2}}),
      std::string(kPrefix) + "input value 0 ('m') has unknown flags 8");
  EXPECT_EQ(openWith({{"m", "seq(map(int64,tensor(float)))",
                       KILN_VALUE_SEQUENCE_OF_MAPS, 0, 0, 2}}),
            std::string(kPrefix) +
                "input value 0 ('m') needs keys of rank 1 and values of rank "
                "2, not 1 and 1");
  EXPECT_EQ(
      openWith({{"s", "seq(tensor(float))", KILN_VALUE_SEQUENCE, 0, 0, 2}}),
      std::string(kPrefix) +
          "input value 0 ('s') is a sequence of tensors of different "
          "types");
  EXPECT_EQ(openWith({{"k", "tensor(int64)", KILN_VALUE_TENSOR, 0, 0, 2}}),
            std::string(kPrefix) + "input value 0 ('k') needs 1 slots, not 2");
  EXPECT_EQ(openWith({{"a", "optional(tensor(float))", KILN_VALUE_TENSOR,
                       KILN_VALUE_FLAG_ABSENT, 0, 0}}),
            std::string(kPrefix) +
                "input value 0 ('a') is absent but not optional");
  EXPECT_EQ(openWith({{nullptr, "tensor(int64)", KILN_VALUE_TENSOR, 0, 0, 1}}),
            std::string(kPrefix) + "input value 0 has no name");
}

/// Opens an artifact of one output value `out` over one rank-0 slot of
/// `elemType` (a run-time value's address when it is int64).
std::string openWithOutput(kiln_value_info_t out, uint32_t abi,
                           int32_t elemType = KILN_ELEM_INT64) {
  const kiln_tensor_info_t slot = {out.name, elemType, 0, nullptr, nullptr};
  kiln_artifact_t a = {};
  a.abi_version = abi;
  a.provider = KILN_PROVIDER_CPU;
  a.num_inputs = 0;
  a.num_outputs = 1;
  a.inputs = kSlots;
  a.outputs = &slot;
  a.entry = neverRun;
  a.metadata = "\0";
  a.num_output_values = 1;
  a.output_values = &out;
  kiln_session *session = nullptr;
  std::string error = describe(
      kiln_session_create_from_artifact(&a, "values", nullptr, &session));
  kiln_session_release(session);
  return error;
}

TEST(ValueTableTest, RuntimeValuesNeedAbiFiveAndOneAddressSlot) {
  const kiln_value_info_t seq = {"s", "seq(tensor(float))",
                                 KILN_VALUE_SEQUENCE, KILN_VALUE_FLAG_RUNTIME,
                                 0, 1};
  const kiln_value_info_t opt = {
      "o", "optional(tensor(float))", KILN_VALUE_TENSOR,
      KILN_VALUE_FLAG_RUNTIME | KILN_VALUE_FLAG_OPTIONAL, 0, 1};
  EXPECT_EQ(openWithOutput(seq, 5), "");
  EXPECT_EQ(openWithOutput(opt, 5), "");
  // ABI 4 has no such flag.
  EXPECT_EQ(openWithOutput(seq, 4),
            std::string(kPrefix) + "output value 0 ('s') has unknown flags 4");
  // The slot holds an address: one int64 scalar.
  EXPECT_EQ(openWithOutput(seq, 5, KILN_ELEM_FLOAT),
            std::string(kPrefix) +
                "output value 0 ('s') is decided at run time but is not a "
                "sequence or optional tensor carried by one int64 scalar");
  // A plain tensor is never decided at run time.
  const kiln_value_info_t tensor = {"t", "tensor(float)", KILN_VALUE_TENSOR,
                                    KILN_VALUE_FLAG_RUNTIME, 0, 1};
  EXPECT_NE(openWithOutput(tensor, 5).find("is decided at run time"),
            std::string::npos);
  // Inputs keep their compiled slots.
  EXPECT_EQ(openWith({{"k", "seq(tensor(int64))", KILN_VALUE_SEQUENCE,
                       KILN_VALUE_FLAG_RUNTIME, 0, 1},
                      {"v", "tensor(float)", KILN_VALUE_TENSOR, 0, 1, 1}}),
            std::string(kPrefix) + "input value 0 ('k') has unknown flags 4");
}

TEST(ValueTableTest, AbiThreeIgnoresTheTables) {
  // An ABI 3 descriptor ends before the tables: whatever lies there is not
  // read, and every slot is a tensor value.
  EXPECT_EQ(openWith({{"m", "map(int64,tensor(float))", 7, 0, 0, 2}}, 3), "");
  EXPECT_NE(openWith({}, 2).find("artifact ABI version 2 does not match the "
                                 "runtime's ABI version 7 (it reads versions "
                                 "3 to 7)"),
            std::string::npos);
}

} // namespace
