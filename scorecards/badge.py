"""The navigation's "Awaiting my sign-off" badge, kept in the session for half a minute.

Every page shows it to people who sign, and counting the queue costs more than most pages'
own queries; a badge that trails others' submissions by up to 30 seconds is what people expect
of a notification count. The signer's own signature clears it at once, and pages that load the
whole queue (the inbox, the dashboard) count it exactly.
"""

import time

from . import selectors

SESSION_KEY = "signoff_badge"
BADGE_SECONDS = 30


def signoff_badge(request) -> str | None:
    """The badge for the signed-in user ("3", "99+"), or None if they sign for no role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    queue = getattr(user, selectors.QUEUE_ATTRIBUTE, None)
    now = time.time()
    cached = request.session.get(SESSION_KEY)
    fresh = bool(cached) and cached[0] == user.pk and 0 <= now - cached[2] < BADGE_SECONDS
    if queue is None and fresh:
        return cached[1]
    badge = selectors.awaiting_signoff_badge(user, queue)
    if not (fresh and cached[1] == badge):  # no session write when nothing changed
        request.session[SESSION_KEY] = [user.pk, badge, now]
    return badge


def forget_signoff_badge(request) -> None:
    """After the user signed: the next page counts afresh."""
    request.session.pop(SESSION_KEY, None)
