"""Docstring sections shared by the estimators trained by gradient, so
that a parameter is described once."""

TRAINING_PARAMETERS = """
    solver : {"lbfgs", "sgd", "adam"}, default="adam"
        Weight optimizer: L-BFGS (full batch, through SciPy), stochastic
        gradient descent, or Adam.

    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha / 2 * sum(coef ** 2)``, divided
        by the (weighted) number of samples in the batch.

    batch_size : int or "auto", default="auto"
        Mini-batch size for the stochastic solvers; ``"auto"`` is
        ``min(200, n_samples)``.

    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Step-size schedule of ``solver="sgd"``.

    learning_rate_init : float, default=0.001
        Initial step size of the stochastic solvers.

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
        Momentum of ``solver="sgd"``.

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with ``solver="sgd"``.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the
        validation score stops improving; the best weights are kept.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's moment estimates.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

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
        a dict ``{"epoch", "loss", "validation_score", "elapsed",
        "estimator"}``; training stops when one returns True. scikit-learn's
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
        Validation score after each epoch (early stopping only).

    best_validation_score_ : float or None
        Best validation score (early stopping only).

    t_ : int
        Training samples seen by the stochastic solvers.

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
        ``validation_score`` and ``elapsed`` seconds."""
"""The fitted attributes that describe data and outputs."""
