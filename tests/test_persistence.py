"""skdl.persistence: fitted models through skops.io.dump and skops.io.load,
trusting skdl's types and nothing else, with the same predictions; a user's
own type listed as untrusted; and no trusted type that runs code of the
file's choosing when it is loaded."""

import inspect
import io
import pickle
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdl
from skdl import backend as backends
from skdl import (
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    PerceptronClassifier,
)
from skdl import layers as L
from skdl.activations import ACTIVATIONS
from skdl.callbacks import EarlyStopping, ProgressBar, ReduceLROnPlateau
from skdl.losses import LOSSES
from skdl.optimizers import AdamW
from skdl._versioned_state import VersionedStateMixin
from skdl.persistence import InconsistentVersionWarning, trusted_types
from skdl.preprocessing import TextVectorization
from skdl.schedules import CosineDecay
from skdl.scratch import Scratch

sio = pytest.importorskip("skops.io")

RNG = np.random.RandomState(0)
X_FLAT = RNG.normal(size=(40, 8))
Y_CLASS = np.arange(40) % 3
Y_VALUE = X_FLAT[:, 0] - X_FLAT[:, 1]
IDS = RNG.randint(0, 12, size=(40, 8)).astype(float)


def _sequence_stack():
    return [L.Dense(6), L.PositionEmbedding(8), L.Residual([L.LayerNormalization(),
                                                          L.MultiHeadAttention(2, 3)]),
            L.Bidirectional(L.GRU(3, return_sequences=True)), L.Conv1D(4, 2, padding="causal"),
            L.ZeroPadding1D(1), L.MaxPool1D(2), L.AvgPool1D(1), L.GlobalMaxPooling1D()]


def _image_stack():
    return [L.ZeroPadding2D(1), L.Conv2D(3, 2), L.BatchNormalization(), L.Activation("relu"),
            L.MaxPool2D(2), L.AvgPool2D(1), L.Dropout(0.1), L.GlobalAveragePooling2D()]


MODELS = {
    "mlp classifier, every smooth activation": (
        MLPClassifier(hidden_layer_sizes=(4,) * (len(ACTIVATIONS) - 1), max_iter=3,
                      activation=sorted(set(ACTIVATIONS) - {"step"}), solver=AdamW(learning_rate=CosineDecay(
                          0.01, 10)), random_state=0),
        X_FLAT, Y_CLASS),
    "mlp regressor, huber": (
        MLPRegressor(hidden_layer_sizes=(5,), loss="huber", max_iter=3, random_state=0,
                     callbacks=[ReduceLROnPlateau()]),
        X_FLAT, Y_VALUE),
    "perceptron": (PerceptronClassifier(max_iter=3, random_state=0), X_FLAT, Y_CLASS),
    "sequences": (
        NeuralNetClassifier(layers=_sequence_stack(), input_shape=(8, 1), max_iter=2,
                            callbacks=[EarlyStopping(patience=1)], random_state=0),
        X_FLAT, Y_CLASS),
    "images": (
        NeuralNetRegressor(layers=_image_stack(), input_shape=(2, 4, 1), max_iter=2,
                           random_state=0),
        X_FLAT, Y_VALUE),
    "ids": (
        NeuralNetClassifier(layers=[L.Embedding(12, 3, mask_zero=True), L.LSTM(3),
                                    L.Dense(4, kernel_initializer="he_normal")],
                            max_iter=2, random_state=0),
        IDS, Y_CLASS),
    "categories": (
        make_pipeline(NeuralNetRegressor(
            layers=[L.CategoryEmbedding([0, 1], [12, 12], 2), L.Dense(3)], max_iter=2,
            random_state=0)),
        IDS, Y_VALUE),
    "poisson loss, scaled input": (
        make_pipeline(StandardScaler(), NeuralNetRegressor(
            layers=[L.Dense(3, activation="softplus")], loss="poisson", max_iter=2,
            random_state=0)),
        X_FLAT, np.abs(Y_VALUE)),
}


