"""Exercise 05 (build your own autograd) and its checks (widgets/exercise_checks/ex05.py): each
check accepts right answers, its own and others a student may write, and rejects the likely wrong
ones with the message that names the mistake, on both backends of the torch switch.

The instructor version's code cells run in this process, in order, in one namespace, with the torch
switch set to the backend under test (the notebook's `torch` and the checks' engine). A test puts a
wrong (or another right) answer in place of one task's solution and runs the cells up to that
task's check; earlier checks may fail on the way (as under Run All), the task's own check decides.
Running the notebook in a kernel, and its student copy, is tests/test_notebooks.py's job.
"""
import contextlib
import io
import textwrap
from pathlib import Path

import nbformat
import pytest

from widgets import torch_switch
from widgets.exercises import ExerciseError

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTOR = ROOT / "instructor" / "exercises" / "ex05_build_your_own_autograd.ipynb"
STUDENT = ROOT / "notebooks" / "exercises" / "ex05_build_your_own_autograd.ipynb"
BACKENDS = ["autograd_core", "torch"]


def code_cells(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.metadata.get("nbgrader", {}).get("grade_id"), c.source) for c in nb.cells
            if c.cell_type == "code"]


@pytest.fixture(params=BACKENDS, autouse=True)
def backend(request, monkeypatch):
    """Every test runs on both backends: the torch switch (the notebook's `torch` and the checks'
    engine) set as CGRAPH_BACKEND would set it."""
    monkeypatch.setattr(torch_switch, "torch", torch_switch.load(request.param))
    monkeypatch.setattr(torch_switch, "BACKEND", request.param)
    return request.param


def run_until(check_id, answers=None, path=INSTRUCTOR):
    """Run the code cells up to and including check `check_id`, with `answers` ({task id: source})
    in place of those tasks' solutions. Returns what the check printed; raises its ExerciseError."""
    answers = {k: textwrap.dedent(v) for k, v in (answers or {}).items()}
    namespace = {"__name__": "__main__"}
    for grade_id, source in code_cells(path):
        source = answers.get(grade_id, source)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(source, f"<cell {grade_id}>", "exec"), namespace)
            except ExerciseError:
                if grade_id == check_id:
                    raise
        if grade_id == check_id:
            return out.getvalue()
    raise AssertionError(f"no cell {check_id}")


def rejects(check_id, answers, *fragments):
    """The check fails; one of its messages (one line each) holds every fragment. Returns it."""
    with pytest.raises(ExerciseError) as info:
        run_until(check_id, answers)
    messages = info.value.messages
    assert all("\n" not in m for m in messages)
    assert info.value._render_traceback_() == [f"✗ {m}" for m in messages]
    found = [m for m in messages if all(f in m for f in fragments)]
    assert found, f"{fragments} not in {messages}"
    return found[0]


# --- every check passes with the solutions, on both backends --------------------------------------

CHECKS = [gid for gid, _ in code_cells(INSTRUCTOR) if gid and gid.endswith("_check")]


def test_the_exercise_has_eight_checked_tasks():
    assert CHECKS == [f"ex05_task{i}_check" for i in range(1, 9)]


def test_solutions_pass_every_check():
    printed = run_until(CHECKS[-1])
    assert printed.startswith("✓ Softplus")
    for check_id in CHECKS:
        assert "✓" in run_until(check_id), check_id


# --- task 1: operations and local derivatives -----------------------------------------------------

def ops(sub="", div="", power="", exp=""):
    """The task 1 cell with some functions replaced (the rest are the solution's)."""
    right = {
        "sub": """
            def sub(a, b):
                b = as_value(b)
                return Value(a.data - b.data, (a, b), (1.0, -1.0), "-")
            """,
        "div": """
            def div(a, b):
                b = as_value(b)
                return Value(a.data / b.data, (a, b), (1 / b.data, -a.data / b.data ** 2), "/")
            """,
        "power": """
            def power(a, k):
                return Value(a.data ** k, (a,), (k * a.data ** (k - 1),), "**")
            """,
        "exp": """
            def exp(a):
                return Value(math.exp(a.data), (a,), (math.exp(a.data),), "exp")
            """,
    }
    given = {"sub": sub, "div": div, "power": power, "exp": exp}
    return {"ex05_task1": "\n".join(textwrap.dedent(given[k] or right[k]) for k in right)}


