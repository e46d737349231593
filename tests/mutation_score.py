"""The mutation score per package from the last ``mutmut run`` (see docs/testing.md).

Run from the repository root after ``mutmut run``::

    python tests/mutation_score.py              # killed/total per package and per file
    python tests/mutation_score.py --survivors  # and each surviving mutant's changed lines
    python tests/mutation_score.py --recheck 'nnviz.core.sandbox.*' -- tests/test_formula.py

``--recheck PATTERN -- PYTEST-ARGS`` runs the given tests against every surviving or untested mutant whose
name matches, each in a fresh interpreter with the mutant switched on from the start. That reaches what
mutmut's forked workers cannot: code that runs only when a module is imported (tables built at import),
and code that runs only in a child process (its calls are never attributed to a test). It prints each
mutant as killed or survived.

It reads mutmut's result files (``mutants/**/*.py.meta``) and counts with mutmut's own table of exit
codes: a mutant is killed when a test failed on it (or it timed out); every other outcome — survived,
no test reaches it — counts against the score. Files whose mutants were never run are left out.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

#: The packages reported, by the prefix of their files' paths (first match wins).
PACKAGES = {
    "nnviz/core": "engine (nnviz/core)",
    "nnviz/playground": "playground logic",
    "nnviz/model_file.py": "playground logic",
    "nnviz/articles.py": "playground logic",
    "nnviz/user_text.py": "playground logic",
}
KILLED = {"killed", "timeout"}


def results(root: Path = Path("mutants")) -> dict[str, dict[str, str]]:
    """Each mutated file's mutants and their status, for files with at least one mutant run."""
    found = {}
    for meta in sorted(root.glob("nnviz/**/*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        statuses = {name: status_by_exit_code[code] for name, code in codes.items()}
        if any(status != "not checked" for status in statuses.values()):
            found[str(meta.relative_to(root))[: -len(".meta")]] = statuses
    return found


def package_of(path: str) -> str:
    return next((name for prefix, name in PACKAGES.items() if path.startswith(prefix)), "other")


def line(label: str, counts: Counter) -> str:
    run = counts.total() - counts["not checked"]
    killed = sum(counts[s] for s in KILLED)
    score = f"{100 * killed / run:5.1f} %" if run else "    –"
    rest = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s not in KILLED)
    return f"{label:<40} {killed:>5}/{run:<5} {score}   {rest}"


def recheck(pattern: str, pytest_args: list[str]) -> int:
    """Run ``pytest_args`` in ``mutants/`` once per matching unkilled mutant, in a fresh interpreter."""
    names = [
        name
        for statuses in results().values()
        for name, status in statuses.items()
        if status not in KILLED | {"not checked"} and fnmatch.fnmatch(name, pattern)
    ]
    killed = 0
    for name in names:
        env = {**os.environ, "MUTANT_UNDER_TEST": name, "PY_IGNORE_IMPORTMISMATCH": "1"}
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *pytest_args]
        done = subprocess.run(command, cwd="mutants", env=env, capture_output=True, text=True)
        verdict = "killed" if done.returncode not in (0, 5) else "survived"
        killed += verdict == "killed"
        print(f"{verdict:<9} {name}", flush=True)
    print(f"{killed}/{len(names)} killed when rechecked")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--recheck"]:
        rest = argv[2:]
        return recheck(argv[1], rest[1:] if rest[:1] == ["--"] else rest)
    by_file = results()
    if not by_file:
        print("no mutation results: run `mutmut run` first (docs/testing.md)")
        return 1
    by_package: dict[str, Counter] = {}
    for path, statuses in by_file.items():
        by_package.setdefault(package_of(path), Counter()).update(statuses.values())
    print(f"{'package':<40} killed/run  score")
    for name, counts in by_package.items():
        print(line(name, counts))
    print()
    for path, statuses in by_file.items():
        print(line(path, Counter(statuses.values())))
    if "--survivors" in argv:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        for path, statuses in by_file.items():
            for name, status in statuses.items():
                if status in KILLED or status == "not checked":
                    continue
                diff = get_diff_for_mutant(name, path=path).splitlines()
                changed = [d for d in diff[2:] if d[:1] in "+-"]
                print(f"\n{name} ({status})")
                print("\n".join("    " + d for d in changed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
