"""Views of the computation graph for JupyterLab (work in progress).

This package will hold the pure-Python ``GraphModel``, the ``to_dot`` renderer
and the anywidget views (``GraphStepper``, ``NodeInspector``,
``RegressionLab``), whose front-end modules ship in ``widgets/static/``.
It depends on ``autograd_core``; the engine never imports it.
"""

__all__: list[str] = []