@pytest.mark.parametrize("name", MODELS)
def test_skops_round_trip_trusts_skdls_types_alone(tmp_path, name):
    model, X, y = MODELS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    assert set(sio.get_untrusted_types(file=path)) <= set(trusted_types())
    loaded = sio.load(path, trusted=trusted_types())
    assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_text_pipeline_round_trips():
    docs = ["the cat sat", "a dog ran", "the dog sat down", "a cat ran off"] * 5
    model = make_pipeline(TextVectorization(max_tokens=12, output_sequence_length=4),
                          NeuralNetClassifier(layers=[L.Embedding(12, 3, mask_zero=True),
                                                      L.GlobalAveragePooling1D()],
                                              max_iter=2, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(docs, np.arange(20) % 2)
    loaded = sio.loads(sio.dumps(model), trusted=trusted_types())
    assert_array_equal(loaded.predict(docs), model.predict(docs))


def test_every_loss_and_activation_class_is_trusted():
    names = set(trusted_types())
    for cls in [*ACTIVATIONS.values(), *LOSSES.values(), *L.BUILT_IN_LAYERS]:
        assert f"{cls.__module__}.{cls.__qualname__}" in names


class Cube:
    """A user's activation: not skdl's, so not trusted."""

    def value(self, z):
        return z ** 3

    def derivative(self, z, a):
        return 3 * z ** 2


def test_a_users_own_activation_is_untrusted(tmp_path):
    model = MLPRegressor(hidden_layer_sizes=(3,), activation=Cube(), max_iter=2,
                         random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_FLAT, Y_VALUE)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = set(sio.get_untrusted_types(file=path)) - set(trusted_types())
    assert untrusted == {f"{__name__}.Cube"}  # the wrapper around it is skdl's
    with pytest.raises(Exception, match="Untrusted types found"):
        sio.load(path, trusted=trusted_types())


def test_a_progress_bar_finds_its_standard_stream_and_no_other_attribute_of_sys():
    model = MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0,
                         callbacks=[ProgressBar(stream=sys.stderr)])
    loaded = sio.loads(sio.dumps(model), trusted=trusted_types())
    assert loaded.callbacks[0].stream is sys.stderr
    bar = ProgressBar(stream=io.StringIO())
    state = bar.__getstate__()
    state["stream"] = type(ProgressBar(stream=sys.stdout).__getstate__()["stream"])("modules")
    with pytest.raises(ValueError, match=r"saved as sys.modules, which is not one of"):
        ProgressBar.__new__(ProgressBar).__setstate__(state)


def test_no_trusted_type_runs_code_of_the_files_choosing():
    """skops rebuilds an object by its class's __new__ then __setstate__ (or
    by a __reduce__ it calls): every trusted skdl class keeps Python's, or
    scikit-learn's, or one of the two reviewed here."""
    reviewed = {(Scratch, "__reduce__"), (ProgressBar, "__setstate__"),
                (VersionedStateMixin, "__setstate__")}
    for name in trusted_types():
        module_name, _, class_name = name.rpartition(".")
        if not module_name.startswith("skdl"):
            continue
        cls = getattr(sys.modules[module_name], class_name)
        for method in ("__reduce__", "__reduce_ex__", "__setstate__", "__new__"):
            owner = next((base for base in cls.__mro__ if method in vars(base)), object)
            if owner.__module__.startswith("skdl"):
                assert (owner, method) in reviewed, f"{name}.{method} runs on load: review it"


@pytest.mark.parametrize("make", [
    lambda: MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit(X_FLAT,
                                                                                   Y_VALUE),
    lambda: PerceptronClassifier(max_iter=2, random_state=0).fit(X_FLAT, Y_CLASS),
    lambda: TextVectorization(max_tokens=5, output_sequence_length=2).fit(["ab cd", "cd"]),
])
def test_a_pickle_of_another_version_warns_naming_both(make, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = pickle.dumps(make())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        skops_saved = sio.dumps(pickle.loads(saved))  # this version: silent
        sio.loads(skops_saved, trusted=trusted_types())
    monkeypatch.setattr(skdl, "__version__", "9.9.9")
    with pytest.warns(InconsistentVersionWarning, match=r"from version 0\.1\.0 of skdl with "
                                                       r"version 9\.9\.9"):
        pickle.loads(saved)
    with pytest.warns(InconsistentVersionWarning, match=r"from version 0\.1\.0 .*9\.9\.9"):
        sio.loads(skops_saved, trusted=trusted_types())


def test_a_pickle_made_under_one_back_end_predicts_the_same_under_the_other():
    if "numba" not in backends.available():
        pytest.skip("numba is not installed: one back-end only")
    model, X, _ = MODELS["sequences"]
    with backends.use("numba"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, Y_CLASS)
        expected = model.predict_proba(X)
        saved = pickle.dumps(model)
    with backends.use("numpy"):
        np.testing.assert_allclose(pickle.loads(saved).predict_proba(X), expected,
                                   rtol=1e-12, atol=1e-12)
