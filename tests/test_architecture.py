"""The house's shape, read from the code: packages of app/ import each other one way only.

Layers (docs/DEVELOPMENT.md): models <- events (registration, tickets, council rules) <- the
areas built on it (checkin, calendar, reports, staff, directory). Every import counts, also
one inside a function: a lazy import is still a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
# The composition root imports every area to register it; it is above all of them by design.
COMPOSITION_ROOT = {"__init__"}
AREAS_ABOVE_EVENTS = {"checkin", "calendar", "reports", "staff", "directory", "networking", "privacy", "outcomes"}


def unit_of(path: Path, root: Path) -> str:
    """The package (app/events/...) or top-level module (app/pdf.py) a file belongs to."""
    parts = path.relative_to(root).with_suffix("").parts
    return parts[0]


def imported_units(path: Path, root: Path, package: str = "app") -> set[str]:
    """Units of `package` that a file imports, at any depth of the file."""
    known = {p.stem if p.is_file() else p.name for p in root.iterdir() if p.suffix == ".py" or p.is_dir()}
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] != package:
                continue
            if len(parts) > 1:
                found.add(parts[1])
            else:  # from app import ics, models
                found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == package and len(parts) > 1:
                    found.add(parts[1])
    return found


def unit_graph(root: Path, package: str = "app") -> dict[str, set[str]]:
    """unit -> the other units it imports (self-imports inside a package are not edges)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        unit = unit_of(path, root)
        if unit in COMPOSITION_ROOT:
            continue
        graph.setdefault(unit, set()).update(imported_units(path, root, package) - {unit} - COMPOSITION_ROOT)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return None


def test_packages_of_app_have_no_import_cycle():
    cycle = find_cycle(unit_graph(APP))
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle or [])


def test_the_event_core_imports_no_area_built_on_it():
    graph = unit_graph(APP)
    assert graph["events"] & AREAS_ABOVE_EVENTS == set()
    assert graph["models"] <= {"extensions", "validators"}


def test_the_reader_sees_every_area_and_its_imports():
    """The graph is not vacuous: it knows the areas and the edges the layering relies on."""
    graph = unit_graph(APP)
    assert AREAS_ABOVE_EVENTS | {"events", "models", "auth", "mail"} <= set(graph)
    assert {"events", "models"} <= graph["checkin"]
    assert "ics" in graph["calendar"]  # `from app import ics` counts


# --- control: the same reader on a small tree that has a cycle -------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        target = root / "app" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source, encoding="utf-8")
    return root / "app"


def test_control_a_cycle_through_a_function_level_import_is_caught(tmp_path):
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "events/__init__.py": "",
            "events/registration.py": "def issue():\n    from app.checkin.codes import issue_ticket\n",
            "checkin/__init__.py": "",
            "checkin/codes.py": "from app.events import registration\n",
            "models/__init__.py": "",
        },
    )
    cycle = find_cycle(unit_graph(root))
    assert cycle is not None and {"events", "checkin"} <= set(cycle)


def test_control_the_same_tree_without_the_back_edge_passes(tmp_path):
    root = _write(
        tmp_path,
        {
            "__init__.py": "import app.checkin\n",
            "events/__init__.py": "",
            "events/tickets.py": "from app import models\n",
            "checkin/__init__.py": "",
            "checkin/codes.py": "from app.events import tickets\n",
            "models/__init__.py": "",
        },
    )
    assert find_cycle(unit_graph(root)) is None
    assert unit_graph(root)["checkin"] == {"events"}


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from app.pdf import render_pdf\n", {"pdf"}),
        ("from app import ics, models\n", {"ics", "models"}),
        ("import app.events.tickets\n", {"events"}),
        ("from flask import Flask\nfrom .local import x\n", set()),
    ],
)
def test_imported_units(tmp_path, source, expected):
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "pdf.py": "",
            "ics.py": "",
            "models/__init__.py": "",
            "events/__init__.py": "",
            "probe.py": source,
        },
    )
    assert imported_units(root / "probe.py", root) == expected


def test_views_never_deliver_mail_themselves():
    """Mail leaves after the commit by the framework (app/mail/delivery.py), not by a view's call."""
    callers = sorted(
        str(path.relative_to(APP.parent))
        for path in APP.rglob("*.py")
        if "deliver_pending" in path.read_text(encoding="utf-8") and path.parent.name != "mail"
    )
    assert callers == []


def _flask_form_subclasses(root: Path) -> list[str]:
    """Classes under root that subclass Flask-WTF's FlaskForm directly, as file:class."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                if "FlaskForm" in bases:
                    found.append(f"{path.relative_to(root).as_posix()}:{node.name}")
    return found


def test_every_form_takes_its_input_through_the_house_form():
    """app.forms.Form never reads a JSON body as form data (issue 17); only it subclasses FlaskForm."""
    assert _flask_form_subclasses(APP) == ["forms.py:Form"]


def test_control_a_form_built_on_flask_form_directly_is_caught(tmp_path):
    (tmp_path / "forms.py").write_text("class Form(FlaskForm):\n    pass\n")
    (tmp_path / "area.py").write_text("class LoginForm(FlaskForm):\n    pass\n")
    assert _flask_form_subclasses(tmp_path) == ["area.py:LoginForm", "forms.py:Form"]
