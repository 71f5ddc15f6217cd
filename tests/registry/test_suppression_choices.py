"""Which cell complementary suppression hides: the smallest published non-empty one,
the parent when no child is left, and more where linear algebra still pins a cell down.

(Found by `make mutate`: these choices survived every mutant the benchmark tests ran.)
"""

from __future__ import annotations

from registry.indicators.strata import Relation
from registry.indicators.suppression import complete, determined_cells, suppress

ALL_OF = Relation("all", ("a", "z", "b"))


def test_an_empty_child_is_never_chosen_as_the_complement():
    status = suppress({"all": 20, "a": 3, "z": 0, "b": 17}, [ALL_OF], 5)
    assert status == {"all": "none", "a": "primary", "z": "none", "b": "secondary"}


def test_a_one_institution_child_counts_as_non_empty():
    links = [Relation("all", ("a", "b", "c"))]
    status = suppress({"all": 10, "a": 4, "b": 1, "c": 5}, links, 1, primary={"a"})
    assert status == {"all": "none", "a": "primary", "b": "secondary", "c": "none"}


def test_the_parent_is_hidden_when_no_child_can_be():
    links = [Relation("all", ("a", "z"))]
    status = suppress({"all": 10, "a": 10, "z": 0}, links, 5, primary={"a"})
    assert status == {"all": "secondary", "a": "primary", "z": "none"}


def test_nothing_more_is_hidden_when_the_parent_is_hidden_already():
    links = [Relation("all", ("a", "z"))]
    status = suppress({"all": 10, "a": 10, "z": 0}, links, 5, primary={"a", "all"})
    assert status == {"all": "primary", "a": "primary", "z": "none"}


def test_cells_pinned_down_by_several_relations_get_the_smallest_published_complement():
    # x + y + w = p, y + z = q, x + z = r: two unknowns per relation, all three determined
    links = [Relation("p", ("x", "y", "w")), Relation("q", ("y", "z")),
             Relation("r", ("x", "z"))]
    sizes = {"p": 26, "q": 30, "r": 25, "x": 3, "y": 4, "z": 4, "w": 6}
    status = {cell: "primary" if size < 5 else "none" for cell, size in sizes.items()}
    complete(status, sizes, links)
    assert status == {"p": "none", "q": "none", "r": "none", "x": "primary", "y": "primary",
                      "z": "primary", "w": "secondary"}
    assert determined_cells(status, links) == []


def test_suppression_ends_when_a_hidden_cell_has_nothing_left_to_pair_with():
    links = [Relation("all", ("z",))]
    assert suppress({"all": 0, "z": 0}, links, 5, primary={"all"}) == {
        "all": "primary", "z": "none"}


def test_the_linear_step_never_chooses_an_empty_cell():
    # as above with an empty cell v in p's relation: w is still the complement
    links = [Relation("p", ("x", "y", "v", "w")), Relation("q", ("y", "z")),
             Relation("r", ("x", "z"))]
    sizes = {"p": 26, "q": 30, "r": 25, "x": 3, "y": 4, "z": 4, "v": 0, "w": 6}
    status = {cell: "primary" if 0 < size < 5 else "none" for cell, size in sizes.items()}
    complete(status, sizes, links)
    assert (status["v"], status["w"]) == ("none", "secondary")


def test_the_linear_step_counts_a_one_institution_cell_as_non_empty():
    links = [Relation("p", ("x", "y", "w")), Relation("q", ("y", "z")),
             Relation("r", ("x", "z"))]
    sizes = {"p": 21, "q": 30, "r": 25, "x": 3, "y": 4, "z": 4, "w": 1}
    status = {cell: "primary" if cell in "xyz" else "none" for cell in sizes}
    complete(status, sizes, links)
    assert status["w"] == "secondary"


def test_every_pinned_down_cell_is_protected_not_only_the_first():
    # two separate triangles as above: the linear step must run until both are safe
    links = [Relation(p, (x, y)) for p, x, y in (("p", "x", "y"), ("q", "y", "z"),
                                                  ("r", "x", "z"), ("P", "X", "Y"),
                                                  ("Q", "Y", "Z"), ("R", "X", "Z"))]
    sizes = {"p": 7, "q": 8, "r": 7, "x": 3, "y": 4, "z": 4,
             "P": 7, "Q": 8, "R": 7, "X": 3, "Y": 4, "Z": 4}
    status = {cell: "primary" if size < 5 else "none" for cell, size in sizes.items()}
    complete(status, sizes, links)
    assert determined_cells(status, links) == []


