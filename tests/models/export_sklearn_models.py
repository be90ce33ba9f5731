#!/usr/bin/env python3
"""Converts small scikit-learn models with skl2onnx into models of the
ai.onnx.ml domain (run once by hand; scikit-learn and skl2onnx are not
needed by the tests). Data and models are seeded; the .onnx files are
checked in under sklearn/ and test_sklearn_models.py compares Kiln with
ONNX Runtime on them.

  pip install scikit-learn skl2onnx
  python3 tests/models/export_sklearn_models.py

Most classifiers are converted without ZipMap (`zipmap: False`: a label
tensor and a probability tensor); the `*_default` models keep skl2onnx's
default options, ZipMap included (the probabilities are a sequence of maps,
a list of {label: probability} dicts in Python), and `column_transformer`
is a StandardScaler + OneHotEncoder ColumnTransformer pipeline over named
float and string columns (one graph input each) with its defaults.
"""
import os

import numpy as np
from skl2onnx import to_onnx
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (GradientBoostingClassifier,
                              GradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.preprocessing import (Binarizer, MaxAbsScaler, Normalizer,
                                   OneHotEncoder, StandardScaler)
from sklearn.svm import SVC, SVR

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sklearn")
FEATURES = 6


def save(name, model, sample, options=None, target_opset=None):
    onx = to_onnx(model, sample[:1], options=options,
                  target_opset=target_opset)
    path = os.path.join(OUT, name + ".onnx")
    with open(path, "wb") as f:
        f.write(onx.SerializeToString())
    print("wrote", path, os.path.getsize(path), "bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    x, y = make_classification(n_samples=200, n_features=FEATURES,
                               n_informative=4, n_classes=3, random_state=0)
    x = x.astype(np.float32)
    xb, yb = make_classification(n_samples=200, n_features=FEATURES,
                                 random_state=1)
    xb = xb.astype(np.float32)
    xr, yr = make_regression(n_samples=200, n_features=FEATURES,
                             random_state=0)
    xr = xr.astype(np.float32)
    nozip = {"zipmap": False}

    def clf(name, model, data, labels, **kw):
        model.fit(data, labels)
        save(name, model, data, options={id(model): nozip}, **kw)

    clf("logistic_regression", LogisticRegression(max_iter=500), x, y)
    clf("logistic_regression_binary", LogisticRegression(), xb, yb)
    clf("random_forest_classifier",
        RandomForestClassifier(n_estimators=8, max_depth=5, random_state=0),
        x, y)
    clf("gradient_boosting_classifier",
        GradientBoostingClassifier(n_estimators=10, max_depth=3,
                                   random_state=0), x, y)
    clf("gradient_boosting_binary",
        GradientBoostingClassifier(n_estimators=10, max_depth=3,
                                   random_state=0), xb, yb)
    clf("svc_probability", SVC(probability=True, random_state=0), x, y)
    clf("svc_linear", SVC(kernel="linear"), xb, yb)
    # String class labels (classlabels_strings): the labels output is a
    # string tensor.
    names = np.array(["cat", "dog", "emu"])[y]
    clf("logistic_regression_strings", LogisticRegression(max_iter=500), x,
        names)
    clf("random_forest_strings",
        RandomForestClassifier(n_estimators=4, max_depth=4, random_state=0),
        x, names)
    clf("svc_strings", SVC(kernel="rbf"), x, names)

    # skl2onnx's defaults: ZipMap on.
    def clf_default(name, model, data, labels):
        model.fit(data, labels)
        save(name, model, data)

    clf_default("logistic_regression_default",
                LogisticRegression(max_iter=500), x, y)
    clf_default("logistic_regression_strings_default",
                LogisticRegression(max_iter=500), x, names)
    clf_default("random_forest_default",
                RandomForestClassifier(n_estimators=8, max_depth=5,
                                       random_state=0), x, y)
    clf_default("gradient_boosting_default",
                GradientBoostingClassifier(n_estimators=10, max_depth=3,
                                           random_state=0), x, y)
    clf_default("svc_probability_default",
                SVC(probability=True, random_state=0), x, y)
    column_transformer(x, y)

    def reg(name, model, **kw):
        model.fit(xr, yr)
        save(name, model, xr, **kw)

    reg("linear_regression", LinearRegression())
    reg("random_forest_regressor",
        RandomForestRegressor(n_estimators=8, max_depth=6, random_state=0))
    reg("gradient_boosting_regressor",
        GradientBoostingRegressor(n_estimators=10, max_depth=3,
                                  random_state=0))
    reg("svr", SVR())

    def pre(name, model, data):
        model.fit(data)
        save(name, model, data)

    pre("standard_scaler", StandardScaler(), x)
    pre("max_abs_scaler", MaxAbsScaler(), x)
    pre("binarizer", Binarizer(threshold=0.1), x)
    pre("normalizer_l2", Normalizer(norm="l2"), x)
    pre("normalizer_l1", Normalizer(norm="l1"), x)
    pre("normalizer_max", Normalizer(norm="max"), x)
    xn = x.copy()
    xn[::7, 1] = np.nan
    pre("imputer", SimpleImputer(strategy="mean"), xn)
    cats = np.random.RandomState(0).randint(0, 4, (50, 3)).astype(np.int64)
    pre("one_hot_encoder",
        OneHotEncoder(handle_unknown="ignore", sparse_output=False), cats)
    words = np.array(["red", "green", "blue"])[cats[:, :2] % 3]
    pre("one_hot_encoder_strings",
        OneHotEncoder(handle_unknown="ignore", sparse_output=False), words)


def column_transformer(x, y):
    """StandardScaler on three float columns and OneHotEncoder on a string
    column, then LogisticRegression: skl2onnx makes one graph input per
    DataFrame column, and with its defaults a ZipMap output."""
    import pandas as pd
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2],
                          "color": np.array(["red", "green", "blue"])[
                              (x[:, 3] > 0).astype(int) + (x[:, 4] > 0)]})
    pipe = make_pipeline(
        ColumnTransformer([
            ("num", StandardScaler(), ["a", "b", "c"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["color"])]),
        LogisticRegression(max_iter=500))
    pipe.fit(frame, y)
    types = [(c, FloatTensorType([None, 1])) for c in "abc"]
    types.append(("color", StringTensorType([None, 1])))
    onx = to_onnx(pipe, initial_types=types)
    path = os.path.join(OUT, "column_transformer.onnx")
    with open(path, "wb") as f:
        f.write(onx.SerializeToString())
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