@pytest.mark.parametrize("wrong, fragments", [
    (ops(sub="""
        def sub(a, b):
            b = as_value(b)
            return Value(a.data - b.data, (a, b), (1.0, 1.0), "-")
        """), ["sub(Value(5), Value(3)).local_grads = [1., 1.] is not right yet", "negative"]),
    (ops(div="""
        def div(a, b):
            b = as_value(b)
            return Value(a.data / b.data, (a, b), (1 / b.data, a.data / b.data ** 2), "/")
        """), ["div(Value(6), Value(-4))", "check the sign"]),
    (ops(div="""
        def div(a, b):
            b = as_value(b)
            return Value(a.data / b.data, (a, b), (1 / b.data, -1 / b.data ** 2), "/")
        """), ["the factor a stays"]),
    (ops(power="""
        def power(a, k):
            return Value(a.data ** k, (a,), (k * a.data ** k,), "**")
        """), ["power(Value(2), 3)", "the exponent drops by one"]),
    (ops(power="""
        def power(a, k):
            return Value(a.data ** k, (a, Value(k)), (k * a.data ** (k - 1), 0.0), "**")
        """), ["power(Value(2), 3).parents", "k is a number, not a parent"]),
    (ops(exp="""
        def exp(a):
            return Value(math.exp(a.data), (a,), (a.data,), "exp")
        """), ["exp(Value(0.5))", "that is a itself"]),
    (ops(exp="""
        def exp(a):
            return math.exp(a.data)
        """), ["exp(Value(0.5)) should return a new Value; it returned a float"]),
    (ops(sub="""
        def sub(a, b):
            return Value(a.data - b.data, (a, b), (1.0, -1.0), "-")
        """), ["sub(Value(4), 1.5) raised AttributeError"]),
    # W18_2: a div without as_value was "✓ div" and raised at a student's own `a / 2`
    (ops(div="""
        def div(a, b):
            return Value(a.data / b.data, (a, b), (1 / b.data, -a.data / b.data ** 2), "/")
        """), ["div(Value(4), 1.5) raised AttributeError"]),
    (ops(sub="""
        def sub(a, b):
            b = as_value(b)
            return Value(a.data - b.data, (b, a), (-1.0, 1.0), "-")
        """), ["sub(Value(5), Value(3)).parents should be its two input Values, in order"]),
])
def test_task1_names_the_mistake(wrong, fragments):
    rejects("ex05_task1_check", wrong, *fragments)


def test_task1_notices_a_set_of_parents():
    """A set keeps a - a's a once (and may reorder two different parents)."""
    wrong = ops(sub="""
        def sub(a, b):
            b = as_value(b)
            return Value(a.data - b.data, {a, b}, (1.0, -1.0), "-")
        """)
    assert "parents" in rejects("ex05_task1_check", wrong)


def test_task1_accepts_another_right_answer():
    same = ops(power="""
        def power(a, k):
            result = a.data ** k
            return Value(result, [a], [k * result / a.data], f"**{k}")   # lists become tuples
        """)
    assert "✓" in run_until("ex05_task1_check", same)


# --- task 2: topological order -------------------------------------------------------------------

RECURSIVE_ORDER = """
    def topological_order(root):
        order, visited = [], set()
        def visit(node):
            if node not in visited:
                visited.add(node)
                for parent in node.parents:
                    visit(parent)
                order.append(node)
        visit(root)
        return order
    """


