"""Plain's component rules, read from the catalogue the Rust ``cardmesh-rules`` crate exports.

``catalogue.json`` here is a byte-for-byte copy of the repository's ``rules/catalogue.json``
(``tools/sync.py`` copies it; a test fails when the copy is stale). Nothing in this package
lists Plain's components, fields or limits by hand: the builders, the validator and the proto
conversion all read them from the catalogue.
"""

from .catalogue import Catalogue, catalogue
from .validate import Issue, Report, validate_components

__all__ = ["Catalogue", "Issue", "Report", "catalogue", "validate_components"]
