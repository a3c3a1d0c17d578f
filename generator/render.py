"""Stage 5: the IR rendered through the Jinja templates into source text."""

from __future__ import annotations

from pathlib import Path

import jinja2

from generator.ir import PackageIR

# template file -> output file, relative to the package folder
PACKAGE_TEMPLATES = {
    "__init__.py.jinja": "__init__.py",
    "models.py.jinja": "models.py",
    "operations.py.jinja": "operations.py",
    "client.py.jinja": "client.py",
    "README.md.jinja": "README.md",
}


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def md_text(text: object) -> str:
    """Text as a Markdown paragraph: one line, no HTML."""
    return " ".join(str(text).split()).replace("<", "&lt;").replace(">", "&gt;")


def environment(template_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters.update(pyrepr=repr, md_cell=md_cell, md_text=md_text)
    return env


def render_package(pkg: PackageIR, template_dir: Path) -> dict[str, str]:
    """Render every template; returns {path inside the package: text}."""
    env = environment(template_dir)
    return {out: env.get_template(name).render(pkg=pkg) for name, out in sorted(PACKAGE_TEMPLATES.items())}
