"""Headless sub-commands (`latentview embed`, …): same services as the window, printed results."""
