"""SLA: business calendars, policies, clocks, the breach sweep."""
