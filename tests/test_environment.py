"""environment.yml mirrors pyproject.toml: same packages, same lower bounds."""

import re
import tomllib

import yaml

from workbench.paths import PROJ_ROOT

NAME_RE = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _parse(spec: str) -> tuple[str, str]:
    m = NAME_RE.match(spec.split("#")[0].strip())
    return _norm(m.group(1)), m.group(2).replace(" ", "")


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_parse(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"])
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    have = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep["pip"]:
                if not pip_dep.startswith("-e"):
                    have.update([_parse(pip_dep)])
        else:
            name, bound = _parse(dep)
            if name not in ("python", "pip"):
                have[name] = bound
    assert have == wanted, (
        f"only in pyproject: {sorted(set(wanted) - set(have))}; only in environment.yml: "
        f"{sorted(set(have) - set(wanted))}; different bounds: "
        f"{sorted(k for k in set(have) & set(wanted) if have[k] != wanted[k])}"
    )


def test_python_requirement_matches():
    project = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    py = [d for d in env["dependencies"] if isinstance(d, str) and _parse(d)[0] == "python"]
    assert py == ["python" + project["requires-python"]]
