"""Render benchmark: layout time (GraphModel build + to_dot + `dot -Tsvg`) against node count.

    python bench/bench_render.py [--quick] [--raw-5000]

The graph is a stack of layers h = tanh(h * w_i + b_i) (8 nodes per layer, the parameters named
"l<i>.weight" / "l<i>.bias" so each layer is an nn-module cluster), sized to about 50, 200, 1,000
and 5,000 nodes, drawn in the tensor view and in the function view. "raw" draws every node
(collapse=False); "auto" is what draw() does by default (above max_nodes=150: same-op chains
summarised, modules collapsed, the rest beyond 150 nodes from the root elided). Wall-clock time,
best of a few runs (dot runs in a child process, so CPU time of this process would miss it).
Target (issue 4): any graph the notebooks make lays out in under a second.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import autograd_core as torch  # noqa: E402
from widgets import GraphModel, render_svg, simplify, to_dot  # noqa: E402


def layers_graph(layers, width=4):
    torch.manual_seed(0)
    h = torch.randn(width)
    params = {}
    for i in range(layers):
        w = torch.randn(width, requires_grad=True)
        b = torch.randn(width, requires_grad=True)
        params[f"l{i}.weight"], params[f"l{i}.bias"] = w, b
        h = torch.tanh(h * w + b)
    return h.sum(), params


def measure(root, params, view, collapse, repeat):
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        model = GraphModel.from_tensors(root, view=view, names=params)
        t1 = time.perf_counter()
        dot = to_dot(model, collapse=collapse)
        t2 = time.perf_counter()
        render_svg(dot)
        t3 = time.perf_counter()
        times = (t1 - t0, t2 - t1, t3 - t2, t3 - t0)
        best = times if best is None or times[-1] < best[-1] else best
    drawn = len(simplify(model, collapse=collapse).nodes)
    return len(model.nodes), drawn, best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one run per row, skip the 5,000-node rows")
    ap.add_argument("--raw-5000", action="store_true", help="also lay out 5,000 nodes uncollapsed (slow)")
    args = ap.parse_args()
    repeat = 1 if args.quick else 3
    sizes = [6, 25, 125] + ([] if args.quick else [625])  # layers: ~50, 200, 1,000, 5,000 nodes
    print(f"{'view':9} {'mode':5} {'nodes':>6} {'drawn':>6} {'build ms':>9} {'to_dot ms':>9} "
          f"{'dot ms':>9} {'total ms':>9}")
    worst_auto = 0.0
    for view in ("tensor", "function"):
        for layers in sizes:
            root, params = layers_graph(layers)
            modes = ["raw", "auto"] if layers < 625 or args.raw_5000 else ["auto"]
            for mode in modes:
                collapse = False if mode == "raw" else None
                nodes, drawn, (build, todot, dot, total) = measure(root, params, view, collapse,
                                                                   repeat if layers < 625 else 1)
                if mode == "auto":
                    worst_auto = max(worst_auto, total)
                print(f"{view:9} {mode:5} {nodes:6d} {drawn:6d} {build * 1e3:9.1f} {todot * 1e3:9.1f} "
                      f"{dot * 1e3:9.1f} {total * 1e3:9.1f}")
    print(f"\nslowest default (auto) layout: {worst_auto * 1e3:.0f} ms "
          f"({'under' if worst_auto < 1 else 'OVER'} the 1 s target)")


if __name__ == "__main__":
    main()
