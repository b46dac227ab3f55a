"""scikit-learn's estimator checks over every estimator, with defaults and over
a grid of activation x loss x solver combinations."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdl import MLPClassifier, MLPRegressor, PerceptronClassifier
from skdl.activations import LeakyReLU

ONLINE_RULE_REASON = (
    "The online perceptron rule steps on one row at a time: k copies of a row "
    "take up to k steps, each depending on the last, where one row of weight k "
    "takes a single step k times as large, so the paths differ (scikit-learn "
    "marks its own Perceptron the same way); tests/test_perceptron.py checks "
    "instead that weights act statistically."
)

DEFAULTS = [MLPClassifier(), MLPRegressor(), PerceptronClassifier()]

MLP_GRID = [
    # a step of 0.01: at the default 0.001, 200 epochs of sgd leave a logistic
    # network below the checks' accuracy bar (scikit-learn's own MLP too)
    MLPClassifier(
        hidden_layer_sizes=(8,), activation=act, loss=loss, solver=solver,
        learning_rate_init=0.01,
    )
    for act, loss, solver in [
        ("tanh", "log_loss", "lbfgs"),
        ("logistic", "log_loss", "sgd"),
        ("elu", "cross_entropy", "adam"),
        ("gelu", "hinge", "lbfgs"),
        ("softplus", "squared_error", "adam"),
        (LeakyReLU(0.1), "binary_cross_entropy", "lbfgs"),
    ]
] + [
    MLPClassifier(hidden_layer_sizes=(8, 6), activation=["relu", "tanh"]),
] + [
    MLPRegressor(
        hidden_layer_sizes=(8,), activation=act, loss=loss, solver=solver,
        learning_rate_init=0.01,
    )
    for act, loss, solver in [
        ("tanh", "squared_error", "lbfgs"),
        ("relu", "absolute_error", "adam"),
        ("gelu", "huber", "lbfgs"),
        ("softplus", "poisson", "lbfgs"),
        ("tanh", "squared_error", "sgd"),
    ]
]

PERCEPTRON_GRID = [
    PerceptronClassifier(activation="sigmoid"),
    PerceptronClassifier(activation="softmax"),
    PerceptronClassifier(activation="identity", loss="hinge"),
    PerceptronClassifier(activation="tanh", loss="squared_error"),
    PerceptronClassifier(activation="softmax", solver="sgd", eta0=0.01),
    PerceptronClassifier(penalty="elasticnet", shuffle=False),
]


def _expected_failures(estimator):
    params = estimator.get_params()
    if isinstance(estimator, PerceptronClassifier) and params["activation"] == "step":
        return {
            "check_sample_weight_equivalence_on_dense_data": ONLINE_RULE_REASON,
            "check_sample_weight_equivalence_on_sparse_data": ONLINE_RULE_REASON,
        }
    return {}


@parametrize_with_checks(
    DEFAULTS + MLP_GRID + PERCEPTRON_GRID, expected_failed_checks=_expected_failures
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
