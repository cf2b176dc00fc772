"""Views of the computation graph for JupyterLab.

This package holds the pure-Python ``GraphModel`` (``widgets.graph_model``), the ``to_dot``
renderer and ``draw`` (``widgets.render``), and the anywidget views (``GraphStepper``,
``NodeInspector``, ``RegressionLab``), whose front-end modules ship in ``widgets/static/``.
It depends on ``autograd_core``; the engine never imports it.

    import autograd_core as torch, widgets
    w = torch.tensor(1., requires_grad=True); x = torch.tensor(2., requires_grad=True)
    y = (w + x) * (w + 1)
    widgets.draw(y)                      # tensor view; view="function" for the backward graph
"""
from .graph_model import Edge, GraphModel, Node, StepState, format_array, module_calls, simplify  # noqa: F401
from .render import (GraphvizNotFound, draw, export, render_svg, to_digraph,  # noqa: F401
                     to_dot)
from .lecture import lecture_mode, text_output_style  # noqa: F401  (widgets.lecture_mode(on=True, scale=1.5))

text_output_style()     # in a kernel: printed and error text breaks between words (widgets.lecture)

# The views import anywidget / matplotlib: loaded on first use, so `import widgets` stays light.
_LAZY = {"GraphStepper": "stepper", "NodeInspector": "inspector", "ChainRule": "chain_rule",
         "RegressionLab": "regression", "RegressionTrainer": "regression"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'widgets' has no attribute {name!r}")


__all__: list[str] = ["draw", "to_dot", "to_digraph", "export", "render_svg", "GraphModel", "Node",
                      "Edge", "StepState", "GraphvizNotFound", "format_array", "simplify", "module_calls",
                      "lecture_mode", *_LAZY]