def test_a_parent_split_two_ways_can_pin_down_a_cell_no_relation_shows_alone():
    # d = e + g + f, a = b + f, b = g + e + d: subtracting gives a = 2d, so d is known
    links = [Relation("d", ("e", "g", "f")), Relation("a", ("b", "f")),
             Relation("b", ("g", "e", "d"))]
    status = {"a": "none", "e": "none", "b": "primary", "d": "primary", "f": "primary",
              "g": "primary"}
    assert determined_cells(status, links) == ["d"]


def test_two_splits_of_one_parent_leave_it_unknown_when_they_share_their_unknowns():
    links = [Relation("b", ("f", "d", "g")), Relation("b", ("e", "g", "f")),
             Relation("e", ("f", "g")), Relation("a", ("d", "g", "e"))]
    status = {"a": "none", "b": "primary", "d": "primary", "e": "primary", "f": "primary",
              "g": "primary"}
    assert determined_cells(status, links) == []


def test_a_complement_whose_only_sibling_is_absent_hides_its_parent_and_no_more():
    # c is small; a (the smaller-named of the two equal children of q) complements it; in
    # p = a + b, b is absent (a known zero), so p is the only cell left to hide, and
    # hiding it leaves nothing determined: d and q stay published.
    links = [Relation("q", ("a", "c", "d")), Relation("p", ("a", "b"))]
    status = suppress({"p": 8, "q": 18, "a": 8, "c": 2, "d": 8}, links, 5)
    assert status == {"p": "secondary", "q": "none", "a": "secondary", "c": "primary",
                      "d": "none"}


def test_a_relation_left_with_one_hidden_cell_by_a_later_one_is_completed_on_the_next_pass():
    # A 3 x 3 table with its margins, relations in no particular order. r1c1 is small; the
    # first pass hides r1c2 (row r1) and then r0c1 (column c1), which leaves row r0 with one
    # hidden cell after it was passed: the next pass hides its smallest child, r0c2 (the
    # name breaks the tie with r0c0), and that settles it.
    rows = {"r0": ("r0c0", "r0c1", "r0c2"), "r1": ("r1c0", "r1c1", "r1c2"),
            "r2": ("r2c0", "r2c1", "r2c2")}
    columns = {f"c{j}": tuple(f"r{i}c{j}" for i in range(3)) for j in range(3)}
    links = [Relation("c2", columns["c2"]), Relation("c0", columns["c0"]),
             Relation("t", ("c0", "c1", "c2")), Relation("r0", rows["r0"]),
             Relation("r2", rows["r2"]), Relation("c1", columns["c1"]),
             Relation("r1", rows["r1"]), Relation("t", ("r0", "r1", "r2"))]
    sizes = {"r0c0": 3, "r0c1": 3, "r0c2": 3, "r1c1": 1, "r1c2": 6, "r2c0": 4, "r2c1": 6,
             "r2c2": 3, "r0": 9, "r1": 7, "r2": 13, "c0": 7, "c1": 10, "c2": 12, "t": 29}
    status = suppress(sizes, links, 3)
    assert {cell for cell, s in status.items() if s != "none"} == {
        "r1c1", "r1c2", "r0c1", "r0c2"}


def test_cells_an_earlier_release_shows_are_never_chosen_as_complements():
    links = [Relation("all", ("a", "b", "c"))]
    sizes = {"all": 20, "a": 2, "b": 3, "c": 15}
    status = {"all": "none", "a": "primary", "b": "none", "c": "none"}
    complete(status, sizes, links, fixed=frozenset({"b"}))
    assert status == {"all": "none", "a": "primary", "b": "none", "c": "secondary"}
    status = {"all": "none", "a": "primary", "b": "none", "c": "none"}
    complete(status, sizes, links)
    assert status == {"all": "none", "a": "primary", "b": "secondary", "c": "none"}
