"""Safety events for staff: messages on any channel the risk check found at risk (``/api/v1/safety-events``)."""
