"""Optional TLS for a card service, with optional client-certificate verification (mTLS).

:func:`cardmesh_kit.serve` turns it on when ``CARDMESH_SERVICE_TLS_CERT_FILE`` and
``CARDMESH_SERVICE_TLS_KEY_FILE`` are set; with ``CARDMESH_SERVICE_TLS_CLIENT_CA_FILE`` too,
only clients (the gateway) whose certificate chains to that CA may connect.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import grpc

TLS_CERT_ENV = "CARDMESH_SERVICE_TLS_CERT_FILE"
TLS_KEY_ENV = "CARDMESH_SERVICE_TLS_KEY_FILE"
TLS_CLIENT_CA_ENV = "CARDMESH_SERVICE_TLS_CLIENT_CA_FILE"


@dataclass(frozen=True)
class ServerTls:
    """A PEM certificate chain and key, and optionally the CA client certificates must chain
    to. ``repr()`` never shows the key."""

    cert_pem: bytes
    key_pem: bytes = field(repr=False)
    client_ca_pem: bytes | None = None

    @property
    def requires_client_certs(self) -> bool:
        return self.client_ca_pem is not None

    def credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.key_pem, self.cert_pem)], root_certificates=self.client_ca_pem,
            require_client_auth=self.requires_client_certs)

    @classmethod
    def from_env(cls) -> ServerTls | None:
        """TLS from the files the variables name; ``None`` when none is set (empty is unset).
        Raises ``ValueError`` naming the variable for half a configuration or a bad file."""
        def var(name: str) -> str | None:
            return os.environ.get(name, "").strip() or None

        cert, key, ca = var(TLS_CERT_ENV), var(TLS_KEY_ENV), var(TLS_CLIENT_CA_ENV)
        if cert is None and key is None:
            if ca is not None:
                raise ValueError(f"{TLS_CLIENT_CA_ENV} needs TLS: set {TLS_CERT_ENV} and {TLS_KEY_ENV} too")
            return None
        if cert is None or key is None:
            raise ValueError(f"{TLS_CERT_ENV} and {TLS_KEY_ENV} go together: set both or neither")
        return cls(_read_pem(TLS_CERT_ENV, cert), _read_pem(TLS_KEY_ENV, key),
                   None if ca is None else _read_pem(TLS_CLIENT_CA_ENV, ca))


def _read_pem(var: str, path: str) -> bytes:
    try:
        data = open(path, "rb").read()  # noqa: SIM115 - short read
    except OSError as error:
        raise ValueError(f"{var}: cannot read {path}: {error.strerror}") from error
    if b"-----BEGIN " not in data:
        raise ValueError(f"{var}: {path} is not a PEM file (no -----BEGIN line)")
    return data