@pytest.mark.parametrize("wrong, fragments", [
    (RECURSIVE_ORDER, ["recursion limit", "chain of 10,001 Values", "keep your own stack"]),
    ("""
    def topological_order(root):          # depth first without a visited set
        order, stack = [], [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            else:
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents)
        return order
    """, ["appears twice", "skip them"]),
    ("""
    def topological_order(root):          # breadth first: the root first
        order, seen = [root], {root}
        for node in order:
            for p in node.parents:
                if p not in seen:
                    seen.add(p)
                    order.append(p)
        return order
    """, ["starts with the root"]),
    ("""
    def topological_order(root):          # parents of the root only
        return list(dict.fromkeys(root.parents)) + [root]
    """, ["misses"]),
    ("""
    def topological_order(root):          # the order nodes are first met, reversed
        met, seen, todo = [], set(), [root]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                met.append(node)
                todo.extend(node.parents)
        return met[::-1]
    """, ["in the order of Example A, w comes after a = w + x, which is computed from it",
          "place a node after all of its parents"]),
])
def test_task2_names_the_mistake(wrong, fragments):
    rejects("ex05_task2_check", {"ex05_task2": wrong}, *fragments)


def test_task2_accepts_kahns_algorithm():
    kahn = """
    def topological_order(root):
        users, todo, seen = {}, [root], {root}
        while todo:                               # count each node's users
            node = todo.pop()
            for p in node.parents:
                users[p] = users.get(p, 0) + 1
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        order, ready = [], [root]
        while ready:
            node = ready.pop()
            order.append(node)
            for p in node.parents:
                users[p] -= 1
                if users[p] == 0:
                    ready.append(p)
        return order[::-1]
    """
    assert "✓" in run_until("ex05_task2_check", {"ex05_task2": kahn})


# --- task 3: backward ----------------------------------------------------------------------------

def backward_with(reset="", assign="+="):
    return {"ex05_task3": f"""
def backward(root):
    order = topological_order(root)
{textwrap.indent(textwrap.dedent(reset), "    ")}
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad {assign} local * node.grad
"""}


RESET_INTERIOR = """
for node in order:
    if node.parents:
        node.grad = 0.0
"""


@pytest.mark.parametrize("wrong, fragments", [
    (backward_with(RESET_INTERIOR, assign="="), ["a.grad for b = a + a = 1 is not right yet", "the `a + a` bug", "+="]),
    (backward_with(""), ["after two backward calls = [15., 6.]", "kept their grads from the first call",
                         "set every Value that has parents to grad 0"]),
    (backward_with("for node in order:\n    node.grad = 0.0"), ["= [5., 2.]", "you reset the leaves too"]),
    ({"ex05_task3": """
      def backward(root):
          root.grad = 1.0
          for node in topological_order(root):          # forward order: nothing has arrived yet
              for parent, local in zip(node.parents, node.local_grads):
                  parent.grad += local * node.grad
      """}, ["[w.grad, x.grad] in Example A", "Walk reversed(topological_order(root))"]),
    ({**backward_with(RESET_INTERIOR), "ex05_task2": RECURSIVE_ORDER}, ["on a chain hit Python's recursion limit"]),
    ({"ex05_task3": """
      def backward(root):
          pass
      """}, ["backward is not written yet"]),
])
def test_task3_names_the_mistake(wrong, fragments):
    rejects("ex05_task3_check", wrong, *fragments)


def test_task3_stub_is_not_asked_to_return_anything():
    """walk3 W3-6: backward fills .grad and returns nothing; its stub message must not ask for a result."""
    message = rejects("ex05_task3_check", {"ex05_task3": """
      def backward(root):
          pass
      """}, "backward is not written yet")
    assert "return" not in message


def test_task3_accepts_freeing_interior_grads_after_the_pass():
    """PyTorch's way: interior gradients do not outlive the pass (zeroed at its end, not its start)."""
    freeing = {"ex05_task3": """
      def backward(root):
          order = topological_order(root)
          root.grad = 1.0
          for node in reversed(order):
              for parent, local in zip(node.parents, node.local_grads):
                  parent.grad += local * node.grad
              if node.parents:
                  node.grad = 0.0
      """}
    assert "✓" in run_until("ex05_task3_check", freeing)


# --- task 4: Examples A, B, C --------------------------------------------------------------------

