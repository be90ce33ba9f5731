//===- session_errors_test.cpp - ORT-compatible load and run errors ------===//
//
// The message texts are ONNX Runtime's, character for character: users and
// their scripts grep for them.
//
//===----------------------------------------------------------------------===//

#include "test_support.h"

#include "kiln/kiln_integrity.h"

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <sys/stat.h>

using namespace kiln_test;

namespace {

std::string loadError(const std::string &path) {
  kiln_session *session = nullptr;
  std::string error =
      describe(kiln_session_create(path.c_str(), nullptr, &session));
  EXPECT_EQ(session, nullptr);
  kiln_session_release(session);
  return error;
}

/// Runs fake_add with the given feeds, requesting `outputs` (default "z").
std::string runAdd(kiln_session *session, std::vector<const char *> names,
                   std::vector<const kiln_value *> values,
                   std::vector<const char *> outputs = {"z"}) {
  OwnedValues results(outputs.size());
  std::string error = describe(
      kiln_session_run(session, names.data(), values.data(), values.size(),
                       outputs.data(), outputs.size(), results.data()));
  if (!error.empty()) {
    for (kiln_value *v : results.values) {
      EXPECT_EQ(v, nullptr) << "a failed run must not fill output slots";
    }
  }
  return error;
}

class AddErrorsTest : public ::testing::Test {
protected:
  SessionHolder add{KILN_FAKE_ADD};
  Wrapped<float> x{KILN_ELEM_FLOAT, std::vector<float>(6, 1.f), {2, 3}};
  Wrapped<float> y{KILN_ELEM_FLOAT, {1, 2, 3}, {1, 3}};
};

} // namespace

TEST(LoadErrorsTest, MissingFile) {
  EXPECT_EQ(loadError("/nonexistent/model.so"),
            "NO_SUCHFILE: Load model from /nonexistent/model.so failed:Load "
            "model /nonexistent/model.so failed. File doesn't exist");
}

TEST(LoadErrorsTest, Directory) {
  EXPECT_EQ(loadError("/tmp"), "NO_SUCHFILE: Load model from /tmp failed:Load "
                               "model /tmp failed. It is a directory");
}

TEST(LoadErrorsTest, AbiMismatchNamesBothVersions) {
  std::string error = loadError(KILN_FAKE_BAD_ABI);
  EXPECT_EQ(error, "INVALID_GRAPH: Load model from " +
                       std::string(KILN_FAKE_BAD_ABI) +
                       " failed:artifact ABI version 999 does not match the "
                       "runtime's ABI version 7 (it reads versions 3 to 7); "
                       "recompile the model with a "
                       "Kiln compiler matching this runtime");
}

TEST(LoadErrorsTest, AbiV1ArtifactIsRejected) {
  // v1's entry took no run context: calling it would crash, so the version
  // check must refuse it before anything else is read.
  std::string error = loadError(KILN_FAKE_ABI_V1);
  EXPECT_EQ(error, "INVALID_GRAPH: Load model from " +
                       std::string(KILN_FAKE_ABI_V1) +
                       " failed:artifact ABI version 1 does not match the "
                       "runtime's ABI version 7 (it reads versions 3 to 7); "
                       "recompile the model with a "
                       "Kiln compiler matching this runtime");
}

TEST(LoadErrorsTest, CudaBeforeAbi6IsRejected) {
  // Its descriptor ends before the device tables: nothing to load.
  std::string error = loadError(KILN_FAKE_CUDA);
  EXPECT_EQ(error, "INVALID_GRAPH: Load model from " +
                       std::string(KILN_FAKE_CUDA) +
                       " failed:the artifact was compiled for the CUDA "
                       "execution provider before ABI 6, whose device tables "
                       "this runtime reads; recompile it");
}

TEST(LoadErrorsTest, SharedObjectWithoutArtifact) {
  std::string error = loadError(KILN_FAKE_NO_SYMBOL);
  EXPECT_EQ(error, "INVALID_GRAPH: Load model from " +
                       std::string(KILN_FAKE_NO_SYMBOL) +
                       " failed:not a Kiln artifact: it does not export the "
                       "symbol 'kiln_artifact'");
}

TEST(LoadErrorsTest, NotASharedObject) {
  std::string path = ::testing::TempDir() + "kiln_not_an_elf.so";
  std::ofstream(path) << "this is not an ELF file\n";
  std::string error = loadError(path);
  EXPECT_EQ(error.rfind("INVALID_GRAPH: Load model from " + path +
                            " failed:not a loadable Kiln artifact: ",
                        0),
            0u)
      << error;
  std::remove(path.c_str());
}

