"""TextVectorization: Keras's ids and vocabulary order, scikit-learn's
analyzers, the inputs a pipeline hands it, and scikit-learn's API."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError, SkipTestWarning
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks

from skdl import NeuralNetClassifier
from skdl.layers import Embedding, GlobalAveragePooling1D
from skdl.preprocessing import TextVectorization

CORPUS = ["the cat sat on the mat", "the dog sat", "a dog and a cat", "Zebra zebra yak",
          "un été à paris", "the end"]
NEW = ["the cat and the zebra met a yak in paris", "", "unknown words only",
       "a a a a a a a a a a a a"]

# keras.layers.TextVectorization(max_tokens, output_sequence_length, ngrams,
# standardize="lower") adapted on CORPUS, then called on NEW (Keras 3.15.1;
# the layer needs TensorFlow, here 2.21, which the test extra does not
# install, so its answers are written down)
KERAS = {
    (8, 6, None): (
        ["", "[UNK]", "the", "zebra", "sat", "dog", "cat", "a"],
        [[2, 6, 1, 2, 3, 1], [0] * 6, [1, 1, 1, 0, 0, 0], [7] * 6],
    ),
    (None, 10, None): (
        ["", "[UNK]", "the", "zebra", "sat", "dog", "cat", "a", "été", "à", "yak", "un",
         "paris", "on", "mat", "end", "and"],
        [[2, 6, 16, 2, 3, 1, 7, 10, 1, 12], [0] * 10, [1, 1, 1] + [0] * 7, [7] * 10],
    ),
    (12, 9, 2): (
        ["", "[UNK]", "the", "zebra", "sat", "dog", "cat", "a", "été à", "été",
         "à paris", "à"],
        [[2, 6, 1, 2, 3, 1, 7, 1, 1], [0] * 9, [1] * 5 + [0] * 4, [7] * 9],
    ),
}


@pytest.mark.parametrize("max_tokens, length, ngrams", list(KERAS))
def test_it_gives_keras_s_vocabulary_and_ids_where_both_split_at_spaces(
    max_tokens, length, ngrams
):
    vocabulary, ids = KERAS[max_tokens, length, ngrams]
    vectorizer = TextVectorization(
        max_tokens, length, token_pattern=r"\S+", ngram_range=(1, ngrams or 1)
    ).fit(CORPUS)
    assert vectorizer.get_vocabulary() == vocabulary
    np.testing.assert_array_equal(vectorizer.transform(NEW), ids)
    assert vectorizer.vocabulary_size() == len(vocabulary)
    assert vectorizer.get_vocabulary(include_special_tokens=False) == vocabulary[2:]
    assert vectorizer.vocabulary_ == {token: i for i, token in enumerate(vocabulary)
                                      if i >= 2}


def test_frequent_tokens_come_first_and_ties_go_to_the_token_that_sorts_last():
    vectorizer = TextVectorization(max_tokens=5, output_sequence_length=3).fit(
        ["bb aa aa cc", "cc dd dd ee", "zz"]
    )
    # aa, cc and dd twice: reverse order; then ee, bb, zz once: zz kept
    assert vectorizer.get_vocabulary() == ["", "[UNK]", "dd", "cc", "aa"]
    assert vectorizer.transform(["zz"]).dtype == np.int64


def test_it_tokenises_as_count_vectorizer_with_the_same_options():
    options = dict(lowercase=False, stop_words="english", strip_accents="ascii",
                   ngram_range=(1, 2), analyzer="word")
    documents = ["The Café is not the café", "a Café that is open", "café OPEN"]
    vectorizer = TextVectorization(None, 12, **options).fit(documents)
    counter = CountVectorizer(**options).fit(documents)
    assert set(vectorizer.vocabulary_) == set(counter.vocabulary_)
    analyzed = counter.build_analyzer()(documents[0])
    np.testing.assert_array_equal(
        vectorizer.transform(documents[:1])[0, : len(analyzed)],
        [vectorizer.vocabulary_[token] for token in analyzed],
    )
    chars = TextVectorization(None, 4, analyzer="char").fit(["abca"])
    np.testing.assert_array_equal(chars.transform(["cab"]), [[3, 2, 4, 0]])


def test_it_takes_every_form_a_text_column_comes_in():
    pd = pytest.importorskip("pandas")
    documents = ["red green", "green blue blue", "blue"]
    expected = TextVectorization(10, 4).fit_transform(documents)
    frame = pd.DataFrame({"text": documents, "number": [1.0, 2.0, 3.0]})
    for form in (np.array(documents), np.array(documents, dtype=object)[:, None],
                 frame["text"], frame[["text"]], [[d] for d in documents],
                 (d for d in documents)):
        np.testing.assert_array_equal(TextVectorization(10, 4).fit_transform(form), expected)
    for column in ("text", ["text"]):
        table = ColumnTransformer([("text", TextVectorization(10, 4), column)],
                                  remainder="passthrough")
        out = table.fit_transform(frame)
        np.testing.assert_array_equal(out[:, :4], expected)
        assert list(table.get_feature_names_out())[:2] == [
            "text__textvectorization0", "text__textvectorization1"]


def test_it_refuses_what_is_not_a_column_of_documents():
    vectorizer = TextVectorization(10, 4)
    with pytest.raises(ValueError, match="got one string; pass a list"):
        vectorizer.fit("one document")
    with pytest.raises(ValueError, match=r"got shape \(2, 2\); select the text column"):
        vectorizer.fit([["a b", "c"], ["d", "e"]])
    with pytest.raises(TypeError, match=r"sparse matrix of shape \(2, 3\)"):
        vectorizer.fit(sp.csr_matrix(np.ones((2, 3))))
    with pytest.raises(ValueError, match="found 0 documents"):
        vectorizer.fit([])
    with pytest.raises(ValueError, match="hold no token .*token_pattern"):
        vectorizer.fit(["a b", "!"])
    with pytest.raises(ValueError, match="max_tokens"):
        TextVectorization(max_tokens=2).fit(["ab cd"])
    with pytest.raises(ValueError, match="output_sequence_length"):
        TextVectorization(output_sequence_length=0).fit(["ab cd"])
    with pytest.raises(NotFittedError):
        vectorizer.transform(["ab"])


def test_it_names_its_outputs_by_position_and_sets_pandas_output():
    pd = pytest.importorskip("pandas")
    vectorizer = TextVectorization(10, 3).set_output(transform="pandas").fit(["ab cd"])
    out = vectorizer.transform(["cd ab zz", "ab"])
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["textvectorization0", "textvectorization1",
                                 "textvectorization2"]
    np.testing.assert_array_equal(out, [[2, 3, 1], [3, 0, 0]])


def test_its_html_representation_links_to_its_api_page():
    from skdl._base import DOCS_URL

    url = f"{DOCS_URL}generated/skdl.preprocessing.TextVectorization.html"
    assert f'href="{url}"' in TextVectorization()._repr_html_()


def test_scikit_learn_s_checks_that_need_no_numeric_data_pass():
    vectorizer = TextVectorization()
    # for an estimator of string input, check_estimator runs nothing: it
    # warns that it cannot make such data
    with pytest.warns(SkipTestWarning, match="Can't test estimator TextVectorization"):
        estimator_checks.check_estimator(vectorizer)
    for check in ("check_estimator_cloneable", "check_estimator_tags_renamed",
                  "check_valid_tag_types", "check_estimator_repr",
                  "check_no_attributes_set_in_init", "check_mixin_order",
                  "check_do_not_raise_errors_in_init_or_set_params",
                  "check_parameters_default_constructible",
                  "check_get_params_invariance", "check_set_params"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            getattr(estimator_checks, check)("TextVectorization", clone(vectorizer))


def test_it_keeps_scikit_learn_s_contract_on_text():
    # the data-dependent checks check_estimator skips, on documents: fit
    # leaves the parameters, refits the same, pickles, and transforms rows
    # independently of their order and batch
    documents = [f"w{i % 7} w{i % 3} w{i % 5} w{i}" for i in range(30)]
    vectorizer = TextVectorization(8, 5)
    params = vectorizer.get_params()
    ids = vectorizer.fit_transform(documents)
    assert vectorizer.get_params() == params
    np.testing.assert_array_equal(vectorizer.fit(documents).transform(documents), ids)
    np.testing.assert_array_equal(clone(vectorizer).fit(documents).transform(documents), ids)
    restored = pickle.loads(pickle.dumps(vectorizer))
    np.testing.assert_array_equal(restored.transform(documents), ids)
    order = np.random.RandomState(0).permutation(len(documents))
    np.testing.assert_array_equal(vectorizer.transform(np.array(documents)[order]), ids[order])
    np.testing.assert_array_equal(
        np.vstack([vectorizer.transform(documents[i:i + 7]) for i in range(0, 30, 7)]), ids)
    assert vectorizer.transform([]).shape == (0, 5)


def test_it_feeds_a_network_under_cross_validation_and_a_search():
    documents = [f"good {w} fine" if i % 2 else f"bad {w} poor" for i, w in
                 enumerate(["x", "y", "z", "u", "v", "w"] * 4)]
    labels = np.arange(len(documents)) % 2
    pipeline = make_pipeline(
        TextVectorization(max_tokens=20, output_sequence_length=4),
        NeuralNetClassifier(layers=[Embedding(20, 4, mask_zero=True),
                                    GlobalAveragePooling1D()],
                            learning_rate_init=0.05, max_iter=30, random_state=0),
    )
    assert cross_val_score(pipeline, documents, labels, cv=3).mean() == 1.0
    search = GridSearchCV(pipeline, {"textvectorization__output_sequence_length": [1, 4]},
                          cv=2).fit(documents, labels)
    # the first token, good or bad, is enough; the fourth is always padding
    assert search.best_estimator_[-1].n_features_in_ in (1, 4)
    assert search.best_score_ == 1.0


@pytest.mark.parametrize("bad", [None, 3, float("nan")])
def test_a_document_that_is_not_text_is_refused_by_row(bad):
    vectorizer = TextVectorization(max_tokens=10, output_sequence_length=4).fit(["ab cd", "cd"])
    with pytest.raises(ValueError, match=r"document 1 is .*not text; fill missing texts"):
        vectorizer.transform(["a", bad])
    with pytest.raises(ValueError, match=r"document 0 is .*not text"):
        TextVectorization().fit([bad, "ab"])
