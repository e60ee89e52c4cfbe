"""API keys over HTTP: an admin creates, lists and revokes them."""

from __future__ import annotations

from sqlmodel import Session

from rwakit.api.schemas.platform import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from rwakit.db.keys import ApiKey, Role, create_api_key
from rwakit.platform import Platform


def create(*, session: Session, platform: Platform, data: ApiKeyCreate) -> ApiKeyCreated:
    if data.role is Role.INVESTOR and data.investor_id is not None:
        platform.registry.get(data.investor_id)  # 404 for an investor the registry does not know
    row, plain = create_api_key(session, role=data.role, investor_id=data.investor_id, name=data.name)
    return ApiKeyCreated(**key_public(row).model_dump(), key=plain)


def key_public(row: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(
        prefix=row.prefix,
        role=Role(row.role),
        investor_id=row.investor_id,
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
