"""``python -m explorer compare BASE [HEAD]``: before/after figures of two revisions, decided in one job.

BASE and HEAD are git revisions (checked out in temporary worktrees; the user's checkout is not
touched), checkout folders, or saved results files (HEAD defaults to the working tree). Code
sides are measured interleaved, BASE/HEAD/BASE/HEAD, in this job; files are compared as saved,
and the verdict says they come from different jobs. With ``counts`` the claims' instruction counts
(explorer.measure.instruments.counts) are compared instead, exact, against a 1% threshold. Exit status: 1 when
a metric is significantly worse beyond the threshold, 0 otherwise, 2 on bad input (found before
any measuring).
"""

from __future__ import annotations

import json
import signal
from dataclasses import asdict, dataclass
from pathlib import Path

from explorer.compare.runner import METRICS
from explorer.compare.sources import (
    CompareInputError,
    Source,
    checked_out,
    environment_for,
    resolve,
    working_tree,
)
from explorer.compare.verdict import Verdict

__all__ = ["METRICS", "CompareInputError", "Comparison", "compare", "plan"]

#: Default relative threshold: a verdict other than "same" needs HEAD/BASE beyond 10% (whole interval).
DEFAULT_THRESHOLD = 0.10


@dataclass(frozen=True)
class Plan:
    """A checked comparison, ready to run: the two sides, the metrics, the options and the outputs."""

    base: Source
    head: Source
    metrics: tuple[str, ...]
    quick: bool
    threshold: float
    json_path: Path
    html_path: Path
    build_venv: bool
    #: per side: ``same`` dependencies, ``satisfied`` by this environment, or its own ``venv``
    environments: tuple[str, str] = ("same", "same")
    #: agents of this model (its factory's ``package.module:function``) instead of the grid's
    model: str | None = None
    #: instruction counts (the metrics are claims of explorer.measure.instruments.counts) instead of timings
    counts: bool = False


@dataclass(frozen=True)
class Comparison:
    """What a comparison found: one verdict per metric, and where it was written."""

    verdicts: list[Verdict]
    document: dict
    written: list[Path]

    @property
    def regressed(self) -> bool:
        """Whether any metric is significantly worse beyond the threshold."""
        return any(v.regressed for v in self.verdicts)


