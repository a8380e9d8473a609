"""Step-through records replay evaluate/gradients exactly; the assignment graph has the figure's shape."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.graph import DERIVATIVE_RULES, WEIGHTS, Walkthrough, assignment_graph, parse_expression


def random_feeds(graph, seed: int):
    rng = np.random.default_rng(seed)
    return {n: float(rng.normal(scale=0.8)) for n in graph.inputs + graph.weights}


def test_assignment_graph_has_the_figures_topology():
    graph = assignment_graph()
    nodes = graph.nodes
    # Two separate "+" nodes computing w1·f1 + w2·f2 feed the "*" that squares.
    assert nodes["sum1"].op == nodes["sum2"].op == "add"
    assert nodes["sum1"].inputs == nodes["sum2"].inputs == ("w1f1", "w2f2")
    assert nodes["square"].op == "mul" and nodes["square"].inputs == ("sum1", "sum2")
    assert nodes["exp_in"].inputs == ("square", "w6") and nodes["exp"].inputs == ("exp_in",)
    assert nodes["tanh_in"].inputs == ("exp", "w7") and nodes["tanh"].inputs == ("tanh_in",)
    assert nodes["sin"].inputs == ("w3f3",) and nodes["sum45"].inputs == ("w4f4", "w5f5")
    assert nodes["sin_x_sum"].inputs == ("sin", "sum45")
    assert nodes["sigmoid"].inputs == ("sigmoid_in",) and nodes["sigmoid_in"].inputs == ("sin_x_sum", "w8")
    assert nodes["w9sigmoid"].inputs == ("w9", "sigmoid")
    assert nodes["Y'"].inputs == ("tanh", "w9sigmoid") and nodes["Y'"].kind == "output"
    assert nodes["L"].inputs == ("y", "Y'") and nodes["L"].kind == "loss" and graph.output == "L"
    assert graph.weights == WEIGHTS and graph.inputs == ("f1", "f2", "f3", "f4", "f5", "y")
    assert {n.kind for n in nodes.values()} == {"input", "weight", "op", "output", "loss"}
    # Generations increase along every edge, so a left→right layout never points backwards.
    assert all(nodes[s].generation < nodes[t].generation for s, t in graph.edges)
    layout = graph.layout()
    assert all(layout[s][0] < layout[t][0] for s, t in graph.edges)
    assert len(set(layout.values())) == len(layout)  # no two nodes on one spot


def test_forward_steps_replay_evaluate_bit_for_bit():
    graph = assignment_graph()
    for seed in range(5):
        feeds = random_feeds(graph, seed)
        values = graph.values(feeds)
        steps = graph.forward_steps(feeds)
        assert [s.node for s in steps] == [n for n in graph.order if graph.nodes[n].op is not None]
        for step in steps:
            assert step.result == values[step.node]
            assert step.input_values == tuple(values[i] for i in step.inputs)
        assert steps[-1].node == "L" and steps[-1].result == graph.evaluate(feeds)


def test_backward_steps_replay_gradients_bit_for_bit():
    graph = assignment_graph()
    for seed in range(5):
        feeds = random_feeds(graph, seed)
        grads = graph.node_gradients(feeds)
        steps = graph.backward_steps(feeds)
        assert steps[0].node == "L" and steps[0].grad == 1.0 and steps[0].terms == ()
        assert {s.node for s in steps} == set(grads)
        seen: set[str] = set()
        for step in steps:
            assert step.grad == grads[step.node]
            for term in step.terms:
                assert term.consumer in seen  # the upstream gradient was known already
                assert term.product == term.upstream * term.local
            seen.add(step.node)


def test_step_records_are_immutable_plain_data_with_readable_formulas():
    graph = assignment_graph()
    feeds = {**dict.fromkeys(WEIGHTS, 0.1), "f1": 1.0, "f2": 0.5, "f3": 0.2, "f4": -1.0, "f5": 2.0, "y": 1.5}
    forward = {s.node: s for s in graph.forward_steps(feeds)}
    backward = {s.node: s for s in graph.backward_steps(feeds)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        forward["exp"].result = 0.0  # type: ignore[misc]
    assert isinstance(forward["exp"].result, float)
    assert forward["exp"].formula == "exp = exp(exp_in) = exp(0.1225) = 1.13"
    assert forward["w1f1"].edges == (("w1", "w1f1"), ("f1", "w1f1"))
    tanh_in = backward["tanh_in"]
    assert tanh_in.rule == "∂tanh(u)/∂u = 1 − tanh²(u)"
    assert tanh_in.local == pytest.approx(1 - forward["tanh"].result ** 2)
    assert tanh_in.upstream == backward["tanh"].grad
    assert tanh_in.formula.startswith("∂L/∂tanh_in = ∂L/∂tanh · ∂tanh/∂tanh_in = −1.21 · 0.2899 = ")
    assert tanh_in.edges == (("tanh_in", "tanh"),)
    # w1·f1 feeds both "+" nodes: two chain-rule terms, summed.
    w1f1 = backward["w1f1"]
    assert [t.consumer for t in w1f1.terms] == ["sum1", "sum2"]
    assert w1f1.grad == pytest.approx(sum(t.product for t in w1f1.terms), rel=1e-15)
    assert " + " in w1f1.formula


def test_steps_need_one_row():
    graph = assignment_graph()
    feeds = {**random_feeds(graph, 0), "f1": np.zeros(3)}
    with pytest.raises(ValueError, match="one data row"):
        graph.forward_steps(feeds)


def test_walkthrough_moves_both_ways_and_reports_what_is_known():
    graph = parse_expression("tanh(w1*x1 + w2) * w3", loss_target="y")
    feeds = {"x1": 1.0, "w1": 0.5, "w2": 0.1, "w3": 2.0, "y": 1.0}
    walk = Walkthrough(graph, feeds)
    start = walk.state()
    assert start.phase == "start" and start.step is None and start.grads == {}
    assert set(start.values) == set(graph.inputs + graph.weights)
    n_forward = len(walk.forward_steps)
    after = walk.seek(n_forward)
    assert after.values["L"] == graph.evaluate(feeds) and after.phase == "forward"
    first_back = walk.step_forward()
    assert first_back.phase == "backward" and first_back.grads == {"L": 1.0}
    assert walk.step_back().grads == {}
    end = walk.seek(10_000)
    assert end.phase == "done" and end.position == walk.total
    assert dict(end.grads) == {k: v for k, v in graph.node_gradients(feeds).items()}
    assert walk.reset().position == 0


def test_derivative_rules_panel_lists_the_assignments_rules():
    rules = dict(DERIVATIVE_RULES)
    assert rules["chain rule"] == "d/dx f(u) = f'(u) · du/dx"
    assert rules["tanh"] == "tanh'(x) = 1 − tanh²(x)"
    assert len(DERIVATIVE_RULES) == 8


def test_constants_appear_as_numbers_in_formulas():
    graph = parse_expression("w1 * x1 ** 2")
    steps = graph.forward_steps({"w1": 3.0, "x1": 1.5})
    assert steps[0].formula == "pow1 = x1^2 = 1.5^2 = 2.25"
    assert steps[1].formula == "out = w1 · pow1 = 3 · 2.25 = 6.75"
