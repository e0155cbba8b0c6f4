"""Recording what wx.requestSubscribeMessage returned: each accept buys exactly one message.

One accept reaches us twice when the mini program's message push is configured: WeChat pushes
subscribe_msg_popup_event, and the front end posts the same result here. Counting both would promise
sends WeChat then refuses, so the push (WeChat's own word, which nobody can forge) is the one source
whenever it is configured (`WECHAT_MP_TOKEN` set); without it, this endpoint is.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from app.http.deps import NowDep, SessionDep, SettingsDep
from app.notifications import service as notifications_service
from app.notifications.models import SubscribeGrant
from miniprogram_api.deps import CurrentVillager
from miniprogram_api.schemas import SubscriptionsIn, SubscriptionsOut

router = APIRouter(prefix="/subscriptions", tags=["mini program: subscriptions"])


@router.post("", response_model=SubscriptionsOut)
async def record_subscriptions(
    body: SubscriptionsIn, me: CurrentVillager, session: SessionDep, settings: SettingsDep, now: NowDep
) -> SubscriptionsOut:
    if not settings.wechat_mp_token:
        accepted = [template_id for template_id, result in body.results.items() if result == "accept"]
        await notifications_service.record_subscribe_grants(
            session, villager_id=me.id, template_ids=accepted, now=now
        )
        await session.commit()
    rows = await session.execute(
        select(SubscribeGrant.template_id, SubscribeGrant.remaining).where(
            SubscribeGrant.villager_id == me.id, SubscribeGrant.template_id.in_(list(body.results))
        )
    )
    return SubscriptionsOut(granted={template_id: remaining for template_id, remaining in rows.all()})
