"""torch.profiler / torch.autograd.profiler: which ops a block of code ran, how often, and for how long.

    with torch.autograd.profiler.profile() as prof:
        with torch.autograd.profiler.record_function("my_block"):
            z = (z / x) * y
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))

The table has PyTorch's layout and column names. Events are named as PyTorch names them where this
engine has the same step: a forward op is ``aten::<op>`` (``aten::mul``; in place ``aten::add_``),
a factory ``aten::ones``, a backward step ``autograd::engine::evaluate_function: MulBackward0``
around ``MulBackward0`` (``torch::autograd::AccumulateGrad`` for a leaf), a record_function block
its label. PyTorch also records the ATen calls *inside* an op (aten::matmul's aten::mm, a scalar's
aten::to, the ops of each backward formula); this engine has no such calls to record.

How it measures: the profiler listens to the engine's recorder (STATE.recorder, the hook record()
uses; nothing else in the engine changes), which reports each op once it is done. An op's time is
the wall-clock time since the previous event (so it includes the Python between two ops), a
record_function block's the time from its start to its end. The numbers differ from PyTorch's
(another engine, another machine); the event names and counts are the comparable part.
"""
import enum
import json
import os
import sys
import time

from ._graph import STATE
from ._refusals import warn as _warn

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "EventList", "FunctionEvent",
           "FunctionEventAvg", "schedule", "tensorboard_trace_handler"]


class ProfilerAction(enum.Enum):
    """What torch.profiler.profile does at a step, as a schedule says."""
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


_RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 2

    def __repr__(self):
        return f"<ProfilerActivity.{self.name}: {self.value}>"


# the op-table rows whose ATen name is not "aten::" + the row's name without _dim / _tensor
_ATEN_NAMES = {"to": "aten::_to_copy", "unsafe_view": "aten::_unsafe_view",
               "reshape_alias": "aten::_reshape_alias", "norm": "aten::linalg_vector_norm",
               "softmax": "aten::_softmax", "log_softmax": "aten::_log_softmax", "rpow": "aten::pow",
               "pow_tensor": "aten::pow", "log_sigmoid": "aten::log_sigmoid_forward",
               "masked_fill_tensor": "aten::masked_fill", "index_put": "aten::index_put_",
               "squeeze_": "aten::squeeze", "squeeze_dim": "aten::squeeze", "max_dim": "aten::max",
               "min_dim": "aten::min", "split": "aten::split", "unbind": "aten::unbind"}
_FACTORIES = {"zeros", "ones", "empty", "full", "rand", "randn", "randint", "randperm", "arange",
              "linspace", "eye", "zeros_like", "ones_like", "empty_like", "full_like", "rand_like",
              "randn_like", "normal", "tensor", "as_tensor", "from_numpy"}
_FACTORY_NAMES = {"tensor": "aten::lift_fresh", "as_tensor": "aten::lift_fresh",
                  "from_numpy": "aten::from_numpy"}


def _aten_name(op, in_place):
    if op in _ATEN_NAMES:
        name = _ATEN_NAMES[op]
    else:
        base = op
        for suffix in ("_dim", "_tensor", "_number"):
            if base.endswith(suffix):
                base = base[:-len(suffix)]
        name = "aten::" + base
    if in_place and not name.endswith("_"):
        name += "_"
    return name


def _allocated(t):
    """The bytes a new result took: none for a view of another tensor's memory."""
    a = getattr(t, "_data", None)
    return a.nbytes if a is not None and a.flags.owndata else 0


def _shapes(inputs):
    return [list(x.shape) if hasattr(x, "shape") and hasattr(x, "_data") else [] for x in inputs or ()]


# --- events ---------------------------------------------------------------------------------------
class FormattedTimesMixin:
    """The times as the table prints them (torch.autograd.profiler_util.FormattedTimesMixin)."""

    @property
    def self_cpu_time_total_str(self):
        return _format_time(self.self_cpu_time_total)

    @property
    def cpu_time_total_str(self):
        return _format_time(self.cpu_time_total)

    @property
    def cpu_time_str(self):
        return _format_time(self.cpu_time)


