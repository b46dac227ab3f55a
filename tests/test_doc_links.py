"""Each estimator's HTML representation links to its page in the API reference."""

import pytest

import skdl
from skdl._base import DOCS_URL

ESTIMATORS = [
    skdl.MLPClassifier,
    skdl.MLPRegressor,
    skdl.PerceptronClassifier,
    skdl.NeuralNetClassifier,
    skdl.NeuralNetRegressor,
]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_html_repr_links_to_the_api_page(cls):
    url = f"{DOCS_URL}generated/skdl.{cls.__name__}.html"
    estimator = cls()
    assert estimator._get_doc_link() == url
    assert f'href="{url}"' in estimator._repr_html_()


def test_nested_estimators_link_each_to_its_own_page():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    html = make_pipeline(StandardScaler(), skdl.MLPClassifier())._repr_html_()
    assert f'href="{DOCS_URL}generated/skdl.MLPClassifier.html"' in html
    assert "scikit-learn.org" in html  # StandardScaler keeps scikit-learn's link


def test_docs_url_is_one_absolute_https_root():
    assert DOCS_URL.startswith("https://") and DOCS_URL.endswith("/")


def test_every_estimator_is_covered():
    from sklearn.base import BaseEstimator

    public = {
        name for name in skdl.__all__
        if isinstance(getattr(skdl, name), type) and issubclass(getattr(skdl, name), BaseEstimator)
    }
    assert public == {cls.__name__ for cls in ESTIMATORS}