namespace {

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// `bytes` followed by the integrity trailer kiln-compile writes.
std::string withTrailer(std::string bytes) {
  uint64_t fields[2] = {bytes.size(),
                        kiln_checksum(bytes.data(), bytes.size())};
  bytes.append(KILN_TRAILER_MAGIC, 8);
  for (uint64_t field : fields)
    for (int i = 0; i < 8; ++i)
      bytes.push_back(static_cast<char>(field >> (8 * i)));
  return bytes;
}

} // namespace

TEST(LoadErrorsTest, DamageAroundTheTrailerIsRefused) {
  // fake_add with a trailer, as kiln-compile links it: copies cut inside
  // their trailer, extended past it or with its magic flipped loaded as
  // files without one (their checksum unchecked).
  std::string good = withTrailer(readBytes(KILN_FAKE_ADD));
  std::string path = ::testing::TempDir() + "kiln_trailer.so";
  std::ofstream(path, std::ios::binary) << good;
  { SessionHolder loads(path.c_str()); }
  std::string flipped = good;
  flipped[good.size() - KILN_TRAILER_SIZE] ^= 1;
  for (const std::string &damaged :
       {good.substr(0, good.size() - 1), good.substr(0, good.size() - 12),
        good.substr(0, good.size() - 20), good + std::string(100, '\0'),
        flipped}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
    std::string error = loadError(path);
    EXPECT_EQ(error.rfind("INVALID_GRAPH: ", 0), 0u) << error;
    EXPECT_NE(error.find("the artifact is damaged"), std::string::npos)
        << damaged.size() << " bytes: " << error;
  }
  std::remove(path.c_str());
}

TEST(LoadErrorsTest, RewrittenInPlaceKeepingSizeAndTimeIsRefused) {
  // glibc hands out the library it holds for the same inode: new bytes of
  // the same size and modification time were served as the old model.
  std::string original = readBytes(KILN_FAKE_ADD);
  std::string first = withTrailer(original);
  original[original.size() - 1] ^= 1; // the last section header
  std::string second = withTrailer(original);
  std::string path = ::testing::TempDir() + "kiln_in_place.so";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << first;
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  SessionHolder held(path.c_str());
  {
    std::ofstream out(path, std::ios::binary | std::ios::in);
    out << second;
  }
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  std::string error = loadError(path);
  EXPECT_EQ(error.rfind("FAIL: ", 0), 0u) << error;
  EXPECT_NE(error.find("rewritten in place"), std::string::npos) << error;
}

TEST(LoadErrorsTest, OnnxModelWithoutCompilerSaysToCompileIt) {
  // What a program written for ONNX Runtime passes: an .onnx file, which
  // the runtime compiles through libkilncompiler; where that library cannot
  // be loaded (here: KILN_COMPILER_LIBRARY names none), the error says
  // what to do. (ort_cxx_api_onnx compiles one for real.)
  std::string path = ::testing::TempDir() + "kiln_model.onnx";
  std::ofstream(path) << std::string("\x08\x08\x12\x04kiln", 8);
  ::setenv("KILN_COMPILER_LIBRARY", "/nonexistent/libkilncompiler.so", 1);
  std::string error = loadError(path);
  ::unsetenv("KILN_COMPILER_LIBRARY");
  EXPECT_EQ(error.rfind("NOT_IMPLEMENTED: Load model from " + path +
                            " failed:it is an ONNX model, and compiling it "
                            "needs Kiln's compiler library, which could not "
                            "be loaded (/nonexistent/libkilncompiler.so not "
                            "found); ",
                        0),
            0u)
      << error;
  EXPECT_NE(error.find("kiln-compile " + path + " -o model.so"),
            std::string::npos)
      << error;
  std::remove(path.c_str());
}

TEST(LoadErrorsTest, NullArguments) {
  kiln_session *session = nullptr;
  EXPECT_EQ(describe(kiln_session_create(nullptr, nullptr, &session)),
            "INVALID_ARGUMENT: model path is NULL");
  EXPECT_EQ(describe(kiln_session_create(KILN_FAKE_ADD, nullptr, nullptr)),
            "INVALID_ARGUMENT: out is NULL");
}

TEST_F(AddErrorsTest, ValidFeedRuns) {
  EXPECT_EQ(runAdd(add.session, {"x", "y"}, {x.value, y.value}), "");
}

TEST_F(AddErrorsTest, InvalidInputName) {
  EXPECT_EQ(runAdd(add.session, {"x", "y", "w"}, {x.value, y.value, y.value}),
            "INVALID_ARGUMENT: Invalid input name: w");
}

TEST_F(AddErrorsTest, MissingInput) {
  EXPECT_EQ(runAdd(add.session, {"y"}, {y.value}),
            "INVALID_ARGUMENT: Required inputs (['x']) are missing from input "
            "feed (['y']).");
}

