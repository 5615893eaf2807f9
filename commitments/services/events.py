"""The one hook every service calls when something happens to a commitment.

Kept tiny so the workflow can call it from each transition without knowing who listens:
today the listeners are webhooks; anything else that reacts to events joins here.
"""

from __future__ import annotations

from typing import Any

from ..models import Commitment, WebhookEvent

EVENTS = tuple(WebhookEvent.values)


def commitment_event(
    *, commitment: Commitment, event: str, old_status: str = "", actor: Any = None
) -> None:
    """Announce `event` ("created", "status_changed", "overdue", "closed") for `commitment`.

    Call it inside the service's transaction, after the save: deliveries are recorded in the
    same transaction and sent only once it commits. `actor` is accepted for future listeners.
    """
    from .webhooks import webhook_deliveries_create

    webhook_deliveries_create(commitment=commitment, event=event, old_status=old_status)