def examples(a="return (w + x) * (w + 1)", b="return (m + n) * (m - n)", c="return (a + b) + c * d"):
    """The task 4 cell with some bodies replaced (the rest right)."""
    return {"ex05_task4": f"""
def example_a(w, x):
{textwrap.indent(textwrap.dedent(a), "    ")}

def example_b(m, n):
{textwrap.indent(textwrap.dedent(b), "    ")}

def example_c(a, b, c, d):
{textwrap.indent(textwrap.dedent(c), "    ")}
"""}


WRONG_SUB = ops(sub="""
    def sub(a, b):
        b = as_value(b)
        return Value(a.data - b.data, (a, b), (1.0, 1.0), "-")
    """)


@pytest.mark.parametrize("wrong, fragments", [
    (examples(a="return (w.data + x.data) * (w.data + 1)"),
     ["example_a(Value(1), Value(2)) should return the Value built from its arguments; it returned a float"]),
    (examples(a="""
        w, x = Value(w.data), Value(x.data)
        return (w + x) * (w + 1)
        """), ["every grad is 0", "build the output from the Values you are given"]),
    (examples(b="return (m + n) * (m + n)"), ["example_b(Value(2), Value(3)).data = 25 is not right yet"]),
    ({**examples(), **WRONG_SUB}, ["the gradients of example_b(Value(2), Value(3))", "tasks 1 (sub) and 3"]),
    ({"ex05_task3": "def backward(root):\n    pass\n"}, ["backward (task 3) is not done yet"]),
])
def test_task4_names_the_mistake(wrong, fragments):
    rejects("ex05_task4_check", wrong, *fragments)


def test_task4_prints_the_tutorials_numbers():
    """The digest's numbers: Example A 5, 2; B 4, -6; C 1, 1, 4, 3 (computed by torch in the check)."""
    printed = run_until("ex05_task4_check")
    assert "d/dw = 5, d/dx = 2" in printed
    assert "d/dm = 4, d/dn = -6" in printed
    assert "d/da = 1, d/db = 1, d/dc = 4, d/dd = 3" in printed


# --- task 5: a set of parents ---------------------------------------------------------------------

@pytest.mark.parametrize("answer, fragment", [
    ("[6.0, 0.0]", "those are the true gradients"),
    ("[3.0, -1.0]", "zip pairs the set's one element with the first local derivative"),
    ("[1.0, 1.0]", "is not right yet"),
])
def test_task5_names_the_mistake(answer, fragment):
    rejects("ex05_task5_check", {"ex05_task5": f"set_of_parents_grads = {answer}"}, fragment)


# --- task 6: central differences -----------------------------------------------------------------

def numerical(body):
    return {"ex05_task6": "def numerical_grad(f, xs, h=1e-6):\n" + textwrap.indent(textwrap.dedent(body), "    ")}


@pytest.mark.parametrize("wrong, fragments", [
    (numerical("""
        grads = []
        for i in range(len(xs)):
            up, down = list(xs), list(xs)
            up[i] += h
            down[i] -= h
            grads.append((f(down) - f(up)) / (2 * h))
        return grads
        """), ["the sign is flipped"]),
    (numerical("""
        grads = []
        for i in range(len(xs)):
            up = list(xs)
            up[i] += h
            grads.append((f(up) - f(xs)) / h)
        return grads
        """), ["h=0.001", "one-sided difference (f(x + h e_i) - f(x)) / h", "shrinks like h**2"]),
    (numerical("""
        grads = []
        for i in range(len(xs)):
            down = list(xs)
            down[i] -= h
            grads.append((f(xs) - f(down)) / h)
        return grads
        """), ["one-sided difference (f(x) - f(x - h e_i)) / h"]),
    (numerical("""
        grads = []
        for i in range(len(xs)):
            up, down = list(xs), list(xs)
            up[i] += h
            down[i] -= h
            grads.append((f(up) - f(down)) / h)
        return grads
        """), ["twice too large"]),
    (numerical("""
        grads = []
        for i in range(len(xs)):
            xs[i] += h
            up = f(xs)
            xs[i] -= 2 * h
            grads.append((up - f(xs)) / (2 * h))
        return grads
        """), ["changed the list it was given"]),
])
def test_task6_names_the_mistake(wrong, fragments):
    rejects("ex05_task6_check", wrong, *fragments)


