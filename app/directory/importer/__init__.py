"""Company list import: read an uploaded .xlsx/.csv, plan each row against the directory, apply the plan.

Three stages, so that the preview and the apply see the same decisions, one module each:
``parse(content, filename)`` (parse.py) turns the file into rows (or raises ImportFileError),
``plan(rows, cluster, user)`` (plan.py) decides per row new / update / unchanged / error without
writing anything, and ``apply(plan)`` (apply.py) writes the good rows in the caller's transaction.
``run_import(record, user, ...)`` (apply.py) is the whole apply flow, shared by the import page and
``flask import-companies``. template.py builds the downloadable template.

Callers use the names re-exported here. Three of them are also the names of their modules, and the
function wins (``importer.parse`` is the function): to reach a module itself, e.g. to patch one of
its limits in a test, use ``importlib.import_module("app.directory.importer.parse")``. The limits
parse() and plan() read (MAX_ROWS, NAME_MAX, ...) are not re-exported, so that patching a copy here,
which they would never see, fails instead of passing silently.
"""

from app.directory.importer.apply import (
    REFUSAL_MESSAGES,
    ImportRefused,
    ImportResult,
    Refusal,
    applied_counts,
    apply,
    create_import,
    mark_applied,
    new_import,
    run_import,
    summary_text,
)
from app.directory.importer.parse import (
    COLUMNS,
    KOREAN_HEADERS,
    MAX_FILE_BYTES,
    ImportFileError,
    ImportRow,
    ParsedFile,
    check_upload,
    clean_filename,
    file_extension,
    parse,
)
from app.directory.importer.plan import (
    FIELD_LABELS,
    OUTCOME_LABELS,
    Change,
    ImportPlan,
    Outcome,
    RowPlan,
    plan,
)
from app.directory.importer.template import EXAMPLE_ROW, template_workbook

__all__ = [
    "COLUMNS",
    "EXAMPLE_ROW",
    "FIELD_LABELS",
    "KOREAN_HEADERS",
    "MAX_FILE_BYTES",
    "OUTCOME_LABELS",
    "REFUSAL_MESSAGES",
    "Change",
    "ImportFileError",
    "ImportPlan",
    "ImportRefused",
    "ImportResult",
    "ImportRow",
    "Outcome",
    "ParsedFile",
    "Refusal",
    "RowPlan",
    "applied_counts",
    "apply",
    "check_upload",
    "clean_filename",
    "create_import",
    "file_extension",
    "mark_applied",
    "new_import",
    "parse",
    "plan",
    "run_import",
    "summary_text",
    "template_workbook",
]
