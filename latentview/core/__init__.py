"""Qt-free, torch-free model of latentview: datasets, selections, geometry, neighbours.

Only numpy is imported here; tests/test_layers.py proves it.
"""
