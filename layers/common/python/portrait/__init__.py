"""Portrait's domain library, shipped to every function in the common layer.

Layers, imports pointing downwards only:
  services/  use cases, one function per thing a caller wants done
  auth/      pure password and token logic (no AWS)
  imaging/   pure image work on bytes (no AWS)
  store/     everything that touches AWS: pynamodb models, S3, the event bus, secrets
  config.py  settings, errors.py  domain errors, observability.py  logger/tracer/metrics
"""

# The project's version (pyproject.toml's; a unit test holds them together), kept here
# because the layer ships this package's source, not its installed metadata.
__version__ = "0.1.0"