def test_task6_accepts_moving_in_place_and_restoring():
    in_place = numerical("""
        grads = []
        for i in range(len(xs)):
            saved = xs[i]
            xs[i] = saved + h
            up = f(xs)
            xs[i] = saved - h
            down = f(xs)
            xs[i] = saved
            grads.append((up - down) / (2 * h))
        return grads
        """)
    assert "✓" in run_until("ex05_task6_check", in_place)


# --- task 7: the engine checked by the checker ---------------------------------------------------

def gradient_error(body):
    return {"ex05_task7": "def gradient_error(f, xs):\n" + textwrap.indent(textwrap.dedent(body), "    ")}


@pytest.mark.parametrize("wrong, fragments", [
    (gradient_error("return 0.0"), ["= 0 is not right yet", "the planted bug went unnoticed"]),
    (gradient_error("""
        leaves = [Value(x) for x in xs]
        backward(f(leaves))
        numerical = numerical_grad(lambda ys: f([Value(y) for y in ys]).data, xs)
        return max(abs(v.grad - n) / abs(n) for v, n in zip(leaves, numerical))
        """), ["relative to the gradient"]),
    (gradient_error("""
        leaves = [Value(x) for x in xs]
        backward(f(leaves))
        numerical = numerical_grad(lambda ys: f([Value(y) for y in ys]).data, xs)
        return [abs(v.grad - n) for v, n in zip(leaves, numerical)]
        """), ["should return one number", "it returned a list"]),
    (gradient_error("""
        leaves = [Value(x) for x in xs]
        value = f(leaves).data
        backward(f(leaves))              # two graphs over the same leaves: their grads add up
        backward(f(leaves))
        numerical = numerical_grad(lambda ys: f([Value(y) for y in ys]).data, xs)
        return max(abs(v.grad - n) for v, n in zip(leaves, numerical))
        """), ["for a function your engine gets right", "fresh Values, used for one backward"]),
])
def test_task7_names_the_mistake(wrong, fragments):
    rejects("ex05_task7_check", wrong, *fragments)


def test_task7_catches_an_engine_with_the_a_plus_a_bug():
    """With task 3's `=` bug the checker's own function shows a large error, and the check says so."""
    answers = backward_with(RESET_INTERIOR, assign="=")
    rejects("ex05_task7_check", answers, "for a function your engine gets right")


# --- task 8: Softplus as an autograd.Function ----------------------------------------------------

def softplus(forward, backward):
    return {"ex05_task8": f"""
class Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
{textwrap.indent(textwrap.dedent(forward), " " * 8)}
    @staticmethod
    def backward(ctx, grad_output):
{textwrap.indent(textwrap.dedent(backward), " " * 8)}
"""}


STABLE = """
ctx.save_for_backward(x)
return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))
"""
SAVED_X = "x, = ctx.saved_tensors\n"


@pytest.mark.parametrize("wrong, fragments", [
    (softplus(STABLE, SAVED_X + "return torch.sigmoid(x)"), ["must multiply by grad_output"]),
    (softplus(STABLE, SAVED_X + "return grad_output * torch.sigmoid(-x)"), ["check the sign"]),
    (softplus(STABLE, SAVED_X + "return grad_output * torch.exp(x)"), ["the derivative of e**x"]),
    (softplus(STABLE, SAVED_X + "return grad_output * torch.log1p(torch.exp(x))"), ["softplus itself"]),
    (softplus("ctx.save_for_backward(x)\nreturn torch.log(1 + torch.exp(x))",
              SAVED_X + "return grad_output * torch.sigmoid(x)"),
     ["Softplus.apply([-800, 800])", "overflows float64 to inf"]),
    (softplus("return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))",
              SAVED_X + "return grad_output * torch.sigmoid(x)"),
     ["Softplus.backward(ctx, g) raised"]),
    (softplus(STABLE, "pass"), ["Softplus.backward is not written yet"]),
])
def test_task8_names_the_mistake(wrong, fragments):
    with warnings_ignored():                 # e**800 = inf warns in numpy
        rejects("ex05_task8_check", wrong, *fragments)


