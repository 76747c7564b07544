"""Case types, service definitions, playbooks, triggers, time rules and macros."""
