"""The live check (tests/live_check.py) over the corpus: every operation of every corpus spec's
generated client, called once on a Prism mock of the spec, fails for the generator's fault in
at most 3% of the calls that are not spec or mock faults; every failure has a reason.

Skipped when ../shared/corpus/specs or node_modules/.bin/prism is absent. About three minutes
on two cores (Prism's first answer for each of discord's operations takes about a second);
`make live` prints the same report without pytest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import prism_support
from tests.corpus_support import CORPUS, SPECS
from tests.live_check import TARGET, generator_share, report, run_corpus
from tests.live_judge import GENERATOR, SPEC_MOCK, WORKED

pytestmark = [
    pytest.mark.skipif(not SPECS, reason=f"the corpus is not present ({CORPUS} is absent)"),
    pytest.mark.skipif(
        not prism_support.prism_installed(),
        reason="node_modules/.bin/prism is missing: run `make test` or `npm ci`",
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def test_generator_faults_are_at_most_3_percent_of_the_live_calls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = run_corpus(SPECS, tmp_path)
    text = report(runs)
    with capsys.disabled():
        print("\n" + text)
    calls = [call for run in runs for call in run.calls]
    assert {run.spec for run in runs} == {spec.name for spec in SPECS}
    assert all(run.calls for run in runs), [run.spec for run in runs if not run.calls]
    assert all(call.verdict in (WORKED, GENERATOR, SPEC_MOCK) for call in calls)
    assert all(call.cause and call.reason for call in calls if call.verdict != WORKED)
    faults, judged, share = generator_share(runs)
    assert share <= TARGET, f"{faults}/{judged} calls failed for the generator's fault:\n{text}"