class FunctionEvent(FormattedTimesMixin):
    """One recorded event: its name (``key``), its place (``cpu_parent``, ``cpu_children``), its
    times in microseconds (``cpu_time_total``: start to end; ``self_cpu_time_total``: less its
    children's), ``input_shapes`` when record_shapes."""

    def __init__(self, name, start_us, parent, input_shapes=None):
        self.id = None
        self.name = self.key = name
        self.time_range_start = start_us
        self.time_range_end = start_us
        self.cpu_parent = parent
        self.cpu_children = []
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.count = 1
        self.node_id = -1
        self.is_async = False
        self.is_legacy = False
        self.device_type = "CPU"
        self.use_device = None
        self.stack = []
        self.overload_name = ""
        self.flops = 0
        self.allocated = 0  # bytes this event's own result took (profile_memory)
        self.device_memory_usage = self.self_device_memory_usage = 0
        self.device_time_total = self.self_device_time_total = self.device_time = 0
        if parent is not None:
            parent.cpu_children.append(self)

    @property
    def self_cpu_memory_usage(self):
        return self.allocated

    @property
    def cpu_memory_usage(self):
        return self.allocated + sum(c.cpu_memory_usage for c in self.cpu_children)

    @property
    def cpu_time_total(self):
        return self.time_range_end - self.time_range_start

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_time(self):
        return self.cpu_time_total

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={self.cpu_time_str} "
                f"input_shapes={self.input_shapes}>")


class FunctionEventAvg(FormattedTimesMixin):
    """The events of one name (and, grouped by input shape, one shape) added up: ``count``,
    ``cpu_time_total``, ``self_cpu_time_total`` and the average ``cpu_time``."""

    def __init__(self, key, input_shapes):
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.cpu_parent = None
        self.node_id = -1
        self.is_async = False
        self.is_legacy = False
        self.device_type = "CPU"
        self.use_device = None
        self.stack = []
        self.overload_name = ""
        self.flops = 0
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.device_memory_usage = self.self_device_memory_usage = 0
        self.device_time_total = self.self_device_time_total = self.device_time = 0

    def add(self, event):
        if self.count == 0:
            self.cpu_parent = event.cpu_parent
        self.count += 1
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        self.cpu_memory_usage += event.cpu_memory_usage
        self.self_cpu_memory_usage += event.self_cpu_memory_usage
        return self

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
                f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes}>")


class EventList(list):
    """A list of events with PyTorch's ``table()``, ``key_averages()``, ``total_average()``."""

    def __init__(self, events=(), profile_memory=False):
        super().__init__(events)
        self._profile_memory = profile_memory

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        return _build_table(self, sort_by=sort_by, header=header, row_limit=row_limit,
                            max_name_column_width=max_name_column_width,
                            max_shapes_column_width=max_shapes_column_width,
                            top_level_events_only=top_level_events_only, time_unit=time_unit,
                            profile_memory=self._profile_memory)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0, group_by_overload_name=False):
        groups = {}
        for e in self:
            name = "ProfilerStep*" if e.key.startswith("ProfilerStep#") else e.key  # (torch's grouping)
            key = (name, str(e.input_shapes)) if group_by_input_shapes else name
            if key not in groups:
                groups[key] = FunctionEventAvg(name, e.input_shapes if group_by_input_shapes else None)
            groups[key].add(e)
        return EventList(groups.values(), self._profile_memory)

    def total_average(self):
        total = FunctionEventAvg("Total", None)
        for e in self:
            total.add(e)
        return total

    def __str__(self):
        return self.table()


def _format_time(time_us):
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us, total_time_us):
    if total_time_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_time_us:.2f}%"


