"""The case: master record, lifecycle, timeline, messages, links."""
