"""Build time of the step model against the recording's size, and what a stepper sends to the browser.

    .venv/bin/python bench/bench_step_model.py [--quick] [--stepper] [--browser] [--baseline DIR]

The step model is GraphModel.from_recording: the recording read once into every step's states,
captions, chain-rule lines, predict-mode questions and the browser's per-step changes. Targets
(issue 10): a 1,000-op recording builds in at most 1 s and a 200-op one in at most 0.2 s, and time
and bytes grow linearly (per-op figures stay flat as the recording grows).

Programs of N ops (forward ops; the backward pass adds about as many events again):
  chain    h = h * 0.9 + 0.1, N/2 times
  fan-in   h = h * 0.9 + x, N/2 times: x feeds every add, so dx sums N/2 paths (the longest
           chain-rule derivations and path-share questions)
  layers   h = tanh(h * w_i + b_i) on 4-vectors, N/3 layers with their parameters named
Columns: model build CPU time (best of 3, this process), per op; bytes the stepper sends besides the
SVG (its frames, node and edge tables, as JSON), per op.
--stepper   the whole GraphStepper (CPU time: the model, the widget, and Graphviz's layout, which
            runs as a child process), the SVG's size.
--browser   the stepper's front end (widgets/static/stepper.js) in headless Chromium with a
            stand-in for anywidget's model: time to render, the JS heap it adds (after a GC), median
            time of a step, and of a walk through the first 300 steps and back.
--baseline DIR   the same stepper figures for another checkout (e.g. `git archive main`), in a
            child process, so before and after are measured in one run.
Timings on a shared machine are noisy: compare the ratios within one run.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__" and "--worker" not in sys.argv:
    sys.path.insert(0, str(ROOT))

SIZES, QUICK_SIZES = (100, 200, 400, 1000, 2000), (200, 1000)
TARGETS = {200: 0.2, 1000: 1.0}


def program(kind, n_ops):
    """A recording of about n_ops forward ops (and its backward pass), and the names it uses."""
    import autograd_core as torch
    names = {}
    with torch.record() as rec:
        if kind == "layers":
            torch.manual_seed(0)
            h = torch.randn(4)
            for i in range(max(1, n_ops // 3)):
                w = torch.randn(4, requires_grad=True)
                b = torch.randn(4, requires_grad=True)
                names[f"l{i}.weight"], names[f"l{i}.bias"] = w, b
                h = torch.tanh(h * w + b)
            loss = h.sum()
        else:
            x = torch.tensor(0.5, requires_grad=True)
            names["x"] = x
            h = x
            for _ in range(n_ops // 2):
                h = h * 0.9 + (x if kind == "fan-in" else 0.1)
            loss = h
        names["loss"] = loss
        loss.backward()
    return rec, names


def best_cpu(fn, repeat=3):
    best = None
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        t = time.process_time() - t0
        best = t if best is None else min(best, t)
    return best


def model_figures(kind, n):
    from widgets.graph_model import GraphModel
    from widgets.stepper import front_end_edges, front_end_nodes
    rec, names = program(kind, n)
    model = None

    def build():
        nonlocal model
        model = GraphModel.from_recording(rec, names=names)
    cpu = best_cpu(build)
    sent = len(json.dumps(model.frames)) + len(json.dumps(front_end_nodes(model))) + \
        len(json.dumps(front_end_edges(model)))
    return {"events": len(rec.events), "nodes": len(model.nodes), "steps": len(model.states),
            "build_s": cpu, "sent_bytes": sent}


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def stepper_figures(kind, n, dump=None):
    """CPU time of GraphStepper(rec): this process's and Graphviz's (`dot` runs as a child
    process), the SVG and state sizes; with dump, the front end's state goes to that file."""
    from widgets import stepper as stepper_module
    rec, names = program(kind, n)
    t0, c0 = time.process_time(), children_cpu()
    stepper = stepper_module.GraphStepper(rec, names=names)
    dot_time = children_cpu() - c0
    total = time.process_time() - t0 + dot_time
    state = {k: v for k, v in stepper.get_state().items() if not k.startswith("_model_")
             and not k.startswith("_view_") and k not in ("_esm", "_css", "_dom_classes", "layout",
                                                           "tabbable", "tooltip")}
    steps_key = "_frames" if "_frames" in state else "_steps"
    out = {"stepper_s": total, "dot_s": dot_time, "svg_bytes": len(state.get("_svg", "")),
           "state_bytes": len(json.dumps({k: v for k, v in state.items() if k != "_svg"})),
           "n_steps": len(state[steps_key])}
    if dump:
        Path(dump).write_text(json.dumps({"state": state,
                                          "esm": str(Path(stepper_module.__file__).parent /
                                                     "static" / "stepper.js"),
                                          "css": str(Path(stepper_module.__file__).parent /
                                                     "static" / "stepper.css")}))
    return out


# --- the front end in Chromium -----------------------------------------------------------------
SHIM = """
window.__makeModel = (state) => {
  const handlers = {};
  return {
    cid: "bench",
    get: (k) => state[k],
    set: (k, v) => { const old = state[k]; state[k] = v;
                     if (old !== v) (handlers["change:" + k] || []).forEach((f) => f()); },
    on: (e, f) => { (handlers[e] = handlers[e] || []).push(f); },
    off: (e, f) => { handlers[e] = (handlers[e] || []).filter((g) => g !== f); },
    save_changes: () => {},
    send: () => {},
  };
};
"""