def plan(
    base: str,
    head: str | None = None,
    *,
    only: list[str] | None = None,
    quick: bool = False,
    threshold: float | None = None,
    json_path: Path | None = None,
    html_path: Path | None = None,
    build_venv: bool = False,
    model: str | None = None,
    counts: bool = False,
) -> Plan:
    """Check every argument (raising :class:`CompareInputError`) before anything is measured.

    ``threshold`` defaults to 10% for timings and 1% for ``counts``.
    """
    from explorer.compare.counts import COUNTS_THRESHOLD
    from explorer.history import HEADLINE_NAMES
    from explorer.paths import RESULTS_DIR

    if threshold is None:
        threshold = COUNTS_THRESHOLD if counts else DEFAULT_THRESHOLD

    if not isinstance(threshold, (int, float)) or not 0 < threshold < 10:
        raise CompareInputError(
            f"threshold must be a fraction in (0, 10), e.g. 0.1 for 10%, got {threshold!r}"
        )
    base_source = resolve(base, role="BASE")
    head_source = working_tree() if head is None else resolve(head, role="HEAD")
    files = [s.kind == "file" for s in (base_source, head_source)]
    if any(files) and not all(files):
        raise CompareInputError(
            "BASE and HEAD must both be code (revisions or checkouts) or both be results files: a file "
            "against code measured now would compare two jobs. Save both with `python -m explorer bench "
            "--json PATH`, or give two revisions"
        )
    if model is not None:
        from explorer.measure.harness.factories import check_path

        try:
            check_path(model)
        except (TypeError, ValueError) as error:
            raise CompareInputError(str(error)) from None
        if all(files):
            raise CompareInputError(
                "--model measures two checkouts now; results files hold what they measured: compare "
                "two `bench --model` files without --model"
            )
    if counts:
        from explorer.measure.harness.cachegrind import ValgrindMissing, valgrind_path
        from explorer.measure.instruments.counts import CLAIMS

        if any(files):
            raise CompareInputError(
                "--counts counts the instructions of code: BASE and HEAD must be revisions or checkouts, "
                "not results files"
            )
        try:
            valgrind_path()
        except ValgrindMissing as error:
            raise CompareInputError(str(error)) from None
        if model is not None:
            raise CompareInputError("--counts counts the claims of the grid's agents: drop --model")
        known = tuple(CLAIMS)
        metrics = tuple(only) if only else known
    elif all(files):
        known = HEADLINE_NAMES
        metrics = tuple(only) if only else HEADLINE_NAMES
        for source in (base_source, head_source):
            _check_results_file(source.path)
        _check_same_profile(base_source.path, head_source.path)
    else:
        known = tuple(METRICS)
        metrics = (
            tuple(only) if only else tuple(m for m in METRICS if quick is False or METRICS[m].quick_repeats)
        )
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise CompareInputError(f"--only must name metrics among {known}, got {unknown}")
    environments = tuple(environment_for(s, build_venv=build_venv) for s in (base_source, head_source))
    json_path = Path(json_path) if json_path else RESULTS_DIR / "compare.json"
    html_path = Path(html_path) if html_path else RESULTS_DIR / "compare.html"
    for option, path in (("--json", json_path), ("--html", html_path)):
        if path.is_dir():
            raise CompareInputError(f"{option} must be a file path, got the folder {str(path)!r}")
        if path.parent.exists() and not path.parent.is_dir():
            raise CompareInputError(f"{option}'s parent must be a folder, got {str(path.parent)!r}")
    if json_path.resolve() == html_path.resolve():
        raise CompareInputError(f"--json and --html must differ, both are {str(json_path)!r}")
    return Plan(
        base_source,
        head_source,
        metrics,
        quick,
        float(threshold),
        json_path,
        html_path,
        build_venv,
        environments,
        model,
        bool(counts),
    )


def compare(checked: Plan, progress=None) -> Comparison:
    """Run a checked plan: measure (or read), decide, and write the JSON and the HTML page."""
    from explorer.compare.output import write_html, write_json
    from explorer.measure.results.metadata import machine_metadata

    metadata = machine_metadata()
    if checked.counts:
        verdicts, raw = _compare_counts(checked)
        from explorer.compare.counts import METHOD as method
    elif checked.base.kind == "file":
        verdicts, raw = _compare_files(checked), {}
        method = (
            "Figures read from two saved results files (different jobs: not interleaved); intervals are "
            "their interquartile ranges, and HEAD/BASE's the widest ratio they allow."
        )
    else:
        verdicts, raw = _compare_code(checked, progress)
        method = (
            "Both sides measured in this job, interleaved BASE/HEAD/BASE/HEAD (order alternating); "
            "each median's interval is the order statistics covering it with 95% confidence, and "
            "HEAD/BASE's a 95% bootstrap interval."
        )
    document = {
        "base": _side(checked.base),
        "head": _side(checked.head),
        "threshold": checked.threshold,
        "model": checked.model,
        "quick": checked.quick,
        "counts": checked.counts,
        "method": method,
        "environments": dict(zip(("base", "head"), checked.environments, strict=True)),
        "machine": f"{metadata['cpu_model']}, {metadata['cpu_count']} cores, Python {metadata['python']}",
        "load_average_1_5_15": metadata["load_average_1_5_15"],
        "metadata": metadata,
        "verdicts": [v.as_dict() for v in verdicts],
        "samples": raw,
        "regressed": any(v.regressed for v in verdicts),
    }
    written = [write_json(checked.json_path, document), write_html(checked.html_path, document, verdicts)]
    return Comparison(verdicts, document, written)


