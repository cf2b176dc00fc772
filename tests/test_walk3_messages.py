"""Messages of the exercise checks that the third walkthrough (/work/coord/walk3-findings.md, W3-n)
found untrue or giving the answer away; each test failed before its fix. Both backends, as the
notebooks run.
"""
import pytest

from widgets import torch_switch
from widgets.exercise_checks import ex01, ex03, ex04, ex06
from widgets.exercises import ExerciseError


@pytest.fixture(params=["autograd_core", "torch"])
def torch(request, monkeypatch):
    """The backend a notebook would get from the torch switch; the checks use the same one."""
    module = torch_switch.load(request.param)
    monkeypatch.setattr(torch_switch, "torch", module)
    monkeypatch.setattr(torch_switch, "BACKEND", request.param)
    return module


def messages(check, *args):
    with pytest.raises(ExerciseError) as info:
        check(*args)
    return info.value.messages


def test_W3_1_a_missing_return_is_not_blamed_on_retain_grad(torch):
    def forgot_the_return(w, x):
        a, b = w + x, w + 1
        b.retain_grad()
        (a * b).backward()

    def forgot_retain_grad(w, x):
        a, b = w + x, w + 1
        (a * b).backward()
        return b.grad

    (said,) = messages(ex01.keep_interior_gradient, forgot_the_return)
    assert "retain_grad() was called" not in said and "no return statement" in said, said
    (said,) = messages(ex01.keep_interior_gradient, forgot_retain_grad)
    assert "b.retain_grad() was called before y.backward()" in said, said


def test_returns_nothing_tells_a_missing_return_from_a_returned_value():
    from widgets.exercises import returns_nothing

    def bare(x):
        y = x + 1
        if y:
            return
        y += 1

    def gives(x):
        if x:
            return None
        return x + 1

    assert returns_nothing(bare) and returns_nothing(lambda: None)
    assert not returns_nothing(gives) and not returns_nothing(lambda x: x)


def test_W3_2_a_missing_path_is_named_without_its_product(torch):
    # dz/dp = 24 + 18 + 6 = 48; a student who missed the path p -> u -> v -> z wrote 30
    said = messages(ex06.sum_over_paths, [24.0, 18.0, 6.0], 30.0, 28.0)
    assert any("p → u → v → z" in m for m in said), said
    assert not any("18" in m for m in said), f"the missing product (and with it the answer) is shown: {said}"


def _branch_graph(predicate, true_fn, false_fn):
    import autograd_core.static as tf
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, shape=(), name="a")
    b = tf.placeholder(tf.float32, shape=(), name="b")
    x = tf.cond(predicate(a), lambda: true_fn(a, b), lambda: false_fn(a, b))
    return x * x, a, b


def test_W3_3_swapped_cond_branches_are_not_blamed_on_greater_or_equal(torch):
    swapped = _branch_graph(lambda a: a > 0, lambda a, b: a + b, lambda a, b: a * b)
    said = messages(ex03.static_branch, *swapped)
    assert not any(">= 0" in m for m in said), said
    assert all("order true, false" in m for m in said), said
    wrong_at_zero = _branch_graph(lambda a: a >= 0, lambda a, b: a * b, lambda a, b: a + b)
    (said,) = messages(ex03.static_branch, *wrong_at_zero)
    assert "a > 0, not a >= 0" in said, said


def test_W3_4_counting_the_parameters_is_named_as_the_slip(torch):
    right = 4 * 32 * (20 + 50 + 50 + 1)
    parameters = 4 * (20 * 50 + 50 + 50 * 50 + 50 + 50 * 1 + 1)
    (said,) = messages(ex06.bytes_kept, right + parameters, 0)
    assert "counts the parameters too" in said, said


def test_W3_5_two_tensors_where_two_floats_are_asked(torch):
    def tensors(w, b, x, y, lr):
        w = torch.tensor(w, requires_grad=True)
        b = torch.tensor(b, requires_grad=True)
        (0.5 * (y - (w * x + b)) ** 2).mean().backward()
        return w - lr * w.grad, b - lr * b.grad

    (said,) = messages(ex04.gradient_step, tensors)
    assert "a plain number (a float) for each value" in said and "computed without tensors" not in said, said


# --- open findings of the third walk, fixed on nb-fix -------------------------------------------------

def test_W3_12_a_mean_loss_of_detached_tensors_is_told_it_returns_a_tensor(torch):
    def detached(w, batches):
        total = 0
        for xb, yb in batches:
            total += ((w * xb - yb) ** 2).mean().detach()
        return total / len(batches)

    (said,) = messages(ex03.debug_mean_loss, detached)
    assert "returns a tensor" in said and ".item()" in said and "plain number" in said, said
    assert "sums plain numbers" not in said, said


def test_W3_12_detached_tensors_read_at_the_end_pass_without_a_false_description(torch, capsys):
    def detached_then_item(w, batches):
        total = 0
        for xb, yb in batches:
            total += ((w * xb - yb) ** 2).mean().detach()
        return total.item() / len(batches)

    def numbers(w, batches):
        return sum(((w * xb - yb) ** 2).mean().item() for xb, yb in batches) / len(batches)

    for passing in (detached_then_item, numbers):
        ex03.debug_mean_loss(passing)
        said = capsys.readouterr().out
        assert said.startswith("✓") and "returns a plain number" in said, said
        assert "sums plain numbers" not in said, said


def test_W3_13_a_bool_where_a_number_is_asked_is_refused():
    from widgets.exercises import check

    for answer, expected in [(True, 1.0), (True, 4.0), (False, 0), ([True, 2, 3], [1, 2, 3])]:
        with pytest.raises(ExerciseError) as info:
            check("m_grad", answer, expected, by_hand=True)
        (said,) = info.value.messages
        assert "bool" in said and "number" in said and "is not right yet" not in said, said
    (said,) = messages(ex01.example_b_by_hand, True, -6.0)
    assert "m_grad" in said and "bool (True)" in said, said


def test_W3_13_one_string_is_singular_and_a_text_list_asks_for_numbers():
    from widgets.exercises import _describe, check

    assert _describe(["True"]) == "a list of 1 string (['True'])"
    assert _describe([True, False]) == "a list of 2 bools ([True, False])"
    with pytest.raises(ExerciseError) as info:
        check("path_products_p", "3, 6, 3", [3, 6, 3], by_hand=True)
    (said,) = info.value.messages
    assert "write the numbers without quotes" in said and "write the number without" not in said, said
    with pytest.raises(ExerciseError) as info:
        check("m_grad", "4", 4.0, by_hand=True)
    assert "write the number without quotes" in info.value.messages[0]
