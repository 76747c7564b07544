"""Knowledge base: articles, search, feedback."""
