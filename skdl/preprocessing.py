"""Preprocessing for networks: raw text to padded sequences of token ids.

:class:`TextVectorization` is the scikit-learn counterpart of Keras's layer
of the same name: a transformer, learnt in ``fit``, that turns each raw
document into a fixed-length row of integer ids, so that a pipeline goes
from strings to an :class:`~skdl.layers.Embedding` without tokenising by
hand. It tokenises with scikit-learn's own analyzers, those of
:class:`~sklearn.feature_extraction.text.CountVectorizer`, and takes their
options.
"""

import numbers
from collections import Counter

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._base import DOCS_URL
from ._versioned_state import VersionedStateMixin

__all__ = ["TextVectorization"]

PADDING_TOKEN = ""
"""Keras's padding token, id 0 (its ``mask_token`` in an ``int`` output)."""

OOV_TOKEN = "[UNK]"
"""Keras's out-of-vocabulary token, id 1."""

ANALYZER_OPTIONS = (
    "input",
    "encoding",
    "decode_error",
    "strip_accents",
    "lowercase",
    "preprocessor",
    "tokenizer",
    "stop_words",
    "token_pattern",
    "ngram_range",
    "analyzer",
)
"""The options of ``CountVectorizer`` that say how a document becomes
tokens; :meth:`TextVectorization.build_analyzer` hands them over as they are."""


