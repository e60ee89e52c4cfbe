"""Health: is the chain reachable, are the platform's contracts deployed there, does the database answer.

The chain is asked through a connection of its own with a short timeout, so a node that hangs makes
/health answer "unavailable" in about HEALTH_TIMEOUT seconds, whatever the platform's RPC timeout.
"""

from __future__ import annotations

import requests
from web3 import Web3
from web3.exceptions import Web3Exception
from web3.providers.rpc import HTTPProvider

from rwakit.api.runtime import Runtime
from rwakit.api.schemas.platform import ChainHealth, ContractsHealth, DatabaseHealth, HealthPublic
from rwakit.chain.connection import http_web3
from rwakit.db import ping
from rwakit.db.engine import DatabaseUnavailable
from rwakit.deployment import Deployment
from rwakit.errors import RwakitError
from rwakit.platform import connect, node_url

CHAIN_ERRORS = (RwakitError, requests.RequestException, Web3Exception, OSError)
HEALTH_TIMEOUT = 2.0


def check(runtime: Runtime) -> HealthPublic:
    database = DatabaseHealth(reachable=True, backend=runtime.engine.url.get_backend_name())
    try:
        ping(runtime.engine)
    except DatabaseUnavailable as exc:
        database.reachable, database.error = False, exc.message

    platform = runtime.platform_if_open
    w3: Web3 | None = None
    chain = ChainHealth(reachable=False)
    try:
        w3 = _probe(runtime)
        chain.chain_id, chain.block_number = int(w3.eth.chain_id), int(w3.eth.block_number)
        chain.reachable = True
    except requests.Timeout:
        chain.error = f"The chain's node did not answer within {HEALTH_TIMEOUT:g} s"
    except requests.ConnectionError:
        chain.error = f"No JSON-RPC node answers at {getattr(w3.provider if w3 else None, 'endpoint_uri', '')}"
    except CHAIN_ERRORS as exc:
        chain.error = getattr(exc, "message", None) or f"The chain's node does not answer: {type(exc).__name__}"

    contracts = ContractsHealth(deployed=False)
    try:
        deployment = platform.deployment if platform else Deployment.load(runtime.settings.deployment_file)
        contracts.registry, contracts.factory = deployment.registry, deployment.factory
        if w3 is not None and chain.reachable:
            if deployment.chain_id != chain.chain_id:
                contracts.error = (
                    f"The deployment is on chain {deployment.chain_id}, the node is chain {chain.chain_id}"
                )
            else:
                codes = [
                    w3.eth.get_code(Web3.to_checksum_address(a)) for a in (deployment.registry, deployment.factory)
                ]
                contracts.deployed = all(codes)
                if not contracts.deployed:
                    contracts.error = "No contract code at the deployment's addresses: run `rwakit deploy`"
    except CHAIN_ERRORS as exc:
        contracts.error = getattr(exc, "message", None) or type(exc).__name__

    ok = database.reachable and chain.reachable and contracts.deployed
    return HealthPublic(status="ok" if ok else "unavailable", chain=chain, contracts=contracts, database=database)


def _probe(runtime: Runtime) -> Web3:
    """The platform's node (or the one settings name) over HTTP with the health timeout; an in-process
    chain as it is."""
    platform = runtime.platform_if_open
    if platform is None:
        if runtime.settings.chain_kind == "tester":
            return connect(runtime.settings).w3
        return http_web3(node_url(runtime.settings), HEALTH_TIMEOUT)
    provider = platform.chain.w3.provider
    return (
        http_web3(str(provider.endpoint_uri), HEALTH_TIMEOUT)
        if isinstance(provider, HTTPProvider)
        else platform.chain.w3
    )
