"""The architecture stays as docs/architecture.md draws it: read from the modules' own import statements."""

import importlib.util
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("import_graph", ROOT / "tools" / "import_graph.py")
import_graph = importlib.util.module_from_spec(_spec)
sys.modules["import_graph"] = import_graph  # dataclasses look their module up there
_spec.loader.exec_module(import_graph)
EDGES = import_graph.graph()


def test_the_graph_is_read():
    # a few edges that must exist, so an empty or broken reader cannot pass the checks below
    pairs = {(e.source, e.target) for e in EDGES}
    assert ("models/tsn.py", "checkpoints/__init__.py") in pairs  # models load weights through checkpoints/
    assert ("config/mmaction_model.py", "models/uniformerv2.py") in pairs  # the boundary knows the families
    assert ("build.py", "models/registry.py") in pairs


def test_no_import_loops_between_files():
    assert import_graph.cycles(EDGES) == []


def test_layer_rules():
    # checkpoints/ never imports model families; models/ never imports config/ or download; data/ is below both
    assert import_graph.violations(EDGES) == []


def test_function_local_imports_only_where_they_buy_start_up_time():
    # commands/ import lazily so that `actionrec --help` starts fast; elsewhere a local import needs a reason
    assert import_graph.unexplained_local_imports(EDGES) == []


def test_reader_finds_a_loop_and_a_violation(tmp_path, monkeypatch):
    """The checks above can fail: a two-file loop and a forbidden edge in a scratch package are reported."""
    pkg = tmp_path / "actionrec"
    (pkg / "models").mkdir(parents=True)
    (pkg / "checkpoints").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "models" / "__init__.py").write_text("")
    (pkg / "checkpoints" / "__init__.py").write_text("from actionrec.models import a\n")
    (pkg / "models" / "a.py").write_text("from actionrec.models import b\n")
    (pkg / "models" / "b.py").write_text("def f():\n    from actionrec.models import a\n")
    monkeypatch.setattr(import_graph, "ROOT", tmp_path)
    monkeypatch.setattr(import_graph, "PACKAGE", pkg)
    edges = import_graph.graph()
    assert import_graph.cycles(edges) == [["models/a.py", "models/b.py"]]
    assert len(import_graph.violations(edges)) == 1
    assert import_graph.unexplained_local_imports(edges) == [
        "models/b.py:2 imports actionrec.models.a inside a function"
    ]