TEST_F(AddErrorsTest, MissingInputsTakePrecedenceOverUnknownNames) {
  // ORT's Python binding checks for missing inputs before the names.
  EXPECT_EQ(runAdd(add.session, {"w"}, {y.value}),
            "INVALID_ARGUMENT: Required inputs (['x', 'y']) are missing from "
            "input feed (['w']).");
  EXPECT_EQ(runAdd(add.session, {}, {}),
            "INVALID_ARGUMENT: Required inputs (['x', 'y']) are missing from "
            "input feed ([]).");
}

TEST_F(AddErrorsTest, WrongRank) {
  Wrapped<float> x3(KILN_ELEM_FLOAT, std::vector<float>(6), {1, 2, 3});
  EXPECT_EQ(runAdd(add.session, {"x", "y"}, {x3.value, y.value}),
            "INVALID_ARGUMENT: Invalid rank for input: x Got: 3 Expected: 2 "
            "Please fix either the inputs/outputs or the model.");
}

TEST_F(AddErrorsTest, WrongFixedDim) {
  Wrapped<float> y8(KILN_ELEM_FLOAT, std::vector<float>(24), {8, 3});
  EXPECT_EQ(runAdd(add.session, {"x", "y"}, {x.value, y8.value}),
            "INVALID_ARGUMENT: Got invalid dimensions for input: y for the "
            "following indices\n index: 0 Got: 8 Expected: 1\n Please fix "
            "either the inputs/outputs or the model.");
}

TEST_F(AddErrorsTest, DynamicDimIsNotChecked) {
  for (int64_t batch : {1, 7, 0}) {
    Wrapped<float> xb(KILN_ELEM_FLOAT,
                      std::vector<float>(static_cast<size_t>(batch) * 3),
                      {batch, 3});
    EXPECT_EQ(runAdd(add.session, {"x", "y"}, {xb.value, y.value}), "")
        << "batch " << batch;
  }
}

TEST_F(AddErrorsTest, WrongElementType) {
  Wrapped<double> xd(KILN_ELEM_DOUBLE, std::vector<double>(6), {2, 3});
  EXPECT_EQ(runAdd(add.session, {"x", "y"}, {xd.value, y.value}),
            "INVALID_ARGUMENT: Unexpected input data type. Actual: "
            "(tensor(double)) , expected: (tensor(float))");
}

TEST_F(AddErrorsTest, ErrorsFollowFeedOrder) {
  // Like InferenceSession::ValidateInputs: the first bad feed is reported.
  Wrapped<double> yd(KILN_ELEM_DOUBLE, std::vector<double>(3), {1, 3});
  Wrapped<float> x3(KILN_ELEM_FLOAT, std::vector<float>(6), {1, 2, 3});
  EXPECT_EQ(runAdd(add.session, {"y", "x"}, {yd.value, x3.value}),
            "INVALID_ARGUMENT: Unexpected input data type. Actual: "
            "(tensor(double)) , expected: (tensor(float))");
}

TEST_F(AddErrorsTest, InvalidOutputName) {
  EXPECT_EQ(runAdd(add.session, {"x", "y"}, {x.value, y.value}, {"z", "q"}),
            "INVALID_ARGUMENT: Invalid output name:q");
}

TEST_F(AddErrorsTest, NoOutputsRequested) {
  EXPECT_EQ(runAdd(add.session, {"x", "y"}, {x.value, y.value}, {}),
            "INVALID_ARGUMENT: At least one output should be requested.");
}

TEST_F(AddErrorsTest, DuplicateAndNullFeeds) {
  EXPECT_EQ(runAdd(add.session, {"x", "x", "y"}, {x.value, x.value, y.value}),
            "INVALID_ARGUMENT: Input name fed more than once: x");
  EXPECT_EQ(runAdd(add.session, {"x", "y"}, {x.value, nullptr}),
            "INVALID_ARGUMENT: Input value is NULL for input: y");
}

TEST_F(AddErrorsTest, PreallocatedOutputOfWrongShape) {
  int64_t shape[] = {3, 3};
  kiln_value *z = nullptr;
  ASSERT_EQ(describe(kiln_value_create_tensor(KILN_ELEM_FLOAT, shape, 2, &z)),
            "");
  const char *names[] = {"x", "y"};
  const kiln_value *values[] = {x.value, y.value};
  const char *outputs[] = {"z"};
  EXPECT_EQ(
      describe(kiln_session_run(add.session, names, values, 2, outputs, 1, &z)),
      "FAIL: Shape mismatch attempting to re-use buffer. {3,3} != {2,3}. "
      "Validate usage of dim_value (values should be > 0) and dim_param "
      "(all values with the same string should equate to the same size) "
      "in shapes in the model.");
  kiln_value_release(z);
}

