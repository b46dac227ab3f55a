"""Docstring sections shared by the estimators trained by gradient, so
that a parameter is described once."""

TRAINING_PARAMETERS = """
    solver : str or Optimizer, default="adam"
        Weight optimizer: ``"lbfgs"`` (full batch, through SciPy), or one
        that trains in mini-batches, by name (``"sgd"``, ``"adam"``,
        ``"adamw"``, ``"rmsprop"``, ``"nadam"``) or as an object of
        :mod:`skdl.optimizers` (``AdamW(weight_decay=1e-2, clipnorm=1.0)``).
        A name builds its optimizer from ``learning_rate_init`` (or a
        schedule given as ``learning_rate``) and, as they apply,
        ``momentum``, ``nesterovs_momentum``, ``beta_1``, ``beta_2`` and
        ``epsilon``; the others take the class's defaults. An object brings
        its own settings, and those parameters are then ignored; the fit
        trains a copy of it (see ``optimizer_``), and its parameters can be
        searched as ``solver__<name>``.

    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha / 2 * sum(coef ** 2)``, divided
        by the (weighted) number of samples in the batch: a term of the loss
        on the kernels (not the biases), whose gradient clipping sees; an
        optimizer's ``weight_decay`` is another, decoupled decay.

    batch_size : int or "auto", default="auto"
        Mini-batch size for the stochastic solvers; ``"auto"`` is
        ``min(200, n_samples)``.

    learning_rate : str or LearningRateSchedule, default="constant"
        Step-size schedule of a solver given by name: ``"constant"``,
        ``"invscaling"``, ``"adaptive"`` or a schedule. ``"invscaling"``
        and ``"adaptive"`` are scikit-learn's rules for ``solver="sgd"``
        (other names keep a constant rate): ``"invscaling"`` sets the rate to
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch, ``t``
        counting samples seen; ``"adaptive"`` divides it by 5 when training
        stops improving, down to 1e-6. A schedule of :mod:`skdl.schedules`
        sets the rate of each mini-batch step, for every solver name, and
        ``learning_rate_init`` is then unused. Ignored when ``solver`` is an
        optimizer object.

    learning_rate_init : float, default=0.001
        Initial step size of a solver given by name (unused with a schedule
        as ``learning_rate``, or an optimizer object as ``solver``).

    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.

    max_iter : int, default=200
        Maximum epochs (stochastic solvers) or iterations (L-BFGS).

    shuffle : bool, default=True
        Shuffle the samples each epoch (stochastic solvers).

    random_state : int, RandomState instance or None, default=None
        Seed for weight initialisation, shuffling and the validation split.

    tol : float, default=1e-4
        Improvement in loss or validation score below which an epoch counts
        as no progress; for L-BFGS, the gradient tolerance.

    verbose : bool, default=False
        Print the loss after every iteration.

    warm_start : bool, default=False
        Start ``fit`` from the previous solution instead of fresh weights.

    momentum : float, default=0.9
        Momentum of ``solver="sgd"`` (by name).

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with ``solver="sgd"`` (by name).

    early_stopping : bool, default=False
        Stop when the validation score (see ``scoring``) has not improved
        by ``tol`` for ``n_iter_no_change`` epochs, and keep the weights of
        the best epoch. The validation set is the ``X_val`` given to
        ``fit``, or else ``validation_fraction`` of ``X``, held out. L-BFGS
        ignores it.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping when ``fit``
        is given no ``X_val``.

    scoring : str, callable or None, default=None
        The validation score that early stopping watches and
        ``validation_scores_`` records (higher is better): None is the
        estimator's ``score`` (accuracy for classifiers, R² for
        regressors); ``"loss"`` is minus the validation loss (see
        ``validation_loss_curve_``), as scikit-learn's HistGradientBoosting
        scores its loss; any other string is a scikit-learn scorer name
        (:func:`sklearn.metrics.get_scorer_names`), and a callable is a
        scorer ``scorer(estimator, X, y)``. Unused without validation data.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the moment estimates of ``solver="adam"``,
        ``"adamw"`` and ``"nadam"`` (by name).

    epsilon : float, default=1e-8
        Numerical-stability constant of ``solver="adam"``, ``"adamw"``,
        ``"nadam"`` and ``"rmsprop"`` (by name).

    n_iter_no_change : int, default=10
        Epochs without progress (see ``tol``) before stopping.

    max_fun : int, default=15000
        Maximum loss evaluations of L-BFGS.

    output_activation : str or Activation, default="auto"
        Output-layer activation. ``"auto"`` picks the one that pairs with
        ``loss`` (see the loss above).

"""
"""The parameters of the solvers and the output, in numpydoc form."""

