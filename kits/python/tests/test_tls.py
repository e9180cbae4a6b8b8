"""TLS and mutual TLS from the CARDMESH_SERVICE_TLS_* variables: the real gateway calls the
service over https with its client certificate; a client without one is refused."""

import sys
from pathlib import Path

import grpc
import pytest
from pki import make_pki

from cardmesh.v1 import card_service_pb2 as pb
from cardmesh.v1 import card_service_pb2_grpc as pb_grpc
from cardmesh_kit import ServerTls
from cardmesh_kit.testing import Gateway, ServiceProcess

SAMPLE = [sys.executable, str(Path(__file__).with_name("sample_service.py"))]


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path)


def test_the_gateway_calls_the_service_over_mutual_tls(pki, tmp_path):
    service = ServiceProcess(SAMPLE, {
        "CARDMESH_SERVICE_TLS_CERT_FILE": str(pki.server_cert),
        "CARDMESH_SERVICE_TLS_KEY_FILE": str(pki.server_key),
        "CARDMESH_SERVICE_TLS_CLIENT_CA_FILE": str(pki.ca),
    })
    config = tmp_path / "gateway.toml"
    config.write_text(f'[card_services.localhost]\ntls = {{ ca_file = "{pki.ca}", '
                      f'cert_file = "{pki.client_cert}", key_file = "{pki.client_key}" }}\n')
    gateway = Gateway([f"https://localhost:{service.port}"], {"CARDMESH_CONFIG": str(config)})
    try:
        gateway.wait_ready()
        status, body = gateway.cards(["hello"], {"id": "c_1", "email": "a@example.com"})
        assert status == 200, body
        assert body["cards"][0]["components"] == [{"componentText": {"text": "hello drawn"}}]
        assert "mtls=true" in service.output()
    finally:
        gateway.close()
        service.close()


async def test_a_client_without_a_certificate_is_refused(pki):
    service = ServiceProcess(SAMPLE, {
        "CARDMESH_SERVICE_TLS_CERT_FILE": str(pki.server_cert),
        "CARDMESH_SERVICE_TLS_KEY_FILE": str(pki.server_key),
        "CARDMESH_SERVICE_TLS_CLIENT_CA_FILE": str(pki.ca),
    })
    try:
        trusted = grpc.ssl_channel_credentials(root_certificates=pki.ca.read_bytes())
        async with grpc.aio.secure_channel(f"localhost:{service.port}", trusted) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await pb_grpc.CardServiceStub(channel).Describe(pb.DescribeRequest(), timeout=10)
        assert error.value.code() == grpc.StatusCode.UNAVAILABLE
        with_cert = grpc.ssl_channel_credentials(pki.ca.read_bytes(), pki.client_key.read_bytes(),
                                                 pki.client_cert.read_bytes())
        async with grpc.aio.secure_channel(f"localhost:{service.port}", with_cert) as channel:
            described = await pb_grpc.CardServiceStub(channel).Describe(pb.DescribeRequest(), timeout=10)
        assert described.service_name == "sample"
    finally:
        service.close()


def test_tls_variables_are_checked_naming_them(pki, monkeypatch):
    def env(**values):
        for name in ("CARDMESH_SERVICE_TLS_CERT_FILE", "CARDMESH_SERVICE_TLS_KEY_FILE",
                     "CARDMESH_SERVICE_TLS_CLIENT_CA_FILE"):
            monkeypatch.setenv(name, values.get(name.removeprefix("CARDMESH_SERVICE_TLS_").lower(), ""))

    env()
    assert ServerTls.from_env() is None
    env(cert_file=str(pki.server_cert))
    with pytest.raises(ValueError, match="TLS_CERT_FILE and CARDMESH_SERVICE_TLS_KEY_FILE go"):
        ServerTls.from_env()
    env(client_ca_file=str(pki.ca))
    with pytest.raises(ValueError, match="CLIENT_CA_FILE needs TLS"):
        ServerTls.from_env()
    env(cert_file="/nonexistent.pem", key_file=str(pki.server_key))
    with pytest.raises(ValueError, match=r"cannot read /nonexistent\.pem"):
        ServerTls.from_env()
    env(cert_file=str(pki.server_cert), key_file=str(pki.server_key))
    tls = ServerTls.from_env()
    assert not tls.requires_client_certs and "PRIVATE" not in repr(tls)
