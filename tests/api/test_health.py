"""Health, and 503s when the chain or the database is unreachable; the error shape for HTTP errors."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect
from sqlmodel import Session

from rwakit.api import create_app
from rwakit.chain.connection import Chain
from rwakit.chain.node import LocalNode, free_port
from rwakit.config import Settings
from rwakit.db import make_engine, migrate
from rwakit.db.keys import create_api_key
from rwakit.platform import Platform
from tests.api.conftest import Api, TestClient, ok, refused


def test_health_when_everything_answers(api: Api) -> None:
    body = ok(api.anonymous.get("/health"))
    assert body["status"] == "ok" and body["chain"]["reachable"] and body["chain"]["chain_id"] == 31337
    assert body["contracts"]["deployed"] and body["contracts"]["registry"] == api.platform.deployment.registry
    assert body["database"]["reachable"] and body["database"]["backend"] in ("sqlite", "postgresql")
    tables = set(inspect(api.engine).get_table_names())
    assert {
        "asset_record",
        "investor_profile",
        "custodial_wallet",
        "api_key",
        "tx_log",
        "issuance",
        "audit_log",
    } <= tables


def test_openapi_docs_are_served(api: Api) -> None:
    assert api.anonymous.get("/docs").status_code == 200
    paths = ok(api.anonymous.get("/openapi.json"))["paths"]
    assert {"/assets", "/investors", "/issuances", "/issuances/batch", "/transfers", "/health"} <= set(paths)


def test_http_errors_share_the_shape(api: Api) -> None:
    refused(api.anonymous.get("/nowhere"), 404, "not_found")
    refused(api.admin.request("PUT", "/assets"), 405, "method_not_allowed")
    bad_json = api.registrar.post("/investors", content=b"{not json", headers={"Content-Type": "application/json"})
    refused(bad_json, 422, "invalid_request")


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **values)  # type: ignore[arg-type]


def test_chain_unreachable_is_503(tmp_path: Path, platform: Platform) -> None:
    settings = _settings(tmp_path, rpc_url=f"http://127.0.0.1:{free_port()}")
    platform.deployment.save(settings.deployment_file)
    engine = make_engine(f"sqlite:///{tmp_path / 'api.db'}")
    migrate(engine)
    with Session(engine) as session:
        _, key = create_api_key(session, role="admin")
    with TestClient(create_app(settings, engine=engine)) as client:
        health = client.get("/health")
        assert health.status_code == 503
        body = health.json()
        assert body["status"] == "unavailable" and not body["chain"]["reachable"] and body["database"]["reachable"]
        assert "RWAKIT_RPC_URL" in body["chain"]["error"] or "No JSON-RPC node" in body["chain"]["error"]
        refused(client.get("/assets", headers={"X-API-Key": key}), 503, "chain_unavailable")


def test_no_deployment_is_503_with_what_to_do(tmp_path: Path, anvil: LocalNode) -> None:
    settings = _settings(tmp_path, rpc_url=anvil.url)
    engine = make_engine(f"sqlite:///{tmp_path / 'api.db'}")
    migrate(engine)
    with Session(engine) as session:
        _, key = create_api_key(session, role="admin")
    with TestClient(create_app(settings, engine=engine)) as client:
        body = client.get("/health").json()
        assert (
            body["chain"]["reachable"]
            and not body["contracts"]["deployed"]
            and "rwakit deploy" in body["contracts"]["error"]
        )
        refused(client.get("/assets", headers={"X-API-Key": key}), 503, "deployment_missing")


def test_database_unreachable_is_503(tmp_path: Path, chain: Chain, platform: Platform) -> None:
    engine = make_engine(f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    own = Platform.open(chain, platform.deployment)  # the app routes its journal to the dead database
    with TestClient(create_app(_settings(tmp_path), platform=own, engine=engine)) as client:
        health = client.get("/health")
        assert health.status_code == 503
        body = health.json()
        assert not body["database"]["reachable"] and body["chain"]["reachable"] and body["contracts"]["deployed"]
        refused(client.get("/assets", headers={"X-API-Key": "rwk_00000000_" + "x" * 40}), 503, "database_unavailable")


def test_405_allows_every_method_of_the_path(api: Api) -> None:
    """Starlette named only the first route's methods; /assets/{asset}/documents/{name} has three."""
    answer = api.admin.request("POST", "/assets/HVT/documents/prospectus")
    refused(answer, 405, "method_not_allowed")
    assert answer.headers["Allow"] == "DELETE, GET, PUT"
    # /issuances/batch is not an issuance id: GET there is 405, not 422 for the id
    batch = api.admin.get("/issuances/batch")
    assert batch.status_code == 405 and batch.headers["Allow"] == "POST", batch.text


def test_the_schema_documents_errors_and_timestamps(api: Api) -> None:
    spec = ok(api.anonymous.get("/openapi.json"))
    error = {"$ref": "#/components/schemas/ErrorPublic"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"413", "422", "503"} <= set(responses), (method, path)
            if path != "/health":
                assert responses["401"]["content"]["application/json"]["schema"] == error, (method, path)
    key = ok(api.admin.get("/me"))
    assert key["created_at"].endswith("Z") or key["created_at"].endswith("+00:00"), key