def test_task8_accepts_another_stable_forward():
    other = softplus("""
        ctx.save_for_backward(x)
        return torch.where(x > 0, x + torch.log1p(torch.exp(-x)), torch.log1p(torch.exp(x)))
        """, SAVED_X + "return grad_output / (1 + torch.exp(-x))")
    with warnings_ignored():                 # torch.where computes both branches: exp(800) = inf
        assert "✓" in run_until("ex05_task8_check", other)


def test_task8_uses_the_students_numerical_grad():
    """The last step differentiates Softplus with task 6's numerical_grad: a wrong one is named."""
    wrong = numerical("""
        return [(f([x - h if j == i else x for j, x in enumerate(xs)]) - f([x + h if j == i else x for j, x in enumerate(xs)])) / (2 * h)
                for i in range(len(xs))]
        """)
    rejects("ex05_task8_check", wrong, "your numerical_grad of Softplus", "With task 6 passing")


@contextlib.contextmanager
def warnings_ignored():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# --- the student copy --------------------------------------------------------------------------

def test_student_copy_checks_say_what_is_missing():
    """Unfilled, every check fails with lines that say what to write (Run All, in-process)."""
    for check_id in CHECKS:
        with pytest.raises(ExerciseError) as info:
            run_until(check_id, path=STUDENT)
        for message in info.value.messages:
            assert "is not written yet" in message or "not filled in yet" in message, message
            assert len(message) <= 160, message


def test_gradcheck_cell_before_task_8_says_what_to_write():
    """Run All on the student copy: the gradcheck demonstration after task 8 names the unwritten
    Softplus methods and the task instead of printing gradcheck's AttributeError about None (W6_6);
    with the solution, it runs gradcheck on both classes."""
    def gradcheck_cell_output(path):
        namespace, out = {"__name__": "__main__"}, io.StringIO()
        for _, source in code_cells(path):
            with contextlib.redirect_stdout(out) if "SoftplusWithABug" in source else contextlib.nullcontext():
                try:
                    exec(compile(source, "<cell>", "exec"), namespace)
                except ExerciseError:
                    pass
            if "SoftplusWithABug" in source:
                return out.getvalue()
    student = gradcheck_cell_output(STUDENT)
    assert student.strip() == ("Softplus.forward is not written yet (nor Softplus.backward): write their "
                               "bodies in task 8's cell (and return the result). Then run this cell again.")
    instructor = gradcheck_cell_output(INSTRUCTOR)
    assert "gradcheck(Softplus): True" in instructor and "gradcheck(SoftplusWithABug) failed" in instructor
    # W18_5: gradcheck's whole message, both Jacobians (its first line alone ended in a comma)
    assert "with respect to input 0,\nnumerical:tensor([[" in instructor and "analytical:tensor([[" in instructor


def test_student_copy_has_none_of_the_solutions():
    """The answers' key lines are in the instructor version and nowhere in the student copy (every
    solution line is checked for every exercise by tests/test_student.py)."""
    key_lines = ['return Value(a.data - b.data, (a, b), (1.0, -1.0), "-")',
                 "return Value(a.data / b.data, (a, b), (1.0 / b.data, -a.data / b.data ** 2), \"/\")",
                 "node, parents_placed = stack.pop()", "node.grad = 0.0", "set_of_parents_grads = [3.0, 1.0]",
                 "grads.append((f(up) - f(down)) / (2 * h))", "backward(f(leaves))",
                 "return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))",
                 "return grad_output * torch.sigmoid(x)"]
    instructor = "\n".join(source for _, source in code_cells(INSTRUCTOR))
    student = "\n".join(source for _, source in code_cells(STUDENT))
    for line in key_lines:
        assert line in instructor and line not in student, line