TEST_F(AddErrorsTest, PreallocatedOutputOfWrongType) {
  int64_t shape[] = {2, 3};
  kiln_value *z = nullptr;
  ASSERT_EQ(describe(kiln_value_create_tensor(KILN_ELEM_INT32, shape, 2, &z)),
            "");
  const char *names[] = {"x", "y"};
  const kiln_value *values[] = {x.value, y.value};
  const char *outputs[] = {"z"};
  EXPECT_EQ(
      describe(kiln_session_run(add.session, names, values, 2, outputs, 1, &z)),
      "INVALID_ARGUMENT: Unexpected output data type. Actual: "
      "(tensor(int32)) , expected: (tensor(float))");
  kiln_value_release(z);
}

TEST(DimsErrorsTest, EveryWrongIndexIsListed) {
  SessionHolder dims(KILN_FAKE_DIMS);
  Wrapped<float> a(KILN_ELEM_FLOAT, std::vector<float>(75), {3, 5, 5});
  Wrapped<float> b(KILN_ELEM_FLOAT, std::vector<float>(5), {5});
  std::vector<const char *> names = {"a", "b"};
  std::vector<const kiln_value *> values = {a.value, b.value};
  const char *out[] = {"s"};
  OwnedValues results(1);
  EXPECT_EQ(describe(kiln_session_run(dims.session, names.data(), values.data(),
                                      2, out, 1, results.data())),
            "INVALID_ARGUMENT: Got invalid dimensions for input: a for the "
            "following indices\n index: 0 Got: 3 Expected: 2\n index: 2 Got: "
            "5 Expected: 4\n Please fix either the inputs/outputs or the "
            "model.");
}

TEST(DimsErrorsTest, SharedDimParamMustAgree) {
  SessionHolder dims(KILN_FAKE_DIMS);
  Wrapped<float> a(KILN_ELEM_FLOAT, std::vector<float>(40, 1.f), {2, 5, 4});
  Wrapped<float> b(KILN_ELEM_FLOAT, std::vector<float>(4, 1.f), {4});
  std::vector<const char *> names = {"a", "b"};
  std::vector<const kiln_value *> values = {a.value, b.value};
  const char *out[] = {"s"};
  OwnedValues results(1);
  EXPECT_EQ(describe(kiln_session_run(dims.session, names.data(), values.data(),
                                      2, out, 1, results.data())),
            "INVALID_ARGUMENT: Inconsistent values for symbolic dimension "
            "'n': input: a index: 1 Got: 5, input: b index: 0 Got: 4 Please "
            "fix either the inputs/outputs or the model.");
}

TEST(DimsErrorsTest, SharedDimParamCheckCanBeDisabled) {
  kiln_session_options *options = nullptr;
  ASSERT_EQ(describe(kiln_session_options_create(&options)), "");
  ASSERT_EQ(describe(kiln_session_options_add_config_entry(
                options, "kiln.check_symbolic_dims", "0")),
            "");
  SessionHolder dims(KILN_FAKE_DIMS, options);
  kiln_session_options_release(options); // the session keeps a copy
  Wrapped<float> a(KILN_ELEM_FLOAT, std::vector<float>(40, 1.f), {2, 5, 4});
  Wrapped<float> b(KILN_ELEM_FLOAT, std::vector<float>(4, 1.f), {4});
  std::vector<const char *> names = {"a", "b"};
  std::vector<const kiln_value *> values = {a.value, b.value};
  const char *out[] = {"s"};
  OwnedValues results(1);
  ASSERT_EQ(describe(kiln_session_run(dims.session, names.data(), values.data(),
                                      2, out, 1, results.data())),
            "");
  EXPECT_EQ(valuesOf<float>(results[0]), std::vector<float>{44.f});
}

TEST(PythonReprTest, QuotesLikePython) {
  // The missing-inputs message embeds Python reprs of the names.
  SessionHolder add(KILN_FAKE_ADD);
  Wrapped<float> y(KILN_ELEM_FLOAT, {1, 2, 3}, {1, 3});
  EXPECT_EQ(runAdd(add.session, {"it's", "y"}, {y.value, y.value}),
            "INVALID_ARGUMENT: Required inputs (['x']) are missing from input "
            "feed ([\"it's\", 'y']).");
  EXPECT_EQ(runAdd(add.session, {"a\\b\n", "y"}, {y.value, y.value}),
            "INVALID_ARGUMENT: Required inputs (['x']) are missing from input "
            "feed (['a\\\\b\\n', 'y']).");
}