def _format_memory(nbytes):
    if abs(nbytes) >= 1024 ** 3:
        return f"{nbytes * 1.0 / 1024 ** 3:.2f} GB"
    if abs(nbytes) >= 1024 ** 2:
        return f"{nbytes * 1.0 / 1024 ** 2:.2f} MB"
    if abs(nbytes) >= 1024:
        return f"{nbytes * 1.0 / 1024:.2f} KB"
    return str(nbytes) + " B"


def _build_table(events, sort_by=None, header=None, row_limit=100, max_name_column_width=55,
                 max_shapes_column_width=80, top_level_events_only=False, time_unit=None,
                 profile_memory=False):
    """PyTorch's profiler table (torch.autograd.profiler_util._build_table, its CPU columns)."""
    if len(events) == 0:
        return ""
    has_input_shapes = any(e.input_shapes is not None and len(e.input_shapes) > 0 for e in events)
    if sort_by is not None:
        attribute = sort_by.replace("cuda", "device").replace("xpu", "device").replace("privateuse1", "device")
        events = sorted(events, key=lambda e: getattr(e, attribute), reverse=True)
    name_width = max(len(e.key) for e in events) + 4
    if max_name_column_width is not None:
        name_width = min(name_width, max_name_column_width)
    shapes_width = max(len(str(e.input_shapes)) for e in events) + 4
    if max_shapes_column_width is not None:
        shapes_width = min(shapes_width, max_shapes_column_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
    headers.append("# of Calls")
    widths = [name_width] + [12] * (len(headers) - 1)
    if has_input_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
    row_format = "".join("{: >" + str(w) + "}  " for w in widths)
    header_sep = "".join("-" * w + "  " for w in widths)
    line_length = sum(w + 2 for w in widths) - 2

    def shown(time_us, default):
        if time_unit == "s":
            return f"{time_us / 1e6:.3f}s"
        if time_unit == "ms":
            return f"{time_us / 1e3:.3f}ms"
        if time_unit == "us":
            return f"{time_us:.3f}us"
        return default

    total = sum(e.self_cpu_time_total for e in events)
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [header_sep, row_format.format(*headers), header_sep]
    shown_rows = 0
    for e in events:
        if shown_rows == row_limit:
            break
        if top_level_events_only and e.cpu_parent is not None:
            continue
        shown_rows += 1
        name = e.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        row = [name, _format_time_share(e.self_cpu_time_total, total),
               shown(e.self_cpu_time_total, _format_time(e.self_cpu_time_total)),
               _format_time_share(e.cpu_time_total, total),
               shown(e.cpu_time_total, _format_time(e.cpu_time_total)),
               shown(e.cpu_time, _format_time(e.cpu_time))]
        if profile_memory:
            row += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
        row.append(e.count)
        if has_input_shapes:
            row.append(str(e.input_shapes)[:shapes_width])
        lines.append(row_format.format(*row))
    lines += [header_sep, f"Self CPU time total: {shown(total, _format_time(total))}"]
    return "\n".join(lines) + "\n"


# --- recording ------------------------------------------------------------------------------------
_ACTIVE = []  # the profiles recording now, innermost last


def _now_us():
    return time.perf_counter_ns() / 1000.0


class profile:
    """Record the ops run inside ``with profile() as prof:``; ``prof.key_averages().table(...)``
    prints them. Takes both torch.autograd.profiler.profile's arguments (use_cuda, record_shapes,
    ...) and torch.profiler.profile's (activities, schedule, on_trace_ready, ...); there is only the
    CPU to profile."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
                 with_flops=False, profile_memory=False, with_stack=False, with_modules=False,
                 use_kineto=False, use_cpu=True, experimental_config=None, acc_events=False,
                 custom_trace_id_callback=None, activities=None, schedule=None, on_trace_ready=None,
                 **kwargs):
        self.enabled = enabled
        if use_cuda:
            _warn("The attribute `use_cuda` will be deprecated soon, please use ``use_device = 'cuda'`` "
                  "instead.", FutureWarning)
            _warn("CUDA is not available, disabling CUDA profiling")
        elif use_device == "cuda":
            _warn("CUDA is not available, disabling CUDA profiling")
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.on_trace_ready = on_trace_ready
        self.schedule = schedule
        self.acc_events = acc_events
        self.step_num = 0
        self.current_action = schedule(0) if schedule is not None else ProfilerAction.RECORD
        self.function_events = None
        self._events = []
        self._open = []  # the record_function blocks open now, innermost last
        self._last = 0.0
        self._step_block = None  # a schedule's "ProfilerStep#<n>" block, open while it records
        self._cycles = 0

    # (the engine's recorder interface: STATE.recorder._add(kind, **fields), _backward_of)
    def __enter__(self):
        if not self.enabled:
            return None  # (as torch: `with profile(enabled=False) as prof` gives prof None)
        self._previous = STATE.recorder
        STATE.recorder = self
        _ACTIVE.append(self)
        self._last = _now_us()
        self._begin_step()
        return self

    def __exit__(self, *exc):
        if not self.enabled:
            return False
        self._end_step()
        STATE.recorder = self._previous
        _ACTIVE.remove(self)
        if self.current_action in _RECORDING or self.schedule is None:
            self._save()
        return False

    @property
    def _recording(self):
        return self.current_action in _RECORDING

    def _begin_step(self):
        if self.schedule is not None and self._recording:
            self._step_block = record_function(f"ProfilerStep#{self.step_num}").__enter__()

    def _end_step(self):
        if self._step_block is not None:
            self._step_block.__exit__(None, None, None)
            self._step_block = None

    def _save(self):
        """The events recorded so far become function_events, handed to on_trace_ready."""
        now = _now_us()
        for e in self._open:  # (a block left open: it ends here)
            e.time_range_end = now
        self.function_events = EventList(self._events, self.profile_memory)
        for i, e in enumerate(self.function_events):
            e.id = i
        self._cycles += 1
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def step(self):
        """torch.profiler's step marker: the schedule's next step (without a schedule, every step
        is recorded)."""
        self._end_step()
        previous = self.current_action
        self.step_num += 1
        if self.schedule is None:
            return
        self.current_action = self.schedule(self.step_num)
        if previous == ProfilerAction.RECORD_AND_SAVE:
            self._save()
        if self._recording and previous not in _RECORDING:  # a new cycle starts
            if self._cycles and not self.acc_events:
                _warn_once("Warning: Profiler clears events at the end of each cycle. Only events from "
                           "the current cycle will be reported. To keep events across cycles, set "
                           "acc_events=True.")
            if not self.acc_events:
                self._events, self._open = [], []
        self._last = _now_us()
        self._begin_step()

    @property
    def _backward_of(self):
        return getattr(self._previous, "_backward_of", None)

    @_backward_of.setter
    def _backward_of(self, node):
        if self._previous is not None:
            self._previous._backward_of = node

    def _add(self, kind, **fields):
        if self._previous is not None:
            self._previous._add(kind, **fields)
        if not self._recording:
            return
        now = _now_us()
        parent = self._open[-1] if self._open else None
        if kind == "forward":
            inputs = fields.get("inputs") or ()
            in_place = bool(inputs) and fields.get("tensor") is inputs[0]
            e = self._event(_aten_name(fields["op"], in_place), parent, now, _shapes(inputs))
            if not in_place:
                e.allocated = _allocated(fields.get("tensor"))
        elif kind == "leaf":
            factory = _factory_name()
            if factory is not None:
                self._event(factory, parent, now, []).allocated = _allocated(fields.get("tensor"))
        elif kind in ("backward", "accumulate"):
            node = fields["node"]
            name = "torch::autograd::AccumulateGrad" if kind == "accumulate" else node.name()
            outer = self._event("autograd::engine::evaluate_function: " + name, parent, now, [])
            grad = fields.get("grad" if kind == "accumulate" else "grad_output")
            shapes = [list(g.shape) for g in (grad if isinstance(grad, tuple) else (grad,)) if g is not None]
            inner = FunctionEvent(name, outer.time_range_start, outer, shapes if self.record_shapes else None)
            inner.time_range_end = now
            self._events.append(inner)
        self._last = now

    def _event(self, name, parent, now, shapes):
        e = FunctionEvent(name, self._last, parent, shapes if self.record_shapes else None)
        e.time_range_end = now
        self._events.append(e)
        return e

    # --- reading the results -------------------------------------------------------------------
    def _finished(self):
        """The events recorded (none before the profile ran, as torch answers then)."""
        return self.function_events if self.function_events is not None else EventList()

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self._finished().key_averages(group_by_input_shape)

    @property
    def events_list(self):
        return self._finished()

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        return self._finished().table(sort_by=sort_by, row_limit=row_limit,
                                      max_name_column_width=max_name_column_width,
                                      max_shapes_column_width=max_shapes_column_width, header=header,
                                      top_level_events_only=top_level_events_only, time_unit=time_unit)

    def events(self):
        return self._finished()

    def total_average(self):
        return self._finished().total_average()

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self._finished())

    def start(self):
        return self.__enter__()

    def stop(self):
        self.__exit__(None, None, None)

    def export_chrome_trace(self, path):
        """The events in Chrome's trace format (chrome://tracing, Perfetto)."""
        trace = [{"name": e.name, "ph": "X", "cat": "cpu_op", "ts": e.time_range_start,
                  "dur": e.cpu_time_total, "pid": 0, "tid": 0,
                  "args": {"Input Dims": e.input_shapes} if self.record_shapes else {}}
                 for e in self._finished()]
        with open(path, "w") as f:
            json.dump({"traceEvents": trace}, f)
        return path

    def __str__(self):
        return str(self._finished())

    def __repr__(self):
        return str(self._finished()) if self.function_events is not None else "<unfinished torch.autograd.profile>"


_WARNED = set()


def _warn_once(message):
    if message not in _WARNED:
        _WARNED.add(message)
        _warn(message)


def _factory_name():
    """The ATen name of the factory (zeros, ones, randn, ...) making the tensor being reported."""
    frame, name = sys._getframe(2), None
    while frame is not None:  # (the outermost factory: zeros_like, not the zeros it calls)
        module = frame.f_globals.get("__name__", "")
        if not module.startswith("autograd_core"):
            break
        if module in ("autograd_core._factories", "autograd_core._tensor") and frame.f_code.co_name in _FACTORIES:
            name = frame.f_code.co_name
        frame = frame.f_back
    return None if name is None else _FACTORY_NAMES.get(name, "aten::" + name)


class record_function:
    """``with record_function("label"):`` -- the block is one event of the profile, named label, with
    the ops inside it as its children. Also a decorator."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self._events = []

    def __enter__(self):
        for prof in _ACTIVE:
            if not prof._recording:
                continue
            parent = prof._open[-1] if prof._open else None
            now = _now_us()
            e = FunctionEvent(self.name, now, parent, [] if prof.record_shapes else None)
            prof._events.append(e)
            prof._open.append(e)
            prof._last = now
            self._events.append((prof, e))
        return self

    def __exit__(self, *exc):
        now = _now_us()
        for prof, e in self._events:
            e.time_range_end = now
            if e in prof._open:
                prof._open.remove(e)
            prof._last = now
        self._events = []
        return False

    def __call__(self, fn):
        def wrapped(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        wrapped.__name__, wrapped.__qualname__, wrapped.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
        return wrapped


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """torch.profiler.schedule: after skip_first steps, cycles of wait steps (nothing recorded),
    warmup steps (nor here), active steps recorded, the cycle's table handed to on_trace_ready at
    its last step; repeat cycles (0: until the profile ends)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        _warn("Profiler won't be using warmup, this can skew profiler results")

    def schedule_fn(step):
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE
    return schedule_fn


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """torch.profiler.tensorboard_trace_handler: writes the Chrome trace into dir_name."""

    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        name = f"{worker_name or 'worker'}.{int(time.time() * 1000)}.pt.trace.json"
        prof.export_chrome_trace(os.path.join(dir_name, name))
    return handler

