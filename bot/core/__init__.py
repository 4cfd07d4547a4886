"""Foundations every layer may use: settings, the clock, logging."""
