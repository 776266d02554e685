"""``load_results`` refuses malformed files with an error naming the file and the field."""

import json

import pytest

from explorer.measure.results.storage import load_results

GOOD = {
    "metric": "spawn_time",
    "variant": "lazy",
    "n": 10,
    "median": 1e-6,
    "min": 9e-7,
    "max": 2e-6,
    "unit": "s",
    "repeats": 5,
    "noisy": False,
    "error": "",
}


def write(tmp_path, text: str, name: str = "r.json"):
    path = tmp_path / name
    path.write_text(text)
    return path


def document(**changes) -> str:
    record = {**GOOD, **changes}
    return json.dumps({"metadata": {"run_id": "x"}, "results": [GOOD, record]})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ('{"metadata": {}, "results": [', "is not valid JSON"),
        ("[1, 2]", "must hold exactly 'metadata' and 'results', got list"),
        ('{"metadata": [], "results": []}', "metadata must be an object"),
        ('{"metadata": {}, "results": {}}', "results must be a list"),
        ('{"metadata": {}, "results": [3]}', r"results\[0\] must be an object"),
        (document(median="fast"), r"results\[1\].median must be a number or null, got 'fast'"),
        (document(n=2.7), r"results\[1\].n must be a whole number, got 2.7"),
        (document(repeats=True), r"results\[1\].repeats must be a whole number, got True"),
        (document(noisy="yes"), r"results\[1\].noisy must be true or false, got 'yes'"),
        (document(metric=3), r"results\[1\].metric must be a string, got 3"),
        (document(n=-1), r"results\[1\].n must be >= 0"),
        (json.dumps({"metadata": {}, "results": [{"metric": "x"}]}), r"results\[0\] lacks the field\(s\)"),
    ],
)
def test_malformed_json_names_the_file_and_the_field(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=message) as caught:
        load_results(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        (
            "metric,variant,n,median,min,max,unit,repeats\nspawn_time,lazy,2.7,1,1,1,s,5\n",
            r"row 2.n must be a whole",
        ),
        (
            "metric,variant,n,median,min,max,unit,repeats\nspawn_time,lazy,2,fast,1,1,s,5\n",
            r"row 2.median must be a num",
        ),
        (
            "metric,variant,n,median,min,max,unit,repeats,noisy\nspawn_time,lazy,2,1,1,1,s,5,yes\n",
            "noisy must be true",
        ),
        ("metric,variant\nspawn_time,lazy\n", r"row 2 lacks the field\(s\) \['unit', 'n'"),
    ],
)
def test_malformed_csv_names_the_file_and_the_field(tmp_path, text, message):
    path = write(tmp_path, text, "r.csv")
    with pytest.raises(ValueError, match=message) as caught:
        load_results(path)
    assert str(path) in str(caught.value)


def test_null_figures_and_whole_floats_read_back(tmp_path):
    df = load_results(write(tmp_path, document(median=None, n=4.0, error="broke")))
    assert df["median"].isna().tolist() == [False, True]
    assert df["n"].tolist() == [10, 4] and df["n"].dtype.kind == "i"
