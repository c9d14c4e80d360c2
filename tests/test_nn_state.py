"""state_dict / load_state_dict / save / load: round trips, no pickle, clear mismatches."""

import json

import numpy as np
import pytest

from autonn.nn import MLP, Layer, Network, Neuron


def numbers(model):
    return [p.data for p in model.parameters()]


def test_state_dict_holds_plain_float_arrays_per_neuron():
    layer = Layer.from_weights([[1.0, 2.0], [3.0, 4.0]], [5.0, 6.0], name="L")
    st = layer.state_dict()
    assert list(st) == ["L.N0.w", "L.N0.b", "L.N1.w", "L.N1.b"]
    assert st["L.N1.w"].dtype == np.float64 and st["L.N1.w"].tolist() == [3.0, 4.0]
    assert st["L.N1.b"].shape == () and float(st["L.N1.b"]) == 6.0


def test_load_state_dict_copies_numbers():
    a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    b.load_state_dict(a.state_dict())
    assert numbers(a) == numbers(b)
    assert numbers(a) != numbers(MLP(2, [3, 1], seed=1))


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_save_and_load_round_trip(tmp_path, suffix):
    a, b = MLP(3, [4, 2], seed=0), MLP(3, [4, 2], seed=9)
    path = a.save(tmp_path / f"model{suffix}")
    b.load(path)
    assert numbers(a) == numbers(b)


def test_npz_suffix_is_added_and_returned(tmp_path):
    path = Neuron(2, seed=0).save(tmp_path / "n")
    assert path.endswith("n.npz")


def test_npz_is_read_without_pickle(tmp_path):
    # an object array can only be stored by pickling; loading it must fail cleanly
    bad = tmp_path / "bad.npz"
    np.savez(bad, **{"N.w": np.array([object(), object()], dtype=object), "N.b": np.array(0.0)})
    n = Neuron(2, seed=0)
    before = numbers(n)
    with pytest.raises(ValueError):
        n.load(bad)
    assert numbers(n) == before


def test_mismatch_names_every_problem_and_leaves_model_unchanged(tmp_path):
    small, big = MLP(2, [3, 1], seed=0), MLP(2, [4, 1], seed=1)
    path = small.save(tmp_path / "small.npz")
    before = numbers(big)
    with pytest.raises(ValueError) as e:
        big.load(path)
    msg = str(e.value)
    assert "missing L0.N3.w, L0.N3.b" in msg
    assert "L1.N0.w has shape (3,), the model needs (4,)" in msg
    assert numbers(big) == before


def test_unexpected_and_non_numeric_entries(tmp_path):
    n = Neuron(2, seed=0, name="N")
    st = n.state_dict()
    st["extra.w"] = np.zeros(2)
    with pytest.raises(ValueError, match="unexpected extra.w"):
        n.load_state_dict(st)
    with pytest.raises(ValueError, match="N.w is not an array of numbers"):
        n.load_state_dict({"N.w": ["a", "b"], "N.b": 0.0})
    with pytest.raises(ValueError, match="N.b holds non-finite numbers"):
        n.load_state_dict({"N.w": [1.0, 2.0], "N.b": float("nan")})
    p = tmp_path / "n.json"
    p.write_text(json.dumps([1, 2]))
    with pytest.raises(ValueError, match="JSON object"):
        n.load(p)
    p.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        n.load(p)
    q = tmp_path / "garbage.npz"
    q.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="cannot read"):
        n.load(q)


def test_network_state_uses_neuron_names(tmp_path):
    net = Network(["x"], {"h": ["x"], "o": (["h", "x"], "linear")}, seed=0)
    assert list(net.state_dict()) == ["h.w", "h.b", "o.w", "o.b"]
    other = Network(["x"], {"h": ["x"], "o": (["h", "x"], "linear")}, seed=3)
    other.load(net.save(tmp_path / "net.json"))
    assert net([0.3])[0].data == other([0.3])[0].data


def test_repeated_neuron_names_cannot_make_a_state():
    from autonn.nn import Module

    class Two(Module):
        """Two MLPs side by side: both have neurons called L0.N0, ..."""

        def __init__(self):
            self.a, self.b = MLP(1, [1], seed=0), MLP(1, [1], seed=1)
            self.nin, self.nout = 1, 2

        def neurons(self):
            return self.a.neurons() + self.b.neurons()

        def forward(self, xs):
            return self.a.forward(xs) + self.b.forward(xs)

    two = Two()
    assert len(two([0.5])) == 2
    with pytest.raises(ValueError, match="repeated: L0.N0"):
        two.state_dict()
    with pytest.raises(ValueError, match="repeated: L0.N0"):
        two.load_state_dict({})


@pytest.mark.parametrize("name, written", [("w.NPZ", "w.NPZ"), ("w.Npz", "w.Npz"), ("w", "w.npz"), ("w.npz", "w.npz")])
def test_save_returns_the_file_written_and_load_takes_either_name(tmp_path, name, written):
    a = MLP(2, [2, 1], seed=0)
    path = a.save(tmp_path / name)
    assert path == str(tmp_path / written)
    assert sorted(p.name for p in tmp_path.iterdir()) == [written]
    for given in (path, tmp_path / name):
        b = MLP(2, [2, 1], seed=5)
        b.load(given)
        assert numbers(b) == numbers(a)


@pytest.mark.parametrize("bad, dtype", [
    (["1", "2"], "<U1"),
    ([True, False], "bool"),
    ([1 + 2j, 3.0], "complex128"),
    ([None, 1.0], "object"),
])
def test_load_state_dict_takes_only_real_numbers(bad, dtype):
    n = Neuron(2, seed=0, name="N")
    before = numbers(n)
    with pytest.raises(ValueError) as e:
        n.load_state_dict({"N.w": bad, "N.b": 0.0})
    assert f"N.w is not an array of numbers (dtype {dtype}" in str(e.value)
    assert numbers(n) == before
    with pytest.raises(ValueError, match=r"N.b is not an array of numbers \(dtype bool"):
        n.load_state_dict({"N.w": [1.0, 2.0], "N.b": True})
    assert numbers(n) == before
    # integers of any width and floats of any precision are numbers
    n.load_state_dict({"N.w": np.array([1, 2], dtype=np.int8), "N.b": np.float32(0.5)})
    assert numbers(n) == [1.0, 2.0, 0.5]


@pytest.mark.parametrize("suffix", [".json", ".npz"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_parameters_are_not_saved(tmp_path, suffix, bad):
    net = MLP(2, [2, 1], seed=0)
    net.layers[1].neurons[0].w[1].data = bad
    with pytest.raises(ValueError, match=r"MLP.*save: cannot save non-finite numbers .* in L1.N0.w"):
        net.save(tmp_path / f"m{suffix}")
    assert list(tmp_path.iterdir()) == []
