"""Routing: queues, skills, capacity, presence, assignment."""
