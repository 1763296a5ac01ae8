"""The import structure: imports point one way, and optional engines stay unknown to what they plug into.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``, also run by ``lint-imports``). The graph
is import-linter's (grimp's): every ``import`` statement in ``newscrawl/``, at module level or inside a
function, under ``TYPE_CHECKING`` too. It cannot see a class named by a string (a Scrapy setting resolved
with ``load_object``), which is how the optional engines plug in.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration

ROOT = Path(__file__).resolve().parent.parent
CONFIG = str(ROOT / "pyproject.toml")
CONTRACTS = ["acyclic", "archive-knows-no-redis", "core-is-pure", "mirror-knows-no-browser"]

# Cycles allowed, each as its chain of imports: none.
KNOWN_CYCLES: set[str] = set()


@pytest.mark.parametrize("contract_id", CONTRACTS)
def test_import_contract_is_kept(contract_id: str) -> None:
    """Each contract of pyproject.toml holds: no cycle between sibling packages or modules at any depth
    (``acyclic``); ``newscrawl.archive`` imports neither ``newscrawl.distributed`` nor Redis, directly or
    through another module; ``newscrawl.mirror`` imports neither ``newscrawl.render`` nor Playwright."""
    # In a fresh interpreter: once Twisted's reactor is imported (zope.interface puts a ``__provides__``
    # descriptor on abc.ABC that raises AttributeError), import-linter 2.17's check of a contract's options
    # (``getattr(cls, name) for name in dir(cls)``, domain/contract.py) raises, and pytest has imported it.
    lint = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    args = [CONFIG, "--contract", contract_id, "--no-cache"]
    result = subprocess.run([sys.executable, "-c", lint, *args], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout[result.stdout.find("Broken contracts") :] + result.stderr


def test_the_contracts_are_the_ones_this_test_checks() -> None:
    """A contract added to pyproject.toml is checked here too (add its id to the list above)."""
    assert sorted(c["id"] for c in read_configuration(CONFIG)["contracts_options"]) == sorted(CONTRACTS)


def test_no_module_imports_a_module_that_imports_it_back() -> None:
    """No import cycle between any two modules, a package and its own modules included (which the sibling
    contract does not compare): for every import A -> B there is no chain of imports from B back to A."""
    graph = grimp.build_graph("newscrawl", cache_dir=None)
    cycles: dict[frozenset[str], str] = {}
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycles.setdefault(frozenset(back), " -> ".join((importer, *back)))
    assert set(cycles.values()) == KNOWN_CYCLES


def test_the_graph_sees_imports_inside_functions() -> None:
    """The cycle checks above cover lazy imports: an import inside a function is an edge of the graph."""
    graph = grimp.build_graph("newscrawl", cache_dir=None)
    # newscrawl/__init__.py imports the core only inside extract(), to keep `import newscrawl` cheap.
    details = graph.get_import_details(importer="newscrawl", imported="newscrawl.core.extract")
    assert [d["line_contents"] for d in details] == ["from newscrawl.core.extract import extract as _extract"]
