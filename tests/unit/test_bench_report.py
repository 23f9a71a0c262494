from pathlib import Path

from bench.report import Result, draw, render


def test_results_render_as_a_table_and_a_png(tmp_path: Path) -> None:
    result = Result("sync", {"requests": 4, "seconds": 1.25}, {"few": "<= 5"}, {"few": True})
    result.chart = {"old behaviour": 3809.0, "warm cache": 4.0}
    result.chart_unit = "requests"
    text = render([result])
    assert "requests  4" in text
    assert "aim few: <= 5 -> met" in text
    (png,) = draw([result, Result("no chart")], tmp_path, "stamp")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
