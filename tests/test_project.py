"""What the README promises a person on a fresh machine, checked against the files that make it true."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_the_readme_starts_with_the_two_set_up_commands():
    text = (ROOT / "README.md").read_text()
    first_blocks = re.findall(r"```(\w*)\n(.*?)\n```", text, re.S)[:2]
    assert [language for language, _ in first_blocks] == ["bash", "bash"]
    run_app, run_tests = (command for _, command in first_blocks)
    assert run_app == "pip install -r requirements.txt && streamlit run app.py"
    assert run_tests.endswith("python -m pytest -q")
    # Nothing but the title comes before them.
    assert text.index("```bash") < text.index("\n## ")


def test_ci_runs_the_readmes_test_command_verbatim():
    run_tests = readme_commands()[1]
    assert run_tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_app_opens_a_browser_tab_when_started_by_a_person():
    """The README's first command opens the playground in a browser: Streamlit does so unless headless."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config.get("server", {}).get("headless", False) is False


def test_app_py_is_the_only_entry_and_lists_every_page():
    app = (ROOT / "app.py").read_text()
    pages = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
    listed = re.findall(r'^\s+\("(\w+)", "', app, re.M)
    assert sorted(listed) == pages
    assert not list(ROOT.glob("playground.py")), "pages are started through app.py only"
