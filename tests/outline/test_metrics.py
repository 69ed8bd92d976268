import pytest

from assistant.outline.data import GoldTopic, labels_to_boundaries, reference_labels
from assistant.outline.metrics import boundary_prf, gap_string, pk, windowdiff


def test_gap_string_marks_the_gap_before_each_boundary():
    assert gap_string([2, 5], 7) == "010010"
    with pytest.raises(ValueError):
        gap_string([0], 5)


def test_perfect_segmentation_scores_zero():
    assert pk([10, 20], [10, 20], 30) == 0.0
    assert windowdiff([10, 20], [10, 20], 30) == 0.0


def test_pk_known_values():
    # n=12, ref chapters [0..5], [6..11]; k = round(12 / 4) = 3
    ref = [6]
    # no boundary: wrong on every window of 3 gaps that contains gap 5 (windows starting 3, 4, 5) -> 3/9
    assert pk(ref, [], 12) == pytest.approx(3 / 9)
    # off by one: windows starting at 3 differ (ref has gap 5 inside [3, 6), hyp gap 6 not) and 6 -> 2/9
    assert pk(ref, [7], 12) == pytest.approx(2 / 9)


def test_windowdiff_counts_extra_boundaries_that_pk_forgives():
    ref, hyp = [6], [5, 6]
    # k=3: only the window of gaps 2-4 sees a boundary in hyp but not ref; windows 3-5 and 4-6 hold one
    # boundary in ref and two in hyp, which Pk (same/different only) lets pass
    assert pk(ref, hyp, 12) == pytest.approx(1 / 9)
    assert windowdiff(ref, hyp, 12) == pytest.approx(3 / 9)


def test_boundary_f1_matches_one_to_one_within_tolerance():
    assert boundary_prf([10, 50], [12, 49], 3) == (1.0, 1.0, 1.0)
    p, r, f = boundary_prf([10], [8, 11, 12], 3)
    assert (p, r) == (pytest.approx(1 / 3), 1.0)
    assert f == pytest.approx(0.5)
    assert boundary_prf([10], [20], 3)[2] == 0.0


def test_reference_labels_overlaps_gaps_and_returning_topics():
    topics = [
        GoldTopic("a", ((1, 4), (9, 10))),
        GoldTopic("b", ((4, 6),)),  # overlaps a at turn 4: the later start wins
    ]
    labels = reference_labels(topics, 10)
    # turns 7-8 belong to no topic and stay with b; a returns at 9
    assert labels == [0, 0, 0, 1, 1, 1, 1, 1, 0, 0]
    assert labels_to_boundaries(labels) == [3, 8]
