"""Redraw rate of RegressionLab's live panels (target: at least 20 redraws per second).

Kernel side (no browser): frames per second of one timer tick as the kernel handles it (one training
step, artists moved, the frame rendered and PNG-encoded whole for the front end), with the lab's
blitting (static background, moving artists only) and, for comparison in the same run, a full
figure redraw per frame, and the bare training step (autograd_core only). Rates are per second of
the process' CPU time, so that other work on a shared machine disturbs them less.

Browser side (--browser): runs tests/test_regression_browser.py, which clicks Play in JupyterLab
in headless Chromium and counts the frames the ipympl canvas paints in 2 s of playing.

    .venv/bin/python bench/bench_regression_redraw.py [--browser]
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from widgets.regression import RegressionLab, RegressionTrainer  # noqa: E402

N = 60


def make_lab():
    lab = RegressionLab(stop_loss=0.0, max_iter=10 * N)
    canvas = lab.canvas
    canvas.syncing_data_url = False        # as after the front end's "initialized" message
    sent = [0]
    canvas.send_binary = lambda data: sent.__setitem__(0, sent[0] + 1)   # count, don't send
    canvas.draw()                          # the front end's first draw request
    lab.play.value = True                  # Play (the timer itself needs a running event loop)
    return lab, sent


def rate(fn, n=N):
    """Calls per second of fn, by the process' CPU time (steadier than the wall clock on a busy
    machine; the kernel's tick is single-threaded CPU work)."""
    t0 = time.process_time()
    for _ in range(n):
        fn()
    return n / (time.process_time() - t0)


def kernel_rates():
    lab, sent = make_lab()
    s0 = sent[0]

    def tick():
        lab._tick()                        # what each tick of the Play timer does
    blit = rate(tick)
    frames = sent[0] - s0

    # the PNG encoding of one frame (ipympl's get_diff_image), part of every tick
    canvas = lab.canvas

    def encode():
        canvas._png_is_old = True
        canvas.get_diff_image()
    png_ms = 1000 / rate(encode)

    lab, _ = make_lab()

    def full():
        lab.trainer.step(1)
        lab._panels.update(lab.trainer)
        lab.canvas.draw()                  # full redraw: every axis, tick and contour again
    full_fps = rate(full)

    tr = RegressionTrainer(stop_loss=0.0, max_iter=10 * N)
    step_fps = rate(lambda: tr.step(1))
    return dict(blit_frames_per_s=round(blit, 1), frames_sent=frames,
                tick_ms=round(1000 / blit, 2), png_encode_ms=round(png_ms, 2),
                full_redraw_frames_per_s=round(full_fps, 1),
                blit_vs_full=round(blit / full_fps, 2),
                training_steps_per_s_no_drawing=round(step_fps, 1))


def browser_rate():
    out = subprocess.run([sys.executable, "-m", "pytest", "tests/test_regression_browser.py", "-q", "-k", "playing",
                          "-s", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ))
    for line in out.stdout.splitlines():
        if line.startswith("BROWSER_REDRAW"):
            return json.loads(line.split(" ", 1)[1])
    raise RuntimeError("browser run failed:\n" + out.stdout[-3000:] + out.stderr[-3000:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--browser", action="store_true", help="also measure in JupyterLab + Chromium")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    print(f"load average (1 min) {load:.1f} on {os.cpu_count()} CPUs")
    print("kernel", json.dumps(kernel_rates()))
    if args.browser:
        print("browser (timer interval 40 ms: at most 25/s)", json.dumps(browser_rate()))


if __name__ == "__main__":
    main()
