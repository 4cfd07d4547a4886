"""Wizards declared step by step: the engine (engine.py), the steps' shared pieces (reading.py,
address_check.py) and the request wizard, one module per step or group of steps (request/)."""
