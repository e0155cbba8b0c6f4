"""Matrix entries for the WeChat messages endpoints added after the matrix was first written."""

from __future__ import annotations

from tests.console.matrix_base import ADMIN, EVERYONE, Entry

ENTRIES = {
    # An id that does not exist: admins get past authorization (404 about the message itself is not
    # "ok", so the call names a message nobody can rerun — 409/404 — see the ok rule below).
    ("POST", "/api/v1/wechat/messages/{message_id}/rerun"): Entry(
        ADMIN,
        EVERYONE - ADMIN,
        lambda w: ("POST", f"/api/v1/wechat/messages/{w.ids['inbound_message']}/rerun", {}),
    ),
}


async def extend_world(session, county, accounts, world) -> None:
    from sqlalchemy import select

    from app.inbound import service as inbound_service
    from app.inbound.models import InboundMessage
    from tests.factories import NOW

    # A handled message: rerunning it is refused with 409, which is past authorization.
    await inbound_service.store_handled(
        session,
        app="oa",
        fields={
            "ToUserName": "gh_x",
            "FromUserName": "oMatrix",
            "CreateTime": "1",
            "MsgType": "event",
            "Event": "VIEW",
        },
        key="matrix-rerun",
        now=NOW,
        reply=None,
        report_id=None,
    )
    world.ids["inbound_message"] = await session.scalar(
        select(InboundMessage.id).where(InboundMessage.from_openid == "oMatrix")
    )