MEASURE = """async ([state, maxWalk]) => {
  const heap = () => { window.gc(); return performance.memory.usedJSHeapSize; };
  const before = heap();
  const t0 = performance.now();
  const model = window.__makeModel(state);
  const host = document.getElementById('host');
  window.__render({model, el: host});
  host.getBoundingClientRect();
  const render_ms = performance.now() - t0;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const heap_mb = (heap() - before) / 1e6;
  const n = state._frames ? state._frames.length : state._steps.length;
  const steps = [];
  const t1 = performance.now();
  const last = Math.min(n - 1, maxWalk);
  for (let k = 1; k <= last; k++) {
    const s = performance.now();
    model.set('step', k);
    host.getBoundingClientRect();
    steps.push(performance.now() - s);
  }
  for (let k = last - 1; k >= 0; k--) model.set('step', k);
  host.getBoundingClientRect();
  const walk_ms = performance.now() - t1;
  steps.sort((a, b) => a - b);
  return {render_ms, heap_mb, step_median_ms: steps[Math.floor(steps.length / 2)] || 0,
          walk_ms, walked: last};
}"""


def browser_figures(dump_path, max_walk=300):
    from playwright.sync_api import sync_playwright
    dump = json.loads(Path(dump_path).read_text())
    js = Path(dump["esm"]).read_text().replace("export default { render };",
                                                "window.__render = render;")
    css = Path(dump["css"]).read_text()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                    headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage",
                                          "--enable-precise-memory-info", "--js-flags=--expose-gc"])
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_content(f"<html><head><style>{css}</style></head><body><div id='host'>"
                             "</div></body></html>")
            page.add_script_tag(content=SHIM)
            page.add_script_tag(content=js)
            return page.evaluate(MEASURE, [dump["state"], max_walk])
        finally:
            browser.close()


def worker(args):
    """Child process (--worker): stepper figures of this checkout (for --baseline)."""
    kind, n, dump = args
    print(json.dumps(stepper_figures(kind, int(n), dump or None)))


def baseline_figures(directory, kind, n, dump):
    env = dict(os.environ, PYTHONPATH=str(Path(directory).resolve()))
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", kind, str(n),
                          dump or ""], env=env, capture_output=True, text=True, timeout=3600)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    if "--worker" in sys.argv:
        return worker(sys.argv[sys.argv.index("--worker") + 1:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 and 1,000 ops only")
    ap.add_argument("--stepper", action="store_true", help="also the whole GraphStepper")
    ap.add_argument("--browser", action="store_true", help="also the front end in Chromium")
    ap.add_argument("--baseline", metavar="DIR", help="another checkout to compare with")
    ap.add_argument("--programs", default="chain,fan-in,layers")
    args = ap.parse_args()
    sizes = QUICK_SIZES if args.quick else SIZES
    kinds = args.programs.split(",")

    print("Step model build (GraphModel.from_recording), CPU time, best of 3; bytes sent besides "
          "the SVG")
    print(f"{'program':8} {'ops':>5} {'events':>6} {'nodes':>6} {'build s':>8} {'µs/op':>6} "
          f"{'sent KB':>8} {'B/op':>6}  target")
    for kind in kinds:
        for n in sizes:
            f = model_figures(kind, n)
            target = TARGETS.get(n)
            verdict = "" if target is None else \
                f"<= {target} s: {'met' if f['build_s'] <= target else 'MISSED'}"
            print(f"{kind:8} {n:5d} {f['events']:6d} {f['nodes']:6d} {f['build_s']:8.3f} "
                  f"{1e6 * f['build_s'] / n:6.0f} {f['sent_bytes'] / 1e3:8.1f} "
                  f"{f['sent_bytes'] / n:6.0f}  {verdict}", flush=True)

    if not (args.stepper or args.browser or args.baseline):
        return
    print("\nThe whole GraphStepper (CPU time: model + widget + Graphviz's layout); browser: its "
          "front end in Chromium")
    head = (f"{'program':8} {'ops':>5} {'which':9} {'stepper s':>9} {'of it dot':>9} {'SVG KB':>7} "
            f"{'state KB':>8}")
    if args.browser:
        head += f" {'render ms':>9} {'+heap MB':>8} {'step ms':>7} {'walk s':>7}"
    print(head)
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            for n in sizes:
                runs = [("this", None)]
                if args.baseline and n <= 1000:   # the old stepper takes minutes beyond
                    runs.append(("baseline", args.baseline))
                for which, directory in runs:
                    dump = os.path.join(tmp, f"{which}_{kind}_{n}.json") if args.browser else None
                    try:
                        s = (baseline_figures(directory, kind, n, dump) if directory
                             else stepper_figures(kind, n, dump))
                    except Exception as error:  # (Graphviz's time limit: said, and the table goes on)
                        print(f"{kind:8} {n:5d} {which:9} {type(error).__name__}: {str(error)[:70]}...",
                              flush=True)
                        continue
                    line = (f"{kind:8} {n:5d} {which:9} {s['stepper_s']:9.2f} {s['dot_s']:9.2f} "
                            f"{s['svg_bytes'] / 1e3:7.0f} {s['state_bytes'] / 1e3:8.0f}")
                    if args.browser:
                        b = browser_figures(dump)
                        line += (f" {b['render_ms']:9.0f} {b['heap_mb']:8.1f} "
                                 f"{b['step_median_ms']:7.2f} {b['walk_ms'] / 1e3:7.2f}")
                    print(line, flush=True)


if __name__ == "__main__":
    main()
