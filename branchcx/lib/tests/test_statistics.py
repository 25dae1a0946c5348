from branchcx.lib.statistics import histograms


def test_median_from_a_histogram():
    assert histograms.median({1: 1, 5: 1, 9: 1}) == 5
    assert histograms.median({2: 2, 10: 2}) == 6
    assert histograms.median({}) is None


def test_mean_from_a_histogram_weighs_each_value_by_its_count():
    assert histograms.mean({1: 3, 5: 1}) == 2
    assert histograms.mean({}) is None
