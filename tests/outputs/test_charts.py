"""The dashboard's SVG charts."""

from __future__ import annotations

from commitments.views.charts import Bar, horizontal_bars


def test_a_bar_label_shows_a_full_office_name_and_cuts_a_longer_one_with_an_ellipsis() -> None:
    svg = horizontal_bars(
        [
            Bar(label="1. 各县区委创先争优活动办公室", value=50.0, color="#2e7d32"),
            Bar(
                label="2. 某某市某某区某某街道某某社区居民委员会办公室", value=10.0, color="#2e7d32"
            ),
        ],
        title="业绩榜",
        maximum=100,
    )
    assert ">1. 各县区委创先争优活动办公室<title>" in svg
    long_name = "2. 某某市某某区某某街道某某社区居民委员会办公室"
    assert f">2. 某某市某某区某某街道某某社区居…<title>{long_name}</title>" in svg
