"""The order of the gallery's examples: that of the user guide."""

COURSE = [
    "plot_perceptron_vs_mlp.py",
    "plot_activation_gallery.py",
    "plot_regression_losses.py",
    "plot_grid_search.py",
    "plot_loss_landscape.py",
    "plot_solver_loss_curves.py",
    "plot_learning_rate_schedules.py",
    "plot_adamw_cosine_schedule.py",
    "plot_cnn_digits.py",
    "plot_cnn_batch_normalization.py",
    "plot_lstm_digits.py",
    "plot_forecasting.py",
    "plot_tabular_embeddings.py",
    "plot_text_classification.py",
    "plot_attention_digits.py",
    "plot_onnx_export.py",
    "plot_keras_round_trip.py",
    "plot_custom_layer.py",
    "quickstart.py",
]
"""Examples in the order the user guide meets their ideas; others follow,
by name."""


class CourseOrder:
    """sphinx-gallery sort key (``within_subsection_order``) for the order above.

    Parameters
    ----------
    src_dir : str
        The examples' folder (sphinx-gallery passes it).
    """

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        """Sort key of one example's file name."""
        position = COURSE.index(filename) if filename in COURSE else len(COURSE)
        return position, filename

    def __repr__(self):
        return "<CourseOrder>"