def _compare_code(checked: Plan, progress) -> tuple[list[Verdict], dict]:
    from explorer.compare.runner import measure_interleaved
    from explorer.compare.verdict import from_samples

    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _interrupt)  # a kill runs the same clean-up as Ctrl-C
    try:
        with checked_out([checked.base, checked.head], build_venv=checked.build_venv) as (base, head):
            samples = measure_interleaved(
                base, head, list(checked.metrics), quick=checked.quick, progress=progress, model=checked.model
            )
    finally:
        signal.signal(signal.SIGTERM, previous)
    verdicts = [
        from_samples(METRICS[name], entry["base"], entry["head"], entry["error"], threshold=checked.threshold)
        for name, entry in samples.items()
    ]
    return verdicts, samples


def _compare_counts(checked: Plan) -> tuple[list[Verdict], dict]:
    from explorer.compare.counts import count_sides, verdicts

    with checked_out([checked.base, checked.head], build_venv=checked.build_venv) as (base, head):
        frames = count_sides(base, head, list(checked.metrics))
    raw = {
        key: {"valgrind": frame.attrs.get("valgrind"), "counts": _json_rows(frame)}
        for key, frame in frames.items()
    }
    return verdicts(frames, list(checked.metrics), threshold=checked.threshold), raw


def _json_rows(frame) -> list[dict]:
    columns = ["claim", "metric", "median", "unit", "per", "n", "small_total", "large_total", "error"]
    rows = frame[[c for c in columns if c in frame.columns]].to_dict("records")
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()} for row in rows]


def _compare_files(checked: Plan) -> list[Verdict]:
    from explorer.compare.verdict import from_figures, not_measured
    from explorer.history import HEADLINES

    figures = [_file_figures(source.path) for source in (checked.base, checked.head)]
    verdicts = []
    for headline in HEADLINES:
        if headline.name not in checked.metrics:
            continue
        base, head = (f.get(headline.name) for f in figures)
        if base is None or head is None:
            missing = "BASE" if base is None else "HEAD"
            verdicts.append(
                not_measured(
                    headline.name,
                    headline.label,
                    headline.unit,
                    headline.better,
                    f"{missing} has no such figure",
                )
            )
            continue
        verdicts.append(
            from_figures(
                headline.name,
                headline.label,
                headline.unit,
                headline.better,
                base,
                head,
                threshold=checked.threshold,
            )
        )
    return verdicts


def _file_figures(path: Path) -> dict[str, dict]:
    """Headline figures of a saved bench/notebook results file, or of a history record."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if "figures" in document:
        return document["figures"]
    from explorer.history import headline_figures
    from explorer.measure.results.storage import load_results

    return headline_figures(load_results(path))


def _check_results_file(path: Path) -> None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CompareInputError(f"{path} must be a results JSON file, could not read it: {exc}") from None
    if not isinstance(document, dict) or not (
        {"metadata", "results"} <= set(document) or "figures" in document
    ):
        shape = sorted(document) if isinstance(document, dict) else type(document).__name__
        raise CompareInputError(
            f"{path} must be a results file (from `bench --json`, a notebook, or data/history/), "
            f"got a JSON document with keys {shape}"
        )


def _file_profile(path: Path) -> str:
    """The measurement profile (``quick``, ``full``) a results file or history record was taken with."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return str(document.get("profile") or (document.get("metadata") or {}).get("profile") or "")


def _check_same_profile(base: Path, head: Path) -> None:
    """Two files of different profiles differ by their n and repeats as well as by their code: refused."""
    profiles = _file_profile(base), _file_profile(head)
    if all(profiles) and profiles[0] != profiles[1]:
        raise CompareInputError(
            f"BASE and HEAD must be measured with one profile, got BASE {profiles[0]!r} ({base.name}) and "
            f"HEAD {profiles[1]!r} ({head.name}): their figures differ by n and repeats too"
        )


def _side(source: Source) -> dict:
    side = asdict(source)
    side["path"] = str(source.path)
    return side


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")
