"""The runtime of generated clients: hand-written modules, copied unchanged into each
generated package as its `_runtime` package, each only when the package uses it.

- core: NOT_GIVEN, argument types, the bases of the generated models
- errors: the exceptions a client raises
- auth: credentials from the spec's securitySchemes, kept out of errors and logs
- encoding: Requests and their wire form (parameter styles and bodies)
- transport: sending Requests, retries, parsing responses
- pagination: pages and lazy iteration over a list (only for APIs with list operations)
- streaming: server-sent events, binary and JSON-lines bodies (only where an API streams)

Importing this package imports none of its modules: the generated code imports each
module it needs by name.
"""
