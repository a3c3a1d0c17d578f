"""The intermediate representation: what the templates see, fully precomputed.

Templates only loop over these nodes and print their fields; every decision
(names, type hints, defaults, docstrings, imports) is made in `build`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldIR:
    """One attribute of a pydantic model."""

    python_name: str
    wire_name: str
    annotation: str  # the type hint, e.g. "str | None"
    assignment: str  # right-hand side after "=", or "" when the field is required
    doc_literal: str  # a safe Python string literal, or ""
    deprecated: bool = False
    required: bool = False  # no default: the field must be present (it may still have an alias)
    forward: bool = False  # names a model defined further down the module (or its own class)

    @property
    def annotation_code(self) -> str:
        """The hint as written in the class body: evaluated there unless it looks forward."""
        return repr(self.annotation) if self.forward else self.annotation


@dataclass(frozen=True)
class ModelIR:
    """A component schema: either a pydantic class or a type alias."""

    python_name: str
    pointer: str  # where the schema lives in the spec
    is_class: bool
    doc_literal: str
    fields: tuple[FieldIR, ...] = ()
    alias_of: str = ""  # for type aliases: the aliased type expression
    lazy_alias: bool = False  # alias_of is a string literal read on first use (the alias refers to itself)
    config: str = ""  # the model_config assignment's right-hand side


@dataclass(frozen=True)
class ParamIR:
    """One argument of an operation function."""

    python_name: str
    wire_name: str
    wire_literal: str  # the wire name as a Python string literal
    location: str  # "path", "query", "header", "cookie", "body" or "media" (the content type)
    annotation: str  # the full hint, including "| NotGiven" for optional arguments
    required: bool
    default: str  # "" when required, else "NOT_GIVEN"
    type_text: str  # a readable type for the README, e.g. "list[str]"
    doc: str  # one line of plain text
    deprecated: bool = False


@dataclass(frozen=True)
class OperationIR:
    python_name: str
    operation_id: str
    method: str  # upper case
    path: str
    path_literal: str  # the path template as a Python string literal
    pointer: str
    path_params: tuple[ParamIR, ...]
    query_params: tuple[ParamIR, ...]
    header_params: tuple[ParamIR, ...]
    cookie_params: tuple[ParamIR, ...]
    body_params: tuple[ParamIR, ...]
    body_model: str  # the request body's model name for docs, or ""
    body_required: bool
    body_encoding: str  # "json", "multipart", "form", "text" or "binary" (see media.body_encoding)
    whole_body: bool  # the single `body` argument is the whole body (its schema is not an object)
    query_styles: str  # a dict literal of non-default query encodings, or ""
    response_type: str  # the success type hint, or "None"
    response_kind: str  # "json", "jsonl", "text", "bytes", "sse" (always a stream) or "none"
    summary: str
    doc_literal: str
    deprecated: bool
    deprecation_literal: str  # the @deprecated message as a literal, or ""
    builder_name: str  # the function that builds the Request: python_name, or its unwarned twin when deprecated
    has_body: bool  # a body is sent: its arguments, or `{}` for a required JSON body with no properties
    keyword_args: tuple[str, ...]  # "name: hint = default" for every query and body argument
    page_item: str = ""  # item type of a paginated list operation, else ""
    page_info: str = ""  # the runtime PageInfo(...) expression, else ""
    stream_type: str = ""  # event type when the operation can stream, else ""
    stream_envelope: bool = False  # events are {event, data} objects
    stream_false_args: tuple[str, ...] = ()  # keyword_args for the non-streaming overload
    stream_true_args: tuple[str, ...] = ()  # keyword_args for the streaming overload
    stream_always: bool = False  # the only success media type is an event stream: always a Stream
    body_media: str = ""  # literal of the body's media type when it is not plain application/json
    content_types: tuple[str, ...] = ()  # the body's media types, the default first
    media_params: tuple[ParamIR, ...] = ()  # the `content_type` argument, when there is a choice
    media_encodings: str = ""  # dict literal: a chosen media type's encoding, where it differs
    part_types: str = ""  # dict literal: multipart part -> content type
    allow_empty: bool = False  # a 2xx may come without a body: the result is None then
    response_item: str = ""  # JSON lines: the type of one line
    twin_kind: str = ""  # "download" (binary) or "lines" (JSON lines): a twin method streams the result
    twin_name: str = ""  # that twin's method name
    security: Requirements | None = None  # the operation's own security requirements; None: the API's
    accept: str = ""  # the Accept header: the media types of the declared responses, JSON first
    path_styles: tuple[tuple[str, str], ...] = ()  # (wire name, style) where not "simple": "label*", "matrix"
    header_styles: tuple[tuple[str, str], ...] = ()  # (wire name, "simple*") for exploded headers
    query_reserved: tuple[str, ...] = ()  # query parameters sent with reserved characters as they are
    form_styles: tuple[tuple[str, str], ...] = ()  # form body: (property, query style code) its encoding gives
    method_name: str = ""  # the method on its client or resource: python_name, or shorter inside a resource
    call_path: str = ""  # how a caller reaches it from the client: "list_files", "files.list"
    example: str = ""  # the README's example call with the required arguments ("" when none can be written)


@dataclass(frozen=True)
class ResourceIR:
    """A group of operations reached as `client.<path>`, with its sync and async classes."""

    attribute: str  # the attribute on its parent (the client or a resource): "jobs"
    path: str  # dotted from the client: "fine_tuning.jobs"
    class_name: str  # the sync class; the async one is "Async" + this
    module: str  # the module under resources/ that defines it (its top-level resource's, or a part of it)
    operations: tuple[OperationIR, ...]  # each with its method_name and call_path
    children: tuple[ResourceIR, ...]
    qualifies_builtins: bool = False  # a method is called `list`: hints say `builtins.list[...]`


@dataclass(frozen=True)
class ModuleIR:
    """One module of a split package's models/ or operations/ folder (see `split`)."""

    name: str  # the module under the folder: a top-level resource's name, "_shared" or "_client"
    imports: tuple[str, ...]
    models: tuple[ModelIR, ...] = ()
    operations: tuple[OperationIR, ...] = ()


