"""Group robots (钉钉 / 企业微信 / 飞书) as a reminder channel: platforms (signing, payloads,
answers), pacing (per-robot rate limit), compose (a unit's digest), delivery (claim, send)."""
