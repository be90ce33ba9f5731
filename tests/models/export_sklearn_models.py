#!/usr/bin/env python3
"""Converts small scikit-learn models with skl2onnx into models of the
ai.onnx.ml domain (run once by hand; scikit-learn and skl2onnx are not
needed by the tests). Data and models are seeded; the .onnx files are
checked in under sklearn/ and test_sklearn_models.py compares Kiln with
ONNX Runtime on them.

  pip install scikit-learn skl2onnx
  python3 tests/models/export_sklearn_models.py

Classifiers are converted without ZipMap (`zipmap: False`): their outputs
are a label tensor and a probability tensor, not a sequence of maps, which
Kiln does not support yet.
"""
import os

import numpy as np
from skl2onnx import to_onnx
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (GradientBoostingClassifier,
                              GradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.impute import SimpleImputer
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


if __name__ == "__main__":
    main()
