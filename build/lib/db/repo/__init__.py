"""Repositories: the only modules that speak SQL."""
