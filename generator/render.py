"""Stage 5: the IR rendered through the Jinja templates into source text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.ir import PackageIR
from generator.progress import NO_PROGRESS, Progress

# template file -> output file, relative to the package folder
PACKAGE_TEMPLATES = {
    "__init__.py.jinja": "__init__.py",
    "models.py.jinja": "models.py",
    "operations.py.jinja": "operations.py",
    "client.py.jinja": "client.py",
    "README.md.jinja": "README.md",
}
RESOURCE_TEMPLATE = "resource.py.jinja"  # once per top-level resource: resources/<name>.py
RESOURCES_INIT_TEMPLATE = "resources_init.py.jinja"  # resources/__init__.py, where there are resources
LAZY_INIT_TEMPLATE = "lazy_init.py.jinja"  # models/__init__.py and operations/__init__.py of a split package
LAZY_STUB_TEMPLATE = "lazy_init.pyi.jinja"  # and the __init__.pyi beside each, for type checkers
MACRO_TEMPLATES = ("methods.jinja",)  # imported by the others, not rendered alone
TEMPLATES = sorted([*PACKAGE_TEMPLATES, RESOURCE_TEMPLATE, RESOURCES_INIT_TEMPLATE, LAZY_INIT_TEMPLATE, LAZY_STUB_TEMPLATE,
                    *MACRO_TEMPLATES])
SPLIT_MODULES = {"models.py.jinja": "models", "operations.py.jinja": "operations"}  # a folder each when split


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def md_text(text: object) -> str:
    """Text as a Markdown paragraph: one line, no HTML."""
    return " ".join(str(text).split()).replace("<", "&lt;").replace(">", "&gt;")


def _builtin_templates() -> Path:
    """templates/ beside the package in a checkout; the `generator.templates` package data when installed."""
    here = Path(__file__).resolve().parent
    for folder in (here.parent / "templates", here / "templates"):
        if (folder / "models.py.jinja").is_file():
            return folder
    raise RuntimeError("the generator's built-in templates are missing from this installation")


BUILTIN_TEMPLATES = _builtin_templates()


def template_sources(template_dir: Path) -> dict[str, bytes]:
    """The template each output is rendered from: the custom folder's, else the built-in one."""
    found = {}
    for name in TEMPLATES:
        custom = template_dir / name
        found[name] = (custom if custom.is_file() else BUILTIN_TEMPLATES / name).read_bytes()
    return found


def environment(template_dir: Path) -> Any:
    import jinja2  # imported on first use: a run that finds its output up to date never renders

    folders = [str(template_dir)] + ([str(BUILTIN_TEMPLATES)] if template_dir != BUILTIN_TEMPLATES else [])
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),  # a custom folder may override only some templates
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters.update(pyrepr=repr, md_cell=md_cell, md_text=md_text)
    return env


def render_package(pkg: PackageIR, template_dir: Path, progress: Progress = NO_PROGRESS) -> dict[str, str]:
    """Render every template; returns {path inside the package: text}."""
    progress.stage("rendering", len(PACKAGE_TEMPLATES), "modules")  # the resource modules after these
    env = environment(template_dir)
    texts: dict[str, str] = {}
    for name, out in sorted(PACKAGE_TEMPLATES.items()):
        if name in SPLIT_MODULES and pkg.resource_modules:
            texts.update(_split_module(env, pkg, name))
        else:
            texts[out] = env.get_template(name).render(pkg=pkg, module="", models=pkg.models,
                                                        imports=_imports_of(pkg, name), operations=pkg.operations)
        progress.advance()
    if pkg.resource_modules:
        texts["resources/__init__.py"] = env.get_template(RESOURCES_INIT_TEMPLATE).render(pkg=pkg)
        resource = env.get_template(RESOURCE_TEMPLATE)
        for module in pkg.resource_modules:
            texts[f"resources/{module.module}.py"] = resource.render(pkg=pkg, module=module)
    return texts


def _imports_of(pkg: PackageIR, template: str) -> tuple[str, ...]:
    return {"models.py.jinja": pkg.model_imports, "operations.py.jinja": pkg.operation_imports}.get(template, ())


def _split_module(env: Any, pkg: PackageIR, name: str) -> dict[str, str]:
    """models/ or operations/ of a split package: one module per part, and the lazy __init__."""
    folder = SPLIT_MODULES[name]
    template = env.get_template(name)
    parts = pkg.model_modules if folder == "models" else pkg.operation_modules
    texts = {f"{folder}/{part.name}.py": template.render(pkg=pkg, module=part.name, models=part.models,
                                                         operations=part.operations, imports=part.imports)
             for part in parts}
    if folder == "models":
        doc = f"Data models of {pkg.title_doc}, one module per resource and one of shared models."
        imports, names = pkg.model_init_imports, pkg.model_init_names
    else:
        doc = f"Request builders for {pkg.title_doc}, one module per resource: one function per operation."
        imports, names = pkg.operation_init_imports, pkg.operation_init_names
    texts[f"{folder}/__init__.py"] = env.get_template(LAZY_INIT_TEMPLATE).render(pkg=pkg, doc=doc, names=names)
    texts[f"{folder}/__init__.pyi"] = env.get_template(LAZY_STUB_TEMPLATE).render(pkg=pkg, doc=doc, imports=imports)
    return texts
