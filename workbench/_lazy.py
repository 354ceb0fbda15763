"""A package's public names imported on first use (PEP 562 module ``__getattr__``).

Importing ``workbench.segmentation.params`` runs ``workbench/segmentation/__init__.py`` first.
When that ``__init__`` imports the whole area, validating one notebook's parameters pulls in
statsmodels, scipy, matplotlib, scikit-learn and lifetimes (seconds in a fresh process: issue 14).
An area's ``__init__`` therefore only declares where each public name lives::

    __getattr__, __dir__ = attach(__name__, {"rfm": ["rfm_table", "score"], "views": ["headline"]})

and ``seg.rfm_table``, ``from workbench.segmentation import rfm_table`` and ``dir(seg)`` work as
before, importing ``workbench.segmentation.rfm`` when a name of it is first used.

One trap the plain pattern (and ``lazy_loader.attach``) leaves open: a public name spelt like a
submodule of its package (``kpi.prepare`` is the function ``kpi.actuals.prepare``, and
``kpi/prepare.py`` exists). The import system binds a submodule on its package when the submodule
is first imported, from wherever; an eager ``__init__`` rebound the function afterwards, a lazy
one would leave ``kpi.prepare`` as the module. :func:`attach` makes the package refuse that one
binding, so the name keeps meaning what the ``__init__`` says.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import types
from collections.abc import Callable, Iterable, Mapping

_EXPORTED: dict[str, frozenset[str]] = {}
"""Per lazy package: its public names that are not submodules (a submodule never replaces them)."""


class LazyPackage(types.ModuleType):
    """A package whose exported names a submodule of the same spelling does not overwrite."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and name in _EXPORTED.get(self.__name__, ()):
            # the import system binding ``pkg.prepare = <module pkg.prepare>``: the package's name
            # ``prepare`` is the exported object, found by ``__getattr__`` on first use
            return
        super().__setattr__(name, value)


def exports_by_name(package: str, exports: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """``{name: submodule}`` from ``{submodule: names}``.

    Raises
    ------
    ValueError
        A name exported from two submodules (the second would silently win).
    """
    where: dict[str, str] = {}
    for sub, names in exports.items():
        if isinstance(names, str):
            raise TypeError(f"{package}: the names of {sub!r} must be a list of names, not the string {names!r}")
        for name in names:
            if name in where:
                raise ValueError(f"{package}: {name!r} is exported from both {where[name]!r} and {sub!r}")
            where[name] = sub
    return where


def submodules(package: types.ModuleType) -> frozenset[str]:
    """The names of a package's submodules and subpackages (its folder listed, nothing imported)."""
    return frozenset(m.name for m in pkgutil.iter_modules(package.__path__))


def attach(package: str, exports: Mapping[str, Iterable[str]]) -> tuple[Callable[[str], object],
                                                                         Callable[[], list[str]]]:
    """Make a package's names import on first use; returns its ``__getattr__`` and ``__dir__``.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (it must be in ``sys.modules``: call this from its ``__init__``).
    exports : mapping of str to list of str
        ``{submodule: [name, ...]}``: ``package.name`` is ``getattr(package.submodule, name)``,
        imported when first used and then kept on the package. Every submodule of the package is
        also available as an attribute (``seg.views``), except where an exported name has its
        spelling: there the exported object wins, as it did with eager imports.

    Returns
    -------
    __getattr__, __dir__
        To assign at the top level of the package's ``__init__`` (PEP 562).
    """
    pkg = sys.modules[package]
    where = exports_by_name(package, exports)
    modules = submodules(pkg) - where.keys()
    _EXPORTED[package] = frozenset(where)
    pkg.__class__ = LazyPackage

    def __getattr__(name: str):
        if name in where:
            value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
            pkg.__dict__[name] = value  # found directly from now on
            return value
        if name in modules:
            return importlib.import_module(f"{package}.{name}")  # the import system binds it on the package
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*pkg.__dict__, *where, *modules})

    return __getattr__, __dir__