class TextVectorization(ClassNamePrefixFeaturesOutMixin, TransformerMixin, VersionedStateMixin,
                        BaseEstimator):
    """Raw documents to padded rows of token ids, the vocabulary learnt in
    ``fit``: Keras's ``TextVectorization(output_mode="int")`` as a
    scikit-learn transformer.

    Each document is split into tokens by scikit-learn's analyzer of
    :class:`~sklearn.feature_extraction.text.CountVectorizer` with the same
    options (:meth:`build_analyzer`); each token becomes its id in the
    vocabulary, and the row is cut or padded at its end to
    ``output_sequence_length`` ids. As in Keras:

    - id 0 is padding and id 1 the unknown token (a token ``fit`` did not
      keep); the learnt tokens follow from id 2, the most frequent first;
    - ``max_tokens`` counts the padding and the unknown token, so that at
      most ``max_tokens - 2`` tokens are learnt and every id is below
      ``max_tokens``: ``Embedding(input_dim=max_tokens, ...)`` takes them all.

    Parameters
    ----------
    max_tokens : int or None, default=20000
        Largest vocabulary, padding and unknown token included; at least 3
        (Keras fails on 2, which learns no token).
        None keeps every token seen in ``fit``.
    output_sequence_length : int, default=200
        Length of every output row: longer documents lose their last
        tokens, shorter ones are padded with 0 at the end.
    input : {"content", "filename", "file"}, default="content"
        What each item of ``X`` is, as in ``CountVectorizer``: the text
        itself, or the name of a file, or a file object, to read it from.
    encoding : str, default="utf-8"
        How to decode bytes or files.
    decode_error : {"strict", "ignore", "replace"}, default="strict"
        What to do with bytes that are not of ``encoding``.
    strip_accents : {"ascii", "unicode"} or callable, default=None
        Accent removal, as in ``CountVectorizer``.
    lowercase : bool, default=True
        Lowercase the text before tokenising.
    preprocessor : callable, default=None
        Replaces the lowercasing and accent stripping (``analyzer`` not
        callable).
    tokenizer : callable, default=None
        Replaces ``token_pattern`` (``analyzer="word"``).
    stop_words : {"english"}, list or None, default=None
        Tokens to drop before counting (``analyzer="word"``).
    token_pattern : str or None, default=r"(?u)\\b\\w\\w+\\b"
        The regular expression a token matches (``analyzer="word"``): by
        default, words of two or more letters or digits.
    ngram_range : tuple (min_n, max_n), default=(1, 1)
        The n-grams to make, as in ``CountVectorizer``. A document's
        tokens come n by n: its words, then its pairs of words (Keras's
        ``ngrams`` gives the same order).
    analyzer : {"word", "char", "char_wb"} or callable, default="word"
        Tokens of words or of characters, or a callable from a document
        to its tokens.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Each learnt token's id, from 2.

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : The same analyzers,
        counting tokens into a bag of words.
    skdl.layers.Embedding : The layer that takes the ids.

    Notes
    -----
    Tokens that occur equally often are ordered as Keras orders them: the
    one that sorts last (by its characters' code points, as Keras sorts
    UTF-8 bytes) comes first.

    ``X`` is an iterable of documents (a list, a 1-D array, a pandas
    Series), or a 2-D array or DataFrame of one column, so that the
    transformer works in a ``ColumnTransformer`` given the column as a
    name or as a list of one name.

    Keras's tokenising lowercases, strips punctuation and splits at
    whitespace; scikit-learn's, by default, keeps words of two characters or
    more. With ``token_pattern=r"\\S+"``, on text without punctuation, both
    give the same tokens, and then the same vocabulary and ids (n-grams
    included).

    Examples
    --------
    >>> from skdl.preprocessing import TextVectorization
    >>> vectorizer = TextVectorization(max_tokens=6, output_sequence_length=5)
    >>> vectorizer.fit_transform(["the cat sat", "the dog", "a dog barked"])
    array([[2, 5, 4, 0, 0],
           [2, 3, 0, 0, 0],
           [3, 1, 0, 0, 0]])
    >>> vectorizer.get_vocabulary()
    ['', '[UNK]', 'the', 'dog', 'sat', 'cat']
    >>> vectorizer.transform(["the cat and the dog sat down"])
    array([[2, 5, 1, 2, 3]])
    """

    _doc_link_module = "skdl"
    _doc_link_template = DOCS_URL + "generated/skdl.preprocessing.{estimator_name}.html"

    _parameter_constraints: dict = {
        "max_tokens": [Interval(numbers.Integral, 3, None, closed="left"), None],
        "output_sequence_length": [Interval(numbers.Integral, 1, None, closed="left")],
        **{option: CountVectorizer._parameter_constraints[option]
           for option in ANALYZER_OPTIONS},
    }

    def __init__(
        self,
        max_tokens=20000,
        output_sequence_length=200,
        *,
        input="content",
        encoding="utf-8",
        decode_error="strict",
        strip_accents=None,
        lowercase=True,
        preprocessor=None,
        tokenizer=None,
        stop_words=None,
        token_pattern=r"(?u)\b\w\w+\b",
        ngram_range=(1, 1),
        analyzer="word",
    ):
        self.max_tokens = max_tokens
        self.output_sequence_length = output_sequence_length
        self.input = input
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.ngram_range = ngram_range
        self.analyzer = analyzer

    def build_analyzer(self):
        """The callable that splits one document into its tokens.

        Returns
        -------
        callable
            ``CountVectorizer(...).build_analyzer()`` with this
            transformer's options.
        """
        options = {option: getattr(self, option) for option in ANALYZER_OPTIONS}
        return CountVectorizer(**options).build_analyzer()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary: the ``max_tokens - 2`` most frequent tokens.

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_samples, 1)
            The documents (see ``input``).
        y : None
            Ignored.

        Returns
        -------
        self : TextVectorization

        Raises
        ------
        ValueError
            If ``X`` is one string, or 2-D of more than one column, or
            holds no document, or no token at all.
        """
        documents = self._documents(X)
        if len(documents) == 0:
            raise ValueError(
                "TextVectorization.fit: found 0 documents (shape=(0,)) while a minimum "
                "of 1 is required."
            )
        analyze = self.build_analyzer()
        counts = Counter()
        for document in documents:
            counts.update(analyze(document))
        # Keras leaves its special tokens out of the learnt ones
        counts.pop(PADDING_TOKEN, None)
        counts.pop(OOV_TOKEN, None)
        if not counts:
            raise ValueError(
                f"TextVectorization.fit: the {len(documents)} documents hold no token "
                "(empty vocabulary): they are empty, or hold only stop words, or no "
                f"word matches token_pattern={self.token_pattern!r}; check the "
                "documents or the tokenising options."
            )
        # Keras's order: by count, ties by token, both descending
        ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]), reverse=True)
        if self.max_tokens is not None:
            ranked = ranked[: self.max_tokens - 2]
        self.vocabulary_ = {token: i + 2 for i, (token, _) in enumerate(ranked)}
        self._n_features_out = self.output_sequence_length
        return self

    def fit_transform(self, X, y=None):
        """:meth:`fit`, then :meth:`transform` of the same documents, read
        once (``X`` may be a generator).

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_samples, 1)
            The documents.
        y : None
            Ignored.

        Returns
        -------
        ndarray of int64 of shape (n_samples, output_sequence_length)
        """
        documents = self._documents(X)
        return self.fit(documents).transform(documents)

    def transform(self, X):
        """Each document as a row of ids, cut or padded with 0 at its end.

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_samples, 1)
            The documents.

        Returns
        -------
        ndarray of int64 of shape (n_samples, output_sequence_length)
            Ids: 0 is padding, 1 a token outside the vocabulary.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ValueError
            If ``X`` is one string, or 2-D of more than one column.
        """
        check_is_fitted(self)
        documents = self._documents(X)
        analyze = self.build_analyzer()
        length = self.output_sequence_length
        ids = np.zeros((len(documents), length), dtype=np.int64)
        lookup = self.vocabulary_.get
        for row, document in zip(ids, documents):
            tokens = analyze(document)[:length]
            row[: len(tokens)] = [lookup(token, 1) for token in tokens]
        return ids

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens by id, as Keras's ``get_vocabulary``.

        Parameters
        ----------
        include_special_tokens : bool, default=True
            Start with the padding token ``""`` (id 0) and the unknown token
            ``"[UNK]"`` (id 1); False lists the learnt tokens only.

        Returns
        -------
        list of str
        """
        check_is_fitted(self)
        special = [PADDING_TOKEN, OOV_TOKEN] if include_special_tokens else []
        return special + list(self.vocabulary_)

    def vocabulary_size(self):
        """Number of ids the transformer gives, the special ones included:
        the ``input_dim`` an :class:`~skdl.layers.Embedding` needs.

        Returns
        -------
        int
        """
        check_is_fitted(self)
        return len(self.vocabulary_) + 2

    def _documents(self, X):
        """``X`` as a 1-D sequence of documents, a single column taken out of
        a 2-D array or DataFrame; anything else refused."""
        if isinstance(X, (str, bytes)):
            raise ValueError(
                "TextVectorization: an iterable of raw text documents is expected, got "
                "one string; pass a list of documents, such as [text]."
            )
        if sp.issparse(X):
            raise TypeError(
                f"TextVectorization: raw text documents are expected, got a sparse "
                f"matrix of shape {X.shape}; pass the documents themselves."
            )
        if not hasattr(X, "__len__"):  # a generator of documents
            X = list(X)
        documents = np.asarray(X, dtype=object)
        if documents.ndim == 2 and documents.shape[1] == 1:
            documents = documents[:, 0]
        if documents.ndim != 1:
            raise ValueError(
                f"TextVectorization: the documents must be 1-D, or 2-D of one column, got "
                f"shape {documents.shape}; select the text column alone (in a "
                "ColumnTransformer, give it as 'column' or ['column'])."
            )
        for row, document in enumerate(documents):
            if not isinstance(document, (str, bytes)):
                raise ValueError(
                    f"TextVectorization: document {row} is {document!r}, of type "
                    f"{type(document).__name__}, not text; fill missing texts with '' "
                    "(SimpleImputer(strategy='constant', fill_value='') on the column) "
                    "and convert other values with str."
                )
        return documents

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.transformer_tags.preserves_dtype = []
        return tags
