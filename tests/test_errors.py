"""One error family: every deliberate error derives from ActionrecError, and the CLI prints it in one line."""

import ast
import pathlib

import pytest

import actionrec
from actionrec.cli import main
from actionrec.errors import ActionrecError

PACKAGE = pathlib.Path(actionrec.__file__).parent


def _exception_classes():
    """Every class in the package whose name ends in Error, read from the source (not from imports)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if "configs" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error"):
                module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
                yield module, node.name


@pytest.mark.parametrize("module, name", list(_exception_classes()))
def test_every_error_class_derives_from_the_base(module, name):
    import importlib

    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, ActionrecError), f"{module}.{name} does not derive from ActionrecError"


def test_at_least_the_known_classes_are_found():
    names = {name for _, name in _exception_classes()}
    assert {"ConfigError", "CheckpointError", "VideoDecodeError", "AnnotationError", "DownloadError"} <= names


def test_cli_prints_one_line_and_exits_2(tmp_path, capsys):
    missing = tmp_path / "nope.py"
    assert main(["config", "show", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(missing) in err and "Traceback" not in err


def test_cli_debug_shows_the_traceback(tmp_path):
    with pytest.raises((ActionrecError, FileNotFoundError)):
        main(["--debug", "config", "show", str(tmp_path / "nope.py")])


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"actionrec {actionrec.__version__}"