CALLBACKS_PARAMETER = """
    callbacks : list of Callback or callable, default=None
        Followed through training, in order. A
        :class:`skdl.callbacks.Callback` (such as
        :class:`~skdl.callbacks.EarlyStopping`,
        :class:`~skdl.callbacks.ReduceLROnPlateau`,
        :class:`~skdl.callbacks.ModelCheckpoint`,
        :class:`~skdl.callbacks.LearningRateScheduler` or
        :class:`~skdl.callbacks.CSVLogger`) gets Keras's lifecycle: the start
        and end of training, of every epoch (every iteration for L-BFGS)
        and, if it asks, of every batch. Any other callable (such as
        :class:`~skdl.callbacks.ProgressBar`) is called after every epoch with
        a dict ``{"epoch", "loss", "validation_score",
        "validation_loss", "elapsed", "learning_rate", "estimator"}``;
        training stops when one returns True. scikit-learn's
        own callbacks (``sklearn.callback``) are registered with
        ``set_callbacks`` instead."""
"""The ``callbacks`` parameter."""

TRAINING_ATTRIBUTES = """
    loss_ : float
        Objective (loss plus penalty) at the end of training.

    best_loss_ : float or None
        Lowest training loss seen (None with early stopping).

    loss_curve_ : list of float
        Objective after each epoch or L-BFGS iteration; the log loss takes
        probabilities clipped to ``[eps, 1 - eps]``, as scikit-learn's does.
        A call whose loss ends 10 times or more above where it started warns
        with a ``ConvergenceWarning``.

    validation_scores_ : list of float or None
        Validation score (see ``scoring``) after each epoch or L-BFGS
        iteration, when there is validation data (``X_val``, or early
        stopping's held-out rows); None otherwise.

    validation_loss_curve_ : list of float or None
        The objective on the validation data after each epoch or L-BFGS
        iteration, beside ``loss_curve_``: the (sample-weighted) mean loss
        plus the L2 term with the validation rows taken as one batch, as
        each batch's objective is in ``loss_curve_``. None without
        validation data. Both curves extend over warm-started and
        ``partial_fit`` calls while each call has validation data.

    best_validation_score_ : float or None
        Validation score of the weights early stopping kept (early stopping
        only): the score of the fitted model on the validation data.

    t_ : int
        Training samples seen by the stochastic solvers.

    optimizer_ : Optimizer or None
        The optimizer that trained, with its state (moments, ``iterations``):
        a copy of ``solver`` when it is an object, else the one its name
        builds; ``partial_fit`` goes on with it. None for ``"lbfgs"``.
        Assigning its ``learning_rate`` between epochs (from a callback) or
        between ``partial_fit`` calls sets the rate of the steps that follow.

"""
"""The fitted attributes that record training."""

MODEL_ATTRIBUTES = """
    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of str
        Names of the features seen during fit, when X had string column names.

    n_iter_ : int
        Epochs (or L-BFGS iterations) run by the last call.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        Name of the output activation.

    history_ : list of dict
        One record per epoch (L-BFGS: per iteration): ``epoch``, ``loss``,
        ``validation_score``, ``validation_loss`` (None without validation
        data), ``elapsed`` seconds and ``learning_rate``, the optimizer's
        rate as the epoch ends: the rate its steps took, or a schedule's
        value at the steps taken so far, as Keras's callbacks read it (None
        for L-BFGS)."""
"""The fitted attributes that describe data and outputs."""

VALIDATION_FIT_PARAMETERS = """X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            Validation rows, in the form of ``X``. Given, they replace the
            ``validation_fraction`` split, and every row of ``X`` trains:
            early stopping watches them, and ``validation_scores_`` and
            ``validation_loss_curve_`` record every epoch on them (also
            without early stopping, and per iteration for L-BFGS). In a
            pipeline, ``Pipeline(..., transform_input=["X_val"])`` transforms
            them as ``X`` (with metadata routing enabled and
            ``set_fit_request(X_val=True, y_val=True)``). Not kept after fit.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``, in the form of ``y``; a classifier's labels
            must be classes of ``y``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation rows in the score and the validation
            loss (class weights apply to training only, as in Keras)."""
"""The validation parameters of ``fit``, indented for a method's docstring."""


def document_validation_parameters(fit):
    """Put :data:`VALIDATION_FIT_PARAMETERS` where ``fit``'s docstring says
    ``{validation_parameters}``; return ``fit``."""
    fit.__doc__ = fit.__doc__.replace("{validation_parameters}", VALIDATION_FIT_PARAMETERS)
    return fit
