"""The HTTP surface: routes by area, their typed dependencies, answer schemas, the error envelope, OpenAPI."""
