"""Tiny notebooks for the runner's tests: a parameters cell, optional title cells, code cells."""

import nbformat as nbf

from workbench.params import NotebookParams


def params_cell(model=NotebookParams) -> str:
    """A parameters cell holding ``model``'s defaults, as the project's notebooks have."""
    return "\n".join(f"{k} = {v!r}  # help" for k, v in model().model_dump().items())


PARAMS_CELL = params_cell()


def write_notebook(path, *cells, params=PARAMS_CELL, titles=()) -> None:
    """Write a notebook: the tagged parameters cell, ``titles`` as ``(lang, markdown)`` cells, ``cells``."""
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbf.v4.new_code_cell(params, metadata={"tags": ["parameters"]})]
    nb.cells += [nbf.v4.new_markdown_cell(text, metadata={"tags": [f"lang-{lang}"]}) for lang, text in titles]
    nb.cells += [nbf.v4.new_code_cell(c) for c in cells]
    nbf.write(nb, path)