@dataclass(frozen=True)
class ResourceModuleIR:
    """One module under resources/: a top-level resource and the ones nested in it, or a part of
    them when they are too many for one module (see `split`)."""

    module: str
    imports: tuple[str, ...]
    type_imports: tuple[str, ...]  # for type checkers only: nested resources defined in another part
    classes: tuple[ResourceIR, ...]  # parents before their children


Requirements = tuple[tuple[str, ...], ...]  # security alternatives, each the schemes sent together


@dataclass(frozen=True)
class SchemeIR:
    """One security scheme as the client takes and sends it."""

    key: str  # the scheme's name in the spec
    kind: str  # "apiKey", "basic", "bearer" (http bearer), "oauth2" (and openIdConnect), "http", "mutualTLS"
    location: str  # "header", "query" or "cookie"
    wire_name: str  # the header, query parameter or cookie the credential goes in
    scheme: str  # http schemes: the word before the value in Authorization ("Bearer", "Basic", "Digest")
    arguments: tuple[str, ...]  # the constructor's arguments: (name,), (username, password), or none
    env_vars: tuple[str, ...]  # one per argument
    description: str  # one line for the constructor's docstring

    @property
    def accepts_callable(self) -> bool:
        """OAuth2 and OpenID Connect tokens expire: a callable returning a fresh one is accepted."""
        return self.kind == "oauth2"


@dataclass(frozen=True)
class ServerVariableIR:
    """A variable of the spec's first server URL, taken by the client's constructor."""

    name: str  # as written in the URL's `{name}`
    argument: str  # the constructor argument
    default: str
    values: tuple[str, ...]  # the spec's `enum`, or () for any value
    doc: str  # one line for the docstring, escaped


@dataclass(frozen=True)
class PackageIR:
    package_name: str
    client_name: str
    env_prefix: str  # credentials and the base URL are read from {env_prefix}_... variables
    title: str
    title_doc: str  # the title, escaped for use inside a docstring
    api_version: str
    api_version_doc: str  # the version, escaped for use inside a docstring
    server_url: str  # the first server's URL; `{name}` where it has variables; relative ones demand base_url
    header_comment: str  # the "generated, do not edit" line, without the leading marker
    models: tuple[ModelIR, ...]
    model_imports: tuple[str, ...]  # import lines for the models module
    operations: tuple[OperationIR, ...]
    operation_imports: tuple[str, ...]  # import lines for the operations module
    client_imports: tuple[str, ...]  # import lines for the client module
    init_exports: tuple[str, ...]  # names the package __init__ re-exports, in __all__ order
    init_imports: tuple[str, ...]  # import lines for those of them that come from the runtime
    init_lazy: tuple[tuple[str, str], ...] = ()  # (name, runtime module) the __init__ loads on first use
    init_lazy_imports: tuple[str, ...] = ()  # their imports, for type checkers
    default_headers: tuple[tuple[str, str], ...] = ()  # (name literal, value literal) sent on every call
    optional_headers: tuple[tuple[str, str], ...] = ()  # (constructor argument, header name literal)
    security_schemes: tuple[SchemeIR, ...] = ()  # the credentials the client takes
    default_security: Requirements = ()  # the document's security requirements
    server_variables: tuple[ServerVariableIR, ...] = ()
    client_operations: tuple[OperationIR, ...] = ()  # the operations that are methods of the client itself
    resources: tuple[ResourceIR, ...] = ()  # the client's resources (empty: a flat client)
    resource_modules: tuple[ResourceModuleIR, ...] = ()
    client_type_imports: tuple[str, ...] = ()  # the client's TYPE_CHECKING imports: models, builders, resources
    client_builders: str = ""  # the module of the client's request builders, loaded with the first call
    calls: tuple[OperationIR, ...] = ()  # every operation as callers reach it (call_path set), in spec order
    example_imports: tuple[str, ...] = ()  # what the README's examples import besides the client
    resource_examples: tuple[tuple[str, str], ...] = ()  # (resource path, an example call of it)
    model_modules: tuple[ModuleIR, ...] = ()  # split packages: the modules of models/ (else models.py)
    operation_modules: tuple[ModuleIR, ...] = ()  # split packages: the modules of operations/
    model_init_imports: tuple[str, ...] = ()  # split packages: models/__init__.pyi's imports
    operation_init_imports: tuple[str, ...] = ()  # split packages: operations/__init__.pyi's imports
    # split packages: each __init__'s table of (module, string literals of the names it defines)
    model_init_names: tuple[tuple[str, tuple[str, ...]], ...] = ()
    operation_init_names: tuple[tuple[str, tuple[str, ...]], ...] = ()
    server_url_doc: str = ""  # server_url, escaped for use inside a docstring

    @property
    def credential_env_vars(self) -> tuple[str, ...]:
        """The environment variables the client reads credentials from: one per argument of
        the security schemes, in their order (none for a spec that declares no security)."""
        return tuple(var for scheme in self.security_schemes for var in scheme.env_vars)

    @property
    def base_url_env(self) -> str:
        """The environment variable the client reads its base URL from, when it is set."""
        return f"{self.env_prefix}_BASE_URL"
