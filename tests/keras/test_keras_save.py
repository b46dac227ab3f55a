"""skdl.keras.save_model: the file's layout and compile config, and the
refusals of what Keras lacks."""

import json
import sys
import warnings
import zipfile

import numpy as np
import pytest
from keras_cases import fitted, keras_load

from skdl import NeuralNetClassifier, NeuralNetRegressor
from skdl.keras import load_model, save_model
from skdl.activations import ELU
from skdl.layers import Dense, Flatten, PositionEmbedding
from skdl.optimizers import SGD, AdamW, Nadam, RMSprop
from skdl.schedules import CosineDecay, ExponentialDecay, PiecewiseConstantDecay


def test_save_refuses_what_keras_lacks(tmp_path):
    X = np.random.RandomState(0).normal(size=(20, 8))
    y = np.arange(20) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        padded = NeuralNetClassifier([PositionEmbedding(4), Flatten()], input_shape=(4, 2),
                                     max_iter=1).fit(X, y)
        leaky = NeuralNetClassifier([Dense(3, activation="leaky_relu")], max_iter=1).fit(X, y)
        hinge = NeuralNetClassifier([Dense(3)], loss="hinge", max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="is a PositionEmbedding, which has no Keras form"):
        save_model(padded, tmp_path / "a.keras")
    with pytest.raises(ValueError, match=r"activation 'leaky_relu', .*LeakyReLU\(negative_slope=0.2\)"):
        save_model(leaky, tmp_path / "b.keras")
    with pytest.raises(ValueError, match="fitted with the loss 'hinge', which Keras has no"):
        save_model(hinge, tmp_path / "c.keras")


def test_h5py_missing_is_an_import_error(tmp_path, monkeypatch):
    estimator, _ = fitted(NeuralNetRegressor, "dense")
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match="pip install h5py"):
        save_model(estimator, tmp_path / "m.keras")
    with pytest.raises(ImportError, match="pip install h5py"):
        load_model(tmp_path / "m.keras")


def test_file_layout_and_no_keras_needed(tmp_path, monkeypatch):
    estimator, X = fitted(NeuralNetRegressor, "dense")
    save_model(estimator, tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert set(archive.namelist()) == {"config.json", "metadata.json", "model.weights.h5"}
        config = json.loads(archive.read("config.json"))
    assert config["class_name"] == "Sequential"
    assert [entry["class_name"] for entry in config["config"]["layers"]] == [
        "InputLayer", "Dense", "Dense", "Dense"]
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    # loading needs no Keras
    monkeypatch.setitem(sys.modules, "keras", None)
    np.testing.assert_allclose(load_model(tmp_path / "m.keras").predict(X),
                               estimator.predict(X), atol=1e-5)


SOLVERS = [
    SGD(learning_rate=ExponentialDecay(0.05, 10, 0.9), momentum=0.8, nesterov=True),
    AdamW(learning_rate=CosineDecay(0.01, 100, alpha=0.1), weight_decay=0.02, beta_1=0.8),
    RMSprop(learning_rate=0.002, rho=0.8, momentum=0.1, centered=True),
    Nadam(learning_rate=PiecewiseConstantDecay([5], [0.01, 0.001]), clipnorm=1.0),
    "adam",
]


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda solver: repr(solver)[:20])
def test_the_fitted_optimizer_goes_to_keras_and_back(solver, tmp_path):
    """Keras compiles the file's optimizer, its namesake with the same
    options and schedule; load_model makes skdl's namesake the solver."""
    import keras

    estimator, X = fitted(NeuralNetClassifier, "dense", solver=solver, learning_rate_init=0.003)
    save_model(estimator, tmp_path / "m.keras")
    model = keras_load(tmp_path / "m.keras")
    expected = estimator.optimizer_
    assert type(model.optimizer).__name__ == type(expected).__name__
    keras_config = model.optimizer.get_config()
    for key, value in expected.get_params(deep=False).items():
        if hasattr(value, "get_params"):  # a schedule
            schedule = keras.optimizers.schedules.deserialize(keras_config[key])
            assert type(schedule).__name__ == type(value).__name__
            for option, setting in value.get_params().items():
                if option != "name" and setting is not None:
                    np.testing.assert_allclose(schedule.get_config()[option], setting,
                                               rtol=1e-6)
        elif value is not None:
            np.testing.assert_allclose(keras_config[key], value, rtol=1e-6)
    loaded = load_model(tmp_path / "m.keras")
    assert repr(loaded.solver) == repr(expected)


def test_lbfgs_is_written_as_kerass_default_adam(tmp_path):
    estimator, X = fitted(NeuralNetRegressor, "dense", solver="lbfgs")
    save_model(estimator, tmp_path / "m.keras")
    model = keras_load(tmp_path / "m.keras")
    assert type(model.optimizer).__name__ == "Adam"
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)


def test_an_activation_keras_lacks_is_refused_naming_it(tmp_path):
    X = np.random.RandomState(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    for activation in ("leaky_relu", ELU(alpha=0.5)):  # Keras's defaults: 0.2 and 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = NeuralNetClassifier([Dense(3, activation=activation, name="hidden")],
                                      max_iter=1).fit(X, y)
        with pytest.raises(ValueError, match=r"Layer 'hidden' \(Dense\) has activation"):
            save_model(clf, tmp_path / "m.keras")
        assert not (tmp_path / "m.keras").exists()


def test_a_pipeline_or_another_estimator_is_refused_with_the_fix(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdl import PerceptronClassifier

    estimator, X = fitted(NeuralNetRegressor, "dense")
    pipeline = make_pipeline(StandardScaler(), estimator)
    with pytest.raises(TypeError, match=r"not sklearn.pipeline.Pipeline; save its last "
                                        r"step, save_model\(pipeline\[-1\], path\)"):
        save_model(pipeline, tmp_path / "m.keras")
    from sklearn.neural_network import MLPClassifier as ScikitLearnMLP

    with pytest.raises(TypeError, match="not sklearn.neural_network._multilayer_perceptron"):
        save_model(ScikitLearnMLP(), tmp_path / "m.keras")
    with pytest.raises(TypeError, match="not PerceptronClassifier"):
        save_model(PerceptronClassifier(), tmp_path / "m.keras")
    save_model(pipeline[-1], tmp_path / "m.keras")
    assert (tmp_path / "m.keras").is_file()


def test_a_path_keras_would_not_open_is_refused(tmp_path):
    estimator, _ = fitted(NeuralNetRegressor, "dense")
    with pytest.raises(ValueError, match=r"does not end in .keras, which Keras requires"):
        save_model(estimator, tmp_path / "model.h5")
    assert list(tmp_path.iterdir()) == []
