"""scikit-learn's callback API (``sklearn.callback``, new in scikit-learn
1.9) on skdl's estimators.

An estimator registers scikit-learn callbacks with ``set_callbacks`` (from
``CallbackSupportMixin``). Each ``fit`` or ``partial_fit`` call is a task
whose sub-tasks are its epochs (L-BFGS: its iterations), as
scikit-learn's ``LogisticRegression`` makes its L-BFGS iterations the
sub-tasks of its fit. Every epoch ends with the attributes that make a copy
of the estimator predict as the model stood at the end of that epoch, which
is what ``sklearn.callback.ScoringMonitor`` scores. Inside a ``Pipeline``
or a search, the meta-estimator's task tree takes the fit in, as for
scikit-learn's own estimators.

Where the installed scikit-learn predates the API, ``CallbackSupportMixin``
is an empty class (the estimators have no ``set_callbacks``) and
:class:`FitTasks` reports nothing.
"""

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn before 1.9

    class CallbackSupportMixin:
        """Stands for scikit-learn's ``CallbackSupportMixin`` where scikit-learn
        has no callback API: it adds nothing, so the estimators train as they
        did before the API existed."""


FIT_CONTEXT_ATTRIBUTES = (
    "_callback_fit_ctx", "_skl_callbacks_to_teardown", "_parent_callback_ctx",
)
"""The attributes scikit-learn sets on an estimator for the duration of one
fit (its task tree and the callbacks to tear down): a snapshot of a model
in training leaves them out."""


class FitTasks:
    """One fit call and its epochs, as the estimator's scikit-learn callbacks
    see them: a task whose sub-tasks are the epochs.

    Creating it opens the fit's task, which sets up the callbacks; the
    estimator's ``_fit_context`` tears them down when the call returns or
    raises. So it is created before anything that may raise is tried, and
    lives no longer than the call: it holds the call's training data, which
    the callbacks score on.

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted.
    max_epochs : int
        The most epochs (sub-tasks) the call can run.
    epoch_name : str, default="epoch"
        The sub-tasks' name in the task tree (``"iteration"`` for L-BFGS).
    """

    def __init__(self, estimator, max_epochs, epoch_name="epoch"):
        self.estimator = estimator
        self.epoch_name = epoch_name
        self.context = (
            estimator._init_callback_context(max_subtasks=max_epochs)
            if hasattr(estimator, "_init_callback_context") else None
        )
        self.epoch_context = None
        self.data = {}

    @classmethod
    def of_call(cls, estimator, *, lbfgs, incremental):
        """The task of one ``fit`` or ``partial_fit`` call of ``estimator``:
        up to ``max_iter`` epochs, one for ``partial_fit``; with L-BFGS its
        iterations, one more than ``max_iter`` for the sub-task begun for an
        iteration L-BFGS does not take.

        Parameters
        ----------
        estimator : estimator
            The estimator being fitted, with ``max_iter``.
        lbfgs : bool
            Whether the call trains with L-BFGS.
        incremental : bool
            Whether the call is ``partial_fit``.

        Returns
        -------
        FitTasks
        """
        if lbfgs:
            return cls(estimator, estimator.max_iter + 1, "iteration")
        return cls(estimator, 1 if incremental else estimator.max_iter)

    def begin(self, X, y, sample_weight):
        """Begin the fit's task, on the validated training data.

        Parameters
        ----------
        X : ndarray or sparse matrix
            The validated training rows, as ``predict`` takes them.
        y : ndarray
            The validated targets, as ``score`` takes them.
        sample_weight : ndarray or None
            The user's sample weights (class weights not applied), passed
            to scorers as metadata.
        """
        if self.context is None:
            return
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self.data = {"X": X, "y": y, "metadata": metadata}
        self.context.call_on_fit_task_begin(estimator=self.estimator, **self.data)

    def epoch_begin(self, attributes):
        """Begin the next epoch's sub-task.

        Parameters
        ----------
        attributes : callable
            Returns the fitted attributes of the model as the epoch starts
            (copies); called only if a callback asks for the fitted model.
        """
        if self.context is None:
            return
        self.epoch_context = self.context.subcontext(task_name=self.epoch_name)
        self.epoch_context.call_on_fit_task_begin(
            estimator=self.estimator, **self.data, reconstruction_attributes=attributes,
        )

    def epoch_end(self, attributes=None):
        """End the current epoch's sub-task.

        Parameters
        ----------
        attributes : callable or None, default=None
            Returns the fitted attributes of the model as the epoch ends
            (copies). None ends a sub-task that never ran (the iteration
            L-BFGS would have taken next), reporting nothing about it.

        Returns
        -------
        bool
            Whether a callback asks to stop training.
        """
        if self.epoch_context is None:
            return False
        context, self.epoch_context = self.epoch_context, None
        data = {} if attributes is None else self.data
        return bool(context.call_on_fit_task_end(
            estimator=self.estimator, **data, reconstruction_attributes=attributes,
        ))

    def end(self):
        """End the fit's task, with the estimator as fitted."""
        if self.context is None:
            return
        self.context.call_on_fit_task_end(
            estimator=self.estimator, **self.data, reconstruction_attributes={},
        )
