"""Pictures of skdl's estimators: loss curves, decision boundaries,
activation functions, loss landscapes, and the filters and feature maps of
convolutional networks.

Needs matplotlib, an optional extra (``pip install 'skdl[plot]'``), imported
only when a plot is drawn. Every function draws on an ``ax`` it is given (or
on a new figure), returns what it drew on and never calls ``plt.show()``.

The loss landscape follows Li, Xu, Taylor, Studer and Goldstein (2018),
"Visualizing the Loss Landscape of Neural Nets": the training objective on
the plane through the fitted weights spanned by two random, filter-normalised
directions.
"""

from ._activations import BUILTIN_ACTIVATIONS, plot_activations  # noqa: F401
from ._convolution import plot_conv_filters, plot_feature_maps
from ._decision_boundary import plot_decision_boundary
from ._loss_curve import plot_loss_curve
from ._loss_landscape import loss_landscape, plot_loss_landscape

__all__ = [
    "plot_loss_curve",
    "plot_decision_boundary",
    "plot_activations",
    "loss_landscape",
    "plot_loss_landscape",
    "plot_conv_filters",
    "plot_feature_maps",
]
